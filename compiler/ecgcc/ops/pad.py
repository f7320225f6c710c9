"""PAD / PADV2 int8: a copy into a larger tensor filled with the output zero point (PAD) or the constant
value (PADV2), as TFLite Micro's reference."""
from __future__ import annotations

from ..ir import Graph, Operator, UnsupportedModelError
from ..passes.quant import require_int8_activation
from . import Kernel

KINDS = ("PAD", "PADV2")
MAX_RANK = 6


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    paddings = graph.tensor(op.inputs[1])
    if paddings is None or not paddings.is_const:
        raise UnsupportedModelError(f"{op.describe()}: the paddings must be a constant tensor")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} and output {y.describe()} are "
                                    "quantized differently")
    rank = len(x.shape)
    if rank > MAX_RANK:
        raise UnsupportedModelError(f"{op.describe()}: {rank}-D input; at most {MAX_RANK} dimensions are supported")
    pads = paddings.data.reshape(rank, 2).astype(int).tolist()
    if any(before < 0 or after < 0 for before, after in pads):
        raise UnsupportedModelError(f"{op.describe()}: negative paddings are not supported")
    if [d + b + a for d, (b, a) in zip(x.shape, pads)] != list(y.shape):
        raise UnsupportedModelError(f"{op.describe()}: paddings {pads} do not turn {x.describe()} into {y.describe()}")
    pad_value = y.zero_point
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        constant = graph.tensor(op.inputs[2])
        if not constant.is_const or constant.dtype != "int8":
            raise UnsupportedModelError(f"{op.describe()}: the pad value must be a constant int8 tensor")
        pad_value = int(constant.data.reshape(-1)[0])
    lead = MAX_RANK - rank
    return Kernel(function="ecg_pad", params_type="ecg_pad_params_t",
                  params=dict(in_dims=[1] * lead + list(x.shape), out_dims=[1] * lead + list(y.shape),
                              before=[0] * lead + [b for b, _ in pads], pad_value=pad_value),
                  inputs=[x.index], output=y.index)
