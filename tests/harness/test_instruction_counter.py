"""Calibration of the instruction counter and the stack high-water mark on each emulated board.

Every instruction count the project reports (INFER, TRACE, bench, stream) is SysTick ticks times the board's
BOARD_INSTRUCTIONS_PER_TICK. This test builds an image from the board's own startup, counter and UART code,
times loops whose instruction count is known from the instruction set (SUBS + BNE per iteration), and
requires the measured difference to equal the known one within the counter's resolution. A wrong scale
constant, a wrong SysTick reload or a lost wrap makes it fail. It also checks the stack painting against a
frame of known size, and that the count never steps back across a SysTick reload whose interrupt is
still pending (interrupts masked), which once made a few busy-instruction totals one period wrong."""
from __future__ import annotations

import configparser
import json
import os
import re
import selectors
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "calibration"
BOARDS = {"qemu-m4": "mps2_an386", "qemu-m3": "lm3s6965evb", "qemu-m3-large": "mps2_an385"}
# The wrap check waits for one whole SysTick period (671 M instructions on qemu-m4, twice that on qemu-m3);
# the counter code is the same file on both, so one board runs it.
WRAP_CHECK_BOARD = "qemu-m4"
INSTRUCTIONS_PER_ITERATION = 2

pytestmark = [pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"), reason="arm-none-eabi-gcc not installed"),
              pytest.mark.skipif(not shutil.which("qemu-system-arm"), reason="qemu-system-arm not installed")]


def build_calibration_image(board: str, out: Path) -> Path:
    platform_board = json.loads((ROOT / "boards/platform/boards" / f"{BOARDS[board]}.json").read_text())
    cpu_flags = platform_board["build"]["cpu_flags"].split()
    elf = out / f"calibrate-{board}.elf"
    # the board layer as its PlatformIO environment builds it: every source of its board folders
    config = configparser.ConfigParser()
    config.read(ROOT / "platformio.ini")
    folders = [ROOT / d for d in config.get(f"env:{board}", "custom_board_dirs").split()]
    sources = [HERE / "calibrate.c", *[c for f in folders for c in sorted(f.glob("*.c"))]]
    wrap = ["-DCALIBRATE_WRAP"] if board == WRAP_CHECK_BOARD else []
    subprocess.run(["arm-none-eabi-gcc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-ffreestanding",
                    *cpu_flags, *wrap, *[f"-I{f}" for f in folders], f"-I{ROOT / 'firmware/app'}",
                    f"-L{ROOT / 'boards/cortex_m'}", "-T", str(ROOT / "boards" / board / "link.ld"),
                    "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections",
                    *map(str, sources), "-o", str(elf)], check=True, capture_output=True, text=True)
    return elf


def run_until_done(board: str, elf: Path, timeout: float = 900.0) -> str:
    """The image's UART lines up to "done". The deadline holds even while QEMU prints nothing (a hung image);
    it is generous because the wrap check alone runs 671 M instructions, minutes on a loaded machine."""
    from ecgcc.harness.emulator import QEMU_MACHINES

    process = subprocess.Popen(["qemu-system-arm", "-M", QEMU_MACHINES[board], "-nographic", "-monitor", "none",
                                "-icount", "shift=0,sleep=off", "-kernel", str(elf), "-serial", "stdio"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = b""
    deadline = time.monotonic() + timeout
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"done" not in [line.strip() for line in output.split(b"\n")[:-1]]:  # whole lines only
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    break
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    break
                output += chunk
    finally:
        process.kill()
        process.wait()
    lines = [line.strip() for line in output.decode(errors="replace").splitlines()]
    assert "done" in lines, f"calibration image on {board} did not finish: {lines}"
    return "\n".join(lines[:lines.index("done") + 1])


def parse(text: str) -> dict:
    spins = {int(n): int(count) for n, count in re.findall(r"^spin (\d+) (\d+)$", text, re.M)}
    resolution = int(re.search(r"^resolution (\d+)$", text, re.M).group(1))
    before, after, frame = map(int, re.search(r"^stack (\d+) (\d+) (\d+)$", text, re.M).groups())
    wrap = re.search(r"^wrap (\d+)$", text, re.M)
    stepped_back = int(wrap.group(1)) if wrap else None
    return {"spins": spins, "resolution": resolution, "stack_before": before, "stack_after": after,
            "frame": frame, "stepped_back_at_masked_wrap": stepped_back}


def check_calibration(measured: dict, board: str) -> None:
    """The known instruction counts to the counter's resolution, and the stack frame, within its call overhead.

    Each count is the difference of two readings that are multiples of the resolution, so it is less than one
    step from the true count either way; the difference of two counts is less than two steps from the known
    difference."""
    config = (ROOT / "boards" / board / "board_config.h").read_text()
    per_tick = int(re.search(r"#define BOARD_INSTRUCTIONS_PER_TICK (\d+)u", config).group(1))
    assert measured["resolution"] == per_tick
    spins = measured["spins"]
    base = min(spins)
    for iterations, count in spins.items():
        known = (iterations - base) * INSTRUCTIONS_PER_ITERATION
        got = count - spins[base]
        assert abs(got - known) < 2 * per_tick, (
            f"{board}: {iterations - base} more loop iterations cost {got} counted instructions, "
            f"the instruction set says {known}")
    if board == WRAP_CHECK_BOARD:
        assert measured["stepped_back_at_masked_wrap"] == 0, (
            f"{board}: the instruction count stepped back by a SysTick period across a wrap whose interrupt was "
            "pending")
    frame = measured["frame"]
    grown = measured["stack_after"]
    assert frame <= grown <= measured["stack_before"] + frame + 256, (
        f"{board}: a {frame}-byte frame left a stack high-water mark of {grown} bytes")


@pytest.mark.parametrize("board", sorted(BOARDS))
def test_instruction_counter_and_stack_painting_are_calibrated(board, tmp_path):
    measured = parse(run_until_done(board, build_calibration_image(board, tmp_path)))
    check_calibration(measured, board)


def test_the_calibration_check_rejects_a_wrong_scale():
    """The same check fails for counts taken with half or double the real instructions per tick."""
    honest = {"spins": {1000: 2040, 101000: 202040, 1001000: 2002040}, "resolution": 40,
              "stack_before": 300, "stack_after": 4400, "frame": 4096, "stepped_back_at_masked_wrap": 0}
    check_calibration(honest, "qemu-m4")
    for factor in (0.5, 2.0):
        wrong = dict(honest, spins={n: int(c * factor) for n, c in honest["spins"].items()})
        with pytest.raises(AssertionError):
            check_calibration(wrong, "qemu-m4")
    with pytest.raises(AssertionError):
        check_calibration(dict(honest, stack_after=1000), "qemu-m4")
    with pytest.raises(AssertionError):
        check_calibration(dict(honest, stepped_back_at_masked_wrap=1), "qemu-m4")
