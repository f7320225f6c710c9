"""Turn SPACE_TO_BATCH_ND -> (views) -> CONV -> (views) -> BATCH_TO_SPACE_ND back into one dilated convolution.

The TFLite converter lowers every dilated convolution this way. Running it as written costs two copies
and a larger arena. The chain computes exactly a dilated convolution whose leading padding is
(space-to-batch padding - batch-to-space crop): padded positions hold the input zero point, which adds
nothing to the accumulator, as padding does in the convolution kernels. Zero-point PAD operators in front
of a convolution (causal padding) fold into its padding the same way.
"""
from __future__ import annotations

import copy

import numpy as np

from ..ir import Graph, Operator, Tensor

VIEW_KINDS = ("RESHAPE", "EXPAND_DIMS", "SQUEEZE")
CONV_KINDS = ("CONV_2D", "DEPTHWISE_CONV_2D")


# operator types this pass folds away, so they are not refused before it runs
FOLDED_KINDS = frozenset({"SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"})


def _same_quant(a: Tensor, b: Tensor) -> bool:
    return a.dtype == b.dtype and a.scale == b.scale and a.zero_point == b.zero_point


class _Rewriter:
    def __init__(self, graph: Graph):
        self.g = graph
        self.consumers = graph.consumers()
        self.outputs = set(graph.outputs)

    def sole_consumer(self, tensor: int) -> Operator | None:
        users = self.consumers.get(tensor, [])
        return users[0] if len(users) == 1 and tensor not in self.outputs else None

    def follow_views(self, tensor: int) -> tuple[list[Operator], Operator | None]:
        """Views applied to tensor, then the first non-view sole consumer."""
        views = []
        op = self.sole_consumer(tensor)
        while op is not None and op.kind in VIEW_KINDS:
            views.append(op)
            op = self.sole_consumer(op.outputs[0])
        return views, op

    def const(self, tensor: int) -> np.ndarray | None:
        t = self.g.tensor(tensor)
        return None if t is None or not t.is_const else t.data.astype(np.int64)

    def new_tensor(self, like: Tensor, shape: tuple[int, ...], suffix: str) -> int:
        t = copy.copy(like)
        t.index, t.name, t.shape, t.data = len(self.g.tensors), like.name + suffix, tuple(shape), None
        self.g.tensors.append(t)
        return t.index


def _spatial_4d(shape: tuple[int, ...], along_height: bool = False) -> tuple[int, ...] | None:
    """NHWC view of a 3-D [N, L, C] (or 4-D) activation; L becomes the width unless along_height."""
    if len(shape) == 4:
        return tuple(shape)
    if len(shape) == 3:
        return (shape[0], shape[1], 1, shape[2]) if along_height else (shape[0], 1, shape[1], shape[2])
    return None


def _along_height(conv_input: Tensor) -> bool:
    """Where the converter's EXPAND_DIMS put the single spatial dim of a 1-D convolution."""
    return len(conv_input.shape) == 4 and conv_input.shape[1] != 1 and conv_input.shape[2] == 1


def _fuse_one(rw: _Rewriter, stb: Operator):
    g = rw.g
    block, pads = rw.const(stb.inputs[1]), rw.const(stb.inputs[2])
    x = g.tensors[stb.inputs[0]]
    if block is None or pads is None or len(x.shape) not in (3, 4) or not _same_quant(x, g.tensors[stb.outputs[0]]):
        return None
    views_in, conv = rw.follow_views(stb.outputs[0])
    if conv is None or conv.kind not in CONV_KINDS or conv.inputs[0] != (views_in[-1].outputs[0] if views_in
                                                                          else stb.outputs[0]):
        return None
    vertical = _along_height(g.tensors[conv.inputs[0]])
    x4 = _spatial_4d(x.shape, vertical)
    o = conv.options
    if o.get("Padding") != 1 or o.get("StrideH") != 1 or o.get("StrideW") != 1 or \
            o.get("DilationHFactor") != 1 or o.get("DilationWFactor") != 1:
        return None
    views_out, bts = rw.follow_views(conv.outputs[0])
    if bts is None or bts.kind != "BATCH_TO_SPACE_ND":
        return None
    crops, block2 = rw.const(bts.inputs[2]), rw.const(bts.inputs[1])
    y = g.tensors[bts.outputs[0]]
    y4 = _spatial_4d(y.shape, vertical)
    if crops is None or block2 is None or not np.array_equal(block, block2) or y4 is None or \
            not _same_quant(g.tensors[conv.outputs[0]], y):
        return None
    block, pads, crops = block.reshape(-1), pads.reshape(-1, 2), crops.reshape(-1, 2)
    if len(block) == 1:      # 1-D: the single spatial dim is the width (or height) of the NHWC view
        d, p = int(block[0]), int(pads[0, 0] - crops[0, 0])
        dilation, lead = ((d, 1), (p, 0)) if vertical else ((1, d), (0, p))
    elif len(block) == 2:
        dilation = (int(block[0]), int(block[1]))
        lead = (int(pads[0, 0] - crops[0, 0]), int(pads[1, 0] - crops[1, 0]))
    else:
        return None
    stored_batch = g.tensors[stb.outputs[0]].shape[0] if g.tensors[stb.outputs[0]].shape else 0
    if stored_batch != x.shape[0] * int(np.prod(block)):
        g.notes.append(f"{conv.describe()}: the dilated convolution stored as SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND has "
                       f"tensor shapes for batch {stored_batch}; TFLite Micro computes only part of it with these "
                       "static shapes. ecgcc computes the whole dilated convolution; re-export with a batch size of 1 "
                       "for a model TFLM runs correctly.")
    fused = copy.deepcopy(conv)
    fused.options.update(DilationHFactor=dilation[0], DilationWFactor=dilation[1], ExplicitPadding=lead)
    x_view = rw.new_tensor(g.tensors[conv.inputs[0]], x4, "/dilated_input")
    y_view = rw.new_tensor(g.tensors[conv.outputs[0]], y4, "/dilated_output")
    fused.inputs = [x_view] + conv.inputs[1:]
    fused.outputs = [y_view]
    reshape_in = Operator(index=stb.index, kind="RESHAPE", inputs=[x.index], outputs=[x_view])
    reshape_out = Operator(index=bts.index, kind="RESHAPE", inputs=[y_view], outputs=[y.index])
    removed = {id(op) for op in [stb, *views_in, conv, *views_out, bts]}
    return removed, bts, [reshape_in, fused, reshape_out]


def _fold_pad(rw: _Rewriter, pad: Operator):
    """PAD with the zero point on spatial dims only, feeding one convolution: becomes its padding."""
    g = rw.g
    x, padded = g.tensors[pad.inputs[0]], g.tensors[pad.outputs[0]]
    amounts = rw.const(pad.inputs[1])
    if amounts is None or len(pad.inputs) > 2 or not _same_quant(x, padded):
        return None
    amounts = amounts.reshape(-1, 2)
    rank = len(x.shape)
    if rank not in (3, 4) or amounts[0].any() or amounts[-1].any():
        return None
    views, conv = rw.follow_views(pad.outputs[0])
    if conv is None or conv.kind not in CONV_KINDS or (rank == 4 and views):
        return None
    o = conv.options
    if "ExplicitPadding" not in o and o.get("Padding") != 1:
        return None        # SAME padding on top of the padded tensor: leave both as they are
    conv_in = g.tensors[conv.inputs[0]]
    vertical = _along_height(conv_in) if rank == 3 else False
    if rank == 3 and (len(conv_in.shape) != 4 or conv_in.size != padded.size):
        return None
    lead = list(o.get("ExplicitPadding", (0, 0)))
    if rank == 3:
        lead[0 if vertical else 1] += int(amounts[1, 0])
    else:
        lead[0] += int(amounts[1, 0])
        lead[1] += int(amounts[2, 0])
    fused = copy.deepcopy(conv)
    fused.options["ExplicitPadding"] = tuple(lead)
    removed = {id(pad), id(conv), *map(id, views)}
    if rank == 4:
        fused.inputs = [x.index] + conv.inputs[1:]
        return removed, conv, [fused]
    view = rw.new_tensor(x, _spatial_4d(x.shape, vertical), "/unpadded")   # the convolution reads a 4-D view
    fused.inputs = [view] + conv.inputs[1:]
    return removed, conv, [Operator(index=pad.index, kind="RESHAPE", inputs=[x.index], outputs=[view]), fused]


def fuse_padding_and_dilation(graph: Graph) -> Graph:
    """Returns a new graph (the input graph is not modified)."""
    g = copy.deepcopy(graph)
    changed = True
    while changed:
        changed = False
        rw = _Rewriter(g)
        for op in list(g.operators):
            if op.kind == "SPACE_TO_BATCH_ND":
                result = _fuse_one(rw, op)
            elif op.kind == "PAD":
                result = _fold_pad(rw, op)
            else:
                continue
            if result is None:
                continue
            removed, anchor, replacement = result
            ops = []
            for existing in g.operators:
                if existing is anchor:
                    ops.extend(replacement)
                elif id(existing) not in removed:
                    ops.append(existing)
            g.operators = ops
            changed = True
            break
    return g
