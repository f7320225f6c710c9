"""Output bias correction: shift the int8 model's class logits so that, on calibration beats,
they agree with the float model's logits on average.

Rounding every weight and activation to int8 leaves a small systematic offset in each class's
logit (a fraction of one output step). Spread over tens of thousands of beats, an offset of
half a step moves dozens of borderline beats from one class to another, always in the same
direction, and the rare classes' positive predictivity drifts away from the float model's.
The correction measures each class's mean logit error (int8 dequantized minus float) on DS1
calibration beats, with TFLite Micro's own kernels, and subtracts it from the int32 bias of
the last FULLY_CONNECTED layer. It needs no labels: the float model is the target.
"""

from __future__ import annotations

import numpy as np

from ..data.beats import rr_for_model
from ..data.dataset import BeatSet
from .model import RR_INPUT, WINDOW_INPUT


class BiasCorrectionError(RuntimeError):
    pass


def _logit_layer(flatbuffer_model):
    """(fully connected operator, its output tensor) feeding the model's final SOFTMAX."""
    from tensorflow.lite.tools import visualize

    subgraph = flatbuffer_model.subgraphs[0]
    names = {index: visualize.BuiltinCodeToName(code.builtinCode or code.deprecatedBuiltinCode)
             for index, code in enumerate(flatbuffer_model.operatorCodes)}
    producers = {int(op.outputs[0]): op for op in subgraph.operators}
    output = int(subgraph.outputs[0])
    softmax = producers.get(output)
    if softmax is None or names[softmax.opcodeIndex] != "SOFTMAX":
        raise BiasCorrectionError(f"output tensor {output} does not come from SOFTMAX")
    logits = int(softmax.inputs[0])
    dense = producers.get(logits)
    if dense is None or names[dense.opcodeIndex] != "FULLY_CONNECTED" or len(dense.inputs) < 3 or dense.inputs[2] < 0:
        raise BiasCorrectionError(f"SOFTMAX input tensor {logits} does not come from a FULLY_CONNECTED with a bias")
    return dense, logits


def _float_logits(model, beats: BeatSet) -> np.ndarray:
    import keras

    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.activation.__name__ != "softmax":
        raise BiasCorrectionError(f"the float model's last layer {last.name!r} is not a Dense softmax")
    hidden = keras.Model(model.inputs, last.input)
    windows, rr = beats.float_inputs()
    rr = rr_for_model(rr, int(model.get_layer(RR_INPUT).batch_shape[-1]))
    features = hidden.predict({WINDOW_INPUT: windows, RR_INPUT: rr}, batch_size=1024, verbose=0)
    kernel, bias = last.get_weights()
    return features @ kernel + bias


def _int8_logits(flatbuffer: bytes, logits_tensor: int, beats: BeatSet) -> np.ndarray:
    from ..reference import Reference

    reference = Reference(flatbuffer, keep_all_tensors=True)
    rr = rr_for_model(beats.rr, reference.input_shape(1)[-1])
    values = []
    for index in range(len(beats)):
        reference.run([beats.windows[index], rr[index]])
        values.append(reference.tensor(logits_tensor).reshape(-1).astype(np.int64))
    return np.stack(values)


def _sample(beats: BeatSet, max_samples: int, seed: int) -> BeatSet:
    rng = np.random.default_rng(seed)
    count = min(max_samples, len(beats))
    return beats.take(np.sort(rng.choice(len(beats), size=count, replace=False)))


def correct_output_bias(flatbuffer: bytes, model, calibration: BeatSet, max_samples: int = 4000,
                        seed: int = 0) -> tuple[bytes, dict]:
    """Return the corrected flatbuffer and a report of the mean logit errors before and after."""
    from tensorflow.lite.tools import flatbuffer_utils

    beats = _sample(calibration, max_samples, seed)
    if not len(beats):
        raise BiasCorrectionError("no calibration beats")
    parsed = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    dense, logits_tensor = _logit_layer(parsed)
    tensors = parsed.subgraphs[0].tensors
    out_quant = tensors[logits_tensor].quantization
    out_scale, out_zero = float(out_quant.scale[0]), int(out_quant.zeroPoint[0])
    bias_tensor = tensors[int(dense.inputs[2])]
    bias_buffer = parsed.buffers[bias_tensor.buffer]
    bias = np.frombuffer(bytes(bias_buffer.data), dtype=np.int32).copy()
    bias_scale = np.broadcast_to(np.asarray(bias_tensor.quantization.scale, np.float64), bias.shape)

    reference_logits = _float_logits(model, beats)
    if reference_logits.shape[1] != len(bias):
        raise BiasCorrectionError(f"float model has {reference_logits.shape[1]} classes, int8 bias {len(bias)}")

    def mean_error(candidate: bytes) -> np.ndarray:
        quantized = (_int8_logits(candidate, logits_tensor, beats) - out_zero) * out_scale
        return (quantized - reference_logits).mean(axis=0)

    before = mean_error(flatbuffer)
    step = np.round(before / bias_scale).astype(np.int64)
    corrected_bias = bias.astype(np.int64) - step
    if np.any(np.abs(corrected_bias) > np.iinfo(np.int32).max):
        raise BiasCorrectionError("corrected bias does not fit int32")
    bias_buffer.data = corrected_bias.astype("<i4").tobytes()
    corrected = bytes(flatbuffer_utils.convert_object_to_bytearray(parsed))
    after = mean_error(corrected)
    report = {
        "beats": len(beats),
        "logit_step": out_scale,
        "mean_logit_error_before": [float(v) for v in before],
        "mean_logit_error_after": [float(v) for v in after],
        "bias_change": [int(-v) for v in step],
    }
    return corrected, report
