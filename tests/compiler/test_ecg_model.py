"""The 1-D ECG beat CNN end to end: bit-exact, deterministic, within TFLM's arena, reported."""
import json

import numpy as np
import pytest

from models import ecg_model_tflite, random_stack
from support import assert_bit_exact, quantized


@pytest.fixture(scope="module")
def ecg_tflite():
    return ecg_model_tflite()


def test_ecg_cnn_is_bit_exact_with_both_kernel_builds(ecg_tflite, tmp_path):
    result = assert_bit_exact(ecg_tflite, tmp_path, count=300, defines=((), ("ECGCC_REFERENCE_KERNELS",), ("ECGCC_DSP_EMULATE",)))
    params = sum(k.const_bytes for k in result.kernels)
    assert 5000 < result.report["total"]["weight_bytes"] == params
    kinds = {kind for layer in result.report["layers"] for kind in layer["kind"].split("+")}
    assert {"CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "FULLY_CONNECTED",
            "SOFTMAX"} <= kinds


def test_ecg_cnn_arena_not_larger_than_tflm(ecg_tflite, tmp_path):
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    result = compile_tflite(ecg_tflite, "ecg", "host", tmp_path)
    tflm = Reference(ecg_tflite).arena_allocations()
    # TFLM's head section holds activations and scratch; its total adds persistent bookkeeping.
    assert result.arena_bytes <= tflm["head"] <= tflm["total"]
    live_peak = max(layer["arena_live_bytes"] for layer in result.report["layers"])
    assert live_peak <= result.arena_bytes


def test_generated_sources_are_deterministic(ecg_tflite, tmp_path):
    from ecgcc.compile import compile_tflite
    first = compile_tflite(ecg_tflite, "ecg", "qemu-m4", tmp_path / "a")
    second = compile_tflite(ecg_tflite, "ecg", "qemu-m4", tmp_path / "b")
    for name in ("model.h", "model.c", "model_weights.c", "report.json"):
        assert first.files[name].read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first.identity == second.identity


def test_report_and_header_contract(ecg_tflite, tmp_path):
    import hashlib
    from ecgcc.compile import compile_tflite
    result = compile_tflite(ecg_tflite, "ecg_beat", "qemu-m4", tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    header = (tmp_path / "model.h").read_text()
    assert report["total"]["macs"] == sum(layer["macs"] for layer in report["layers"]) > 100_000
    assert f'#define MODEL_IDENTITY "{hashlib.sha256(ecg_tflite).hexdigest()[:16]}"' in header
    assert f"#define MODEL_NUM_LAYERS {len(report['layers'])}" in header
    assert f"#define MODEL_ARENA_BYTES {report['total']['arena_bytes']}" in header
    assert '#define MODEL_NAME "ecg_beat"' in header
    assert "__attribute__((aligned(16)))" in (tmp_path / "model_weights.c").read_text()
    assert "total" in result.table and "CONV_2D" in result.table


def test_tflite_desktop_interpreter_stays_within_one_step_of_tflm(ecg_tflite):
    """Desktop TFLite uses optimized kernels that may round differently from TFLite Micro, the reference the
    generated code is held to byte for byte; they may differ, but never by more than one int8 step."""
    import tensorflow as tf
    from ecgcc.reference import Reference
    interp = tf.lite.Interpreter(model_content=ecg_tflite)
    interp.allocate_tensors()
    ref = Reference(ecg_tflite)
    rng = np.random.default_rng(3)
    largest = 0
    for _ in range(50):
        x = rng.integers(-128, 128, (1, 256, 1), dtype=np.int8)
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        desktop = interp.get_tensor(interp.get_output_details()[0]["index"]).astype(np.int32)
        largest = max(largest, int(np.abs(desktop - ref.run([x])[0].astype(np.int32)).max()))
    assert largest <= 1, f"desktop TFLite is {largest} int8 steps away from TFLite Micro"


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_stack_bit_exact(seed, tmp_path):
    build, shape = random_stack(seed)
    assert_bit_exact(quantized(f"random-stack-{seed}-v1", build, [shape], seed=seed), tmp_path, count=40,
                             defines=((), ("ECGCC_DSP_EMULATE",)))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(100, 140))
def test_random_stack_sweep(seed, tmp_path):
    build, shape = random_stack(seed)
    result = assert_bit_exact(quantized(f"random-stack-{seed}-v1", build, [shape], seed=seed), tmp_path, count=40,
                             defines=((), ("ECGCC_DSP_EMULATE",)))
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.reference import Reference
    tflm = Reference(result.tflite_bytes).arena_allocations()
    # TFLM's head holds the tensors (its reference kernels take no scratch): so do our tensors alone, planned
    # for a board whose reference kernels need none; the DSP kernels' scratch may add to that, within TFLM's total.
    tensors_only = lower_graph(parse_tflite(result.tflite_bytes), load_board("qemu-m3")).plan
    assert not tensors_only.scratch and tensors_only.arena_bytes <= tflm["head"]
    assert result.arena_bytes <= tflm["total"]
