"""The TFLM source kit ($TFLM_DIR, default ../shared/tflm) and its runtime library, built once per core and kernel
set into the project's .build/tflm, never into the kit (which may be read-only or someone else's checkout).

The kit is the layout of ../shared/tflm: a Makefile taking KERNELS, BUILD_TYPE, CPU_FLAGS and BUILD_DIR, which
builds libtflm.a and prints its flags (`make print-DEFINES`, `print-INCLUDES`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import UserError
from ..paths import build_root, tflm_dir

KERNEL_SETS = ("reference", "cmsis_nn")
# The cores the emulated boards have, with the flags of their firmware (boards/platform/boards/*.json).
CORE_FLAGS = {
    "cortex-m4": "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -mthumb",
    "cortex-m3": "-mcpu=cortex-m3 -mfloat-abi=soft -mthumb",
}
# Timings need NDEBUG: without it every TFLITE_DCHECK stays in and the reference kernels run about 6x slower.
BUILD_TYPE = "release"
SHORT_CORE = {"cortex-m4": "m4", "cortex-m3": "m3"}


class TflmKitError(UserError):
    """No usable TFLM kit, or its library did not build."""


def kit() -> Path:
    folder = tflm_dir()
    needed = [folder / "Makefile", folder / "sources.mk", folder / "tensorflow" / "lite" / "micro"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        raise TflmKitError(f"no TensorFlow Lite Micro source kit at {folder} (missing {', '.join(missing)})",
                           hint="set TFLM_DIR to a kit laid out like ../shared/tflm (Makefile, sources.mk, tensorflow/)")
    return folder


def _make(folder: Path, kernels: str, core: str, build_dir: Path | None, *targets: str) -> list[str]:
    command = ["make", "-s", "-C", str(folder), f"KERNELS={kernels}", f"BUILD_TYPE={BUILD_TYPE}",
               f"CPU_FLAGS={CORE_FLAGS[core]}"]
    return command + ([f"BUILD_DIR={build_dir}"] if build_dir is not None else []) + list(targets)


def library_dir(core: str, kernels: str) -> Path:
    return build_root() / "tflm" / f"{SHORT_CORE[core]}-{kernels}-{BUILD_TYPE}"


def library(core: str, kernels: str, jobs: int = 2) -> Path:
    """libtflm.a for this core and kernel set: built on first use (5 to 13 minutes at -j2, at low priority),
    then reused for as long as it was built from the same kit."""
    if kernels not in KERNEL_SETS or core not in CORE_FLAGS:
        raise ValueError(f"no TFLM build for kernels {kernels!r} on {core!r}")
    folder = kit()
    out = library_dir(core, kernels)
    lib = out / "libtflm.a"
    stamp = out / "kit"
    if stamp.is_file() and stamp.read_text() != str(folder):
        shutil.rmtree(out)
    if lib.is_file() and stamp.is_file():
        return lib
    out.mkdir(parents=True, exist_ok=True)
    print(f"building TFLM ({kernels}, {core}) from {folder} into {out}: several minutes", file=sys.stderr)
    log = out / "build.log"
    with open(log, "w") as handle:
        result = subprocess.run(["nice", "-n", "10", *_make(folder, kernels, core, out, f"-j{jobs}", "lib")],
                                stdout=handle, stderr=subprocess.STDOUT)
    if result.returncode != 0 or not lib.is_file():
        raise TflmKitError(f"the TFLM library ({kernels}, {core}) did not build: {log.read_text()[-1500:]}",
                           hint=f"see {log}")
    stamp.write_text(str(folder))
    return lib


def compile_flags(core: str, kernels: str) -> list[str]:
    """The defines and include folders an application must compile with to use this library."""
    folder = kit()
    flags = []
    for variable in ("DEFINES", "INCLUDES"):
        result = subprocess.run(_make(folder, kernels, core, None, f"print-{variable}"), capture_output=True, text=True)
        if result.returncode != 0:
            raise TflmKitError(f"the TFLM kit at {folder} does not print its {variable}: {result.stderr[-500:]}")
        flags += result.stdout.replace('\\"', '"').split()   # make echoes the shell's \" around strings
    return [f"-I{folder / f[2:]}" if f.startswith("-I") and not os.path.isabs(f[2:]) else f for f in flags]
