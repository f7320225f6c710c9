"""The Cortex-M3 twin of CONV_2D (firmware/kernels/m3/conv_2d.c: two products per SMLAL from values packed
2^23 apart), compiled for qemu-m3 and built on the host with ECGCC_M3_EMULATE, bit-exact with the TFLite
Micro interpreter; the same compile with the reference kernels too. Shapes: the ECG CNN's layers (one input
channel with stride 2, pointwise, dilated on 32 channels), odd channel counts (pairs straddling taps), an odd
output channel count, 2-D windows, windows summed in one, two and three chunks (a chunk holds at most 126 words
of 2 values), one beyond the packed path (the reference loop), and fused RELU / RELU6 bounds."""
import numpy as np
import pytest

from models import conv1d, conv2d, depthwise1d, depthwise2d, single
from support import assert_bit_exact, quantized

VERSION = "m3-conv-v2"

CASES = {
    "first_layer": single((64, 1), conv1d(16, 7, 2, "same", 1, "relu")),
    "pointwise": single((24, 16), conv1d(32, 1, 1, "same", 1, "relu")),
    "dilated_32": single((40, 32), conv1d(12, 5, 1, "same", 2, "relu")),
    "odd_channels": single((31, 3), conv1d(7, 3, 2, "same", 1, "relu6")),
    "conv_2d": single((9, 10, 5), conv2d(6, 3, 2, "same")),
    "one_chunk_window": single((12, 127), conv1d(5, 2, 1, "same")),   # 254 values: 127 pairs, one chunk
    "two_chunk_window": single((12, 128), conv1d(3, 2, 1, "same")),   # 256 values: 128 pairs, two chunks
    "resnet_3x3_64": single((6, 5, 64), conv2d(8, 3, 1, "same")),   # 576 values: three chunks, edges
    "window_beyond_packing": single((3, 2049), conv1d(3, 2, 1, "same")),   # 2049 pairs: the reference loop
}

DEPTHWISE_CASES = {
    # the ECG CNN's depthwise layer: 5 taps on 16 channels, SAME (edge pixels), RELU
    "ecg_depthwise": single((40, 16), depthwise1d(5, 1, "same", 1, 1, "relu")),
    "multiplier_stride": single((21, 3), depthwise1d(3, 2, "same", 2, 1, "relu6")),
    "dilated": single((30, 4), depthwise1d(3, 1, "same", 1, 2)),
    "depthwise_2d": single((8, 9, 5), depthwise2d(3, 1, "same", 1, "relu")),
    # kws_ds_cnn's 3x3 on 64 channels over 25x5, and strided ones as in MobileNet, SAME and VALID
    "kws_3x3_64": single((9, 5, 64), depthwise2d(3, 1, "same", 1, "relu")),
    "stride_2_same": single((12, 11, 16), depthwise2d(3, 2, "same", 1, "relu6")),
    "stride_2_valid": single((11, 10, 8), depthwise2d(3, 2, "valid")),
    "wide_taps": single((7, 12, 6), depthwise2d((2, 7), 1, "same")),   # 14 taps, not unrolled
}
# Layers the packed path does not take (a depth multiplier, an odd channel count) run the reference loop.
DEPTHWISE_REFERENCE = {"multiplier_stride", "depthwise_2d"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_m3_conv_bit_exact_with_tflm(name, tmp_path):
    tflite = quantized(f"{VERSION}-{name}", CASES[name], None, seed=3)
    result = assert_bit_exact(tflite, tmp_path, count=20, seed=5, board="qemu-m3",
                              defines=(("ECGCC_M3_EMULATE",), ("ECGCC_REFERENCE_KERNELS",)))
    convs = [k for k in result.kernels if k.function == "ecg_conv_2d"]
    assert convs
    packed = [k.params["packed_weights"] is not None for k in convs]
    assert packed == [name != "window_beyond_packing"] * len(convs)


def test_packed_weights_layout():
    """Words are w[2k] + w[2k+1] * 2^23, two channels interleaved, zero-padded to whole pairs."""
    from ecgcc.ops.conv_2d import m3_packed_weights
    weights = np.array([[1, -2, 3], [-128, 127, -1], [5, 6, 7]], np.int8).reshape(3, 1, 1, 3)
    got = m3_packed_weights(weights).tolist()
    word = lambda a, b: a + b * (1 << 23)
    assert got == [word(1, -2), word(-128, 127), word(3, 0), word(-1, 0),
                   word(5, 6), 0, word(7, 0), 0]
    # an odd number of pairs is rounded up with a zero word per channel
    three_pairs = m3_packed_weights(np.arange(1, 7, dtype=np.int8).reshape(1, 1, 1, 6)).tolist()
    assert three_pairs == [word(1, 2), 0, word(3, 4), 0, word(5, 6), 0, 0, 0]


def test_depthwise_packed_weights_layout():
    """Per pair of channels, per tap in [ky][kx] order, w_c + w_c1 * 2^21."""
    from ecgcc.ops.depthwise_conv_2d import m3_packed_weights
    # [k_h=1][k_w=2][4 channels]
    weights = np.array([[1, -2, 3, 127], [-128, 5, -6, 7]], np.int8).reshape(1, 1, 2, 4)
    word = lambda a, b: a + b * (1 << 21)
    assert m3_packed_weights(weights).tolist() == [word(1, -2), word(-128, 5), word(3, 127), word(-6, 7)]


@pytest.mark.parametrize("name", sorted(DEPTHWISE_CASES))
def test_m3_depthwise_bit_exact_with_tflm(name, tmp_path):
    tflite = quantized(f"{VERSION}-{name}", DEPTHWISE_CASES[name], None, seed=3)
    result = assert_bit_exact(tflite, tmp_path, count=20, seed=5, board="qemu-m3",
                              defines=(("ECGCC_M3_EMULATE",), ("ECGCC_REFERENCE_KERNELS",)))
    layers = [k for k in result.kernels if k.function == "ecg_depthwise_conv_2d"]
    assert layers
    packed = [k.params["packed_weights"] is not None and bool(k.scratch_bytes) for k in layers]
    assert packed == [name not in DEPTHWISE_REFERENCE] * len(layers)


def test_ecg_cnn_compiled_for_qemu_m3_is_bit_exact_with_m3_and_reference_kernels(tmp_path):
    """The whole ECG CNN as qemu-m3 compiles it (the pointwise convolution fused with its pool, run in
    chunks), every unfused convolution on the packed path."""
    from models import ecg_model_tflite
    result = assert_bit_exact(ecg_model_tflite(), tmp_path, count=100, board="qemu-m3",
                              defines=(("ECGCC_M3_EMULATE",), ("ECGCC_REFERENCE_KERNELS",)))
    convs = [k for k in result.kernels if k.function == "ecg_conv_2d"]
    assert len(convs) >= 3 and all(k.params["packed_weights"] is not None and k.scratch_bytes for k in convs)


def test_m3_requantization_matches_the_reference(tmp_path):
    """ecg_m3_requantize (include/ecg_m3.h: one multiply-add and shifts) against ecg_requantize for every
    shift, multipliers at the ends of their range, accumulators at the int32 limits, and the final shift's
    rounding ties on both sides of zero."""
    import subprocess
    from support import CFLAGS, KERNELS
    exe = tmp_path / "m3_requant_check"
    subprocess.run(["gcc", *CFLAGS, f"-I{KERNELS / 'include'}", str(KERNELS.parents[1] / "tests" / "compiler" /
                    "m3_requant_check.c"), "-o", str(exe)], check=True, capture_output=True, text=True)
    done = subprocess.run([str(exe)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    ties = 120738   # rounding ties of the final shift, 31 shifts x 2000 x 2 less those out of range
    assert done.stdout.split()[-1] == str(63 * (20000 + 77) + ties)


def test_m3_twins_match_reference_loops_on_random_layers(tmp_path):
    """tests/compiler/m3_kernel_twins.c: seeded random CONV_2D and DEPTHWISE_CONV_2D layers (any shape, stride,
    dilation, padding; windows of one to several chunks; odd channel counts, depth multipliers, too many taps;
    scratch missing or short), each run through the M3 twin and through the reference loop built beside it,
    with the packed weights laid out by the test itself. Most cases must take the packed paths."""
    import re
    import subprocess
    from support import CFLAGS, KERNELS
    exe = tmp_path / "m3_kernel_twins"
    sources = [str(KERNELS / kind / f"{name}.c") for kind in ("reference", "m3")
               for name in ("conv_2d", "depthwise_conv_2d")]
    subprocess.run(["gcc", *CFLAGS, "-DECGCC_M3_EMULATE", f"-I{KERNELS / 'include'}",
                    str(KERNELS.parents[1] / "tests" / "compiler" / "m3_kernel_twins.c"), *sources, "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    done = subprocess.run([str(exe), "3000"], capture_output=True, text=True)
    counts = {kind: tuple(map(int, numbers)) for kind, *numbers in
              re.findall(r"^(\S+) cases (\d+) packed (\d+) differ (\d+)", done.stdout, re.M)}
    assert done.returncode == 0 and set(counts) == {"CONV_2D", "DEPTHWISE_CONV_2D"}, done.stdout
    for kind, (cases, packed, differ) in counts.items():
        assert differ == 0, done.stdout
        assert cases >= 2000 and packed >= cases // 3, f"{kind}: too few cases on the packed path: {done.stdout}"
