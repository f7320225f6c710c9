"""`ecgcc export`: the library folder builds on its own (plain arm-none-eabi-gcc through its Makefile, a fresh
PlatformIO project, CMake), holds only the kernels the model calls for the core, and its example prints on
QEMU the outputs TensorFlow Lite Micro gives for the same inputs."""
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from support import ROOT

REFERENCE = ROOT / "compiler" / "ecgcc" / "reference_model" / "model_int8.tflite"
GLUE = Path(__file__).with_name("export_glue") / "semihosting_glue.c"
LINK = Path(__file__).with_name("qemu_m4") / "link.ld"          # mps2 memory map: an385 and an386 alike
needs_arm = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                               reason="needs arm-none-eabi-gcc and qemu-system-arm")


def export(out: Path, board: str, model=REFERENCE, vectors: int = 6) -> Path:
    from ecgcc.cli import main
    assert main(["export", "--model", str(model), "--board", board, "--out", str(out),
                 "--example-vectors", str(vectors)]) == 0
    return out


def example_inputs(library: Path) -> list[np.ndarray]:
    """The example's inputs as compiled into it, read back from the C header."""
    text = (library / "examples" / "example_vectors.h").read_text()
    block = text[text.index("example_inputs["):text.index("example_expected[")]
    return [np.array([int(v) for v in body.split(",") if v.strip()], np.int8)
            for body in re.findall(r"\{([^{}]*)\}", block)]


def tflm_outputs(flat_input: np.ndarray) -> list[np.ndarray]:
    """TFLite Micro (pip interpreter) on one flat input, split over the model's inputs."""
    from ecgcc.frontend import parse_tflite
    from ecgcc.reference import Reference
    graph = parse_tflite(REFERENCE.read_bytes())
    record, at = [], 0
    for t in graph.inputs:
        shape = graph.tensors[t].shape
        size = int(np.prod(shape))
        record.append(flat_input[at:at + size].reshape(shape))
        at += size
    return [y.reshape(-1).astype(np.int8) for y in Reference(REFERENCE.read_bytes()).run(record)]


def printed_outputs(text: str) -> dict[tuple[int, int], np.ndarray]:
    found = {}
    for line in text.splitlines():
        if line.startswith("out "):
            _, vector, output, hexed, _, _ = line.split()
            found[(int(vector), int(output))] = np.frombuffer(bytes.fromhex(hexed), np.int8)
    return found


def assert_equal_to_tflm(library: Path, text: str) -> None:
    inputs = example_inputs(library)
    printed = printed_outputs(text)
    assert len(inputs) >= 3 and len(printed) == len(inputs), text
    for v, flat in enumerate(inputs):
        for o, want in enumerate(tflm_outputs(flat)):
            assert np.array_equal(printed[(v, o)], want), f"vector {v} output {o}: {printed[(v, o)]} != {want}"
    assert f"ecgcc example: {len(inputs)} of {len(inputs)} outputs equal" in text


def run_qemu(machine: str, elf: Path) -> tuple[int, str]:
    done = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none",
                           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_only_the_kernels_the_model_calls_in_the_cores_set(tmp_path):
    dsp = export(tmp_path / "m4", "qemu-m4")
    reference = export(tmp_path / "m3", "qemu-m3")
    called = set(re.findall(r"\b(ecg_\w+)\(", (dsp / "src" / "model.c").read_text()))
    called_m3 = set(re.findall(r"\b(ecg_\w+)\(", (reference / "src" / "model.c").read_text()))
    # on the DSP core the convolutions pool their column pairs themselves (passes/pool_into_conv.py)
    # (the first layer, seven taps on two leads, on the two-channel path) and the last convolution takes the
    # unrolled rows of its pixel step (24 channels: 48 bytes)
    assert {"ecg_conv_2d_rows48", "ecg_conv_2d_pooled_rows16", "ecg_conv_2d_pooled_rows32",
            "ecg_conv_2d_pooled_two_channels", "ecg_fully_connected", "ecg_softmax"} <= called
    assert "ecg_max_pool_2d" not in called
    assert {"ecg_conv_2d", "ecg_max_pool_2d", "ecg_fully_connected", "ecg_softmax"} <= called_m3
    m4 = sorted(p.name for p in (dsp / "src").glob("kernel_*.c"))
    m3 = sorted(p.name for p in (reference / "src").glob("kernel_*.c"))
    assert "kernel_dsp_max_pool_2d.c" not in m4 and "kernel_reference_max_pool_2d.c" in m3
    assert "kernel_dsp_conv_2d.c" in m4
    # the DSP CONV_2D falls back on ecg_conv_2d_reference, so the reference source comes along, defining only that
    assert "kernel_reference_conv_2d.c" in m4
    assert "kernel_reference_conv_2d.c" in m3 and not any("_dsp_" in name for name in m3)
    assert "kernel_reference_add.c" not in m4 + m3   # the model has no ADD
    for library in (dsp, reference):
        for name in ("include/ecgcc_model.h", "library.json", "CMakeLists.txt", "Makefile", "examples/main.c",
                     "README.md"):
            assert (library / name).is_file(), name
        assert not (library / "src" / "model.h").exists()   # one API header, in include/


def link_script(folder: Path, flash: tuple[int, str], ram: tuple[int, str]) -> Path:
    """The mps2 test link script moved to another machine's code and data memories."""
    text = LINK.read_text().replace("ORIGIN = 0x00000000, LENGTH = 4M", f"ORIGIN = {flash[0]:#010x}, LENGTH = {flash[1]}")
    text = text.replace("ORIGIN = 0x20000000, LENGTH = 4M", f"ORIGIN = {ram[0]:#010x}, LENGTH = {ram[1]}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "link.ld").write_text(text)
    return folder / "link.ld"


M55_PART = 'name = "m55-part"\ncore = "cortex-m55"\nfpu = true\nclock_mhz = 32\nflash_kb = 512\nram_kb = 512\n'
# (board or part, kernels, QEMU machine, its code and data memories, CPU flags if not the part's own)
ON_QEMU = [
    pytest.param("qemu-m4", "dsp", "mps2-an386", (0x0, "4M"), (0x20000000, "4M"), None, id="mps2-an386"),
    pytest.param("nrf5340-app.toml", "dsp", "mps2-an505", (0x10000000, "4M"), (0x38000000, "2M"), None,
                 marks=pytest.mark.slow, id="mps2-an505"),    # Cortex-M33
    pytest.param("m55", "dsp", "mps3-an547", (0x0, "512K"), (0x20000000, "512K"), None, marks=pytest.mark.slow,
                 id="mps3-an547"),
    # QEMU has no Cortex-M0+ machine: the RP2040 library's reference kernels run on its Cortex-M3
    pytest.param("rp2040.toml", "reference", "mps2-an385", (0x0, "4M"), (0x20000000, "4M"),
                 "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft", id="mps2-an385"),
]


@needs_arm
@pytest.mark.parametrize("board,kernels,machine,flash,ram,cpu_flags", ON_QEMU)
def test_makefile_build_runs_on_qemu_equal_to_tflm(tmp_path, board, kernels, machine, flash, ram, cpu_flags):
    if board == "m55":
        (tmp_path / "m55.toml").write_text(M55_PART)
        board = str(tmp_path / "m55.toml")
    elif board.endswith(".toml"):
        board = str(ROOT / "boards" / "parts" / board)
    library = export(tmp_path / "lib", board)
    assert any(f"kernel_{kernels}_conv_2d.c" == p.name for p in (library / "src").iterdir())
    link = link_script(tmp_path / "link", flash, ram)
    command = ["make", "-s", "-C", str(library), "example", f"EXAMPLE_SOURCES={GLUE}",
               f"LDFLAGS=-nostartfiles --specs=nano.specs --specs=nosys.specs -T{link}"]
    if cpu_flags:
        command.append(f"CPU_FLAGS={cpu_flags}")
    subprocess.run(command, check=True, capture_output=True, text=True)
    status, text = run_qemu(machine, library / "build" / "example.elf")
    assert status == 0, text
    assert_equal_to_tflm(library, text)


COMPILE_ONLY = ["cortex-m0", "cortex-m0plus", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m23", "cortex-m33",
                "cortex-m55"]


@needs_arm
@pytest.mark.slow
@pytest.mark.parametrize("core", COMPILE_ONLY)
def test_library_compiles_for_every_arm_core_with_its_own_flags(tmp_path, core):
    dsp = {"cortex-m33": "dsp = true\n"}.get(core, "")
    fpu = "fpu = true\n" if core in ("cortex-m4", "cortex-m7", "cortex-m33", "cortex-m55") else ""
    (tmp_path / "chip.toml").write_text(f'name = "chip"\ncore = "{core}"\n{dsp}{fpu}clock_mhz = 48\n'
                                        'flash_kb = 256\nram_kb = 64\n')
    library = export(tmp_path / "lib", str(tmp_path / "chip.toml"))
    done = subprocess.run(["make", "-s", "-C", str(library)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (library / "build").glob("libecgcc_*.a")


@needs_arm
def test_fresh_platformio_project_builds_the_library_and_runs_on_qemu_m4(tmp_path):
    from ecgcc.firmware import pio_command, platformio_env
    library = export(tmp_path / "lib", "qemu-m4")
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    for source in [*(library / "examples").iterdir(), GLUE]:
        shutil.copy(source, project / "src")
    shutil.copy(LINK, project / "link.ld")
    (project / "platformio.ini").write_text(
        "[env:qemu-m4]\n"
        f"platform = symlink://{ROOT / 'boards' / 'platform'}\n"
        "board = mps2_an386\n"
        "board_build.ldscript = link.ld\n"
        f"lib_deps = symlink://{library}\n")
    done = subprocess.run(pio_command() + ["run", "-d", str(project)], env=platformio_env(), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Found 1 compatible libraries" in done.stdout or "ecgcc-" in done.stdout
    status, text = run_qemu("mps2-an386", project / ".pio" / "build" / "qemu-m4" / "program.elf")
    assert status == 0, text
    assert_equal_to_tflm(library, text)


def _cmake_example(library: Path, build: Path) -> Path:
    subprocess.run(["cmake", "-S", str(library), "-B", str(build), "-DECGCC_BUILD_EXAMPLE=ON",
                    "-DCMAKE_BUILD_TYPE=Release"], check=True, capture_output=True, text=True)
    subprocess.run(["cmake", "--build", str(build)], check=True, capture_output=True, text=True)
    return next(build.glob("ecgcc_*_example"))


@pytest.mark.skipif(not shutil.which("cmake"), reason="needs cmake")
def test_cmake_build_for_a_part_that_is_not_arm_and_the_example_self_check(tmp_path):
    """ESP32-S3 is not Arm: the reference kernels are portable C, here built with the host's compiler. The
    example's own check (exit status 0 only when every output equals TFLite Micro's) holds, and fails on a
    library whose weights were changed."""
    library = export(tmp_path / "lib", str(ROOT / "boards" / "parts" / "esp32-s3.json"))
    assert subprocess.run([str(_cmake_example(library, tmp_path / "build"))]).returncode == 0
    weights = library / "src" / "model_weights.c"
    text = weights.read_text()
    first = re.search(r"\{\n\s*(-?\d+),", text)
    changed = text[:first.start(1)] + str((int(first.group(1)) + 50) % 128) + text[first.end(1):]
    weights.write_text(changed)
    assert subprocess.run([str(_cmake_example(library, tmp_path / "build-changed"))]).returncode == 1


def test_dsp_library_refuses_to_build_for_a_core_without_dsp(tmp_path):
    library = export(tmp_path / "lib", "qemu-m4")
    done = subprocess.run(["gcc", "-fsyntax-only", "-I", str(library / "src"), "-I", str(library / "include"),
                           str(library / "src" / "kernel_dsp_conv_2d.c")], capture_output=True, text=True)
    assert done.returncode != 0 and "holds the Arm DSP kernels (cortex-m4)" in done.stderr


def test_export_refusals(tmp_path, capsys):
    from ecgcc.cli import main
    assert main(["export", "--model", str(tmp_path / "none"), "--board", "qemu-m4", "--out", str(tmp_path / "o")]) == 2
    assert "not a compiled model folder" in capsys.readouterr().err
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    assert main(["export", "--model", str(REFERENCE), "--board", "qemu-m4", "--out", str(tmp_path / "busy")]) == 2
    assert "is not empty" in capsys.readouterr().err and (tmp_path / "busy" / "keep.txt").exists()
    assert main(["export", "--model", str(REFERENCE), "--board", "qemu-m4", "--out",
                 str(tmp_path / "busy" / "keep.txt")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["export", "--model", str(REFERENCE), "--board", str(tmp_path / "chip.toml"), "--out",
                 str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_hostile_model_name_reaches_no_generated_build_file(tmp_path):
    """The folder's name becomes the model's name: only its identifier form may reach C, JSON or CMake."""
    import json
    hostile = tmp_path / 'm *\\ #error x "{'
    hostile.mkdir()
    (hostile / "model.tflite").write_bytes(REFERENCE.read_bytes())
    library = export(tmp_path / "lib", "qemu-m3", model=hostile)
    for name in ("library.json", "CMakeLists.txt", "Makefile", "README.md", "examples/main.c"):
        text = (library / name).read_text()
        assert "#error x" not in text and 'x "{' not in text, name
    assert json.loads((library / "library.json").read_text())["name"] == "ecgcc-m-error-x"


def test_host_export_takes_the_reference_kernels_and_its_example_passes_natively(tmp_path):
    library = export(tmp_path / "lib", "host")
    assert not any("_dsp_" in p.name for p in (library / "src").iterdir())
    subprocess.run(["make", "-s", "-C", str(library), "example"], check=True, capture_output=True, text=True)
    assert subprocess.run([str(library / "build" / "example.elf")]).returncode == 0


@needs_arm
@pytest.mark.skipif(not shutil.which("cmake"), reason="needs cmake")
def test_cmake_cross_build_for_the_cortex_m4(tmp_path):
    library = export(tmp_path / "lib", "qemu-m4")
    flags = "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
    subprocess.run(["cmake", "-S", str(library), "-B", str(tmp_path / "build"), "-DCMAKE_SYSTEM_NAME=Generic",
                    "-DCMAKE_C_COMPILER=arm-none-eabi-gcc", "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
                    f"-DCMAKE_C_FLAGS={flags}"], check=True, capture_output=True, text=True)
    subprocess.run(["cmake", "--build", str(tmp_path / "build")], check=True, capture_output=True, text=True)
    archive = next((tmp_path / "build").glob("libecgcc_*.a"))
    symbols = subprocess.run(["arm-none-eabi-nm", "--defined-only", str(archive)], check=True, capture_output=True,
                             text=True).stdout
    assert " T model_invoke" in symbols and " T ecg_conv_2d" in symbols
