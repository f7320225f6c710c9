"""The int16-pair weight layout of the DSP twins' recurrent dot products (ops/_pairs.py, consumed by
firmware/kernels/include/ecg_pair_rows.h), checked by streaming it as the kernel does against a plain matrix
product; and the pairs exist only where the DSP twins may run."""
from __future__ import annotations

import numpy as np
import pytest

from ecgcc.ops._pairs import smlad_pairs


def stream_as_the_kernel(pairs: np.ndarray, rows: int, x: np.ndarray) -> np.ndarray:
    """Per block of four rows and word of four inputs, each row's two pairs against (x0, x2) and (x1, x3)."""
    words = -(-x.size // 4)
    padded = np.zeros(4 * words, np.int64)
    padded[:x.size] = x
    acc = np.zeros(rows, np.int64)
    stream = iter(pairs.astype(np.int64).reshape(-1, 4))
    for block in range(rows // 4):
        for word in range(words):
            x0, x1, x2, x3 = padded[4 * word:4 * word + 4]
            for row in range(4 * block, 4 * block + 4):
                w0, w2, w1, w3 = next(stream)
                acc[row] += w0 * x0 + w2 * x2 + w1 * x1 + w3 * x3
    return acc


@pytest.mark.parametrize("depth", [1, 4, 7, 20, 257])
def test_pairs_streamed_as_the_kernel_equal_the_matrix_product(depth):
    rng = np.random.default_rng(depth)
    weights = rng.integers(-128, 128, (12, depth), dtype=np.int8)
    x = rng.integers(-128, 128, depth, dtype=np.int8)
    pairs = smlad_pairs(weights)
    assert pairs.dtype == np.int16 and pairs.size == 12 * 4 * -(-depth // 4)
    expected = weights.astype(np.int64) @ x.astype(np.int64)
    assert np.array_equal(stream_as_the_kernel(pairs, 12, x), expected)
    # the order within a row matters: (w0, w1), (w2, w3) gives other sums
    if depth >= 4:
        swapped = pairs.reshape(-1, 4)[:, [0, 2, 1, 3]].reshape(-1)
        assert not np.array_equal(stream_as_the_kernel(swapped, 12, x), expected)


def test_pairs_are_added_only_where_the_dsp_twins_may_run(tmp_path):
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.paths import tflm_dir
    path = tflm_dir() / "models" / "trained_lstm_int8.tflite"
    if not path.exists():
        pytest.skip(f"no TensorFlow Lite Micro kit at {tflm_dir()} (set TFLM_DIR)")
    graph = parse_tflite(path.read_bytes())
    on_m4 = lower_graph(graph, load_board("qemu-m4")).kernels[0].params
    on_m3 = lower_graph(graph, load_board("qemu-m3")).kernels[0].params
    assert on_m3["input_pairs"] is None and on_m3["recurrent_pairs"] is None
    assert on_m4["input_pairs"].values.size == on_m4["input_weights"].values.size   # 28 inputs: whole words
    assert on_m4["recurrent_pairs"].values.size == on_m4["recurrent_weights"].values.size


@pytest.mark.parametrize("name", ["trained_lstm_int8", "keyword_scrambled_8bit"])
def test_dsp_twins_without_pairs_take_the_int8_rows(name, tmp_path, monkeypatch):
    """Params without pairs (NULL): the DSP twins fall back to the int8 rows and still equal TFLM."""
    from ecgcc.ops import svdf, unidirectional_sequence_lstm
    from ecgcc.reference import Reference
    from test_op_lstm import example, random_inputs
    from test_op_svdf import differing_layers, keyword_model, speech_like_inputs, traced_run, with_small_biases
    for module in (svdf, unidirectional_sequence_lstm):
        monkeypatch.setattr(module, "target_params", lambda kernel, target: {})
    if name == "keyword_scrambled_8bit":
        tflite, records = with_small_biases(keyword_model()), speech_like_inputs(4, seed=7)
    else:
        tflite = example(name)
        records = random_inputs(tflite, 4, seed=7)
    result, traced = traced_run(tflite, tmp_path, records, "dsp")
    pairs = [v for k in result.kernels for f, v in k.params.items() if f.endswith("pairs")]
    assert pairs and all(v is None for v in pairs)
    assert all(k.params["scratch"] is not None for k in result.kernels if "pairs" in " ".join(k.params))
    assert differing_layers(tflite, result, records, traced, Reference(tflite, keep_all_tensors=True)) == []
