"""Each operator alone (plus the reshapes the converter wraps around it), bit-exact with TFLite Micro."""
import pytest

from models import conv1d, conv2d, dense, depthwise1d, depthwise2d, layer, single
from support import assert_bit_exact, quantized

CASES = {
    # CONV_2D through Conv1D: stride, padding, dilation (native, since conversion uses batch 1), activations
    "conv1d_same_relu": single((64, 1), conv1d(8, 5, 1, "same", 1, "relu")),
    "conv1d_valid_stride2": single((65, 3), conv1d(4, 3, 2, "valid")),
    "conv1d_same_stride3_relu6": single((50, 2), conv1d(6, 7, 3, "same", 1, "relu6")),
    "conv1d_dilated_same": single((64, 4), conv1d(5, 3, 1, "same", 2, "relu")),
    "conv1d_dilated_valid": single((64, 2), conv1d(3, 5, 1, "valid", 3)),
    "conv1d_causal_dilated": single((64, 3), conv1d(4, 3, 1, "causal", 2, "relu")),
    "conv1d_pointwise": single((32, 8), conv1d(16, 1)),
    "conv2d_same_relu": single((10, 12, 3), conv2d(8, 3, 1, "same", 1, "relu")),
    "conv2d_valid_stride2": single((11, 9, 2), conv2d(4, (3, 2), 2, "valid", 1, "relu6")),
    "conv2d_dilated": single((12, 12, 3), conv2d(4, 3, 1, "same", 2)),
    # DEPTHWISE_CONV_2D
    "depthwise1d_same_relu6": single((64, 4), depthwise1d(3, 1, "same", 1, 1, "relu6")),
    "depthwise1d_multiplier2_stride2": single((63, 3), depthwise1d(5, 2, "valid", 2)),
    "depthwise1d_dilated": single((64, 4), depthwise1d(3, 1, "same", 1, 2, "relu")),
    "depthwise2d_stride2": single((9, 9, 4), depthwise2d(3, 2, "same", 1, "relu")),
    # FULLY_CONNECTED
    "dense_16_5": single((16,), dense(5)),
    "dense_relu_no_bias": single((32,), dense(10, "relu", use_bias=False)),
    "dense_on_sequence": single((8, 6), dense(4)),
    "flatten_dense": single((12, 3), conv1d(4, 3), layer("Flatten"), dense(6)),
    # pools
    "maxpool1d_valid": single((64, 4), layer("MaxPooling1D", 2)),
    "maxpool1d_same_3_2": single((63, 3), layer("MaxPooling1D", 3, strides=2, padding="same")),
    "maxpool2d": single((8, 10, 2), layer("MaxPooling2D", (2, 3))),
    "avgpool1d_valid": single((64, 4), layer("AveragePooling1D", 2)),
    "avgpool1d_same_3_1": single((31, 3), layer("AveragePooling1D", 3, strides=1, padding="same")),
    "avgpool2d_same_stride2": single((9, 7, 2), layer("AveragePooling2D", 3, strides=2, padding="same")),
    # SOFTMAX, MEAN, RELU
    "softmax_5": single((16,), dense(5), layer("Softmax")),
    "softmax_wide_rows": single((4, 12), dense(12), layer("Softmax")),
    "global_average_1d": single((40, 6), layer("GlobalAveragePooling1D")),
    "global_average_2d": single((6, 5, 3), conv2d(4, 3), layer("GlobalAveragePooling2D")),
    "global_average_keepdims": single((30, 5), conv1d(4, 3), layer("GlobalAveragePooling1D", keepdims=True)),
    "relu_alone": single((24, 2), layer("ReLU")),
}



@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_bit_exact(name, tmp_path):
    build = CASES[name]
    tflite = quantized(f"op-{name}-v1", build, None, seed=1)
    assert_bit_exact(tflite, tmp_path, count=60, defines=((), ("ECGCC_DSP_EMULATE",)))
