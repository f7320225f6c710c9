"""DSP twins against the reference kernels on seeded random parameters, many of which no converted model
produces (huge biases, left shifts, windows above the lane limits, every padding and stride): the DSP
build (ECGCC_DSP_EMULATE on the host) must print the same bytes as the reference build. The reference
kernels are themselves checked against TFLite Micro by the operator tests."""
import subprocess

from support import CFLAGS, KERNELS

DRIVER = KERNELS.parents[1] / "tests" / "compiler" / "kernel_twins.c"
CASES = 300
KERNEL_NAMES = ("depthwise_conv_2d", "max_pool_2d", "average_pool_2d", "mean")


def _run(tmp_path, name, defines):
    exe = tmp_path / name
    sources = [str(KERNELS / kind / f"{name}.c") for kind in ("reference", "dsp", "m3") for name in KERNEL_NAMES
               if (KERNELS / kind / f"{name}.c").exists()]
    subprocess.run(["gcc", *CFLAGS, *defines, f"-I{KERNELS / 'include'}", str(DRIVER), *sources, "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    return subprocess.run([str(exe), str(CASES)], check=True, capture_output=True, text=True).stdout.splitlines()


def test_dsp_twins_match_reference_kernels(tmp_path):
    reference = _run(tmp_path, "reference", [])
    dsp = _run(tmp_path, "dsp", ["-DECGCC_DSP_EMULATE"])
    kinds = ["DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN"]
    assert len(reference) == len(dsp) == CASES * len(kinds)
    run = [line for line in reference if line != "skip"]
    assert len(run) > CASES * len(kinds) * 3 // 4, "too many random cases were skipped to mean anything"
    for n, (want, got) in enumerate(zip(reference, dsp)):
        assert want == got, f"case {n // len(kinds)}: {kinds[n % len(kinds)]} differs between the DSP and reference kernels"


def test_m3_twins_match_reference_kernels(tmp_path):
    """The Cortex-M3 twins (firmware/kernels/m3/, portable on the host with ECGCC_M3_EMULATE) on the same
    random cases: DEPTHWISE_CONV_2D is theirs, the other kinds stay the reference's."""
    reference = _run(tmp_path, "reference", [])
    m3 = _run(tmp_path, "m3", ["-DECGCC_M3_EMULATE"])
    kinds = ["DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN"]
    assert len(reference) == len(m3) == CASES * len(kinds)
    for n, (want, got) in enumerate(zip(reference, m3)):
        assert want == got, f"case {n // len(kinds)}: {kinds[n % len(kinds)]} differs between the M3 and reference kernels"


def _run_dsp_check(tmp_path, source: str) -> int:
    """Builds a check that includes a DSP kernel source (emulated on the host), runs it and returns the
    number of cases it checked; fails with the check's message at its first mismatch."""
    exe = tmp_path / source
    subprocess.run(["gcc", *CFLAGS, "-Wno-unused-function", "-DECGCC_DSP_EMULATE", f"-I{KERNELS / 'include'}",
                    f"-I{KERNELS / 'dsp'}", str(DRIVER.with_name(source)), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    done = subprocess.run([str(exe)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    return int(done.stdout.split()[-1])


def test_average_pool_division_is_exact_for_every_count_and_sum(tmp_path):
    """The DSP average pool's SHADD8 pairs and reciprocal lane division, over every pair of bytes and every
    (count, sum) the lanes take, against the reference rounding."""
    checked = _run_dsp_check(tmp_path, "average_exhaustive.c")
    assert checked == 256 * 256 + sum(255 * count + 1 for count in range(3, 129))


def test_depthwise_doubled_requantization_matches_the_reference(tmp_path):
    """SMMLAR requantization of doubled accumulators against ecg_requantize for every accepted shift."""
    assert _run_dsp_check(tmp_path, "depthwise_requant_check.c") == 22 * (20000 + 2 * 601)
