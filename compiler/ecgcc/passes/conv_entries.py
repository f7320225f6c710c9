"""The DSP CONV_2D's entry point for each convolution without a folded pooling (passes/pool_into_conv.py picks
those of the pooled ones).

A convolution that its twin reads from split rows with the chunk loop unrolled (ops/conv_2d.py, unpooled_entry) is
called through the entry of its pixel step, so a model links that code only where it has such a layer. One whose
output a pooling reads keeps the general entry: passes/fusion.py may compute it in chunks pooled at once, which
works on ecg_conv_2d calls."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from ..ops import Kernel
from .fusion import POOLS

CONVOLUTION = "ecg_conv_2d"


def choose_conv_entries(kernels: list[Kernel], entry_of: Callable[[dict], str],
                        root: Callable[[int], int]) -> list[Kernel]:
    pooled_tensors = {root(k.inputs[0]) for k in kernels if k.function in POOLS and k.inputs}
    out = []
    for k in kernels:
        entry = entry_of(k.params) if k.function == CONVOLUTION and root(k.output) not in pooled_tensors else k.function
        out.append(k if entry == k.function else replace(k, function=entry))
    return out
