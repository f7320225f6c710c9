"""Which kernel sources a generated model needs, for one kernel set (DSP or reference).

The kernel files choose between the two sets with the preprocessor (ECGCC_DSP_KERNELS), and some hold
both a guarded and an unguarded function. So each file is run through the C preprocessor in the chosen
configuration, and the functions it then defines and calls decide: the files that define what model.c
calls, and what those call in turn, are the ones shipped.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ..errors import UserError
from ..paths import project_root

KERNEL_SET_DEFINES = {"reference": ["-DECGCC_REFERENCE_KERNELS"], "dsp": ["-DECGCC_DSP_EMULATE"]}
_DEFINITION = re.compile(r"(?m)^(?!static\b)[A-Za-z_][\w \t\*]*?\b(ecg_\w+)\s*\([^;{}]*\)\s*\{")
_DECLARATION = re.compile(r"(?m)^[A-Za-z_][\w \t\*]*?\b(ecg_\w+)\s*\([^;{}]*\)\s*;")
_CALL = re.compile(r"\b(ecg_\w+)\s*\(")


def kernels_dir() -> Path:
    return project_root() / "firmware" / "kernels"


def _preprocess(source: Path, kernel_set: str) -> str:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise UserError("export needs a C compiler's preprocessor (gcc or cc) to pick the kernels",
                        "install gcc (apt-get install gcc)")
    done = subprocess.run([compiler, "-E", "-P", "-std=c99", *KERNEL_SET_DEFINES[kernel_set],
                           f"-I{kernels_dir() / 'include'}", str(source)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"preprocessing {source} failed: {done.stderr[-2000:]}")
    return done.stdout


def _symbols(text: str) -> tuple[set[str], set[str]]:
    """(functions the text defines with external linkage, functions it calls). The headers' prototypes
    are neither, so they are taken out first."""
    text = _DECLARATION.sub("", text)
    return set(_DEFINITION.findall(text)), set(_CALL.findall(text))


def needed_kernel_files(model_c: str, kernel_set: str) -> list[Path]:
    """The kernel .c files (under firmware/kernels/) that model.c needs with this kernel set."""
    defined_in: dict[str, Path] = {}
    calls: dict[Path, set[str]] = {}
    for source in sorted(kernels_dir().glob("*/*.c")):
        if source.parent.name not in ("reference", "dsp"):
            continue
        defines, called = _symbols(_preprocess(source, kernel_set))
        calls[source] = called - defines
        for name in defines:
            if name in defined_in:
                raise RuntimeError(f"{name} is defined in both {defined_in[name]} and {source} for {kernel_set}")
            defined_in[name] = source
    wanted = [name for name in _CALL.findall(model_c) if name in defined_in]
    files: set[Path] = set()
    while wanted:
        source = defined_in[wanted.pop()]
        if source not in files:
            files.add(source)
            wanted += [name for name in calls[source] if name in defined_in]
    return sorted(files)


def kernel_headers() -> list[Path]:
    return sorted((kernels_dir() / "include").glob("*.h"))
