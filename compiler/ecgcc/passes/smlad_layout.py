"""Filters laid out at compile time for the DSP CONV_2D's paired loop (firmware/kernels/dsp/conv_2d.c).

The loop takes two output channels at a time and walks their windows four values (a chunk) at a time.
For each chunk it loads one doubleword: the first channel's four int8 values, then the second's. SXTB16
of such a word gives the pair (v0, v2) and SXTB16 ROR #8 the pair (v1, v3), which is how the kernel
splits the window's values too, so SMLAD multiplies matching values without any reordering at run time.
The window ([k_h][k_w][in_c], the filter's own order) is padded with zero weights to a multiple of
WINDOW_STEP values (the loop does two chunks per turn) and an odd channel count gets a zero partner:
the layout replaces the int8 filter, the only flash it costs beyond it is that padding.

The wide layout is the same with every word already split into its two int16 pairs: twice the flash,
and per chunk two LDRD in place of one LDRD and four SXTB16 (about an eighth fewer instructions in the
loop). The compiler takes it where the weights' flash may double (ops/conv_2d.py).
"""
from __future__ import annotations

import numpy as np

WINDOW_STEP = 8   # ECG_CONV_PAIR_WINDOW_STEP in ecg_kernels.h
PIXELS = 3        # output pixels per tile: the kernel's scratch holds their windows as int16 pairs


def padded_window(window: int) -> int:
    return -(-window // WINDOW_STEP) * WINDOW_STEP


def pair_layout(weights: np.ndarray) -> np.ndarray:
    """int8 filter [out_c][k_h][k_w][in_c] -> flat int8 [channel pair][chunk][2 channels][4 values]."""
    out_c = weights.shape[0]
    flat = weights.reshape(out_c, -1)
    padded = np.zeros((out_c + (out_c & 1), padded_window(flat.shape[1])), np.int8)
    padded[:out_c, :flat.shape[1]] = flat
    chunks = padded.shape[1] // 4
    return padded.reshape(-1, 2, chunks, 4).transpose(0, 2, 1, 3).reshape(-1).copy()


def wide_pair_layout(weights: np.ndarray) -> np.ndarray:
    """The same order with each word already split as SXTB16 would: int16 [pair][chunk][2 channels]
    [v0, v2, v1, v3]. Twice the flash, and the loop loads its pairs instead of making them."""
    words = pair_layout(weights).astype(np.int16).reshape(-1, 4)
    return words[:, [0, 2, 1, 3]].reshape(-1).copy()


def paired_scratch_bytes(window: int, pooled: bool = False) -> int:
    """The kernel's columns (PIXELS windows as int16 pairs; twice as many where it folds a pooling of column
    pairs: two tiles before each pooled group) and one int8 window on its way there."""
    padded = padded_window(window)
    return (2 if pooled else 1) * PIXELS * padded * 2 + padded


def row_step(p: dict) -> int:
    """Bytes between pixels in the DSP twin's split input rows (dsp/conv_2d.c row_step), or 0 where the layer
    does not read its windows from split rows: one undilated kernel row on whole groups of four input channels,
    and a pixel step its assembly has (16, 32, 48 or 64 bytes)."""
    if p["k_h"] != 1 or (p["dilation_w"] != 1 and p["k_w"] != 1) or p["in_c"] % 4:
        return 0
    step = 2 * p["stride_w"] * p["in_c"]
    return step if step in (16, 32, 48, 64) else 0


def row_span_bytes(p: dict, pooled: bool = False) -> int:
    """The stretch of its input row a tile reads (PIXELS pixels' windows; 2 * PIXELS for a group of PIXELS pooled
    outputs), split into two words per chunk of four values; 0 where the layer does not take that path."""
    if not row_step(p):
        return 0
    pixels = 2 * PIXELS if pooled else PIXELS
    return 8 * ((pixels - 1) * p["stride_w"] * p["in_c"] // 4 + padded_window(p["k_h"] * p["k_w"] * p["in_c"]) // 4)
