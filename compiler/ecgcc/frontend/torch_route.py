"""PyTorch -> ONNX with PyTorch's own exporter (torch.export based), then the ONNX route.

A .pt2 file (torch.export.save) holds the program and the example inputs it was exported with; pickled
.pt/.pth files are not loaded, since unpickling runs code from the file."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

from ..errors import InvalidModelError, UserError
from .optional import require

ONNX_OPSET = 18


def program_kinds(program) -> list[str]:
    """The aten operators a program calls, e.g. conv1d, relu (named in a converter-crash message)."""
    return [str(node.target).split(".")[1] if str(node.target).startswith("aten.") else str(node.target)
            for node in program.graph.nodes if node.op == "call_function"]


def export_onnx(program_or_module, example_args: tuple, onnx_path: Path) -> Path:
    """Writes onnx_path from an ExportedProgram or an nn.Module with its example inputs."""
    torch = require("torch", "torch", "converting a PyTorch model")
    require("onnxscript", "torch", "exporting a PyTorch model to ONNX")
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log):
            torch.onnx.export(program_or_module, example_args, str(onnx_path), dynamo=True,
                              opset_version=ONNX_OPSET, external_data=False)
    except Exception as error:   # noqa: BLE001  torch.export names the construct it cannot trace
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:240]
        raise UserError(f"PyTorch's ONNX exporter could not export the model: {first}",
                        "the model must be traceable by torch.export (no data-dependent Python control flow); "
                        "--verbose shows the full message") from error
    return onnx_path


def pt2_to_onnx(path: Path, work: Path, note_layers=lambda kinds: None) -> Path:
    torch = require("torch", "torch", "reading a .pt2 model")
    try:
        program = torch.export.load(str(path))
    except Exception as error:   # noqa: BLE001  a damaged or foreign zip, a version mismatch
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise InvalidModelError(f"cannot read the PyTorch program {path.name}: {first}",
                                "save it with torch.export.save(torch.export.export(model, (example,)), "
                                "'model.pt2') from the PyTorch version installed here") from error
    note_layers(program_kinds(program))
    args, kwargs = program.example_inputs or ((), {})
    if not args or kwargs:
        raise InvalidModelError(f"the PyTorch program {path.name} holds no positional example inputs",
                                "export it as torch.export.export(model, (example,)) with one tensor per input")
    return export_onnx(program, tuple(args), work / f"{path.stem}.onnx")
