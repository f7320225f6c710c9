"""Kernel scratch planned into the arena: live during its own layer only, never on a live tensor's bytes,
rendered into the layer's params, sized for the board, and exact on the Cortex-M4 when it reuses the
bytes of tensors that are dead (or not yet produced) while the layer runs."""
import shutil

import numpy as np
import pytest

from ecgcc.passes.memory import plan_memory
from models import conv1d, conv2d, depthwise2d, single
from plan_graphs import bytes_overlap, random_graph
from support import build_qemu_m4, quantized, random_records, run_qemu_m4

needs_arm_qemu = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                    reason="arm-none-eabi-gcc or qemu-system-arm not installed")


def test_scratch_lives_in_its_layer_only_and_misses_every_live_buffer():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, sizes, steps = random_graph(rng, 10)
        scratch = [int(rng.choice([0, 0, rng.integers(1, 900)])) for _ in range(n)]
        # some layers offer several sizes, preferred first
        scratch = [sorted(rng.integers(1, 900, size=3).tolist(), reverse=True) if size and rng.random() < 0.4
                   else size for size in scratch]
        plan = plan_memory(steps, sizes, [0], [n], scratch=scratch)
        assert {s for s, size in enumerate(scratch) if size} == set(plan.scratch)
        everything = plan.all_buffers()
        for step, s in plan.scratch.items():
            allowed = scratch[step] if isinstance(scratch[step], list) else [scratch[step]]
            assert (s.first, s.last) == (step, step) and s.size in allowed
            assert plan.scratch_bytes(step) == s.size and plan.scratch_offset(step) == s.offset
        for a in everything:
            assert a.offset % 16 == 0 and a.offset + a.size <= plan.arena_bytes
            for b in everything:
                if a is not b and a.first <= b.last and b.first <= a.last:
                    assert not bytes_overlap(a, b), (a, b)
        assert max(plan.live_bytes(s) for s in range(-1, n + 1)) <= plan.arena_bytes


def test_scratch_fills_the_bytes_of_dead_tensors_without_growing_the_arena():
    # 0 -> 1 -> 2 -> 3: the two big tensors are dead by the last step, whose kernel wants scratch
    steps, sizes = [([0], 1), ([1], 2), ([2], 3)], {0: 1024, 1: 1024, 2: 96, 3: 96}
    without = plan_memory(steps, sizes, [0], [3])
    plan = plan_memory(steps, sizes, [0], [3], scratch=[0, 0, 1600])
    assert plan.arena_bytes == without.arena_bytes == 2048
    s = plan.scratch[2]
    assert any(bytes_overlap(s, plan.buffers[t]) for t in (0, 1))
    assert plan.live_bytes(2) == 96 + 96 + 1600


def test_the_first_offered_size_that_fits_is_taken_else_the_preferred_one():
    steps, sizes = [([0], 1), ([1], 2), ([2], 3)], {0: 1024, 1: 1024, 2: 96, 3: 96}
    # at the last step 2048 - 2 * 96 bytes are free: 1800 fits, 1900 does not
    plan = plan_memory(steps, sizes, [0], [3], scratch=[0, 0, [4000, 1900, 1800, 64]])
    assert (plan.scratch_bytes(2), plan.arena_bytes) == (1800, 2048)
    # at the first step nothing is free: the preferred size, on top
    plan = plan_memory(steps, sizes, [0], [3], scratch=[[512, 256], 0, 0])
    assert (plan.scratch_bytes(0), plan.arena_bytes) == (512, 2048 + 512)


def test_scratch_declared_for_a_missing_step_is_refused():
    with pytest.raises(ValueError, match="scratch"):
        plan_memory([([0], 1)], {0: 16, 1: 16}, [0], [1], scratch=[0, 64])


def _depthwise_model() -> bytes:
    # a wide pointwise expansion (dead once the depthwise layers run), then 3x3 depthwise layers whose
    # two 3x3 depthwise layers whose four-lane bands take two passes down the image, the second strided
    # and with a depth multiplier
    build = single((40, 12, 4), conv2d(24, 1, activation="relu"), conv2d(8, 1), depthwise2d(3, activation="relu6"),
                   depthwise2d(3, strides=2, multiplier=2), conv2d(4, 1))
    return quantized("scratch-depthwise-v2", build, seed=7)


def test_report_and_sources_carry_the_planned_scratch(tmp_path):
    from ecgcc.compile import compile_tflite
    tflite = _depthwise_model()
    m4 = compile_tflite(tflite, "m", "qemu-m4", tmp_path / "m4")
    m3 = compile_tflite(tflite, "m", "qemu-m3", tmp_path / "m3")
    model_c = m4.files["model.c"].read_text()
    depthwise = [(step, layer) for step, layer in enumerate(m4.report["layers"]) if layer["kind"] == "DEPTHWISE_CONV_2D"]
    assert len(depthwise) == 2
    for step, layer in depthwise:
        size, offset = layer["scratch_bytes"], layer["scratch_offset"]
        assert size > 0 and (size, offset) == (m4.plan.scratch_bytes(step), m4.plan.scratch_offset(step))
        assert size in m4.kernels[step].scratch_options and m4.kernels[step].params["scratch_bytes"] == size
        assert f".scratch = model_arena + {offset},\n  .scratch_bytes = {size}," in model_c
        entry = [b for b in m4.report["memory_plan"]["buffers"] if b.get("scratch") and b["first_layer"] == step]
        assert entry == [dict(tensor=None, name=f"scratch of {layer['name']}", offset=offset, bytes=size,
                              first_layer=step, last_layer=step, scratch=True)]
        assert layer["arena_live_bytes"] >= size
    assert f"{depthwise[0][1]['scratch_bytes']:,} @{depthwise[0][1]['scratch_offset']}" in m4.table
    # a Cortex-M3 (no DSP extension) runs the M3 twins: scratch for a convolution's packed window and for a
    # depthwise layer's band of packed rows (one of the band widths it offers), on the layers with packed weights
    from ecgcc.ops.conv_2d import m3_scratch_bytes
    from ecgcc.ops.depthwise_conv_2d import m3_band_bytes
    for step, kernel in enumerate(m3.kernels):
        packed = kernel.params.get("packed_weights") is not None
        if not packed:
            assert m3.plan.scratch_bytes(step) == 0
        elif kernel.function == "ecg_conv_2d":
            assert m3.plan.scratch_bytes(step) == m3_scratch_bytes(kernel.params)
        else:
            assert m3.plan.scratch_bytes(step) in m3_band_bytes(kernel.params)
    assert any(k.function == "ecg_depthwise_conv_2d" and m3.plan.scratch_bytes(step)
               for step, k in enumerate(m3.kernels))


def _bands_the_kernel_makes(p: dict, scratch_bytes: int) -> tuple[int, int] | None:
    """(lanes, bands): firmware/kernels/dsp/depthwise_conv_2d.c's choice of lanes and band height for a
    scratch size (None: the plain path)."""
    capacity = (scratch_bytes - 4 * (p["k_h"] * (p["k_w"] // 2) + p["k_h"] + p["k_h"] * p["k_w"])) // 2
    width = (p["out_w"] - 1) * p["stride_w"] + (p["k_w"] - 1) * p["dilation_w"] + 1
    span_h = (p["k_h"] - 1) * p["dilation_h"] + 1
    lanes = 4 if (capacity // 4) // width >= span_h and p["in_c"] >= 4 else 1
    rows = (capacity // lanes) // width
    if rows < span_h:
        return None   # the plain path
    per_band = (rows - span_h) // p["stride_h"] + 1
    return lanes, -(-p["out_h"] // per_band)


def test_depthwise_offers_the_least_scratch_for_each_band_count(tmp_path):
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ops import Target, declare_scratch, module_for
    low = lower_graph(parse_tflite(_depthwise_model()))
    module = module_for("DEPTHWISE_CONV_2D")
    for k in (k for k in low.kernels if k.function == "ecg_depthwise_conv_2d"):
        options = k.scratch_options
        bands = [_bands_the_kernel_makes(k.params, size) for size in options]
        assert len({lanes for lanes, _ in bands}) == 1 and len(options) > 1
        assert [n for _, n in bands] == sorted({n for _, n in bands}) and bands[0][1] == 2
        for size, (lanes, n) in zip(options, bands):   # a word less per lane would make more bands
            fewer = _bands_the_kernel_makes(k.params, size - 4 * lanes)
            assert fewer is None or fewer[0] != lanes or fewer[1] > n
        assert declare_scratch(module, k, Target(dsp_kernels=False)).scratch_options == ()


def _exact_on_cortex_m4(tflite: bytes, tmp_path):
    """Run on qemu-m4 (DSP kernels) as planned for it and as planned for a board without scratch (the DSP
    kernels then take their plain paths): both must equal TFLM. Returns the qemu-m4 compile."""
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    result = compile_tflite(tflite, "m", "qemu-m4", tmp_path / "m4")
    no_scratch = compile_tflite(tflite, "m", "qemu-m3", tmp_path / "m3")
    records = random_records(result.graph, 6, seed=11)
    reference = Reference(tflite)
    expected = [reference.run(rec)[0].reshape(-1) for rec in records]
    for name, model in (("planned", result), ("none", no_scratch)):
        outputs, _ = run_qemu_m4(build_qemu_m4(model.out_dir, records, tmp_path / name))
        assert len(outputs) == len(records)
        for i, (want, got) in enumerate(zip(expected, outputs)):
            assert np.array_equal(want, got[0]), f"{name}: record {i} differs from TFLM"
    return result


def _shared_with_dead_tensors(plan) -> set[int]:
    """Steps whose scratch overlaps the bytes of a tensor that is not live during that step."""
    return {step for step, s in plan.scratch.items() for b in plan.buffers.values()
            if bytes_overlap(s, b) and not b.first <= step <= b.last}


@needs_arm_qemu
def test_depthwise_scratch_over_dead_tensors_is_exact_on_cortex_m4(tmp_path):
    result = _exact_on_cortex_m4(_depthwise_model(), tmp_path)
    depthwise = {step for step, k in enumerate(result.kernels) if k.function == "ecg_depthwise_conv_2d"}
    assert depthwise and depthwise <= _shared_with_dead_tensors(result.plan)


def _conv_model_2d() -> bytes:
    # a 3x3 layer on three channels (edge windows taken apart per pixel), a pointwise one on sixteen
    # (resident), a strided 3x3 on eight (staged, edge windows copied), a pointwise one at the end
    build = single((24, 16, 3), conv2d(16, 3, activation="relu"), conv2d(8, 1), conv2d(8, 3, strides=2),
                   conv2d(4, 1))
    return quantized("scratch-conv2d-v1", build, seed=8)


def _conv_model_1d() -> bytes:
    # 1-D layers: five taps on eight channels (edges walked by their taps), dilated, and pointwise
    build = single((96, 8), conv1d(16, 5, activation="relu"), conv1d(8, 3, dilation=2), conv1d(12, 1))
    return quantized("scratch-conv1d-v1", build, seed=9)


@pytest.mark.parametrize("model", [_conv_model_2d, _conv_model_1d])
def test_conv_scratch_follows_the_kernel_path(model, tmp_path):
    from ecgcc.compile import compile_tflite
    m4 = compile_tflite(model(), "m", "qemu-m4", tmp_path / "m4")
    m3 = compile_tflite(model(), "m", "qemu-m3", tmp_path / "m3")
    convs = [(step, k) for step, k in enumerate(m4.kernels) if k.function == "ecg_conv_2d"]
    assert convs and all(k.scratch_options for _, k in convs)
    for step, k in convs:
        assert m4.plan.scratch_bytes(step) == k.scratch_bytes == k.params["scratch_bytes"] in k.scratch_options
        # only the resident path (one record per output channel, on its stack otherwise) may go without
        assert k.scratch_bytes or k.scratch_options[-1] == 0
    assert any(k.scratch_bytes for _, k in convs)
    # qemu-m3's M3 twin: exactly its packed window for each convolution it takes on the packed path
    from ecgcc.ops.conv_2d import m3_scratch_bytes
    m3_convs = [(step, k) for step, k in enumerate(m3.kernels) if k.function == "ecg_conv_2d"]
    assert m3_convs and all(k.params["packed_weights"] is not None for _, k in m3_convs)
    for step, k in m3_convs:
        assert m3.plan.scratch_bytes(step) == k.params["scratch_bytes"] == m3_scratch_bytes(k.params)


@needs_arm_qemu
@pytest.mark.parametrize("model", [_conv_model_2d, _conv_model_1d])
def test_conv_scratch_is_exact_on_cortex_m4(model, tmp_path):
    _exact_on_cortex_m4(model(), tmp_path)
