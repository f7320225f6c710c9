"""Residual blocks computed in bands of rows (passes/residual.py): bit-exact with TFLM on the host with the DSP,
Cortex-M3 and reference kernels, in less arena than the block's whole layers; the sum written over the skip
operand never replaces a byte a later band still reads (checked here by walking the bands' reads and writes,
not with the pass's own bound)."""
from __future__ import annotations

import pytest

from bitexact import tflite_model
from support import assert_bit_exact

VERSION = "residual-fusion-v1"


def _resnet():
    # the first stack widest, as in ResNet-8, where it sets the arena's peak
    from ecgcc.benchmarks import models
    return models.resnet8(input_shape=(16, 16, 3), filters=(16, 8, 8))


def _resnet_odd():
    # 13 rows: bands of unequal height, the last one short; 6 channels
    from ecgcc.benchmarks import models
    return models.resnet8(input_shape=(13, 11, 3), filters=(6, 8, 8))


MODELS = {"resnet8_wide_first_stack": _resnet, "resnet8_odd_rows": _resnet_odd}
KERNEL_SETS = {"qemu-m4": (("ECGCC_DSP_EMULATE",), ("ECGCC_REFERENCE_KERNELS",)),
               "qemu-m3": (("ECGCC_M3_EMULATE",), ("ECGCC_REFERENCE_KERNELS",))}


def band_order_problems(kernel, shift: int) -> list[str]:
    """The bands in order over one buffer holding x, with the sum `shift` bytes before it: each band reads
    x's rows for its first convolution, then the ADD reads its band of x element by element and writes the
    sum. A read below the highest byte already written (in x's coordinates) is an error."""
    problems, written_to = [], -shift   # x's bytes below this hold the sum
    for n, band in enumerate(kernel.bands):
        if band.input_skip < written_to:
            problems.append(f"band {n}: the first convolution reads x from byte {band.input_skip}, "
                            f"already replaced up to {written_to}")
        if band.output_skip < written_to:
            problems.append(f"band {n}: the ADD reads x from byte {band.output_skip}, already replaced")
        written_to = max(written_to, band.output_skip + band.output_bytes - shift)
    return problems


def _fused(result):
    from ecgcc.passes.residual import FusedResidual
    return [k for k in result.kernels if isinstance(k, FusedResidual)]


@pytest.mark.parametrize("board", sorted(KERNEL_SETS))
@pytest.mark.parametrize("name", sorted(MODELS))
def test_residual_blocks_in_bands_are_bit_exact_and_smaller(name, board, tmp_path):
    from ecgcc.compile import compile_tflite
    tflite = tflite_model(f"{VERSION}-{name}", MODELS[name], seed=16)
    result = assert_bit_exact(tflite, tmp_path, count=20, seed=7, board=board, defines=KERNEL_SETS[board])
    fused = _fused(result)
    assert fused and all(len(k.bands) >= 2 for k in fused), result.table
    for kernel in fused:
        step = result.kernels.index(kernel)
        assert step in result.plan.in_place, "the sum is written over the skip operand"
        assert band_order_problems(kernel, kernel.in_place_shift) == []
        assert band_order_problems(kernel, kernel.in_place_shift - 16)   # one step less breaks it
    whole = compile_tflite(tflite, "model_under_test", board, tmp_path / "whole", max_chunks=1)
    assert not _fused(whole)
    assert result.arena_bytes < whole.arena_bytes
