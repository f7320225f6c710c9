"""A MAX_POOL_2D over pairs of output columns folded into the CONV_2D it reads (DSP targets).

Every pooled byte is the larger of two convolution outputs of one channel, and a channel's requantization
(multiplier not negative, then clamps) never reverses an order. So the DSP CONV_2D pools the pairs itself
(firmware/kernels/dsp/conv_2d.c, max_pool_w): its paired path keeps the larger accumulator of each pair and
requantizes once (half the requantizations), its resident path keeps the larger of the two outputs. Either
way there is no pooling call, no convolution output in the arena and no chunk calls, which the chunked
conv + pool of passes/fusion.py pays per chunk (measured on the reference model in docs/benchmarks.md).

Folded only where the DSP twin takes one of those paths (every channel folds its requantization, which also
requires a multiplier that is not negative), the pool's windows are two columns wide with a stride of two,
without padding, and nothing else reads the convolution's output. Other targets keep the two layers (the
reference kernel pools as well, but one output at a time)."""
from __future__ import annotations

from typing import Callable

from ..ops import Kernel
from .fusion import reader_counts

CONVOLUTION = "ecg_conv_2d"
MAX_POOL = "ecg_max_pool_2d"
POOL_WIDTH = 2   # the DSP twin pools pairs of output columns


def pools_column_pairs(conv: dict, pool: dict) -> bool:
    """The pooling takes each pair of the convolution's output columns, VALID, and nothing else."""
    return (pool["filter_w"] == pool["stride_w"] == POOL_WIDTH and pool["filter_h"] == pool["stride_h"] == 1 and
            pool["pad_h"] == pool["pad_w"] == 0 and
            (pool["batches"], pool["in_h"], pool["in_w"], pool["channels"]) ==
            (conv["batches"], conv["out_h"], conv["out_w"], conv["out_c"]) and
            (pool["out_h"], pool["out_w"]) == (conv["out_h"], conv["out_w"] // POOL_WIDTH))


def pooled(conv: Kernel, pool: Kernel, entry: str) -> Kernel:
    """The convolution writing the pooled tensor: one activation range, the two layers' clamps in one (each is
    monotonic, so clamping before or after the maximum gives the same byte)."""
    c, q = conv.params, pool.params
    params = {**c, "max_pool_w": POOL_WIDTH, "act_min": max(c["act_min"], q["act_min"]),
              "act_max": min(c["act_max"], q["act_max"])}
    return Kernel(function=entry, params_type=conv.params_type, params=params, inputs=list(conv.inputs),
                  output=pool.output, macs=conv.macs + pool.macs, notes=dict(conv.notes))


def fold_max_pools(kernels: list[Kernel], pooled_entry: Callable[[dict], str | None],
                   root: Callable[[int], int], model_outputs: set[int]) -> tuple[list[Kernel], list[list[int]]]:
    """Each CONV_2D whose output only a MAX_POOL_2D of column pairs reads, and for whose params the DSP twin has a
    pooled entry point (pooled_entry gives its name, or None), merged with that pooling: a call of that entry. Returns the kernels and, per kernel, the indices of
    the kernels it replaces."""
    readers = reader_counts(kernels, root)
    out, groups, i = [], [], 0
    while i < len(kernels):
        conv = kernels[i]
        pool = kernels[i + 1] if i + 1 < len(kernels) else None
        if (pool is not None and conv.function == CONVOLUTION and pool.function == MAX_POOL and
                root(pool.inputs[0]) == root(conv.output) and readers.get(root(conv.output)) == 1 and
                root(conv.output) not in model_outputs and pools_column_pairs(conv.params, pool.params) and
                pooled_entry(conv.params)):
            out.append(pooled(conv, pool, pooled_entry(conv.params)))
            groups.append([i, i + 1])
            i += 2
            continue
        out.append(conv)
        groups.append([i])
        i += 1
    return out, groups
