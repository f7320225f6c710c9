"""A small typed graph: what the compiler knows about a model after parsing, before lowering."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidModelError
from ..safe_text import printable


class UnsupportedModelError(InvalidModelError):
    """The model uses something the compiler cannot turn into C. Raised before any file is written; the CLI
    prints it as one error line."""


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str                                  # numpy dtype name: "int8", "int32", "float32", ...
    scales: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))   # float32
    zero_points: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    quantized_dim: int = 0
    data: np.ndarray | None = None              # constant contents, None for activations
    is_variable: bool = False                   # state an operator keeps between inferences (SVDF, LSTM)

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(self.dtype).itemsize

    @property
    def scale(self) -> float:
        """The per-tensor scale (first one) as an exact float32."""
        return np.float32(self.scales[0]) if len(self.scales) else np.float32(0.0)

    @property
    def zero_point(self) -> int:
        return int(self.zero_points[0]) if len(self.zero_points) else 0

    def describe(self) -> str:
        named = f" '{printable(self.name)}'" if self.name else ""
        return f"tensor {self.index}{named} {self.dtype}{list(self.shape)}"


@dataclass
class Operator:
    index: int                  # position in the TFLite subgraph, kept for names and error messages
    kind: str                   # builtin operator name, e.g. "CONV_2D"
    inputs: list[int]           # tensor indices, -1 for an absent optional input
    outputs: list[int]
    options: dict = field(default_factory=dict)

    def describe(self) -> str:
        return f"operator {self.index} ({printable(self.kind)})"


@dataclass
class Graph:
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    name: str = "model"
    notes: list[str] = field(default_factory=list)   # facts worth telling the user, copied into the report

    def tensor(self, index: int) -> Tensor | None:
        return None if index < 0 else self.tensors[index]

    def producers(self) -> dict[int, Operator]:
        return {t: op for op in self.operators for t in op.outputs}

    def consumers(self) -> dict[int, list[Operator]]:
        users: dict[int, list[Operator]] = {}
        for op in self.operators:
            for t in op.inputs:
                if t >= 0:
                    users.setdefault(t, []).append(op)
        return users
