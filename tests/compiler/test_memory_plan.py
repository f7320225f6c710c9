"""The arena plan's invariants, checked here without the planner's own checker: no two buffers live at the same
step share a byte, except a layer's output written over its dying input where the layer declared it can, at the
declared distance; on random graphs and on the benchmark models. A fused layer that writes in place must never
overwrite input bytes that a later chunk still reads."""
from __future__ import annotations

import numpy as np
import pytest

from ecgcc.ops import Kernel
from ecgcc.passes.fusion import fuse
from ecgcc.passes.memory import ALIGN, plan_memory, plan_problems
from plan_graphs import bytes_overlap, random_graph
from test_in_place_conv import conv_order_problems, depthwise_order_problems
from test_residual_fusion import band_order_problems

BENCHMARK_MODELS = ("ecg_beat_cnn", "kws_ds_cnn", "ic_resnet8", "vww_mobilenet_025", "ad_fc_autoencoder")


def independent_problems(plan, steps, in_place, model_inputs, model_outputs) -> list[str]:
    problems = []
    last_read = {}
    for step, (ins, out) in enumerate(steps):
        for t in ins:
            last_read[t] = step
    for t in model_outputs:
        last_read[t] = len(steps)
    for step, (source, out, shift) in plan.in_place.items():
        declared = in_place[step]
        if declared is None or declared != (source, shift) or steps[step][1] != out or source not in steps[step][0]:
            problems.append(f"step {step}: in place without its declaration")
        if last_read.get(source) != step or source in model_inputs or source in model_outputs:
            problems.append(f"step {step}: tensor {source} is overwritten but read later or belongs to the caller")
        if plan.buffers[out].offset != plan.buffers[source].offset - shift:
            problems.append(f"step {step}: output not at the declared distance")
    handover = {(s, o): step for step, (s, o, _) in plan.in_place.items()}
    every = plan.all_buffers()
    for i, a in enumerate(every):
        if a.offset % ALIGN or a.offset < 0 or a.offset + a.size > plan.arena_bytes:
            problems.append(f"{a} outside the arena or unaligned")
        for b in every[i + 1:]:
            common = range(max(a.first, b.first), min(a.last, b.last) + 1)
            if not common or not bytes_overlap(a, b):
                continue
            step = handover.get((a.tensor, b.tensor), handover.get((b.tensor, a.tensor)))
            if a.is_scratch or b.is_scratch or step is None or list(common) != [step]:
                problems.append(f"{a} and {b} share bytes at steps {common.start}..{common.stop - 1}")
    return problems


def _random_graph(rng):
    n, sizes, steps = random_graph(rng, 12)
    in_place = [(ins[int(rng.integers(0, len(ins)))], int(rng.choice([0, 0, 16, 64]))) if rng.random() < 0.6
                else None for ins, _ in steps]
    scratch = [int(rng.choice([0, 0, rng.integers(1, 700)])) for _ in range(n)]
    return n, sizes, steps, in_place, scratch


def test_random_graphs_with_in_place_layers_keep_every_live_byte_apart():
    rng = np.random.default_rng(16)
    used = 0
    for _ in range(400):
        n, sizes, steps, in_place, scratch = _random_graph(rng)
        plan = plan_memory(steps, sizes, [0], [n], scratch=scratch, in_place=in_place)
        used += len(plan.in_place)
        assert independent_problems(plan, steps, in_place, {0}, {n}) == []
        assert plan_problems(plan) == []
        assert max(plan.live_bytes(s) for s in range(-1, n + 1)) <= plan.arena_bytes
    assert used > 50      # the in-place path was exercised, not only declared


def test_in_place_lets_a_chain_need_one_big_buffer():
    steps, sizes = [([0], 1), ([1], 2), ([2], 3)], {0: 16, 1: 1000, 2: 1000, 3: 16}
    assert plan_memory(steps, sizes, [0], [3]).arena_bytes == 2016
    plan = plan_memory(steps, sizes, [0], [3], in_place=[None, (1, 0), None])
    assert plan.in_place == {1: (1, 2, 0)} and plan.arena_bytes == 1008 + 16
    # an input still read later is never overwritten
    later = [([0], 1), ([1], 2), ([1, 2], 3)]
    assert plan_memory(later, sizes, [0], [3], in_place=[None, (1, 0), None]).in_place == {}


def test_the_planners_own_check_finds_two_live_tensors_on_one_byte():
    steps, sizes = [([0], 1), ([1], 2), ([2], 3)], {0: 16, 1: 1000, 2: 1000, 3: 16}
    plan = plan_memory(steps, sizes, [0], [3])
    plan.buffers[2].offset = plan.buffers[1].offset + 16
    assert plan_problems(plan) and independent_problems(plan, steps, [None] * 3, {0}, {3})


def _conv_and_pool(in_w, in_c, out_c, k, dilation, pool):
    pad = (k - 1) * dilation // 2
    conv = Kernel("ecg_conv_2d", "ecg_conv_2d_params_t", dict(
        batches=1, in_h=1, in_w=in_w, in_c=in_c, out_h=1, out_w=in_w, out_c=out_c, k_h=1, k_w=k, stride_h=1,
        stride_w=1, dilation_h=1, dilation_w=dilation, pad_h=0, pad_w=pad), inputs=[0], output=1)
    pooled = Kernel("ecg_max_pool_2d", "ecg_pool_2d_params_t", dict(
        batches=1, in_h=1, in_w=in_w, channels=out_c, out_h=1, out_w=in_w // pool, filter_h=1, filter_w=pool,
        stride_h=1, stride_w=pool, pad_h=0, pad_w=0), inputs=[1], output=2)
    return conv, pooled


def _chunk_order_problems(fused, shift) -> list[str]:
    """Runs the chunks' reads and writes in order over byte positions relative to the input's first byte."""
    written, problems = [], []
    for j, chunk in enumerate(fused.chunks):
        c = chunk.conv
        read = range(chunk.input_skip, chunk.input_skip + c["in_h"] * c["in_w"] * c["in_c"])
        if any(w.start < read.stop and read.start < w.stop for w in written):
            problems.append(f"chunk {j} reads input bytes an earlier chunk overwrote")
        q = chunk.pool
        out = q["bytes"] if "bytes" in q else q["out_h"] * q["out_w"] * fused.pool.params["channels"]
        written.append(range(chunk.output_skip - shift, chunk.output_skip - shift + out))
    return problems


@pytest.mark.parametrize("geometry", [(128, 16, 32, 1, 1, 2), (64, 32, 32, 5, 2, 2), (96, 8, 32, 3, 1, 2),
                                      (60, 4, 24, 7, 1, 3)])
def test_a_fused_layer_written_in_place_never_overwrites_what_a_later_chunk_reads(geometry):
    conv, pool = _conv_and_pool(*geometry)
    for chunks in (2, 4, 8):
        fused = fuse(conv, pool, "w", chunks)
        assert fused.in_place_shift % ALIGN == 0
        assert _chunk_order_problems(fused, fused.in_place_shift) == []
        if fused.in_place_shift >= ALIGN:       # the shift is the least that works, to the alignment
            assert _chunk_order_problems(fused, fused.in_place_shift - ALIGN)


@pytest.fixture(scope="module")
def benchmark_tflites():
    from bitexact import tflite_model
    from ecgcc.benchmarks import models
    return {name: tflite_model(f"memory-plan-{name}", getattr(models, name), seed=16) for name in BENCHMARK_MODELS}


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3"])
def test_benchmark_models_plans_keep_every_live_byte_apart(benchmark_tflites, board):
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.passes.views import resolve

    in_place_layers = 0
    for name, tflite in benchmark_tflites.items():
        low = lower_graph(parse_tflite(tflite, name), load_board(board))
        steps = [([resolve(low.root, t) for t in k.inputs], resolve(low.root, k.output)) for k in low.kernels]
        declared = [None if k.in_place_shift is None else (resolve(low.root, k.inputs[0]), k.in_place_shift)
                    for k in low.kernels]
        inputs = {resolve(low.root, t) for t in low.graph.inputs}
        outputs = {resolve(low.root, t) for t in low.graph.outputs}
        assert independent_problems(low.plan, steps, declared, inputs, outputs) == [], name
        for step in low.plan.in_place:
            in_place_layers += 1
            kernel = low.kernels[step]
            if hasattr(kernel, "chunks"):
                assert _chunk_order_problems(kernel, kernel.in_place_shift) == [], name
            elif hasattr(kernel, "bands"):   # a residual block in bands, its sum over the skip operand
                assert band_order_problems(kernel, kernel.in_place_shift) == [], name
            elif kernel.function == "ecg_conv_2d":   # a whole convolution: its kernels' order walked through
                assert conv_order_problems(kernel.params, kernel.in_place_shift) == [], name
            elif kernel.function == "ecg_depthwise_conv_2d":
                assert depthwise_order_problems(kernel.params, kernel.in_place_shift) == [], name
            else:   # element by element: only where each output element sits on its own operand element
                assert kernel.function in ("ecg_add", "ecg_sub") and kernel.in_place_shift == 0, name
                assert not kernel.params["broadcast"] and kernel.params["input1_constant"] is None, name
    assert in_place_layers > 0


def test_an_in_place_layer_that_needs_a_scratch_size_gets_it_or_keeps_its_own_buffer():
    steps, sizes = [([0], 1), ([1], 2), ([2], 3)], {0: 208, 1: 1000, 2: 1000, 3: 16}
    # the middle layer prefers 600 bytes, can work in 100 (which the model input's dead bytes would hold), and
    # runs in place only with the 600
    plan = plan_memory(steps, sizes, [0], [3], scratch=[0, (600, 100), 0], in_place=[None, (1, 16, 600), None])
    assert 1 in plan.in_place and plan.scratch_bytes(1) == 600
    assert plan_problems(plan) == []
    # offered only sizes too small for its in-place order, it keeps buffers of its own
    plan = plan_memory(steps, sizes, [0], [3], scratch=[0, (100,), 0], in_place=[None, (1, 16, 600), None])
    assert 1 not in plan.in_place and plan.scratch_bytes(1) == 100
