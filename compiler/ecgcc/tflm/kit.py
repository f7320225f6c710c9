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


# TFLM kernel sources (tensorflow/lite/micro/kernels/<stem>.cc, or cmsis_nn/<stem>.cc, and <stem>_common.cc) of
# each builtin operator the compiler supports, and those every kernel uses.
OPERATOR_SOURCES = {
    "ADD": "add", "SUB": "sub", "MUL": "mul", "AVERAGE_POOL_2D": "pooling", "MAX_POOL_2D": "pooling",
    "CONCATENATION": "concatenation", "CONV_2D": "conv", "DEPTHWISE_CONV_2D": "depthwise_conv",
    "EXPAND_DIMS": "expand_dims", "FULLY_CONNECTED": "fully_connected", "HARD_SWISH": "hard_swish",
    "LEAKY_RELU": "leaky_relu", "LOGISTIC": "logistic", "MEAN": "reduce", "PAD": "pad", "PADV2": "pad",
    "QUANTIZE": "quantize", "DEQUANTIZE": "dequantize", "RELU": "activations", "RELU6": "activations",
    "RESHAPE": "reshape", "SOFTMAX": "softmax", "SQUEEZE": "squeeze", "TANH": "tanh", "TRANSPOSE": "transpose",
}
SHARED_KERNEL_SOURCES = {"kernel_util", "micro_tensor_utils"}


def library(core: str, kernels: str, jobs: int = 2, operators: set[str] | None = None) -> Path:
    """libtflm.a for this core and kernel set, from the kit it was built from.

    The whole library takes 5 to 13 minutes at -j2 (run at low priority). With `operators` (builtin names), only
    the runtime core, those operators' kernel sources (and CMSIS-NN, with its kernels) are compiled, into an
    archive of their own: the linker would take nothing else from the whole library. A firmware that misses an
    object there fails to link with an undefined reference and is linked against the whole library instead
    (tflm.firmware.build). A whole library, once built, serves every call."""
    if kernels not in KERNEL_SETS or core not in CORE_FLAGS:
        raise ValueError(f"no TFLM build for kernels {kernels!r} on {core!r}")
    folder = kit()
    out = library_dir(core, kernels)
    stamp = out / "kit"
    if stamp.is_file() and stamp.read_text() != str(folder):
        shutil.rmtree(out)
    whole = out / "libtflm.a"
    if whole.is_file() and stamp.is_file():
        return whole
    out.mkdir(parents=True, exist_ok=True)
    stamp.write_text(str(folder))
    if operators is None or not set(operators) <= set(OPERATOR_SOURCES):
        _build(folder, core, kernels, out, [f"-j{jobs}", "lib"], "the whole library")
        return whole
    objects = operator_objects(_all_objects(folder, core, kernels, out), out, operators)
    share_core_objects(core, kernels)
    part = out / ("libtflm-" + "-".join(sorted({OPERATOR_SOURCES[o] for o in operators})) + ".a")
    if not part.is_file():
        _build(folder, core, kernels, out, [f"-j{jobs}", *objects], f"{len(objects)} objects for {len(operators)} operators")
        result = subprocess.run(["arm-none-eabi-ar", "rcs", str(part), *objects], capture_output=True, text=True)
        if result.returncode != 0:
            raise TflmKitError(f"archiving TFLM objects failed: {result.stderr[-800:]}")
    return part


def share_core_objects(core: str, kernels: str) -> int:
    """Hard-links the runtime core's objects (interpreter, allocator, planner: everything outside the kernels)
    from another kernel set's build for the same core, where this one lacks them. They are the same code: in the
    kit's core sources only micro_profiler.cc tests CMSIS_NN, to format a log line. A shared object keeps its
    time stamp, so make sees it up to date. Returns how many were shared."""
    out = library_dir(core, kernels)
    shared = 0
    for other in KERNEL_SETS:
        source = library_dir(core, other) / "core"
        if other == kernels or not source.is_dir():
            continue
        for obj in source.rglob("*.o"):
            target = out / "core" / obj.relative_to(source)
            if target.exists() or not obj.with_suffix(".d").exists():
                continue   # an object without its dependency file may be half written
            target.parent.mkdir(parents=True, exist_ok=True)
            target.with_suffix(".d").unlink(missing_ok=True)   # left by an interrupted compile
            os.link(obj, target)
            os.link(obj.with_suffix(".d"), target.with_suffix(".d"))
            shared += 1
    return shared


def operator_objects(objects: list[str], out: Path, operators: set[str]) -> list[str]:
    """The kit's objects a firmware of these operators may link: the runtime core, CMSIS-NN, the shared kernel
    helpers and each operator's kernel sources."""
    stems = {OPERATOR_SOURCES[o] for o in operators}
    stems |= {f"{s}_common" for s in stems} | SHARED_KERNEL_SOURCES
    kernel_dir = str(out / "kernels" / "tensorflow" / "lite" / "micro" / "kernels")
    chosen = []
    for obj in objects:
        path = Path(obj)
        in_kernels = obj.startswith(str(out / "kernels") + "/")
        if not in_kernels or (str(path.parent) in (kernel_dir, kernel_dir + "/cmsis_nn") and path.stem in stems):
            chosen.append(obj)
    return chosen


def _all_objects(folder: Path, core: str, kernels: str, out: Path) -> list[str]:
    result = subprocess.run(_make(folder, kernels, core, out, "print-OBJS"), capture_output=True, text=True)
    if result.returncode != 0:
        raise TflmKitError(f"the TFLM kit at {folder} does not list its objects: {result.stderr[-500:]}")
    return result.stdout.split()


def _build(folder: Path, core: str, kernels: str, out: Path, targets: list[str], what: str) -> None:
    print(f"building TFLM ({kernels}, {core}, {what}) from {folder} into {out}", file=sys.stderr)
    log = out / "build.log"
    with open(log, "w") as handle:
        result = subprocess.run(["nice", "-n", "10", *_make(folder, kernels, core, out, *targets)],
                                stdout=handle, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise TflmKitError(f"the TFLM library ({kernels}, {core}) did not build: {log.read_text()[-1500:]}",
                           hint=f"see {log}")


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
