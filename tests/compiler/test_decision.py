"""The class decision of the generated code (passes/decision.py, kernels/reference/decision.c), checked
against TFLite Micro's own tensors: the finer logits round to TFLM's int8 logits, the decided class is
always one of the top int8 scores, and ties go to the class with the larger real logit, not the first."""
import numpy as np
import pytest

from models import dense, layer, single
from support import quantized, random_records


def _softmax_classifier() -> bytes:
    return quantized("decision_dense_softmax", single((24,), dense(6), layer("Softmax")))


def _reference_classifier() -> bytes:
    from ecgcc.reference_model import INT8_MODEL
    return INT8_MODEL.read_bytes()


def _run(tflite: bytes, count: int, seed: int):
    """Per record: (int8 scores, finer logits, decided class, TFLM's int8 logits, the float logits)."""
    from ecgcc.frontend import parse_tflite
    from ecgcc.passes.decision import decision_logits
    from ecgcc.reference import Reference

    graph = parse_tflite(tflite)
    twin = Reference(tflite, decide_classes=True)
    decision = twin.decisions[0]
    assert decision is not None
    fc_out = graph.tensors[graph.operators[decision.operator].outputs[0]]
    x, w = graph.tensors[decision.input_tensor], graph.tensors[graph.operators[decision.operator].inputs[1]]
    real_scale = float(x.scale) * np.broadcast_to(np.asarray(w.scales, np.float64), (decision.classes,))
    rows = []
    for record in random_records(graph, count, seed):
        outputs, classes = twin.run_and_decide(record)
        fc_input = twin.tensor(decision.input_tensor).reshape(-1)
        accumulators = (fc_input.astype(np.int64) + decision.input_offset) @ decision.weights.T.astype(np.int64)
        real = (accumulators + decision.bias) * real_scale
        rows.append((outputs[0].reshape(-1), decision_logits(decision, fc_input).reshape(-1), classes[0],
                     twin.tensor(fc_out.index).reshape(-1).astype(np.int64) - fc_out.zero_point, real,
                     float(fc_out.scale)))
    return decision, rows


@pytest.mark.parametrize("which", ["dense_softmax", "reference_model"])
def test_finer_logits_round_to_tflm_int8_logits_and_keep_its_top_class(which):
    from ecgcc.passes.decision import LOGIT_FRACTION_BITS

    tflite = _softmax_classifier() if which == "dense_softmax" else _reference_classifier()
    decision, rows = _run(tflite, 300, seed=3)
    step = 2.0 ** LOGIT_FRACTION_BITS
    # TFLM rounds twice (to an int, then by the power of two), the finer logit floors once
    slack = 0.5 + 0.5 * 2.0 ** decision.shift.astype(np.float64) + 1 / step
    unclamped = 0
    for scores, logits, decided, tflm_logits, _, _ in rows:
        inside = np.abs(logits / step) < 100    # away from the saturation of TFLM's int8 logits
        assert np.all(np.abs(logits / step - tflm_logits)[inside] <= slack[inside])
        unclamped += int(inside.sum())
        assert scores[decided] == scores.max()
    assert unclamped > len(rows)


def test_ties_of_the_int8_output_go_to_the_larger_real_logit():
    _, rows = _run(_softmax_classifier(), 600, seed=5)
    tied = [(scores, decided, real, scale) for scores, _, decided, _, real, scale in rows
            if np.sum(scores == scores.max()) > 1]
    assert len(tied) >= 5, "the random records should produce ties of the int8 softmax output"
    not_first = 0
    for scores, decided, real, scale in tied:
        top = np.flatnonzero(scores == scores.max())
        order = sorted(top, key=lambda c: -real[c])
        if real[order[0]] - real[order[1]] > scale / 2 ** 10:    # clearly apart at the finer resolution
            assert decided == order[0]
        not_first += int(decided != top[0])
    assert not_first > 0, "every tie went to the first tied class: the finer logits were not used"


def test_outputs_not_a_softmax_of_a_plain_fully_connected_are_decided_on_int8():
    from ecgcc.frontend import parse_tflite
    from ecgcc.passes.decision import find_decision

    graph = parse_tflite(_softmax_classifier())
    assert find_decision(graph, 0) is not None
    fc = next(op for op in graph.operators if op.kind == "FULLY_CONNECTED")
    fc.options["FusedActivationFunction"] = 1          # RELU: the logits below zero are gone
    assert find_decision(graph, 0) is None
    raw_logits = quantized("decision_dense_logits", single((24,), dense(6)))
    assert find_decision(parse_tflite(raw_logits), 0) is None    # no SOFTMAX: not a class decision


def test_report_names_how_each_output_is_decided(tmp_path):
    from ecgcc.compile import compile_tflite

    result = compile_tflite(_reference_classifier(), "ecg", "qemu-m3", tmp_path)
    (decided,) = result.report["class_decision"]
    assert decided["decided_on"] == "finer logits" and decided["layer"].endswith("FULLY_CONNECTED")
    source = (tmp_path / "model.c").read_text()
    fc_params = f"&layer_{decided['layer'].split(':')[0]}_params"
    assert source.index(f"ecg_decision_logits({fc_params}") < source.index(f"ecg_fully_connected({fc_params}")


# (inputs, classes): rows in groups of four and one by one; inputs with a tail after the words, and fewer
# inputs than a word (every row one by one in the DSP build).
CLASSIFIER_SHAPES = [(24, 6), (27, 7), (3, 5)]


@pytest.mark.parametrize("inputs,classes", CLASSIFIER_SHAPES)
def test_generated_decision_equals_the_host_twin_with_both_kernel_builds(inputs, classes, tmp_path):
    from support import assert_bit_exact
    tflite = (_softmax_classifier() if (inputs, classes) == (24, 6) else
              quantized(f"decision_dense_softmax_{inputs}x{classes}", single((inputs,), dense(classes), layer("Softmax"))))
    assert_bit_exact(tflite, tmp_path, count=300, defines=((), ("ECGCC_DSP_EMULATE",)))
