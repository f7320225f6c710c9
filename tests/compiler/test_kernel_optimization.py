"""Which kernel sources a model's firmware builds with -Os: those that do under 1 % of its work."""
from __future__ import annotations

from ecgcc.codegen.optimization import kernel_source, size_first_sources
from ecgcc.ops import Kernel


def _kernel(function, macs, output=0):
    return Kernel(function=function, params_type="", params={}, inputs=[0], output=output, macs=macs)


def test_cold_sources_are_built_for_size_and_hot_ones_for_speed():
    kernels = [_kernel("ecg_conv_2d", 1_000_000), _kernel("ecg_depthwise_conv_2d", 20_000),
               _kernel("ecg_add", 2_000), _kernel("ecg_mean", 5_000), _kernel("ecg_fully_connected", 640),
               _kernel("ecg_softmax", 0, output=1)]
    sizes = {0: 100, 1: 10}
    chosen = size_first_sources(kernels, lambda k: sizes[k.output])
    # ADD counts one MAC per element but costs about 8 instructions each: 16,000 of 1,041,740 is 1.5 %, hot
    assert chosen == ["decision", "fully_connected", "mean", "softmax"]


def test_entry_points_name_their_source():
    assert kernel_source("ecg_decision_logits") == "decision"
    assert kernel_source("ecg_depthwise_conv_2d") == "depthwise_conv_2d"
