"""The model under test: a folder written by `ecgcc compile`, the check that a device runs it, and inputs made
for it without a vectors file."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DeviceProblem
from .device import DeviceInfo


class ModelMismatch(DeviceProblem):
    """The device runs a different model from the one being checked."""


@dataclass
class CompiledModel:
    """A folder written by `ecgcc compile`."""

    folder: Path
    tflite: bytes
    report: dict = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> "CompiledModel":
        folder = Path(folder)
        tflite_path = folder / "model.tflite"
        if not tflite_path.is_file():
            raise FileNotFoundError(f"{folder} has no model.tflite: is it an `ecgcc compile` output folder?")
        report_path = folder / "report.json"
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
        return cls(folder, tflite_path.read_bytes(), report)

    @property
    def identity(self) -> str:
        return hashlib.sha256(self.tflite).hexdigest()[:16]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.tflite).hexdigest()

    def source_hashes(self) -> dict[str, str]:
        """SHA-256 of each generated C file, the code that is actually compiled into the firmware."""
        return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(self.folder.glob("*.[ch]"))}


def _specs(reference) -> tuple[list[tuple], list[tuple]]:
    return reference.input_details(), reference.output_details()


def check_device_model(info: DeviceInfo, model: CompiledModel, reference) -> None:
    """Refuses to test when the device's INFO does not describe this model: identity, every input and
    output shape, and their quantization."""
    problems = []
    if info.model_identity != model.identity:
        problems.append(f"identity {info.model_identity} on the device, {model.identity} compiled")
    expected_inputs, expected_outputs = _specs(reference)
    for kind, device_tensors, expected in (("input", info.inputs, expected_inputs),
                                           ("output", info.outputs, expected_outputs)):
        if len(device_tensors) != len(expected):
            problems.append(f"{len(device_tensors)} {kind}s on the device, {len(expected)} in the model")
            continue
        for index, (tensor, (shape, scale, zero_point)) in enumerate(zip(device_tensors, expected)):
            if tuple(tensor.dims) != tuple(shape):
                problems.append(f"{kind} {index} shape {tensor.dims} on the device, {tuple(shape)} in the model")
            if tensor.zero_point != zero_point or not np.isclose(tensor.scale, scale, rtol=1e-6):
                problems.append(f"{kind} {index} quantization ({tensor.scale}, {tensor.zero_point}) on the device, "
                                f"({scale}, {zero_point}) in the model")
    if problems:
        raise ModelMismatch("the device does not run the compiled model: " + "; ".join(problems)
                            + ". Flash the firmware built from this model (make flash) and retry.")


def _input_details(model_or_reference) -> list[tuple[tuple[int, ...], float, int, str]]:
    """(shape, scale, zero point, element type) of each input."""
    if isinstance(model_or_reference, CompiledModel):
        from .model_io import tensor_specs

        return [(s.shape, s.scale, s.zero_point, s.dtype) for s in tensor_specs(model_or_reference.tflite)[0]]
    specs = getattr(model_or_reference, "inputs", None)
    if specs and all(hasattr(s, "dtype") for s in specs):
        return [(s.shape, s.scale, s.zero_point, s.dtype) for s in specs]
    return [(*details, "int8") for details in model_or_reference.input_details()]


def random_vectors(model_or_reference, count: int, seed: int) -> list[list[np.ndarray]]:
    """Uniform inputs over each input's type (int8, or int16 where a model takes it) plus the edges of the
    range: all lowest, all highest, all zero point.
    Takes a CompiledModel or anything with input_details() -> [(shape, scale, zero point)]."""
    rng = np.random.default_rng(seed)
    details = _input_details(model_or_reference)
    specs = [(shape, np.dtype(dtype), zero) for shape, _scale, zero, dtype in details]
    vectors = [[np.full(s, np.iinfo(d).min, d) for s, d, _ in specs],
               [np.full(s, np.iinfo(d).max, d) for s, d, _ in specs],
               [np.full(s, z, d) for s, d, z in specs]]
    while len(vectors) < count:
        vectors.append([rng.integers(np.iinfo(d).min, np.iinfo(d).max + 1, size=s, dtype=d) for s, d, _ in specs])
    return vectors[:count]
