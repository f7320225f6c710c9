"""The int8 model's tensors as the TFLite Micro interpreter sees them, and a reference runner.

The harness reads shapes and quantization from the interpreter rather than from the compiler,
so the check of a device's INFO against the model does not trust the code under test."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TensorSpec:
    shape: tuple[int, ...]
    scale: float
    zero_point: int
    dtype: str = "int8"     # int16 inputs and int32 outputs occur at the edges of some models

    @property
    def value_range(self) -> tuple[int, int]:
        info = np.iinfo(self.dtype)
        return int(info.min), int(info.max)

    @property
    def elements(self) -> int:
        return int(np.prod(self.shape))

    def dequantize(self, values) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.zero_point) * self.scale

    def to_json(self) -> dict:
        return {"shape": list(self.shape), "scale": self.scale, "zero_point": self.zero_point, "dtype": self.dtype}

    @classmethod
    def from_json(cls, data: dict) -> "TensorSpec":
        return cls(tuple(int(d) for d in data["shape"]), float(data["scale"]), int(data["zero_point"]),
                   str(data.get("dtype", "int8")))


def _spec(details: dict) -> TensorSpec:
    quantization = details["quantization_parameters"]
    scales, zero_points = quantization["scales"], quantization["zero_points"]
    dtype = np.dtype(details["dtype"])
    if dtype not in (np.int8, np.int16, np.int32):
        raise ValueError(f"model tensor of type {dtype}; the harness tests int8 models (int16 and int32 at their "
                         "edges)")
    if len(scales) != 1:
        raise ValueError("model input/output tensors must have one scale (per-tensor quantization)")
    return TensorSpec(tuple(int(d) for d in details["shape"]), float(scales[0]), int(zero_points[0]), dtype.name)


def _io_counts(tflite_bytes: bytes) -> tuple[int, int]:
    import tflite

    graph = tflite.Model.GetRootAsModel(bytearray(tflite_bytes), 0).Subgraphs(0)
    return graph.InputsLength(), graph.OutputsLength()


def tensor_specs(tflite_bytes: bytes) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """(inputs, outputs) of an int8 .tflite, read by the TFLite Micro interpreter."""
    from ..reference import sized_interpreter

    interpreter = sized_interpreter(tflite_bytes)
    n_inputs, n_outputs = _io_counts(tflite_bytes)
    inputs = [_spec(interpreter.get_input_details(i)) for i in range(n_inputs)]
    outputs = [_spec(interpreter.get_output_details(i)) for i in range(n_outputs)]
    if not inputs or not outputs:
        raise ValueError("the model has no inputs or no outputs")
    return inputs, outputs


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ReferenceRunner:
    """TFLite Micro on the host (ecgcc.reference), one vector at a time, with the tensor specs."""

    def __init__(self, tflite_bytes: bytes):
        from ..reference import Reference

        self.tflite = bytes(tflite_bytes)
        self.inputs, self.outputs = tensor_specs(self.tflite)
        self._reference = Reference(self.tflite, decide_classes=True)

    def _shaped(self, inputs) -> list[np.ndarray]:
        return [np.asarray(x, s.dtype).reshape(s.shape) for x, s in zip(inputs, self.inputs)]

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        results = self._reference.run(self._shaped(inputs))
        return [np.asarray(r, s.dtype).reshape(s.shape) for r, s in zip(results, self.outputs)]

    def run_and_decide(self, inputs: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
        """The outputs and the class of each, decided as the generated code decides it."""
        results, classes = self._reference.run_and_decide(self._shaped(inputs))
        return [np.asarray(r, s.dtype).reshape(s.shape) for r, s in zip(results, self.outputs)], classes

    def input_details(self) -> list[tuple[tuple[int, ...], float, int]]:
        return [(s.shape, s.scale, s.zero_point) for s in self.inputs]

    def output_details(self) -> list[tuple[tuple[int, ...], float, int]]:
        return [(s.shape, s.scale, s.zero_point) for s in self.outputs]
