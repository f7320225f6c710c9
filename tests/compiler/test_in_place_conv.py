"""Convolutions and depthwise convolutions written over their dying input (ops/_in_place.py).

Two checks. The declared shift against a step-by-step walk of each kernel order (not the bound's own
formula): the reference's pixel by pixel, channel by channel order for CONV_2D, and for DEPTHWISE_CONV_2D
that order and the DSP twin's channel by channel one; a read of an input byte that an earlier write has
already replaced is an error. Then whole models whose convolutions are planned in place, compiled for
`qemu-m4` and `qemu-m3`, run on the host with the DSP or Cortex-M3 twins and with the reference kernels,
byte for byte against the TFLite Micro interpreter."""
from __future__ import annotations

import numpy as np
import pytest

from bitexact import tflite_model
from support import assert_bit_exact

from ecgcc.ops._in_place import conv_shift, depthwise_shift
from ecgcc.passes.memory import ALIGN

VERSION = "in-place-conv-v1"


def _window_pixels(p: dict, oy: int, ox: int) -> list[int]:
    pixels = []
    for ky in range(p["k_h"]):
        y = oy * p["stride_h"] - p["pad_h"] + ky * p["dilation_h"]
        for kx in range(p["k_w"]):
            x = ox * p["stride_w"] - p["pad_w"] + kx * p["dilation_w"]
            if 0 <= y < p["in_h"] and 0 <= x < p["in_w"]:
                pixels.append(y * p["in_w"] + x)
    return pixels


def conv_order_problems(p: dict, shift: int) -> list[str]:
    """The reference CONV_2D's order in one buffer, the output `shift` bytes before the input: output byte
    (pixel, oc) is written after reading the pixel's whole window, and every byte below it was written before.
    Writes go up one byte at a time, so the input bytes already replaced are those below the write's own
    address (in the input's coordinates: address - shift)."""
    problems = []
    for oy in range(p["out_h"]):
        for ox in range(p["out_w"]):
            pixel = oy * p["out_w"] + ox
            window = _window_pixels(p, oy, ox)
            lowest_read = min(window) * p["in_c"] if window else None
            for oc in range(p["out_c"]):
                replaced_below = pixel * p["out_c"] + oc - shift
                if lowest_read is not None and lowest_read < replaced_below:
                    problems.append(f"output ({oy}, {ox}, {oc}) reads input byte {lowest_read}, already replaced")
                    break
    return problems


def depthwise_order_problems(p: dict, shift: int) -> list[str]:
    """DEPTHWISE_CONV_2D in one buffer, in two orders: pixel by pixel and channel by channel within (the
    reference), and channel by channel, pixel by pixel within (the DSP twin's order; its bands read ahead,
    never behind). Output (pixel, c) sits on input byte pixel * C + c - shift, which must be channel c's (the
    channel-first order writes a channel's every pixel while later channels are still unread) and must not
    be read after it was written."""
    c = p["in_c"]
    if shift % c:
        return [f"shift {shift} is not whole pixels of {c} channels"]
    back = shift // c
    problems = []
    for oy in range(p["out_h"]):
        for ox in range(p["out_w"]):
            pixel = oy * p["out_w"] + ox
            window = _window_pixels(p, oy, ox)
            # in either order, the pixels of channel c replaced before (pixel, c) is computed are those below
            # pixel - back
            if window and min(window) < pixel - back:
                problems.append(f"output ({oy}, {ox}) reads input pixel {min(window)}, already replaced")
    return problems


def _geometry(rng, depthwise: bool) -> dict:
    k_h, k_w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride = int(rng.integers(1, 3))
    dilation = 1 if stride > 1 else int(rng.integers(1, 3))
    span_h, span_w = (k_h - 1) * dilation + 1, (k_w - 1) * dilation + 1
    in_h, in_w = int(rng.integers(max(span_h, 2), 10)), int(rng.integers(max(span_w, 2), 10))
    same = bool(rng.integers(0, 2))
    if same:
        out_h, out_w = -(-in_h // stride), -(-in_w // stride)
        pad_h = max(0, (out_h - 1) * stride + span_h - in_h) // 2
        pad_w = max(0, (out_w - 1) * stride + span_w - in_w) // 2
    else:
        out_h, out_w = (in_h - span_h) // stride + 1, (in_w - span_w) // stride + 1
        pad_h = pad_w = 0
    in_c = int(rng.choice([1, 3, 8, 16, 24, 64]))
    out_c = in_c if depthwise else int(rng.choice([1, 4, 16, 32, 64]))
    return dict(batches=1, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c, k_h=k_h,
                k_w=k_w, stride_h=stride, stride_w=stride, dilation_h=dilation, dilation_w=dilation, pad_h=pad_h,
                pad_w=pad_w, depth_multiplier=1)


@pytest.mark.parametrize("depthwise", [False, True])
def test_declared_shift_survives_every_kernel_order(depthwise):
    rng = np.random.default_rng(16)
    shift_of, problems_of = (depthwise_shift, depthwise_order_problems) if depthwise else \
        (conv_shift, conv_order_problems)
    tight = shifted = 0
    for case in range(300):
        p = _geometry(rng, depthwise)
        shift = shift_of(p)
        assert shift is not None and shift >= 0 and shift % ALIGN == 0, p
        assert problems_of(p, shift) == [], (case, p, shift)
        step = np.lcm(ALIGN, p["in_c"]) if depthwise else ALIGN
        if shift >= step:
            shifted += 1
            tight += bool(problems_of(p, shift - step))
    # the bound is not loose: one step less breaks most of the layers that need a shift at all
    assert shifted > 50 and tight > 0.6 * shifted, (tight, shifted)


@pytest.mark.parametrize("geometry, shift", [
    # kws_ds_cnn's depthwise and pointwise layers, ResNet-8's 3x3 on 16 channels and its strided 3x3 to 32
    (dict(in_h=25, in_w=5, in_c=64, out_h=25, out_w=5, out_c=64, k_h=3, k_w=3, stride_h=1, pad_h=1, pad_w=1),
     ("depthwise", 384)),
    (dict(in_h=25, in_w=5, in_c=64, out_h=25, out_w=5, out_c=64, k_h=1, k_w=1, stride_h=1, pad_h=0, pad_w=0),
     ("conv", 64)),
    (dict(in_h=32, in_w=32, in_c=16, out_h=32, out_w=32, out_c=16, k_h=3, k_w=3, stride_h=1, pad_h=1, pad_w=1),
     ("conv", 544)),
    (dict(in_h=32, in_w=32, in_c=16, out_h=16, out_w=16, out_c=32, k_h=3, k_w=3, stride_h=2, pad_h=0, pad_w=0),
     ("conv", 32)),
])
def test_benchmark_layers_shift_and_one_step_less_breaks_them(geometry, shift):
    kind, expected = shift
    p = dict(batches=1, stride_w=geometry["stride_h"], dilation_h=1, dilation_w=1, depth_multiplier=1, **geometry)
    shift_of, problems_of = (depthwise_shift, depthwise_order_problems) if kind == "depthwise" else \
        (conv_shift, conv_order_problems)
    assert shift_of(p) == expected
    assert problems_of(p, expected) == []
    assert problems_of(p, expected - (64 if kind == "depthwise" else ALIGN))


def test_shapes_the_kernels_cannot_run_in_place_are_not_declared():
    p = dict(batches=1, in_h=4, in_w=4, in_c=4, out_h=4, out_w=4, out_c=8, k_h=3, k_w=3, stride_h=1, stride_w=1,
             dilation_h=1, dilation_w=1, pad_h=1, pad_w=1, depth_multiplier=2)
    assert depthwise_shift(p) is None                      # a depth multiplier
    assert conv_shift({**p, "batches": 2}) is None         # several images


def _ds_cnn():
    from ecgcc.benchmarks import models
    return models.ds_cnn_kws(input_shape=(25, 10, 1), filters=16, blocks=2)


def _resnet():
    from ecgcc.benchmarks import models
    return models.resnet8(input_shape=(16, 16, 3), filters=(4, 8, 16))


MODELS = {"ds_cnn": _ds_cnn, "resnet8": _resnet}
KERNEL_SETS = {"qemu-m4": (("ECGCC_DSP_EMULATE",), ("ECGCC_REFERENCE_KERNELS",)),
               "qemu-m3": (("ECGCC_M3_EMULATE",), ("ECGCC_REFERENCE_KERNELS",))}


@pytest.mark.parametrize("board", sorted(KERNEL_SETS))
@pytest.mark.parametrize("name", sorted(MODELS))
def test_models_with_convolutions_in_place_are_bit_exact(name, board, tmp_path):
    tflite = tflite_model(f"{VERSION}-{name}", MODELS[name], seed=16)
    result = assert_bit_exact(tflite, tmp_path, count=20, seed=7, board=board, defines=KERNEL_SETS[board])
    whole_in_place = [result.kernels[step] for step in result.plan.in_place
                      if result.kernels[step].function in ("ecg_conv_2d", "ecg_depthwise_conv_2d")]
    assert whole_in_place, result.table
    kinds = {k.function for k in whole_in_place}
    assert ("ecg_depthwise_conv_2d" in kinds) == (name == "ds_cnn"), kinds
