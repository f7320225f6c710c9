"""--board with a description file of one's own chip: the parts in boards/parts/ read as their datasheets
say, the compile report states whether and by how much the model fits, the core picks the kernels, and a
broken file is refused with one line naming the field and the rule."""
import json
import re

import pytest

from tests.cli_errors import one_error_line, run_cli

from support import ROOT

REFERENCE = ROOT / "compiler" / "ecgcc" / "reference_model" / "model_int8.tflite"
PARTS = ROOT / "boards" / "parts"
KB = 1024

# (file, core, flash KB, RAM KB, kernels): the figures of the parts' datasheets
DATASHEET = [
    ("stm32l476rg.toml", "cortex-m4", 1024, 128, "dsp"),
    ("nrf52840.toml", "cortex-m4", 1024, 256, "dsp"),
    ("nrf5340-app.toml", "cortex-m33", 1024, 512, "dsp"),
    ("apollo4-plus.toml", "cortex-m4", 2048, 2816, "dsp"),
    ("rp2040.toml", "cortex-m0plus", 2048, 264, "reference"),
    ("esp32-s3.json", "xtensa-lx7", 8192, 512, "reference"),
]


def test_every_example_part_is_described():
    assert sorted(p.name for p in PARTS.iterdir()) == sorted(row[0] for row in DATASHEET)


@pytest.mark.parametrize("name,core,flash_kb,ram_kb,kernels", DATASHEET)
def test_example_parts_read_as_their_datasheets_say(name, core, flash_kb, ram_kb, kernels):
    from ecgcc.board_fit import kernel_set
    from ecgcc.boards import load_board
    from ecgcc.ops import Target

    board = load_board(str(PARTS / name))
    assert (board.info["core"], board.flash_bytes, board.ram_bytes) == (core, flash_kb * KB, ram_kb * KB)
    assert kernel_set(board) == kernels
    assert Target.of_board(board).dsp_kernels == (kernels == "dsp")   # what the compiler plans scratch for
    assert 0 < board.model_flash_bytes <= board.flash_bytes and 0 < board.model_ram_bytes <= board.ram_bytes


@pytest.mark.parametrize("part,kernels", [("stm32l476rg.toml", "dsp"), ("rp2040.toml", "reference")])
def test_compile_report_states_the_fit_and_the_kernels(tmp_path, capsys, part, kernels):
    status, out, err = run_cli(["compile", REFERENCE, "--board", PARTS / part, "--out", tmp_path], capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "report.json").read_text())
    board = report["board"]
    assert board["kernels"] == kernels and board["description_file"].endswith(part)
    for memory, needed in (("flash", report["total"]["flash_bytes"]), ("ram", report["total"]["arena_bytes"])):
        fit = board["fit"][memory]
        assert fit["needed_bytes"] == needed > 0
        assert fit["margin_bytes"] == fit["budget_bytes"] - needed and fit["fits"]
        assert fit["margin_percent"] == pytest.approx(100 * fit["margin_bytes"] / fit["budget_bytes"], abs=0.05)
    assert f"{kernels} kernels" in out and out.count(": fits, margin") == 2


def test_stm32l476_budget_is_the_first_sram_block(tmp_path, capsys):
    run_cli(["compile", REFERENCE, "--board", PARTS / "stm32l476rg.toml", "--out", tmp_path], capsys)
    fit = json.loads((tmp_path / "report.json").read_text())["board"]["fit"]
    assert fit["ram"]["budget_bytes"] == 96 * KB and fit["flash"]["budget_bytes"] == 768 * KB   # 75 % default


def test_a_model_too_big_for_the_chip_says_by_how_much(tmp_path, capsys):
    tiny = tmp_path / "tiny.toml"
    tiny.write_text('name = "tiny"\ncore = "cortex-m0plus"\nclock_mhz = 48\nflash_kb = 64\nram_kb = 4\n'
                    'model_ram_kb = 2\n')
    status, _, err = run_cli(["compile", REFERENCE, "--board", tiny, "--out", tmp_path / "o"], capsys)
    line = one_error_line(status, err)
    needed = int(re.search(r"needs an arena of (\d+) bytes", line).group(1))
    over = int(re.search(r"model_ram_bytes=2048 \(over by (\d+) bytes\)", line).group(1))
    assert "model does not fit" in line and over == needed - 2048 > 0
    assert not (tmp_path / "o").exists()


VALID = dict(name="mychip", core="cortex-m4", dsp=True, fpu=True, clock_mhz=80, flash_kb=512, ram_kb=96)


def _toml(fields: dict) -> str:
    def value(v):
        return "true" if v is True else "false" if v is False else json.dumps(v)
    return "".join(f"{k} = {value(v)}\n" for k, v in fields.items())


BROKEN = [
    # (what is changed, field named, words of the rule)
    (dict(flash_kb=None), "flash_kb", "is required"),
    (dict(ram_kb=-1), "ram_kb", "between 1 and"),
    (dict(ram_kb=1.5), "ram_kb", "whole number"),
    (dict(flash_kb="1 MB"), "flash_kb", "whole number"),
    (dict(core="cortex-m9"), "core", "must be one of"),
    (dict(core="cortex-m3", fpu=False), "dsp", "has no Arm DSP extension"),
    (dict(core="cortex-m0plus", dsp=None), "fpu", "no floating-point unit"),
    (dict(core="cortex-m33", dsp=None), "dsp", "is required for cortex-m33"),
    (dict(core="xtensa-lx7"), "dsp", "Arm instructions"),
    (dict(dsp="yes"), "dsp", "true or false"),
    (dict(clock_mhz=0), "clock_mhz", "above 0"),
    (dict(name="../../etc"), "name", "letters, digits"),
    (dict(model_ram_kb=200), "model_ram_kb", "between 1 and 96"),
    (dict(flash_kbytes=512), "flash_kbytes", "unknown field"),
]


@pytest.mark.parametrize("change,field,rule", BROKEN, ids=[b[1] + "-" + b[2].split()[0] for b in BROKEN])
def test_broken_description_is_refused_naming_field_and_rule(tmp_path, capsys, change, field, rule):
    fields = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    path = tmp_path / "chip.toml"
    path.write_text(_toml(fields))
    status, _, err = run_cli(["compile", REFERENCE, "--board", path, "--out", tmp_path / "o"], capsys)
    line = one_error_line(status, err)
    assert f"field '{field}'" in line and rule in line and "chip.toml" in line, line
    assert "hint: " in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("content,suffix,rule", [
    ("name = \n", ".toml", "not valid TOML"),
    ("{\"name\": ", ".json", "not valid JSON"),
    ("[1, 2]", ".json", "must be a table"),
    ("\xff\xfe", ".toml", "not UTF-8"),
])
def test_unreadable_description_is_refused(tmp_path, capsys, content, suffix, rule):
    path = tmp_path / ("chip" + suffix)
    path.write_bytes(content.encode("latin-1"))
    status, _, err = run_cli(["compile", REFERENCE, "--board", path, "--out", tmp_path / "o"], capsys)
    assert rule in one_error_line(status, err)


def test_missing_description_file_and_unknown_name(tmp_path, capsys):
    status, _, err = run_cli(["compile", REFERENCE, "--board", tmp_path / "none.toml", "--out", tmp_path / "o"],
                             capsys)
    assert "no such file" in one_error_line(status, err)
    with pytest.raises(SystemExit) as stop:   # argparse: neither a board name nor a description file
        run_cli(["compile", REFERENCE, "--board", "qemu-m5", "--out", tmp_path / "o"], capsys)
    assert stop.value.code == 2


def test_gcc_flags_follow_the_core():
    from ecgcc.board_description import compiler_flags
    assert compiler_flags(dict(core="cortex-m4", dsp_extension=True, fpu=True)) == [
        "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
    assert compiler_flags(dict(core="cortex-m33", dsp_extension=False, fpu=False)) == [
        "-mcpu=cortex-m33+nodsp", "-mthumb", "-mfloat-abi=soft"]
    assert compiler_flags(dict(core="xtensa-lx7", dsp_extension=False, fpu=True)) == []
