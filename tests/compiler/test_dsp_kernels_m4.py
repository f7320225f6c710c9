"""The DSP pooling, MEAN and depthwise kernels and SOFTMAX on the Cortex-M4 instruction set (QEMU mps2-an386), each
path taken by some case, bit-exact with the TFLite Micro interpreter."""
import shutil

import numpy as np
import pytest

from models import dense, depthwise1d, depthwise2d, layer, single
from support import build_qemu_m4, quantized, random_records, run_qemu_m4

needs_arm_and_qemu = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                        reason="arm-none-eabi-gcc and qemu-system-arm needed")

CASES = {
    # DEPTHWISE_CONV_2D: the unrolled 1x5 and 3x3 shapes with and without clamp, the general shape, depth
    # multiplier 2, stride 2, horizontal dilation, an input that needs several bands
    "depthwise_1x5_same": single((96, 6), depthwise1d(5, 1, "same")),
    "depthwise_1x5_relu6": single((64, 4), depthwise1d(5, 1, "same", 1, 1, "relu6")),
    "depthwise_1x4_multiplier2_stride2": single((63, 3), depthwise1d(4, 2, "valid", 2)),
    "depthwise_1x3_dilated": single((64, 5), depthwise1d(3, 1, "same", 1, 2, "relu")),
    "depthwise_3x3_stride2": single((11, 9, 5), depthwise2d(3, 2, "same", 1, "relu")),
    "depthwise_3x3_multiplier2": single((7, 8, 3), depthwise2d(3, 1, "same", 2)),
    "depthwise_3x3_relu6": single((8, 9, 4), depthwise2d(3, 1, "same", 1, "relu6")),
    "depthwise_3x3_dilated_rows": single((12, 8, 3), layer("DepthwiseConv2D", 3, dilation_rate=(2, 1), padding="same")),
    "depthwise_2x5_valid": single((9, 12, 4), depthwise2d((2, 5), 1, "valid")),
    "depthwise_3x3_bands": single((40, 40, 4), depthwise2d(3, 1, "same")),
    "depthwise_3x3_bands_one_lane": single((24, 80, 2), depthwise2d(3, 1, "same")),
    # AVERAGE_POOL_2D: two-element windows, counts 2..9 at padded borders (odd and even), channels short
    # of a group of four, a window above the lane limit
    "avgpool_pairs": single((64, 8), layer("AveragePooling1D", 2)),
    "avgpool_3_same_odd_channels": single((31, 6), layer("AveragePooling1D", 3, strides=1, padding="same")),
    "avgpool_2x2": single((10, 8, 4), layer("AveragePooling2D", 2)),
    "avgpool_3x3_same_stride2": single((9, 7, 5), layer("AveragePooling2D", 3, strides=2, padding="same")),
    "avgpool_12x12_global": single((12, 12, 4), layer("AveragePooling2D", 12)),
    # MAX_POOL_2D
    "maxpool_pairs": single((64, 8), layer("MaxPooling1D", 2)),
    "maxpool_3_same_stride2": single((63, 7), layer("MaxPooling1D", 3, strides=2, padding="same")),
    "maxpool_2x3": single((8, 10, 4), layer("MaxPooling2D", (2, 3))),
    "maxpool_2x1_pairs": single((8, 6, 12), layer("MaxPooling2D", (2, 1))),
    "maxpool_pairs_odd_length": single((63, 16), layer("MaxPooling1D", 2)),
    # MEAN: channels short of four, more than 256 rows, 2-D, kept dimensions
    "mean_1d_odd_channels": single((40, 6), layer("GlobalAveragePooling1D")),
    "mean_1d_long": single((300, 4), layer("GlobalAveragePooling1D")),
    "mean_2d": single((6, 5, 8), layer("GlobalAveragePooling2D")),
    "mean_keepdims": single((30, 5), layer("GlobalAveragePooling1D", keepdims=True)),
    "mean_axes_apart": single((6, 5, 8), layer("Lambda", lambda t: __import__("keras").ops.mean(t, axis=(1, 3)))),
    # SOFTMAX: rows within and beyond the columns whose exps are kept for the second pass
    "softmax_5": single((16,), dense(5), layer("Softmax")),
    "softmax_rows_of_80": single((3, 12), dense(80), layer("Softmax")),
}


@needs_arm_and_qemu
@pytest.mark.parametrize("name", sorted(CASES))
def test_dsp_kernel_on_cortex_m4_bit_exact(name, tmp_path):
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    tflite = quantized(f"dsp-m4-{name}-v1", CASES[name], None, seed=3)
    result = compile_tflite(tflite, "model_under_test", "qemu-m4", tmp_path / "model")
    records = random_records(result.graph, 6, seed=5)
    reference = Reference(tflite)
    outputs, _ = run_qemu_m4(build_qemu_m4(tmp_path / "model", records, tmp_path / "m4"))
    assert len(outputs) == len(records)
    for i, (record, got) in enumerate(zip(records, outputs)):
        want = np.asarray(reference.run(record)[0], np.int8).reshape(-1)
        assert np.array_equal(want, got[0]), (f"record {i}: {np.count_nonzero(want != got[0])} of {want.size} "
                                              f"bytes differ from TFLM")
