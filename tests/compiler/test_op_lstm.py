"""UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite Micro's integer LSTM, hidden and cell state kept between inferences),
checked layer by layer against the pip TFLite Micro interpreter over consecutive inferences, on TFLM's two
example LSTM models; the sigmoid interpolation points measured from TFLM."""
from __future__ import annotations

import numpy as np
import pytest

from test_op_svdf import KERNEL_BUILDS, differing_layers, traced_run

SEQUENCE = 6


def example(name: str) -> bytes:
    from ecgcc.paths import tflm_dir
    path = tflm_dir() / "models" / f"{name}.tflite"
    if not path.exists():
        pytest.skip(f"no TensorFlow Lite Micro kit at {tflm_dir()} (set TFLM_DIR)")
    return path.read_bytes()


def random_inputs(tflite: bytes, count: int, seed: int) -> list[list[np.ndarray]]:
    from ecgcc.frontend import parse_tflite
    graph = parse_tflite(tflite)
    rng = np.random.default_rng(seed)
    return [[rng.integers(-128, 128, graph.tensors[t].shape, dtype=np.int8) for t in graph.inputs]
            for _ in range(count)]


@pytest.mark.parametrize("kernels", sorted(KERNEL_BUILDS))
@pytest.mark.parametrize("name", ["trained_lstm_int8", "micro_speech_lstm"])
def test_lstm_equals_tflm_layer_by_layer_over_consecutive_inferences(name, kernels, tmp_path):
    from ecgcc.reference import Reference
    tflite = example(name)
    records = random_inputs(tflite, SEQUENCE, seed=3)
    result, traced = traced_run(tflite, tmp_path, records, kernels)
    assert result.report["layers"][0]["kind"] == "UNIDIRECTIONAL_SEQUENCE_LSTM"
    assert result.report["total"]["state_bytes"] == 3 * result.kernels[0].params["units"]   # int8 + int16
    assert differing_layers(tflite, result, records, traced, Reference(tflite, keep_all_tensors=True)) == []
    # the comparison means something: hidden states spread over many values, and the state carried in
    # from the previous inference changes the next one's first step
    hidden = np.concatenate([layers[0] for layers in traced])
    assert len(np.unique(hidden)) > 50
    fresh = Reference(tflite, keep_all_tensors=True)
    fresh.run(records[-1])
    assert not np.array_equal(fresh.tensor(result.layer_tensors[0]).reshape(-1), traced[-1][0])


def test_lstm_comparison_fails_when_tflm_starts_from_another_state(tmp_path):
    """The wrong answer: TFLM given one extra inference first (its state is ahead) must disagree."""
    from ecgcc.reference import Reference
    tflite = example("trained_lstm_int8")
    records = random_inputs(tflite, 3, seed=4)
    result, traced = traced_run(tflite, tmp_path, records)
    reference = Reference(tflite, keep_all_tensors=True)
    reference.run(random_inputs(tflite, 1, seed=5)[0])
    assert differing_layers(tflite, result, records, traced, reference)


def test_sigmoid_points_are_close_to_sigmoid_of_i_over_24():
    """The points measured from TFLM are sigmoid(i / 24) in units of 2^-16, to within 1.5 units, and rise."""
    from ecgcc.ops._sigmoid_points import sigmoid_points
    points = np.array(sigmoid_points())
    exact = 65536 / (1 + np.exp(-np.arange(256) / 24))
    assert points.shape == (256,) and points[0] == 32768 and np.all(np.diff(points) >= 0)
    assert np.max(np.abs(points - exact)) <= 1.5


def test_lstm_with_a_projection_is_refused_by_name():
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ir import UnsupportedModelError
    graph = parse_tflite(example("trained_lstm_int8"))
    graph.operators[0].inputs[16] = graph.operators[0].inputs[1]   # a projection weight
    with pytest.raises(UnsupportedModelError, match="projection"):
        lower_graph(graph)
