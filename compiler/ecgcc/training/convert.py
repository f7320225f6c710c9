"""Float Keras model -> int8 TFLite flatbuffer with fixed input quantization.

Calibration uses DS1 training beats only. The model inputs are defined as integers
(``ecgcc.data.beats``), so both int8 inputs must come out with scale 1/64 and zero point 0:
the representative data therefore always contain the full int8 range of each input once
(one extra sample built from a real calibration beat), and the result is checked.
"""

from __future__ import annotations

import numpy as np

from ..data import beats
from ..data.dataset import BeatSet
from .model import RR_INPUT, WINDOW_INPUT


class InputQuantizationError(RuntimeError):
    pass


def _range_anchor(windows: np.ndarray, rr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A calibration sample spanning [-128, 127] on both inputs, so the calibrated input scale
    is exactly (127 - -128) / 255 units of 1/64, with zero point 0."""
    window = windows[:1].copy()
    window[0, 0] = beats.INT8_MIN
    window[0, -1] = beats.INT8_MAX
    features = rr[:1].copy()
    features[0, 0] = beats.INT8_MIN
    features[0, 1] = beats.INT8_MAX
    return window, features


def representative_batches(calibration: BeatSet, max_samples: int = 1000, seed: int = 0,
                           rr_width: int | None = None):
    """rr_width: the RR features the model reads (a model made under an older contract reads fewer)."""
    rng = np.random.default_rng(seed)
    count = min(max_samples, len(calibration))
    chosen = np.sort(rng.choice(len(calibration), size=count, replace=False))
    windows = calibration.windows[chosen]
    rr = calibration.rr[chosen]
    if rr_width is not None:
        rr = beats.rr_for_model(rr, rr_width)
    anchor_w, anchor_rr = _range_anchor(windows, rr)
    windows = np.concatenate([anchor_w, windows])
    rr = np.concatenate([anchor_rr, rr])
    float_w, float_rr = beats.to_float_inputs(windows, rr)

    def generator():
        for index in range(len(float_w)):
            yield {WINDOW_INPUT: float_w[index : index + 1], RR_INPUT: float_rr[index : index + 1]}

    return generator


def convert_to_int8(model, calibration: BeatSet, max_samples: int = 1000, seed: int = 0) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    rr_width = int(model.get_layer(RR_INPUT).batch_shape[-1])
    converter.representative_dataset = representative_batches(calibration, max_samples, seed, rr_width)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    flatbuffer = put_window_first(converter.convert())
    check_input_quantization(flatbuffer)
    return flatbuffer


def put_window_first(flatbuffer: bytes) -> bytes:
    """Order the flatbuffer's inputs as (window, rr).

    The converter orders a multi-input model's inputs by criteria outside our control (they
    change with layer names), while firmware and compiler rely on input 0 being the window.
    """
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))
    subgraph = model.subgraphs[0]
    inputs = list(subgraph.inputs)
    if len(inputs) != 2:
        raise InputQuantizationError(f"expected two model inputs, found {len(inputs)}")
    ranks = [len(subgraph.tensors[index].shape) for index in inputs]
    if ranks[0] == 3:
        return flatbuffer
    subgraph.inputs = inputs[::-1]
    for signature in model.signatureDefs or []:
        signature.inputs = sorted(signature.inputs, key=lambda item: -len(subgraph.tensors[item.tensorIndex].shape))
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def input_details(flatbuffer: bytes) -> dict[str, dict]:
    """Quantization of the flatbuffer's inputs, keyed "window" / "rr", with their position."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(bytes(flatbuffer))
    found = {}
    for position in range(2):
        detail = interpreter.get_input_details(position)
        # the window is (1, 256, 2), the RR features (1, 8)
        name = "window" if len(detail["shape"]) == 3 else "rr"
        quantization = detail["quantization_parameters"]
        found[name] = {
            "position": position,
            "shape": [int(s) for s in detail["shape"]],
            "dtype": np.dtype(detail["dtype"]).name,
            "scale": float(quantization["scales"][0]),
            "zero_point": int(quantization["zero_points"][0]),
        }
    return found


def check_input_quantization(flatbuffer: bytes) -> None:
    details = input_details(flatbuffer)
    if details.get("window", {}).get("position") != 0 or details.get("rr", {}).get("position") != 1:
        raise InputQuantizationError(f"expected input 0 = window, input 1 = rr; got {details}")
    for name, detail in details.items():
        if detail["dtype"] != "int8":
            raise InputQuantizationError(f"input {name} is {detail['dtype']}, expected int8")
        if abs(detail["scale"] - beats.INPUT_SCALE) > 1e-6 * beats.INPUT_SCALE or detail["zero_point"] != 0:
            raise InputQuantizationError(
                f"input {name} quantized with scale {detail['scale']} zero point {detail['zero_point']};"
                f" the beat definition needs scale {beats.INPUT_SCALE} and zero point 0"
            )
