"""Pad the input of a many-edged 2-D convolution once, ahead of it, instead of at every edge window.

With SAME padding a convolution's edge windows reach outside its input. The DSP convolution copies each such
window with the input zero point in the missing places and, when its kernel rows are short (few input channels,
as on a spectrogram or an image's first layer), runs every edge pixel apart as a dense product: keyword spotting's
10x4 stride-2 first layer has 65 edge pixels of 125. A PAD with the zero point ahead of the convolution makes
every window an interior one. The bytes do not change: a padded position holds the zero point, whose product
with the weight is cancelled by the input offset, exactly as a position outside the input adds nothing.

It applies where it is cheap and pays: an undilated CONV_2D with kernel rows shorter than the DSP kernel's short
run, padding on some side, at least MIN_OUTPUT_CHANNELS filters (every edge window is otherwise paid once per
group of four filters), and a padded input of at most MAX_PADDED_BYTES (it lives in the arena beside the input
while the PAD runs)."""
from __future__ import annotations

import copy

import numpy as np

from ..ir import Graph, Operator, Tensor
from .quant import conv_geometry

SHORT_RUN = 16                 # dsp/conv_2d.c: kernel rows shorter than this take their edge pixels apart
MIN_OUTPUT_CHANNELS = 16
MAX_PADDED_BYTES = 4096


def _padding(graph: Graph, op: Operator) -> list[list[int]] | None:
    """[[top, bottom], [left, right]] to pad op's input with, or None where the rewrite does not apply."""
    if op.kind != "CONV_2D" or len(op.inputs) < 2:
        return None
    x, w, y = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1]), graph.tensor(op.outputs[0])
    o = op.options
    if (x is None or w is None or y is None or len(x.shape) != 4 or len(w.shape) != 4 or x.dtype != "int8"
            or o.get("DilationHFactor", 1) != 1 or o.get("DilationWFactor", 1) != 1 or x.shape[0] != 1):
        return None
    _, in_h, in_w, in_c = x.shape
    out_c, k_h, k_w, _ = w.shape
    if k_h < 2 or k_w * in_c >= SHORT_RUN or out_c < MIN_OUTPUT_CHANNELS:
        return None
    out_h, pad_h, out_w, pad_w = conv_geometry(op, in_h, in_w, k_h, k_w, y.shape)
    bottom = max(0, (out_h - 1) * o["StrideH"] + k_h - in_h - pad_h)
    right = max(0, (out_w - 1) * o["StrideW"] + k_w - in_w - pad_w)
    pads = [[pad_h, bottom], [pad_w, right]]
    if not any(p for side in pads for p in side) or min(pad_h, pad_w) < 0:
        return None
    if (in_h + pad_h + bottom) * (in_w + pad_w + right) * in_c > MAX_PADDED_BYTES:
        return None
    return pads


def pad_many_edged_convolutions(graph: Graph) -> Graph:
    """A new graph (the input graph is not modified) with a zero-point PAD ahead of each such convolution."""
    g = copy.deepcopy(graph)
    operators = []
    next_index = max((op.index for op in g.operators), default=-1) + 1
    for op in g.operators:
        pads = _padding(g, op)
        if pads is None:
            operators.append(op)
            continue
        x = g.tensors[op.inputs[0]]
        (top, bottom), (left, right) = pads
        padded = copy.copy(x)
        padded.index, padded.name, padded.data = len(g.tensors), x.name + "/padded", None
        padded.shape = (1, x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3])
        g.tensors.append(padded)
        amounts = Tensor(index=len(g.tensors), name=x.name + "/paddings", shape=(4, 2), dtype="int32",
                         data=np.array([[0, 0], [top, bottom], [left, right], [0, 0]], np.int32))
        g.tensors.append(amounts)
        operators.append(Operator(index=next_index, kind="PAD", inputs=[x.index, amounts.index],
                                  outputs=[padded.index]))
        next_index += 1
        op.inputs = [padded.index, *op.inputs[1:]]
        op.options = {**op.options, "ExplicitPadding": (0, 0)}
        operators.append(op)
        g.notes.append(f"operator {op.index} (CONV_2D): its input is padded once ahead of it with the zero point "
                       f"({top}, {bottom}, {left}, {right}), so every window is inside it (same bytes)")
    g.operators = operators
    return g
