"""CONCATENATION int8. TFLite Micro copies the bytes without requantizing, which is only meaningful when
every input is quantized like the output (the converter arranges that); other models are rejected."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import require_int8_activation
from . import ConstArray, Kernel

KINDS = ("CONCATENATION",)


def lower(graph: Graph, op: Operator) -> Kernel:
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    if op.options.get("FusedActivationFunction", 0) != 0:
        raise UnsupportedModelError(f"{op.describe()}: a fused activation on CONCATENATION is not supported "
                                    "(TFLite Micro rejects it too)")
    axis = int(op.options.get("Axis", 0))
    axis = axis + len(y.shape) if axis < 0 else axis
    chunks, inputs = [], []
    for position, index in enumerate(op.inputs):
        t = graph.tensor(index)
        if t is not None and t.is_const:
            raise UnsupportedModelError(f"{op.describe()}: constant input {t.describe()} is not supported")
        x = require_int8_activation(graph, op, index, f"input {position + 1}")
        if x.scale != y.scale or x.zero_point != y.zero_point:
            raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} is quantized differently from "
                                        f"output {y.describe()}; TFLite Micro would copy it unscaled")
        if len(x.shape) != len(y.shape) or any(x.shape[d] != y.shape[d] for d in range(len(y.shape)) if d != axis):
            raise UnsupportedModelError(f"{op.describe()}: {x.describe()} does not fit {y.describe()} on axis {axis}")
        chunks.append(int(np.prod(x.shape[axis:], dtype=np.int64)))
        inputs.append(x.index)
    outer = int(np.prod(y.shape[:axis], dtype=np.int64))
    return Kernel(function="ecg_concatenation", params_type="ecg_concatenation_params_t",
                  params=dict(outer=outer, count=len(inputs),
                              chunk_bytes=ConstArray("chunk_bytes", "int32_t", np.array(chunks, np.int32))),
                  inputs=inputs, output=y.index, inputs_as_array=True)
