"""SVDF int8 as TFLite Micro runs it: int8 input, int8 feature weights, int8 or int16 time weights and state,
int32 bias, int8 output. The state (a variable tensor) lives between inferences in a static array."""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from ..passes.quant import quantize_multiplier, require_int8_activation
from . import ConstArray, Kernel, StateArray, Target, folded_bias
from ._pairs import smlad_pairs

KINDS = ("SVDF",)
STATE_TYPES = {"int8": "int8_t", "int16": "int16_t"}


def _scale_ratio(a: Tensor, b: Tensor, c: Tensor) -> float:
    """a.scale * b.scale / c.scale in float32 arithmetic, then widened, as TFLM's Prepare computes it."""
    return float(np.float32(np.float32(a.scale) * np.float32(b.scale)) / np.float32(c.scale))


def initial_state(state: Tensor) -> int:
    """TFLM resets an int8 variable to its zero point and any other to zero."""
    return state.zero_point if state.dtype == "int8" else 0


def _check(op: Operator, x: Tensor, features: Tensor, time: Tensor, bias: Tensor | None, state: Tensor,
           y: Tensor, rank: int) -> None:
    def refuse(rule: str):
        raise UnsupportedModelError(f"{op.describe()}: {rule}")
    if not features.is_const or not time.is_const or (bias is not None and not bias.is_const):
        refuse("weights and bias must be constants")
    if bias is None:
        refuse("has no bias; TFLite Micro's SVDF needs one")
    if not state.is_variable:
        refuse(f"its state {state.describe()} must be a variable tensor")
    if features.dtype != "int8" or time.dtype not in STATE_TYPES or state.dtype != time.dtype or bias.dtype != "int32":
        refuse(f"types {features.dtype}/{time.dtype}/{state.dtype}/{bias.dtype} for feature weights, time weights, "
               "state and bias; int8, int8 or int16 (the state's type), int32 are supported")
    if len(x.shape) != 2 or len(features.shape) != 2 or len(time.shape) != 2 or len(y.shape) != 2:
        refuse("input, weights and output must be 2-D")
    batches, input_size = x.shape
    filters, memory = time.shape
    if features.shape != (filters, input_size) or rank < 1 or filters % rank:
        refuse(f"feature weights {list(features.shape)} do not match input {list(x.shape)}, "
               f"time weights {list(time.shape)} and rank {rank}")
    units = filters // rank
    if tuple(y.shape) != (batches, units) or bias.size != units or tuple(state.shape) != (batches, memory * filters):
        refuse(f"output {list(y.shape)}, bias {list(bias.shape)} or state {list(state.shape)} do not match "
               f"{batches} batches of {units} units with {filters} filters of memory {memory}")


def lower(graph: Graph, op: Operator) -> Kernel:
    x = require_int8_activation(graph, op, op.inputs[0], "input")
    y = require_int8_activation(graph, op, op.outputs[0], "output")
    features, time, bias, state = (graph.tensor(t) for t in op.inputs[1:5])
    rank = int(op.options.get("Rank", 0))
    _check(op, x, features, time, bias, state, y, rank)
    batches, input_size = x.shape
    filters, memory = time.shape
    feature_multiplier, feature_shift = quantize_multiplier(_scale_ratio(x, features, state))
    output_multiplier, output_shift = quantize_multiplier(_scale_ratio(state, time, y))
    return Kernel(
        function="ecg_svdf", params_type="ecg_svdf_params_t",
        params=dict(batches=batches, input_size=input_size, filters=filters, units=filters // rank, rank=rank,
                    memory=memory, input_zero_point=x.zero_point, state_zero_point=state.zero_point,
                    output_zero_point=y.zero_point, feature_multiplier=feature_multiplier,
                    feature_shift=feature_shift, output_multiplier=output_multiplier, output_shift=output_shift,
                    state_bytes=np.dtype(state.dtype).itemsize,
                    weights_feature=ConstArray("weights_feature", "int8_t", features.data.astype(np.int8)),
                    weights_time=ConstArray("weights_time", STATE_TYPES[time.dtype], time.data),
                    bias=ConstArray("bias", "int32_t", bias.data.astype(np.int32)),
                    state=StateArray("state", STATE_TYPES[state.dtype], state.size, initial_state(state)),
                    # the DSP twin takes the zero points out of the products: offset x each row's weight sum
                    feature_folded=ConstArray("feature_folded", "int32_t",
                                              folded_bias(features.data, None, -x.zero_point, False)),
                    time_folded=ConstArray("time_folded", "int32_t",
                                           folded_bias(time.data, None, -state.zero_point, False)),
                    feature_pairs=None),
        inputs=[x.index], output=y.index, macs=batches * filters * (input_size + memory))


def target_params(kernel: Kernel, target: Target) -> dict:
    """The DSP twin's feature layer reads its weights as int16 SMLAD pairs (beside the int8 rows, twice their
    flash), where it runs at all: an int8 state and a whole number of four-row blocks."""
    p = kernel.params
    if target.dsp_kernels and p["state_bytes"] == 1 and p["filters"] % 4 == 0:
        rows = p["weights_feature"].values.reshape(p["filters"], p["input_size"])
        return {"feature_pairs": ConstArray("feature_pairs", "int16_t", smlad_pairs(rows))}
    return {}


def scratch_bytes(kernel: Kernel, target: Target) -> int:
    """The DSP twin's int32 accumulators of the feature layer, one per filter."""
    return 4 * kernel.params["filters"] if target.dsp_kernels else 0
