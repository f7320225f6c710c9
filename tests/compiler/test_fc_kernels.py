"""FULLY_CONNECTED's kernel sets against the reference kernel on seeded random layers: output rows that are
not a multiple of the four-row pass, odd input lengths and ones beyond the Cortex-M3 twin's 256-input lane
chunk, input zero points at both ends of int8, multipliers at both ends of their range, left and right shifts,
huge biases, narrow activation ranges, batches, layers without their scratch. Each build reads the weights in
the layout the compiler writes for it (ops/_fc_layout.py): the DSP twin and the M3 twin portable on the host,
then on their instruction sets under QEMU (mps2-an386 Cortex-M4, mps2-an385 Cortex-M3), where the assembly
loops run. The reference kernel (rows) is checked against TFLite Micro by the operator tests; here it also
reads the other two layouts. The class decision's logits come from the same accumulators and are compared too."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ecgcc.ops import Target, fully_connected
from ecgcc.ops._fc_layout import M3_LANES, ROWS, SMLAD_BLOCKS, lay_out, weight_matrix
from support import CFLAGS, KERNELS

HERE = Path(__file__).parent
DRIVER = HERE / "fc_cases_driver.c"
LINK = HERE / "qemu_m4" / "link.ld"
SOURCES = [KERNELS / "reference" / "fully_connected.c", KERNELS / "reference" / "decision.c",
           KERNELS / "dsp" / "fully_connected.c", KERNELS / "m3" / "fully_connected.c"]
# (out_depth, in_depth) every run includes: whole and partial blocks, inputs short of a word, a word plus a
# few, exactly one M3 chunk, one past it, several chunks with a tail
FIXED_SHAPES = [(1, 1), (3, 2), (4, 4), (5, 3), (7, 1), (2, 9), (8, 256), (6, 257), (9, 515), (13, 640),
                (4, 7), (128, 12), (17, 33)]
RANDOM_CASES = 27
SEED = 16


def make_cases(seed: int = SEED) -> list[dict]:
    rng = np.random.default_rng(seed)
    shapes = FIXED_SHAPES + [(int(rng.integers(1, 25)), int(rng.integers(1, 300))) for _ in range(RANDOM_CASES)]
    cases = []
    for n, (out_depth, in_depth) in enumerate(shapes):
        batches = int(rng.integers(1, 4)) if n % 3 == 0 else 1
        zero_point = [-128, 127, int(rng.integers(-128, 128))][n % 3]
        weights = rng.integers(-127, 128, (out_depth, in_depth)).astype(np.int8)
        if n % 5 == 1:   # weights at the ends of int8 (the M3 lanes' largest sums)
            weights = np.where(rng.random(weights.shape) < 0.5, -127, 127).astype(np.int8)
        x = rng.integers(-128, 128, batches * in_depth).astype(np.int8)
        if n % 4 == 2:
            x[:] = -128 if n % 8 == 2 else 127
        huge = n % 6 == 5
        bias = rng.integers(-(1 << 30), 1 << 30, out_depth) if huge else rng.integers(-40000, 40000, out_depth)
        if n % 7 == 3:
            bias = None
        if n % 4 == 0:   # one requantization for every row: the uniform entry point
            multiplier = np.full(out_depth, [1 << 30, (1 << 31) - 1, int(rng.integers(1 << 30, 1 << 31))][n % 3])
            shift = np.full(out_depth, int(rng.integers(-31, 0)))
        else:
            multiplier = rng.integers(1 << 30, 1 << 31, out_depth)
            multiplier[rng.random(out_depth) < 0.2] = (1 << 31) - 1
            multiplier[rng.random(out_depth) < 0.2] = 1 << 30
            shift = np.where(rng.random(out_depth) < 0.15, rng.integers(0, 4, out_depth),
                             rng.integers(-31, 0, out_depth))
        narrow = n % 5 == 4
        act_min = int(rng.integers(-128, 0)) if narrow else -128
        act_max = int(rng.integers(act_min, 128)) if narrow else 127
        input_offset = -zero_point
        sums = weights.astype(np.int64).sum(axis=1)
        folded = (0 if bias is None else bias.astype(np.int64)) + input_offset * sums
        folded = ((folded + 2**31) % 2**32 - 2**31).astype(np.int64)
        cases.append(dict(batches=batches, in_depth=in_depth, out_depth=out_depth, input_offset=input_offset,
                          output_offset=int(rng.integers(-128, 128)), act_min=act_min, act_max=act_max,
                          weights=weights, bias=bias, folded=folded, multiplier=multiplier, shift=shift, input=x,
                          uniform=n % 4 == 0, without_scratch=n % 9 == 8))
    return cases


def _array(ctype: str, name: str, values) -> str:
    body = ",".join(str(int(v)) for v in np.asarray(values).reshape(-1))
    return f"static const {ctype} {name}[] __attribute__((aligned(16))) = {{{body}}};\n"


def write_cases(cases: list[dict], layout: int, folder: Path, blocks_entry: bool | None = None) -> None:
    """fc_cases.h: every case with its weights in `layout` and the scratch the compiler would plan for it, run
    through the blocks' entry points (as the compiler calls them on such layers) or the general ones."""
    blocks_entry = layout == SMLAD_BLOCKS if blocks_entry is None else blocks_entry
    folder.mkdir(parents=True, exist_ok=True)
    text, params, inputs = [], [], []
    max_scratch = 16
    for n, c in enumerate(cases):
        laid = lay_out(c["weights"], layout)
        assert np.array_equal(weight_matrix(laid, layout, c["out_depth"], c["in_depth"]), c["weights"])
        text += [_array("int8_t", f"c{n}_weights", laid), _array("int8_t", f"c{n}_input", c["input"]),
                 _array("int32_t", f"c{n}_folded", c["folded"]), _array("int32_t", f"c{n}_multiplier", c["multiplier"]),
                 _array("int32_t", f"c{n}_shift", c["shift"])]
        if c["bias"] is not None:
            text.append(_array("int32_t", f"c{n}_bias", c["bias"]))
        kernel = SimpleNamespace(params=dict(in_depth=c["in_depth"], out_depth=c["out_depth"], weights_layout=layout))
        scratch = [] if c["without_scratch"] else fully_connected.scratch_bytes(kernel, Target())
        scratch_bytes = scratch[0] if scratch else 0
        max_scratch = max(max_scratch, scratch_bytes)
        params.append(
            f"{{.batches = {c['batches']}, .in_depth = {c['in_depth']}, .out_depth = {c['out_depth']}, "
            f".input_offset = {c['input_offset']}, .output_offset = {c['output_offset']}, .act_min = {c['act_min']}, "
            f".act_max = {c['act_max']}, .weights = c{n}_weights, .bias = {'NULL' if c['bias'] is None else f'c{n}_bias'}, "
            f".folded_bias = c{n}_folded, .multiplier = c{n}_multiplier, .shift = c{n}_shift, "
            f".weights_layout = {layout}, .scratch = {'fc_scratch' if scratch_bytes else 'NULL'}, "
            f".scratch_bytes = {scratch_bytes}}}")
        inputs.append(f"c{n}_input")
    max_output = max(c["batches"] * c["out_depth"] for c in cases)
    header = [f"#define FC_BLOCKS_ENTRY {int(blocks_entry)}\n#define FC_CASES {len(cases)}\n#define FC_MAX_OUTPUT {max_output}\n",
              f"#define FC_MAX_ROWS {max(c['out_depth'] for c in cases)}\n",
              f"static uint32_t fc_scratch[{max_scratch // 4 + 1}] __attribute__((aligned(16), unused));\n", *text,
              "static const ecg_fully_connected_params_t fc_cases[FC_CASES] = {\n  " + ",\n  ".join(params) + "};\n",
              "static const int8_t *const fc_inputs[FC_CASES] = {" + ", ".join(inputs) + "};\n",
              "static const int fc_uniform[FC_CASES] = {" + ", ".join(str(int(c["uniform"])) for c in cases) + "};\n"]
    (folder / "fc_cases.h").write_text("".join(header))


def run_host(cases, layout: int, defines: list[str], work: Path, blocks_entry: bool | None = None) -> list[str]:
    write_cases(cases, layout, work, blocks_entry)
    exe = work / "driver"
    subprocess.run(["gcc", *CFLAGS, *defines, f"-I{KERNELS / 'include'}", f"-I{work}", str(DRIVER),
                    *map(str, SOURCES), "-o", str(exe)], check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=60).stdout.splitlines()


CPU_FLAGS = {"mps2-an386": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
             "mps2-an385": ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"]}


def run_qemu(cases, layout: int, machine: str, work: Path) -> list[str]:
    write_cases(cases, layout, work)
    elf = work / "driver.elf"
    subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                    *CPU_FLAGS[machine], "-ffunction-sections", "-fdata-sections", "-nostartfiles",
                    "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections", f"-T{LINK}",
                    f"-I{KERNELS / 'include'}", f"-I{work}", str(DRIVER), *map(str, SOURCES), "-o", str(elf)],
                   check=True, capture_output=True, text=True)
    done = subprocess.run(["qemu-system-arm", "-M", machine, "-nographic", "-monitor", "none",
                           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                          capture_output=True, text=True, timeout=120, check=True)
    return [line for line in (done.stdout + done.stderr).splitlines() if line[:2].isalpha() and line[2:3] == " "]


def assert_same_lines(want: list[str], got: list[str], what: str) -> None:
    assert len(want) == len(got) == len(make_cases()), f"{what}: {len(got)} cases printed, {len(want)} expected"
    for n, (a, b) in enumerate(zip(want, got)):
        assert a == b, f"{what}: case {n} differs from the reference kernel"


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> list[str]:
    """The reference kernel on row-major weights."""
    return run_host(make_cases(), ROWS, ["-DECGCC_REFERENCE_KERNELS"], tmp_path_factory.mktemp("reference"))


HOST_BUILDS = {
    "reference reading the DSP blocks": (SMLAD_BLOCKS, ["-DECGCC_REFERENCE_KERNELS"]),
    "reference reading the M3 lanes": (M3_LANES, ["-DECGCC_REFERENCE_KERNELS"]),
    "DSP twin on its blocks": (SMLAD_BLOCKS, ["-DECGCC_DSP_EMULATE"]),
    "DSP twin on rows": (ROWS, ["-DECGCC_DSP_EMULATE"]),
    "DSP twin's general entry points on DSP blocks": (SMLAD_BLOCKS, ["-DECGCC_DSP_EMULATE"], False),
    "reference's general entry points on DSP blocks": (SMLAD_BLOCKS, ["-DECGCC_REFERENCE_KERNELS"], False),
    "M3 twin's blocks entry points on M3 lanes": (M3_LANES, ["-DECGCC_M3_EMULATE"], True),
    "DSP twin on M3 lanes": (M3_LANES, ["-DECGCC_DSP_EMULATE"]),
    "M3 twin on its lanes": (M3_LANES, ["-DECGCC_M3_EMULATE"]),
    "M3 twin on rows": (ROWS, ["-DECGCC_M3_EMULATE"]),
    "M3 twin on DSP blocks": (SMLAD_BLOCKS, ["-DECGCC_M3_EMULATE"]),
}


@pytest.mark.parametrize("build", sorted(HOST_BUILDS))
def test_fc_kernels_on_the_host_equal_the_reference(build, expected, tmp_path):
    layout, defines, *blocks_entry = HOST_BUILDS[build]
    assert_same_lines(expected, run_host(make_cases(), layout, defines, tmp_path, *blocks_entry), build)


needs_arm_and_qemu = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                        reason="arm-none-eabi-gcc and qemu-system-arm needed")


@needs_arm_and_qemu
@pytest.mark.parametrize("machine,layout", [("mps2-an386", SMLAD_BLOCKS), ("mps2-an385", M3_LANES)])
def test_fc_assembly_loops_equal_the_reference(machine, layout, expected, tmp_path):
    """The DSP twin's block loop (Cortex-M4) and the M3 twin's lane loop (Cortex-M3) as the cores run them."""
    assert_same_lines(expected, run_qemu(make_cases(), layout, machine, tmp_path), machine)


def test_cases_cover_what_they_claim():
    cases = make_cases()
    assert any(c["out_depth"] % 4 and c["out_depth"] > 4 for c in cases)
    assert any(c["in_depth"] % 2 for c in cases) and any(c["in_depth"] > 512 for c in cases)
    assert {128, -127} <= {c["input_offset"] for c in cases}
    assert any((c["multiplier"] == (1 << 31) - 1).any() for c in cases)
    assert any((c["shift"] >= 0).any() for c in cases) and any(c["without_scratch"] for c in cases)
    assert any(c["uniform"] for c in cases) and any(c["batches"] > 1 for c in cases)


@pytest.mark.parametrize("layout", [ROWS, SMLAD_BLOCKS, M3_LANES])
def test_layouts_hold_the_same_bytes(layout):
    """Reordered, not padded: the layout costs no flash, and reads back to the matrix."""
    rng = np.random.default_rng(layout)
    for out_depth, in_depth in FIXED_SHAPES:
        w = rng.integers(-128, 128, (out_depth, in_depth)).astype(np.int8)
        laid = lay_out(w, layout)
        assert laid.size == w.size
        assert np.array_equal(weight_matrix(laid, layout, out_depth, in_depth), w)
