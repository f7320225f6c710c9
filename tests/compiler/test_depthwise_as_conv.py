"""A DEPTHWISE_CONV_2D over one input channel runs as a CONV_2D (passes/depthwise_as_conv.py): the bytes stay
those of TFLite Micro's depthwise kernel, with the reference and the emulated DSP kernels."""
from __future__ import annotations

import pytest

from models import depthwise2d, layer, single
from support import assert_bit_exact, quantized

KERNELS = ((), ("ECGCC_DSP_EMULATE",))


@pytest.mark.parametrize("padding,strides,activation", [("valid", 2, "relu"), ("same", 1, None), ("same", 2, None)])
def test_depthwise_on_one_channel_runs_as_conv_bit_exact(padding, strides, activation, tmp_path):
    build = single((21, 16, 1), depthwise2d((6, 4), strides, padding, multiplier=8, activation=activation),
                   layer("Flatten"), layer("Dense", 3))
    tflite = quantized(f"depthwise-one-channel-v1-{padding}-{strides}-{activation}", build, seed=5)
    result = assert_bit_exact(tflite, tmp_path, count=30, defines=KERNELS, board="qemu-m4")
    kinds = [op.kind for op in result.graph.operators]
    assert "DEPTHWISE_CONV_2D" not in kinds and "CONV_2D" in kinds
    assert any("computed as a CONV_2D with 8 output channels" in note for note in result.report["notes"])


def test_depthwise_on_one_channel_stays_depthwise_on_a_board_without_dsp(tmp_path):
    build = single((21, 16, 1), depthwise2d((6, 4), 2, "valid", multiplier=8, activation="relu"),
                   layer("Flatten"), layer("Dense", 3))
    tflite = quantized("depthwise-one-channel-v1-valid-2-relu", build, seed=5)
    result = assert_bit_exact(tflite, tmp_path, count=10, board="qemu-m3")
    assert "DEPTHWISE_CONV_2D" in [op.kind for op in result.graph.operators]
    assert not any("computed as a CONV_2D" in note for note in result.report.get("notes", []))


def test_depthwise_on_several_channels_stays_depthwise(tmp_path):
    build = single((12, 10, 3), depthwise2d((3, 3), 1, "same", multiplier=2), layer("Flatten"), layer("Dense", 2))
    tflite = quantized("depthwise-three-channels-v1", build, seed=6)
    result = assert_bit_exact(tflite, tmp_path, count=10, defines=KERNELS, board="qemu-m4")
    assert "DEPTHWISE_CONV_2D" in [op.kind for op in result.graph.operators]
    assert not any("computed as a CONV_2D" in note for note in result.report.get("notes", []))
