"""The DSP paths of CONV_2D and FULLY_CONNECTED, each bit-exact with the TFLite Micro interpreter on the
Cortex-M4 instruction set (QEMU mps2-an386, the assembly loops) and in their portable twin on the host.
CONV_2D: windows held in registers (one input channel; pointwise on 8, 12 and 16 channels; more output
channels than one staged block), staged windows whose edge pixels walk only their taps inside the input
(dilated, and plain with a multiple of four channels), edge windows copied with the zero point (other
channel counts), edge windows of short runs copied once per pixel and run as a dense layer (2-D, one or
three channels, dilated), dilated 2-D rows, odd channel counts, stride 2, fused RELU / RELU6 bounds, and
layers left to the two-step requantization. FULLY_CONNECTED: rows four at a time with an input length
that is not a multiple of four, the remaining rows one at a time, inputs shorter than a word, several
batches."""
import shutil

import numpy as np
import pytest

from models import conv1d, conv2d, dense, layers, single
from support import assert_bit_exact, build_qemu_m4, quantized, random_records, run_qemu_m4

VERSION = "conv-paths-v1"


def huge_bias_conv1d(filters, kernel):
    """Biases that dwarf the products: the output scale becomes tiny against the accumulator's (a right
    shift beyond 21), so the kernel keeps TFLM's two-step requantization for the layer."""
    def make():
        import tensorflow as tf
        return layers().Conv1D(filters, kernel, padding="same",
                               bias_initializer=tf.keras.initializers.RandomNormal(stddev=1e5, seed=4))
    return make


CASES = {
    # window of at most 8 values: one input channel, kernel 7, stride 2, SAME, RELU6; then 1x1 on 8 channels
    "resident_narrow": single((64, 1), conv1d(8, 7, 2, "same", 1, "relu6"), conv1d(5, 1)),
    # windows of 12 and 16 values (pointwise), 40 outputs in two staged blocks; then staged, taps at the
    # edges, 3 output channels (a partial group) with RELU6
    "resident_wide": single((24, 12), conv1d(16, 1, 1, "same", 1, "relu"), conv1d(40, 1),
                            conv1d(3, 3, 1, "same", 1, "relu6")),
    # the ECG CNN's middle layer shape: dilated taps as separate runs, edges by taps
    "staged_dilated_edges": single((40, 32), conv1d(12, 5, 1, "same", 2, "relu")),
    # a channel count that is not a multiple of four: edge windows copied, stride 2, 7 outputs
    "staged_gathered_edges": single((31, 6), conv1d(7, 3, 2, "same", 1, "relu6")),
    # 2-D windows (one run per kernel row) and dilated 2-D (runs walked row by row)
    "staged_2d": single((9, 10, 8), conv2d(6, 3, 2, "same")),
    "staged_2d_dilated": single((12, 11, 4), conv2d(5, 3, 1, "same", 2, "relu")),
    # a 3x3 window on 64 channels (576 values, ResNet-8's last stack), staged rather than left to the plain path
    "staged_2d_wide_window": single((6, 7, 64), conv2d(8, 3, 1, "same", 1, "relu")),
    # short runs (one or three input channels): edge pixels copied once each and run as a dense layer
    "edges_apart_2d": single((11, 9, 1), conv2d(12, (5, 4), 2, "same", 1, "relu")),
    "edges_apart_dilated": single((10, 10, 3), conv2d(6, 3, 1, "same", 2)),
    # keyword spotting's first layer (10x4, stride 2, 16+ filters on one channel): 65 of its 125 windows on
    # the edge, gathered with the zero point
    "padded_ahead": single((25, 10, 1), conv2d(16, (10, 4), 2, "same", 1, "relu")),
    # undilated kernel rows of three channels copied whole into the dense edge window (micro_speech's case)
    "edges_apart_rows": single((10, 9, 3), conv2d(5, (3, 5), 1, "same", 1, "relu")),
    # layers whose requantization does not fold: a window that would be held in registers, and a staged one
    "unfolded_resident_window": single((20, 8), huge_bias_conv1d(6, 1)),
    "unfolded_staged_window": single((20, 8), huge_bias_conv1d(5, 3)),
    # FULLY_CONNECTED: 37 inputs (a tail after the words), 10 rows (two groups of four, two single rows)
    "dense_rows": single((37,), dense(10, "relu")),
    "dense_short_input": single((3,), dense(6)),
    "dense_batches": single((6, 16), dense(8)),
}

needs_arm_qemu = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                    reason="arm-none-eabi-gcc or qemu-system-arm not installed")


@needs_arm_qemu
@pytest.mark.parametrize("name", sorted(CASES))
def test_dsp_path_bit_exact_on_cortex_m4_and_host_twin(name, tmp_path):
    from ecgcc.reference import Reference
    tflite = quantized(f"{VERSION}-{name}", CASES[name], None, seed=3)
    result = assert_bit_exact(tflite, tmp_path / "host", count=20, seed=5, defines=(("ECGCC_DSP_EMULATE",),))
    function = "ecg_fully_connected" if name.startswith("dense") else "ecg_conv_2d"
    assert any(k.function.startswith(function) for k in result.kernels)
    records = random_records(result.graph, 10, seed=6)
    outputs, _ = run_qemu_m4(build_qemu_m4(tmp_path / "host" / "model", records, tmp_path / "m4"))
    assert len(outputs) == len(records)
    reference = Reference(tflite)
    for i, (record, got) in enumerate(zip(records, outputs)):
        want = reference.run(record)[0].reshape(-1)
        assert np.array_equal(want, got[0]), f"record {i}: {np.count_nonzero(want != got[0])} bytes differ on the M4"
