"""Which kernel sources a model's firmware builds for size rather than speed.

A model spends its time in a few kernels (its convolutions); the others run once per inference on a few hundred
bytes (softmax, the last dense layer, a global pool, the class decision) and cost flash, not time. Their sources
are built with -Os: on the Cortex-M4 that shrinks softmax from 1.57 to 0.72 KB and MEAN from 1.88 to 1.08 KB for
a few hundred instructions per inference. A source counts as cold when its calls do less than COLD_SHARE of the
model's work, counted over every call that the source's entry point makes in the generated code.

Work is MACs (for element-wise operators the compiler counts one per element, and those cost several
instructions each: ResNet-8's three ADDs are 0.2 % of its MACs, yet built with -Os they took 175 k more
instructions, 1.1 % of the model), or output bytes for layers that count none."""
from __future__ import annotations

COLD_SHARE = 0.01
# Instructions per counted MAC (or output byte) of kernels that do more per element than the multiply-accumulate
# kernels' one or so: ADD/SUB/MUL requantize each element; PAD walks its up to six dimensions for every byte
# (DS-CNN's 408-byte PAD: 79,880 instructions at -O2, 87,520 at -Os).
ELEMENT_COST = {"add": 8, "sub": 8, "mul": 8, "pad": 200}
# Entry points whose source file is not the one their name gives (the class decision lives in decision.c).
SOURCE_OF = {"ecg_decision_logits": "decision", "ecg_conv_2d_pooled": "conv_2d",
             "ecg_conv_2d_pooled_resident": "conv_2d", "ecg_conv_2d_pooled_two_channels": "conv_2d",
             **{f"ecg_conv_2d_{kind}rows{step}": "conv_2d" for kind in ("", "pooled_") for step in (16, 32, 48, 64)}}


def kernel_source(function: str) -> str:
    """ecg_conv_2d -> conv_2d: the file stem of the entry point in firmware/kernels/<set>/."""
    return SOURCE_OF.get(function, function[len("ecg_"):] if function.startswith("ecg_") else function)


def work_by_source(kernels, output_bytes) -> dict[str, int]:
    """Work per kernel source: a layer's MACs (or its output bytes when it has none) go to the source of its
    first call (a fused layer's convolution), its output bytes to the sources of its other calls (the pooling
    or copy of each chunk). output_bytes(kernel) gives the layer's output size."""
    work: dict[str, int] = {}
    for kernel in kernels:
        calls = [call.function for call in kernel.calls()]
        for n, function in enumerate(dict.fromkeys(calls)):
            source = kernel_source(function)
            layer = (kernel.macs or output_bytes(kernel)) if n == 0 else output_bytes(kernel)
            work[source] = work.get(source, 0) + max(1, layer * ELEMENT_COST.get(source, 1))
    return work


def size_first_sources(kernels, output_bytes) -> list[str]:
    """The kernel sources to build with -Os, sorted. decision.c (a model's class from its output) is always
    among them: it runs once per inference."""
    work = work_by_source(kernels, output_bytes)
    total = sum(work.values())
    cold = {source for source, amount in work.items() if amount < COLD_SHARE * total}
    return sorted(cold | {"decision"})
