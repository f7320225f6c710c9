"""`ecgcc bench --against tflm`: the side-by-side rows, their ratios and the byte check on canned numbers
(fast), and once against TFLM built from its sources on an emulated board (slow)."""
from __future__ import annotations

import json
import types

import numpy as np
import pytest

from ecgcc import bench, bench_tflm


def _row(engine, board="qemu-m4", instructions=1000, flash_code=5000, arena=2000, stack=500, macs=500, model="m"):
    return dict(model=model, board=board, engine=engine, exact=True, macs=macs, instructions=instructions,
                flash_code=flash_code, flash_weights=100, arena=arena, stack=stack, static_ram=arena + 300)


def test_ratios_compare_with_tflm_cmsis_nn_on_the_same_core():
    rows = [_row("ecgcc", instructions=600, flash_code=4000, arena=1000, stack=200),
            _row("tflm-reference", instructions=4000, flash_code=60000, arena=2400, stack=600),
            _row("tflm-cmsis-nn", instructions=1000, flash_code=80000, arena=2600, stack=400),
            # the Cortex-M3 rows of the same model, on two boards of that core
            _row("ecgcc", board="qemu-m3", instructions=8000),
            _row("tflm-cmsis-nn", board="qemu-m3-large", instructions=10000)]
    bench_tflm.add_ratios(rows)
    ours, reference, cmsis, m3_ours, m3_cmsis = rows
    assert ours["instructions_vs_cmsis_nn"] == pytest.approx(0.6)
    assert ours["instructions_per_mac"] == pytest.approx(1.2)
    assert ours["flash_code_vs_tflm_smallest"] == pytest.approx(4000 / 60000)
    assert ours["ram_vs_tflm_cmsis_nn"] == pytest.approx(1200 / 3000)
    assert reference["instructions_vs_cmsis_nn"] == pytest.approx(4.0) and cmsis["instructions_vs_cmsis_nn"] == 1.0
    assert m3_ours["instructions_vs_cmsis_nn"] == pytest.approx(0.8)
    assert set(bench_tflm.ROW_FIELDS) <= set(ours)
    table = bench_tflm.markdown_table(rows)
    assert "| m | qemu-m4 | ecgcc | yes | 500 | 600 | 1.20 | 0.60x |" in table
    assert "| m | qemu-m3 | ecgcc | yes | 500 | 8,000 | 16.00 | 0.80x |" in table


def test_a_model_without_tflm_cmsis_nn_has_no_ratio():
    rows = bench_tflm.add_ratios([_row("ecgcc")])
    assert rows[0]["instructions_vs_cmsis_nn"] is None and rows[0]["flash_code_vs_tflm_smallest"] is None


def test_one_differing_byte_is_found():
    expected = [[np.arange(-5, 5, dtype=np.int8).reshape(1, 10)], [np.zeros((1, 10), np.int8)]]
    same = [[o.copy() for o in v] for v in expected]
    assert bench_tflm.first_difference("ecgcc", same, expected) is None
    wrong = [[o.copy() for o in v] for v in expected]
    wrong[1][0][0, 7] = 1
    assert bench_tflm.first_difference("tflm-cmsis-nn", wrong, expected) == (
        "tflm-cmsis-nn: vector 1 output 0: 1 of 10 bytes differ, first at 7 (1 against 0)")
    assert "replies" in bench_tflm.first_difference("ecgcc", same[:1], expected)


def test_the_bench_fails_and_says_why_when_outputs_differ(monkeypatch, tmp_path, capsys):
    def differing(name, tflite, board, vectors, engines):
        if board == "qemu-m3":
            raise bench_tflm.OutputMismatch("tflm-reference: vector 0 output 0: 1 of 5 bytes differ")
        return bench_tflm.add_ratios([_row("ecgcc", model=name), _row("tflm-cmsis-nn", model=name)])

    monkeypatch.setattr(bench_tflm, "side_by_side", differing)
    monkeypatch.setattr(bench, "benchmark_tflite", lambda name: b"")
    out = tmp_path / "b.json"
    args = types.SimpleNamespace(models="m", boards="qemu-m4,qemu-m3", vectors=2, json=str(out), against="tflm")
    assert bench.bench_main(args) == 1
    rows = json.loads(out.read_text())["rows"]
    assert [r["engine"] for r in rows[:2]] == ["ecgcc", "tflm-cmsis-nn"]
    assert rows[2]["error"].startswith("outputs differ: tflm-reference: vector 0")
    monkeypatch.setattr(bench_tflm, "side_by_side", lambda name, tflite, board, vectors, engines: [_row("ecgcc", model=name)])
    assert bench.bench_main(args) == 0


def test_resolver_calls_are_tflm_spellings():
    from ecgcc.tflm.firmware import resolver_call
    assert [resolver_call(k) for k in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "RELU6", "PADV2")] == [
        "AddConv2D", "AddDepthwiseConv2D", "AddFullyConnected", "AddRelu6", "AddPadV2"]


def test_a_missing_kit_is_a_user_error(monkeypatch, tmp_path):
    from ecgcc.errors import UserError
    from ecgcc.tflm import kit
    monkeypatch.setenv("TFLM_DIR", str(tmp_path))
    with pytest.raises(UserError, match="no TensorFlow Lite Micro source kit"):
        kit.library("cortex-m4", "cmsis_nn")


@pytest.mark.slow
def test_bench_against_tflm_on_the_ecg_cnn(tmp_path):
    """TFLM built from the kit with CMSIS-NN and with its reference kernels, on the same board layer and protocol as
    the generated code, gives the pip interpreter's bytes; so does the generated code."""
    from ecgcc.tflm.kit import kit
    try:
        kit()
    except Exception as missing:
        pytest.skip(str(missing))
    out = tmp_path / "bench.json"
    args = types.SimpleNamespace(models="ecg_beat_cnn", boards="qemu-m4", vectors=3, json=str(out), against="tflm",
                                 engines=None)
    assert bench.bench_main(args) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [r["engine"] for r in rows] == ["ecgcc", "tflm-cmsis-nn", "tflm-reference"]
    assert all(r["exact"] and r["board"] == "qemu-m4" and set(bench_tflm.ROW_FIELDS) <= set(r) for r in rows)
    assert len({r["macs"] for r in rows}) == 1 and all(r["instructions"] > r["macs"] / 4 for r in rows)
    ours, cmsis, reference = rows
    assert ours["flash_weights"] < cmsis["flash_weights"]           # int8 weights against the whole flatbuffer
    assert cmsis["instructions"] < reference["instructions"]
    assert cmsis["arena"] > 0 and cmsis["static_ram"] >= cmsis["arena"]
