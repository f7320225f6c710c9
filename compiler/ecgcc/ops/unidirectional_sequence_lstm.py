"""UNIDIRECTIONAL_SEQUENCE_LSTM int8 as TFLite Micro runs it: int8 input, weights and hidden state, int32
biases, int16 gates and cell state; no peepholes, projection, layer normalisation or coupled input gate
(TFLM's integer LSTM has none of them). The hidden and cell states carry over between inferences.

Every constant is computed here as TFLM's Prepare computes it (lstm_eval_common: gate layers rescaled to
Q3.12, gate products in Q0.15)."""
from __future__ import annotations

import math

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import quantize_multiplier, require_int8_activation
from . import ConstArray, Kernel, StateArray, Target, folded_bias
from ._pairs import smlad_pairs
from ._sigmoid_points import sigmoid_points
from .svdf import initial_state

KINDS = ("UNIDIRECTIONAL_SEQUENCE_LSTM",)
# TFLite's LSTM input positions: the gate weights and biases in TFLM's order forget, input, cell, output
INPUT_WEIGHTS = (2, 1, 3, 4)
RECURRENT_WEIGHTS = (6, 5, 7, 8)
BIASES = (13, 12, 14, 15)
ABSENT = (9, 10, 11, 16, 17, 20, 21, 22, 23)   # peepholes, projection, layer norms: TFLM refuses them too
HIDDEN_STATE, CELL_STATE = 18, 19
GATE_SCALE = np.float32(2.0 ** -12)    # gate layers' int16 output: Q3.12
SQUASHED_SCALE = 2.0 ** -15            # sigmoid and tanh outputs: Q0.15
ACTIVATION_TANH, ACTIVATION_SIGMOID = 4, 6


def _gate_multiplier(x: Tensor, w: Tensor) -> tuple[int, int]:
    """TFLM's GetQuantizedConvolutionMultipler: the float32 product of the two scales, widened, over Q3.12."""
    return quantize_multiplier(float(np.float32(x.scale) * np.float32(w.scale)) / float(GATE_SCALE))


def _product_multiplier(scale_a: float, scale_b: float, scale_out) -> tuple[int, int]:
    """TFLM's CreateInterGateMulParams: the scales widened to double, multiplied, over the output scale."""
    return quantize_multiplier(float(np.float32(scale_a)) * float(np.float32(scale_b)) / float(np.float32(scale_out)))


def cell_tanh_scaling(cell_scale_power: int) -> tuple[int, int]:
    """(multiplier, right shift) with which TFLM's int16 tanh reads a cell state of scale 2^power."""
    left = 15 + cell_scale_power - 3
    return (3 << left, 0) if left >= 0 else (3, -left)


def _power_of_two(op: Operator, tensor: Tensor) -> int:
    power = round(math.log2(float(tensor.scale))) if float(tensor.scale) > 0 else None
    if power is None or np.float32(2.0 ** power) != np.float32(tensor.scale):
        raise UnsupportedModelError(f"{op.describe()}: cell state {tensor.describe()} has scale {float(tensor.scale)}, "
                                    "not a power of two (TFLite's converter makes it one)")
    return power


def _operands(graph: Graph, op: Operator):
    def refuse(rule: str):
        raise UnsupportedModelError(f"{op.describe()}: {rule}")
    if len(op.inputs) != 24:
        refuse(f"has {len(op.inputs)} inputs, 24 expected")
    present = [i for i in ABSENT if op.inputs[i] >= 0]
    if present:
        refuse(f"uses inputs {present} (peephole, projection or layer normalisation), which TFLite Micro's "
               "integer LSTM does not support")
    weights = [graph.tensor(op.inputs[i]) for i in INPUT_WEIGHTS + RECURRENT_WEIGHTS]
    if any(w is None for w in weights):
        refuse("has no input gate weights (coupled input and forget gate), which TFLite Micro does not support")
    for w in weights:
        if not w.is_const or w.dtype != "int8" or len(w.scales) != 1 or any(int(z) for z in w.zero_points):
            refuse(f"weights {w.describe()} must be constant int8 with one scale and zero point 0")
    biases = [graph.tensor(op.inputs[i]) for i in BIASES]
    for b in biases:
        if b is not None and (not b.is_const or b.dtype != "int32"):
            refuse(f"bias {b.describe()} must be a constant int32 vector")
    hidden, cell = graph.tensor(op.inputs[HIDDEN_STATE]), graph.tensor(op.inputs[CELL_STATE])
    if hidden is None or cell is None or not hidden.is_variable or not cell.is_variable:
        refuse("its hidden and cell states must be variable tensors")
    if hidden.dtype != "int8" or cell.dtype != "int16":
        refuse(f"hidden state {hidden.describe()} and cell state {cell.describe()} must be int8 and int16")
    return weights, biases, hidden, cell


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    weights, biases, hidden, cell = _operands(graph, op)
    time_major = bool(op.options.get("TimeMajor", False))
    if len(x.shape) != 3 or len(y.shape) != 3:
        raise UnsupportedModelError(f"{op.describe()}: input {x.describe()} and output {y.describe()} must be 3-D")
    steps, batches = (x.shape[0], x.shape[1]) if time_major else (x.shape[1], x.shape[0])
    input_size, units = x.shape[2], weights[0].shape[0]
    expected = [(units, input_size)] * 4 + [(units, units)] * 4
    if [tuple(w.shape) for w in weights] != expected or any(b is not None and b.size != units for b in biases) \
            or y.shape[2] != units or tuple(y.shape[:2]) != tuple(x.shape[:2]) \
            or hidden.size != batches * units or cell.size != batches * units:
        raise UnsupportedModelError(f"{op.describe()}: weights, biases, states or output do not match an LSTM of "
                                    f"{units} units on input {x.describe()}")
    activation = int(op.options.get("FusedActivationFunction", ACTIVATION_TANH))
    if activation not in (ACTIVATION_TANH, ACTIVATION_SIGMOID):
        raise UnsupportedModelError(f"{op.describe()}: cell gate activation {activation}; TFLite Micro takes tanh "
                                    "or sigmoid")
    gate = [_gate_multiplier(x, w) for w in weights[:4]]
    recurrent = [_gate_multiplier(hidden, w) for w in weights[4:]]
    cell_power = _power_of_two(op, cell)
    forget_m, forget_s = _product_multiplier(SQUASHED_SCALE, cell.scale, cell.scale)
    update_m, update_s = _product_multiplier(SQUASHED_SCALE, SQUASHED_SCALE, cell.scale)
    output_m, output_s = _product_multiplier(SQUASHED_SCALE, SQUASHED_SCALE, hidden.scale)
    tanh_m, tanh_s = cell_tanh_scaling(cell_power)
    clip = float(np.float32(op.options.get("CellClip", 0.0)))
    quantized_clip = int(min(max(clip / float(cell.scale), -32768.0), 32767.0)) if clip > 0 else -1
    bias = np.concatenate([b.data.reshape(-1).astype(np.int32) if b is not None else np.zeros(units, np.int32)
                           for b in biases])
    # the DSP twin takes the zero points out of the products: bias + offset x each row's weight sum
    input_folded = np.concatenate([folded_bias(w.data, bias[g * units:(g + 1) * units], -x.zero_point, False)
                                   for g, w in enumerate(weights[:4])])
    recurrent_folded = np.concatenate([folded_bias(w.data, None, -hidden.zero_point, False) for w in weights[4:]])
    return Kernel(
        function="ecg_unidirectional_sequence_lstm", params_type="ecg_lstm_params_t",
        params=dict(batches=batches, steps=steps, input_size=input_size, units=units, time_major=int(time_major),
                    input_offset=-x.zero_point, hidden_offset=-hidden.zero_point,
                    gate_multiplier=[m for m, _ in gate], gate_shift=[s for _, s in gate],
                    recurrent_multiplier=[m for m, _ in recurrent], recurrent_shift=[s for _, s in recurrent],
                    cell_gate_tanh=int(activation == ACTIVATION_TANH),
                    forget_multiplier=forget_m, forget_shift=forget_s, update_multiplier=update_m,
                    update_shift=update_s, output_multiplier=output_m, output_shift=output_s,
                    hidden_zero_point=hidden.zero_point, cell_tanh_multiplier=tanh_m, cell_tanh_shift=tanh_s,
                    cell_clip=quantized_clip,
                    input_weights=ConstArray("input_weights", "int8_t",
                                             np.concatenate([w.data.reshape(-1) for w in weights[:4]])),
                    recurrent_weights=ConstArray("recurrent_weights", "int8_t",
                                                 np.concatenate([w.data.reshape(-1) for w in weights[4:]])),
                    bias=ConstArray("bias", "int32_t", bias),
                    points=ConstArray("points", "int32_t", np.array(sigmoid_points(), np.int32)),
                    input_folded=ConstArray("input_folded", "int32_t", input_folded),
                    recurrent_folded=ConstArray("recurrent_folded", "int32_t", recurrent_folded),
                    input_pairs=None, recurrent_pairs=None,
                    hidden=StateArray("hidden", "int8_t", hidden.size, initial_state(hidden)),
                    cell=StateArray("cell", "int16_t", cell.size, initial_state(cell))),
        inputs=[x.index], output=y.index, macs=batches * steps * 4 * units * (input_size + units))


def target_params(kernel: Kernel, target: Target) -> dict:
    """The DSP twin reads the gate weights pre-extended to int16 pairs (twice the int8 weights' flash, beside
    them): one LDRD and two SMLAD per row and four inputs, where the int8 rows take two more SXTB16."""
    if not target.dsp_kernels:
        return {}
    p = kernel.params
    return {pairs_name: ConstArray(pairs_name, "int16_t", smlad_pairs(p[name].values.reshape(4 * p["units"], depth)))
            for name, pairs_name, depth in (("input_weights", "input_pairs", p["input_size"]),
                                            ("recurrent_weights", "recurrent_pairs", p["units"]))}


def scratch_bytes(kernel: Kernel, target: Target) -> int:
    """The four gates of one step, int16 each; the DSP twin also keeps the int32 accumulators of the
    input and hidden layers of all four gates."""
    units = kernel.params["units"]
    return 4 * units * 2 + (8 * units * 4 if target.dsp_kernels else 0)
