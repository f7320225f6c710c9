"""The instruction counts and stack figures that INFER replies carry, and that `ecgcc bench` and `ecgcc hil`
report, checked on each emulated board against code of known cost.

The firmware is the small test model's, with its model_invoke() replaced by a loop of known instruction
count (SUBS + BNE per iteration, the iteration count taken from the first input bytes). It runs through
bench's own device code (run_on_board: INFER replies filed by the HIL's record_reply), so the counts come
through the same firmware handler, wire format, parser and summary as every benchmark figure. Each count
less twice its iterations must be the same small constant to within the counter's resolution: a wrong
scale, a count of the wrong span (the reply's sending, say) or a mixed-up field moves it by thousands.
Two vectors then select stack frames of known size in the stand-in, and the stack high-water mark
the replies carry must grow by exactly the difference of the two frames."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from ecgcc import bench, firmware
from ecgcc.harness.device import Device
from ecgcc.harness.emulator import EmulatedBoard
from ecgcc.harness.hil import CompiledModel, HilResult, random_vectors, run_vectors
from ecgcc.reference import Reference

pytestmark = [pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"), reason="arm-none-eabi-gcc not installed"),
              pytest.mark.skipif(not shutil.which("qemu-system-arm"), reason="qemu-system-arm not installed")]

GENERATED_INVOKE = "int model_invoke(void) {\n  return model_invoke_traced(NULL, NULL);\n}"
FRAME_BYTES = 2048
SMALL_FRAME, LARGE_FRAME = b"FRM1", b"FRM2"  # input bytes 3..6 that select a frame; random vectors never do
KNOWN_COST_INVOKE = f"""
/* Test build only: an inference of known cost. SUBS + BNE per iteration; the iteration count comes from
 * the first three input bytes; input bytes 3..6 equal to "FRM1" or "FRM2" first fill a stack frame of
 * {FRAME_BYTES} or {2 * FRAME_BYTES} bytes. */
#define KNOWN_FRAME_BYTES {FRAME_BYTES}u

__attribute__((noinline)) static uint32_t fill_small_frame(uint32_t seed) {{
  volatile uint8_t frame[KNOWN_FRAME_BYTES];
  for (uint32_t i = 0; i < KNOWN_FRAME_BYTES; ++i) frame[i] = (uint8_t)(seed + i);
  return frame[seed % KNOWN_FRAME_BYTES];
}}

__attribute__((noinline)) static uint32_t fill_large_frame(uint32_t seed) {{
  volatile uint8_t frame[2u * KNOWN_FRAME_BYTES];
  for (uint32_t i = 0; i < 2u * KNOWN_FRAME_BYTES; ++i) frame[i] = (uint8_t)(seed + i);
  return frame[seed % (2u * KNOWN_FRAME_BYTES)];
}}

static int selects(const uint8_t *in, const char *tag) {{
  return in[3] == (uint8_t)tag[0] && in[4] == (uint8_t)tag[1] && in[5] == (uint8_t)tag[2] && in[6] == (uint8_t)tag[3];
}}

int model_invoke(void) {{
  const uint8_t *in = (const uint8_t *)model_input(0);
  uint32_t iterations = 1u + in[0] + ((uint32_t)in[1] << 8) + ((uint32_t)(in[2] & 0x0Fu) << 16);
  if (selects(in, "{SMALL_FRAME.decode()}")) (void)fill_small_frame(iterations);
  if (selects(in, "{LARGE_FRAME.decode()}")) (void)fill_large_frame(iterations);
  __asm volatile("1: subs %0, %0, #1\\n bne 1b\\n" : "+r"(iterations) : : "cc");
  return 0;
}}
"""
BOARDS = ["qemu-m4", "qemu-m3"]


def known_iterations(vector) -> int:
    first = np.asarray(vector[0]).reshape(-1).view(np.uint8)
    return 1 + int(first[0]) + (int(first[1]) << 8) + ((int(first[2]) & 0x0F) << 16)


@pytest.fixture(scope="module", params=BOARDS)
def known_cost_build(request, compile_for, small_model_path, tmp_path_factory):
    """(board, model folder, ELF) of the small model's firmware with the known-cost model_invoke."""
    board = request.param
    model_dir = tmp_path_factory.mktemp(f"known-cost-{board}") / "model"
    shutil.copytree(compile_for(small_model_path, board), model_dir)
    source = (model_dir / "model.c").read_text()
    assert source.count(GENERATED_INVOKE) == 1, "the generated model_invoke() changed shape; update this test"
    (model_dir / "model.c").write_text(source.replace(GENERATED_INVOKE, KNOWN_COST_INVOKE))
    return board, model_dir, firmware.build(board, model_dir).path


def constant_parts(counts, vectors) -> list[int]:
    return [count - 2 * known_iterations(vector) for count, vector in zip(counts, vectors)]


def check_known_counts(counts: list[int], vectors, resolution: int) -> None:
    """Every count is twice its iterations plus one constant (call, input reads), to the counter's resolution.

    A count is the difference of two counter readings, each a multiple of the resolution, so it lies less
    than one resolution step from the true count on either side; two counts of the same constant part
    therefore differ from it by less than two steps in all."""
    assert len(counts) == len(vectors) > 0
    rest = constant_parts(counts, vectors)
    assert max(rest) - min(rest) < 2 * resolution, f"counts less the known loop: {rest}"
    # each count may read up to one step under its true value, so a true fixed part >= 0 can show as -step + 1
    assert -resolution < min(rest) <= 400, f"the fixed part of the stand-in's cost is {min(rest)} instructions"


def test_bench_counts_are_the_known_loop_counts(known_cost_build, small_model_path):
    board, model_dir, elf = known_cost_build
    model = CompiledModel.load(model_dir)
    reference = Reference(small_model_path.read_bytes(), decide_classes=True)
    info, result, _trace = bench.run_on_board(board, elf, model, reference, vectors=12)
    vectors = random_vectors(model, 12, seed=1)  # the vectors run_on_board sends
    assert len({known_iterations(v) for v in vectors}) > 8  # the loop really varies, by up to 2 M instructions
    check_known_counts(result.instructions, vectors, info.counter_resolution)
    assert info.counter_resolution == {"qemu-m4": 40, "qemu-m3": 80}[board]
    figures = bench.instruction_figures(result.instructions)
    assert (figures["min"], figures["max"]) == (min(result.instructions), max(result.instructions))


def test_infer_stack_high_water_grows_by_the_known_frame(known_cost_build, small_model_path):
    board, model_dir, elf = known_cost_build
    model = CompiledModel.load(model_dir)
    reference = Reference(small_model_path.read_bytes(), decide_classes=True)
    plain = random_vectors(model, 1, seed=5)[0]

    def selecting(tag: bytes):
        first = plain[0].copy()
        first.reshape(-1)[3:7] = np.frombuffer(tag, np.int8)
        return [first, *plain[1:]]

    marks = []
    with EmulatedBoard(board, elf) as session, Device(session.url, timeout=30) as device:
        for vector in (plain, selecting(SMALL_FRAME), selecting(LARGE_FRAME)):
            result = HilResult(board=board, url=session.url, info={})
            run_vectors(device, reference, [vector], result)
            marks.append(result.stack_high_water)
    before, small, large = marks
    assert small >= before + FRAME_BYTES - 512, marks  # the small frame sets the mark (not other code)
    assert large - small == FRAME_BYTES, marks


def test_the_known_count_check_rejects_a_wrong_scale():
    """Counts taken at half or double the real instructions per tick, or with the reply's sending in them,
    fail the same check that the device's counts pass."""
    vectors = [[np.frombuffer(bytes([b, b * 7 % 256, b % 16]) + bytes(61), np.int8)] for b in (3, 90, 200, 255)]
    honest = [2 * known_iterations(v) + 48 + (-30, 0, 30, 10)[i] for i, v in enumerate(vectors)]
    check_known_counts(honest, vectors, 40)
    for wrong in ([c // 2 for c in honest], [c * 2 for c in honest], [c + 3000 for c in honest],
                  [c + 40 * (i % 2) for i, c in enumerate(honest)]):
        with pytest.raises(AssertionError):
            check_known_counts(wrong, vectors, 40)
