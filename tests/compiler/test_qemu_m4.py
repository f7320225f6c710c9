"""The kernels on the Cortex-M4 instruction set: cross-compiled cleanly, and the generated ECG model run
under QEMU (mps2-an386) bit-exact with TFLite Micro, DSP and reference builds, with instruction counts."""
import shutil
import subprocess

import numpy as np
import pytest

from models import ecg_model_tflite
from support import (ARM_M4_FLAGS, INSTRUCTIONS_PER_SYSTICK_AN386, KERNELS, build_qemu_m4, kernel_sources,
                     random_records, run_qemu_m4)

needs_arm = pytest.mark.skipif(not shutil.which("arm-none-eabi-gcc"), reason="arm-none-eabi-gcc not installed")
needs_qemu = pytest.mark.skipif(not shutil.which("qemu-system-arm"), reason="qemu-system-arm not installed")

TARGETS = {
    "cortex-m4 dsp": ARM_M4_FLAGS,
    "cortex-m3": ["-mcpu=cortex-m3", "-mthumb", "-mfloat-abi=soft"],
}


# -O0 (where the DSP CONV_2D leaves its assembly out), -Os (the firmware's size-first kernels) and -O2 (the
# firmware's hot kernels) are the levels builds use; -O3 only widens the warning check, in make test-slow.
@needs_arm
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("opt", ["-O0", "-Os", "-O2", pytest.param("-O3", marks=pytest.mark.slow)])
def test_kernels_cross_compile_without_warnings(target, opt, tmp_path):
    for source in kernel_sources():
        subprocess.run(["arm-none-eabi-gcc", "-std=c99", opt, "-Wall", "-Wextra", "-Werror", "-pedantic",
                        *TARGETS[target], f"-I{KERNELS / 'include'}", "-c", str(source), "-o",
                        str(tmp_path / (source.parent.name + "_" + source.stem + ".o"))], check=True)


@needs_arm
def test_exactly_one_definition_per_kernel(tmp_path):
    """Reference and DSP twins guard themselves so that linking all sources never duplicates a symbol."""
    for name, flags in (("dsp", ARM_M4_FLAGS), ("reference", ARM_M4_FLAGS + ["-DECGCC_REFERENCE_KERNELS"]),
                        ("m3", TARGETS["cortex-m3"])):
        objects = []
        for source in kernel_sources():
            obj = tmp_path / f"{name}_{source.parent.name}_{source.stem}.o"
            subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", *flags, f"-I{KERNELS / 'include'}", "-c",
                            str(source), "-o", str(obj)], check=True)
            objects.append(str(obj))
        symbols = subprocess.run(["arm-none-eabi-nm", "--defined-only", *objects], capture_output=True, text=True,
                                 check=True).stdout.split()
        kernels = [s for s in symbols if s.startswith("ecg_") and not s.startswith("ecg_dsp")]
        assert len(kernels) == len(set(kernels)), f"duplicate kernel definitions in the {name} build"
        if name == "dsp":
            dsp_sources = {s.stem for s in kernel_sources() if s.parent.name == "dsp"}
            dsp_symbols = subprocess.run(["arm-none-eabi-nm", "--defined-only",
                                          *[o for o in objects if "_dsp_" in o]], capture_output=True, text=True,
                                         check=True).stdout
            for stem in dsp_sources:
                assert f"ecg_{stem}" in dsp_symbols, f"dsp/{stem}.c defines nothing on the Cortex-M4"


@needs_arm
@needs_qemu
def test_ecg_model_on_cortex_m4_is_bit_exact_and_counted(tmp_path):
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    tflite = ecg_model_tflite()
    result = compile_tflite(tflite, "ecg", "qemu-m4", tmp_path / "model")
    records = random_records(result.graph, 12, seed=21)
    reference = Reference(tflite)
    expected = [reference.run(rec)[0].reshape(-1) for rec in records]
    macs = result.report["total"]["macs"]
    per_mac = {}
    for name, defines in (("dsp", ()), ("reference", ("ECGCC_REFERENCE_KERNELS",))):
        outputs, ticks = run_qemu_m4(build_qemu_m4(tmp_path / "model", records, tmp_path / name, defines))
        assert len(outputs) == len(records)
        for i, (want, got) in enumerate(zip(expected, outputs)):
            assert np.array_equal(want, got[0]), f"{name} kernels differ from TFLM on record {i}"
        per_mac[name] = np.median(ticks) * INSTRUCTIONS_PER_SYSTICK_AN386 / macs
    print(f"instructions per MAC on the Cortex-M4: {per_mac}")
    assert per_mac["dsp"] < per_mac["reference"] / 2
