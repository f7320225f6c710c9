"""`ecgcc export`: a compiled model as a self-contained folder to drop into one's own firmware.

The folder holds the generated model C, only the kernel sources it calls (the DSP or the reference set,
by the board's core), one API header, build metadata for PlatformIO, CMake and a plain Makefile, and an
example main.c that checks the model on the device against TensorFlow Lite Micro's outputs.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

from .. import __version__
from ..board_description import compiler_flags
from ..board_fit import kernel_set as board_kernel_set
from ..boards import load_board
from ..codegen import TEMPLATES, array_body
from ..errors import InvalidModelError, UserError
from .kernel_selection import kernel_headers, needed_kernel_files

API_HEADER = "ecgcc_model.h"
KERNEL_SET_HEADER = "ecgcc_kernel_set.h"
MAX_EXAMPLE_VECTORS = 64
MAX_EXAMPLE_BYTES = 256 * 1024      # the example's vectors live in the chip's flash
_GENERATED_MODEL_INCLUDE = '#include "model.h"'


@dataclass
class ExportResult:
    out_dir: Path
    kernel_set: str
    kernel_files: list[str]
    files: list[str]
    report: dict


def _model_bytes(model: str | Path) -> tuple[bytes, str]:
    """(int8 .tflite bytes, model name) of a compiled model folder or an int8 .tflite file."""
    path = Path(model)
    if path.is_dir():
        tflite = path / "model.tflite"
        if not tflite.is_file():
            raise InvalidModelError(f"{path} holds no model.tflite", "give a folder written by `ecgcc compile` "
                                    "or an int8 .tflite file")
        try:   # the name compile gave the model; any trouble with the report leaves the folder's name
            name = str(json.loads((path / "report.json").read_text())["model"]["name"])
        except (OSError, ValueError, KeyError, TypeError):
            name = path.name
        return tflite.read_bytes(), name
    if path.suffix.lower() != ".tflite" or not path.is_file():
        raise InvalidModelError(f"{path}: not a compiled model folder nor an int8 .tflite file",
                                "run `ecgcc compile MODEL --out DIR` first and give --model DIR")
    return path.read_bytes(), path.stem


def _c_identifier(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "model"
    return cleaned if not cleaned[0].isdigit() else "m_" + cleaned


def _example_vectors(tflite: bytes, graph, count: int, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(flat int8 inputs per vector, flat TFLite Micro outputs per vector): random inputs with both extremes."""
    from ..reference import Reference

    rng = np.random.default_rng(seed)
    shapes = [graph.tensors[t].shape for t in graph.inputs]
    records = [[np.full(s, -128, np.int8) for s in shapes], [np.full(s, 127, np.int8) for s in shapes]]
    records += [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(max(0, count - 2))]
    records = records[:count]
    reference = Reference(tflite)
    inputs = [np.concatenate([x.reshape(-1) for x in rec]) for rec in records]
    expected = [np.concatenate([y.astype(np.int8).reshape(-1) for y in reference.run(rec)]) for rec in records]
    return inputs, expected


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "export")),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def export_library(model: str | Path, board: str, out_dir: str | Path, vectors: int = 4, seed: int = 0,
                   force: bool = False) -> ExportResult:
    """Write the library folder. The model is compiled again for the board, so that its scratch memory is
    planned for the kernels the board's core runs and its budget is checked."""
    from ..compile import compile_tflite

    if not 1 <= vectors <= MAX_EXAMPLE_VECTORS:
        raise UserError(f"--example-vectors must be between 1 and {MAX_EXAMPLE_VECTORS}, got {vectors}",
                        "the example's vectors are compiled into the chip's flash")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} is a file, not a folder", "give --out a new or empty folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise UserError(f"{out} exists and is not empty", "give a new folder, or --force to replace it")
    tflite, name = _model_bytes(model)
    board_info = load_board(board)
    # a board that is not an Arm core (the host build, an ESP32-S3) gets the portable kernels: the DSP ones
    # there only run emulated, for the project's own host tests
    kernels = board_kernel_set(board_info) if compiler_flags(board_info.info) else "reference"
    with tempfile.TemporaryDirectory(prefix="ecgcc-export-") as work:
        result = compile_tflite(tflite, name, board, Path(work) / "model", source=f"{name}.tflite")
        generated = {f: (Path(work) / "model" / f).read_text() for f in ("model.h", "model.c", "model_weights.c")}
    input_bytes = sum(result.graph.tensors[t].nbytes for t in result.graph.inputs)
    output_bytes = sum(result.graph.tensors[t].nbytes for t in result.graph.outputs)
    if vectors * (input_bytes + output_bytes) > MAX_EXAMPLE_BYTES:
        vectors = max(1, MAX_EXAMPLE_BYTES // (input_bytes + output_bytes))
    inputs, expected = _example_vectors(tflite, result.graph, vectors, seed)
    sources = needed_kernel_files(generated["model.c"], kernels)

    if out.exists():
        shutil.rmtree(out)
    (out / "include").mkdir(parents=True)
    (out / "src").mkdir()
    (out / "examples").mkdir()
    if _GENERATED_MODEL_INCLUDE not in generated["model.c"]:
        raise RuntimeError("model.c does not include model.h as the export expects")
    (out / "include" / API_HEADER).write_text(generated["model.h"])
    for fname in ("model.c", "model_weights.c"):
        (out / "src" / fname).write_text(generated[fname].replace(_GENERATED_MODEL_INCLUDE,
                                                                  f'#include "{API_HEADER}"'))
    for header in kernel_headers():
        text = header.read_text()
        if header.name == "ecg_kernels.h":   # the kernel set is fixed before the header decides it
            text = f'#include "{KERNEL_SET_HEADER}"\n' + text
        (out / "src" / header.name).write_text(text)
    kernel_names = []
    for source in sources:
        target = f"kernel_{source.parent.name}_{source.name}"   # reference/ and dsp/ may both give a file
        (out / "src" / target).write_text(source.read_text())
        kernel_names.append(target)

    core = board_info.info.get("core") or "unknown core"
    flags = compiler_flags(board_info.info)
    arm = bool(flags)
    env = _environment()
    # the model's name is data: only its identifier form reaches the C comments, JSON and CMake written here
    context = dict(model_name=_c_identifier(name), board_name=board_info.name, kernel_set=kernels, core=core,
                   cpu_flags=" ".join(flags), identity=result.identity, version=__version__,
                   library_name=f"ecgcc-{_c_identifier(name).replace('_', '-')}",
                   cmake_target=f"ecgcc_{_c_identifier(name)}", vectors=len(inputs),
                   input_bytes=input_bytes, output_bytes=output_bytes,
                   inputs=[array_body(v, 16) for v in inputs], expected=[array_body(v, 16) for v in expected],
                   default_cc="arm-none-eabi-gcc" if arm else "cc", default_ar="arm-none-eabi-ar" if arm else "ar")
    all_sources = ["model.c", "model_weights.c", *kernel_names]
    context["sources"] = all_sources
    context["makefile_sources"] = " ".join(f"src/{s}" for s in all_sources)
    (out / "src" / KERNEL_SET_HEADER).write_text(env.get_template("kernel_set.h.j2").render(**context))
    (out / "examples" / "main.c").write_text(env.get_template("main.c.j2").render(**context))
    (out / "examples" / "example_vectors.h").write_text(env.get_template("example_vectors.h.j2").render(**context))
    (out / "library.json").write_text(env.get_template("library.json.j2").render(**context))
    (out / "CMakeLists.txt").write_text(env.get_template("CMakeLists.txt.j2").render(**context))
    (out / "Makefile").write_text(env.get_template("Makefile.j2").render(**context))
    context.update(flash_bytes=result.report["total"]["flash_bytes"], arena_bytes=result.report["total"]["arena_bytes"])
    (out / "README.md").write_text(env.get_template("README.md.j2").render(**context))
    (out / "report.json").write_text(json.dumps(result.report, indent=2) + "\n")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    return ExportResult(out_dir=out, kernel_set=kernels, kernel_files=kernel_names, files=files, report=result.report)
