"""QUANTIZE: int8 -> int8 requantization (which the converter inserts in front of CONCATENATION when an
input's scale is fixed, e.g. by LOGISTIC or TANH) is bit-exact; a float interface is rejected clearly."""
from __future__ import annotations

import numpy as np
import pytest

from bitexact import compile_and_compare, tflite_model

VERSION = "quantize-v1"


def _layers():
    import tensorflow as tf
    return tf.keras.layers


def fixed_scale_branches_concatenated():
    import tensorflow as tf
    L = _layers()
    x = tf.keras.Input((8, 4))
    a = L.Activation("sigmoid")(L.Dense(4)(x))
    b = L.Activation("tanh")(L.Dense(3)(x))
    return tf.keras.Model(x, L.Concatenate()([a, b, L.Dense(2)(x)]))


def input_requantized_two_outputs():
    import tensorflow as tf
    L = _layers()
    x = tf.keras.Input((8, 4))
    a = L.Activation("sigmoid")(x)
    return tf.keras.Model(x, [L.Concatenate()([a, x]), L.Add()([a, L.Dense(4)(x)])])


@pytest.mark.parametrize("build", [fixed_scale_branches_concatenated, input_requantized_two_outputs])
@pytest.mark.parametrize("spread", [0.5, 3.0])
def test_int8_requantize_bit_exact(build, spread, tmp_path):
    tflite = tflite_model(f"{VERSION}-{build.__name__}", build, spread=spread, seed=6)
    compile_and_compare(tflite, tmp_path, vectors=40, every_byte=True, expect_ops=["QUANTIZE", "CONCATENATION"])


def test_float_interface_is_rejected_before_any_file_is_written(tmp_path):
    """QUANTIZE float -> int8 at the input and DEQUANTIZE at the output would need float on the device."""
    import tensorflow as tf
    from ecgcc.compile import compile_tflite
    from ecgcc.ir import UnsupportedModelError

    x = tf.keras.Input((16,), batch_size=1)
    model = tf.keras.Model(x, _layers().Dense(4)(x))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([np.random.default_rng(i).normal(size=(1, 16)).astype(np.float32)]
                                                for i in range(16))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    tflite = converter.convert()       # float32 input and output around an int8 body
    from ecgcc.frontend import parse_tflite
    kinds = [op.kind for op in parse_tflite(tflite).operators]
    assert kinds[0] == "QUANTIZE" and kinds[-1] == "DEQUANTIZE", kinds
    with pytest.raises(UnsupportedModelError, match="float32") as error:
        compile_tflite(tflite, "m", None, tmp_path / "out")
    assert "QUANTIZE" in str(error.value) and "int8" in str(error.value)
    assert not (tmp_path / "out").exists()
