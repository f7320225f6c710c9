"""Reject what the compiler cannot do, naming the operator and the tensor, before any C is written."""
from __future__ import annotations

from . import Graph, UnsupportedModelError


def validate(graph: Graph, supported_kinds) -> None:
    for op in graph.operators:
        if op.kind not in supported_kinds:
            names = ", ".join(graph.tensors[t].describe() for t in op.outputs if t >= 0)
            raise UnsupportedModelError(f"{op.describe()} is not supported (output {names}); supported operators: "
                                        f"{', '.join(sorted(supported_kinds))}")
        for t in [*op.inputs, *op.outputs]:
            tensor = graph.tensor(t)
            if tensor is not None and tensor.dtype == "float32" and not tensor.is_const:
                raise UnsupportedModelError(f"{op.describe()}: {tensor.describe()} is float32 in the inference path; "
                                            "the model must be fully int8-quantized")
    for t in [*graph.inputs, *graph.outputs]:
        tensor = graph.tensors[t]
        if tensor.dtype != "int8":
            role = "input" if t in graph.inputs else "output"
            raise UnsupportedModelError(f"model {role} {tensor.describe()} must be int8 (convert with int8 inference "
                                        "input/output types)")
    produced = {t for op in graph.operators for t in op.outputs}
    for op in graph.operators:
        for t in op.inputs:
            tensor = graph.tensor(t)
            if tensor is not None and not tensor.is_const and t not in produced and t not in graph.inputs:
                raise UnsupportedModelError(f"{op.describe()} reads {tensor.describe()}, which nothing produces "
                                            "(variables and stateful models are not supported)")
