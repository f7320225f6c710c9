"""A DEPTHWISE_CONV_2D over one input channel is a CONV_2D whose output channels are the depth multiplier.

Both sum the same products into the same int32 accumulators (filter [1, kh, kw, M] read as [M, kh, kw, 1]) and
requantize each output channel with the same per-channel multiplier, so the bytes are identical. The DSP
convolution kernels handle long windows far better than the DSP depthwise ones, which are built for many
channels and short windows: TFLite Micro's micro_speech example opens with a 10x8 depthwise filter, multiplier 8,
on its one-channel spectrogram (6.7 M -> 1.1 M instructions on qemu-m4). The compiler applies it only where the
DSP kernels may run: of the reference kernels, the depthwise one is the faster here (7.2 M against 10.3 M
instructions for micro_speech on qemu-m3).
"""
from __future__ import annotations

import copy

from ..ir import Graph, Operator, Tensor


def _single_channel_filter(graph: Graph, op: Operator) -> Tensor | None:
    """The depthwise filter of op if its input has one channel and the rewrite applies, else None."""
    if op.kind != "DEPTHWISE_CONV_2D" or len(op.inputs) < 2:
        return None
    x, w = graph.tensor(op.inputs[0]), graph.tensor(op.inputs[1])
    if x is None or w is None or not w.is_const or len(x.shape) != 4 or len(w.shape) != 4:
        return None
    if x.shape[3] != 1 or w.shape[0] != 1:
        return None
    return w


def depthwise_on_one_channel_as_conv(graph: Graph) -> Graph:
    """Returns a new graph (the input graph is not modified) with each such DEPTHWISE_CONV_2D as a CONV_2D."""
    g = copy.deepcopy(graph)
    for op in g.operators:
        w = _single_channel_filter(g, op)
        if w is None:
            continue
        conv_filter = copy.copy(w)
        conv_filter.index = len(g.tensors)
        conv_filter.name = w.name + "/as_conv"
        conv_filter.data = w.data.transpose(3, 1, 2, 0).copy()
        conv_filter.shape = tuple(conv_filter.data.shape)
        conv_filter.quantized_dim = 0
        g.tensors.append(conv_filter)
        op.inputs = [op.inputs[0], conv_filter.index, *op.inputs[2:]]
        op.kind = "CONV_2D"
        op.options = {k: v for k, v in op.options.items() if k != "DepthMultiplier"}
        g.notes.append(f"operator {op.index} (DEPTHWISE_CONV_2D) reads one input channel: computed as a CONV_2D "
                       f"with {w.shape[3]} output channels (same bytes)")
    return g
