"""The class an int8 classifier decides, finer than its int8 output.

A softmax output quantized to 1/256 often holds two equal top scores: the logits feeding it are int8
too, and two logits closer than one step of their scale become the same byte. Taking the first of the
tied classes then favours the classes with low indices, and the int8 model's per-class figures drift
from the float model's. The decision is therefore taken one step earlier: from the last FULLY_CONNECTED
layer's int32 accumulators, scaled by that layer's own per-channel requantization multipliers but kept
with LOGIT_FRACTION_BITS more fractional bits than its int8 output. Integer arithmetic only, the same
in the generated C (firmware/kernels/reference/decision.c) and here.

Rounding is monotone, so the decided class is always one of the top-scoring classes of the int8
output: the finer logits only break its ties. Only a SOFTMAX output fed by such a layer is a class
decision worth the extra multiply-accumulates and static logits; every other output (raw logits,
regression, an autoencoder's reconstruction) is decided on its int8 values, the first of the highest.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import Graph
from .quant import per_channel_multipliers

LOGIT_FRACTION_BITS = 16
_NO_ACTIVATION = 0


@dataclass(frozen=True)
class Decision:
    """Where an output's class comes from: the FULLY_CONNECTED operator whose logits decide it."""
    operator: int             # index of the FULLY_CONNECTED operator in the .tflite subgraph
    input_tensor: int         # its int8 input, read before the layer runs
    input_offset: int
    weights: np.ndarray       # int8 [classes][depth]
    bias: np.ndarray          # int32 [classes] (zeros where the layer has none)
    multiplier: np.ndarray    # int32 [classes]
    shift: np.ndarray         # int32 [classes]

    @property
    def classes(self) -> int:
        return int(self.weights.shape[0])


def find_decision(graph: Graph, output: int) -> Decision | None:
    """The decision for graph output number ``output``: from the FULLY_CONNECTED (no fused activation,
    one row) whose logits a SOFTMAX turns into that output, else None (decided on the int8 output)."""
    producers = graph.producers()
    softmax = producers.get(graph.outputs[output])
    if softmax is None or softmax.kind != "SOFTMAX" or float(softmax.options.get("Beta", 1.0)) <= 0:
        return None
    op = producers.get(softmax.inputs[0])
    if op is None or op.kind != "FULLY_CONNECTED" or op.options.get("FusedActivationFunction", 0) != _NO_ACTIVATION:
        return None
    x, w, y = graph.tensors[op.inputs[0]], graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    if (x.dtype, w.dtype, y.dtype) != ("int8", "int8", "int8") or not w.is_const or len(w.shape) != 2:
        return None
    classes, depth = w.shape
    if x.size != depth or y.size != classes:
        return None
    has_bias = len(op.inputs) > 2 and op.inputs[2] >= 0
    bias = graph.tensors[op.inputs[2]].data.astype(np.int32) if has_bias else np.zeros(classes, np.int32)
    multiplier, shift = per_channel_multipliers(x, w, y, classes)
    if max(shift) > 31 - LOGIT_FRACTION_BITS:   # a gain above 2**14: the finer logits would overflow
        return None
    return Decision(op.index, x.index, -x.zero_point, w.data.astype(np.int8), bias,
                    np.array(multiplier, np.int32), np.array(shift, np.int32))


def decision_logits(decision: Decision, fc_inputs) -> np.ndarray:
    """int32 logits (n, classes) in units of the layer's output scale / 2**LOGIT_FRACTION_BITS, from the
    layer's int8 inputs (n, depth): ecg_decision_logits() of the generated code, on whole batches."""
    x = np.asarray(fc_inputs, np.int64).reshape(-1, decision.weights.shape[1])
    accumulators = (x + decision.input_offset) @ decision.weights.astype(np.int64).T + decision.bias.astype(np.int64)
    accumulators = (accumulators + 2**31) % 2**32 - 2**31          # int32 wrap-around, as the C accumulates
    product = accumulators * decision.multiplier.astype(np.int64)  # fits int64: both factors are int32
    scaled = product >> (31 - LOGIT_FRACTION_BITS - decision.shift.astype(np.int64))   # floor, as C's >> on arm
    return np.clip(scaled, -2**31, 2**31 - 1).astype(np.int32)


def decide(values) -> np.ndarray:
    """Class per row of (n, k) logits or int8 scores: the highest, the first of them on a tie."""
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.argmax(values.reshape(len(values), -1), axis=1)
