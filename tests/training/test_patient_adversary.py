"""Training against a patient discriminator: the gradient reversal, the patient labels of the
fitted beats (synthetic ones included), and an exported model without any trace of the head."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import pytest

from ecgcc.data import aami, beats
from ecgcc.data.dataset import BeatSet
from ecgcc.errors import UserError
from ecgcc.training.crossval import add_crossval_arguments
from ecgcc.training.model import ModelConfig, build_model
from ecgcc.training.patient_adversary import (
    CLASS_OUTPUT, FEATURE_LAYER, PATIENT_OUTPUT, adversarial_trainer, gradient_reversal_layer, patient_indices,
)
from ecgcc.training.train import TrainConfig, config_from_args, train_reference, training_arrays

from tflite_ops import SUPPORTED_OPS, operator_names

N, S = aami.CLASS_INDEX["N"], aami.CLASS_INDEX["S"]
SMALL = ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3), rr_units=4, dense_units=8)
REVERSAL = 0.5  # neither 1 (an identity would pass for it up to sign) nor 0


def _inputs(count: int, seed: int):
    rng = np.random.default_rng(seed)
    return {"beat_window": rng.normal(size=(count, beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS)).astype(np.float32),
            "rr_features": rng.uniform(0, 1, size=(count, len(beats.RR_FEATURES))).astype(np.float32)}


def test_reversal_layer_passes_values_and_returns_minus_the_factor_times_the_gradient():
    import tensorflow as tf

    layer = gradient_reversal_layer(REVERSAL)
    x = tf.constant(np.linspace(-2.0, 3.0, 12, dtype=np.float32).reshape(3, 4))
    upstream = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(3, 4))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        objective = tf.reduce_sum(upstream * y)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-6)
    np.testing.assert_allclose(tape.gradient(objective, x).numpy(), -REVERSAL * upstream.numpy(), rtol=1e-6)


def test_trainer_hands_the_shared_layers_the_reversed_patient_gradient_and_the_head_the_plain_one():
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(3)
    classifier = build_model(SMALL)
    trainer = adversarial_trainer(classifier, patients=3, reversal=REVERSAL)
    # the same layers and weights read without the reversal: what the discriminator alone would do
    plain = keras.Model(classifier.inputs, trainer.get_layer(PATIENT_OUTPUT)(
        trainer.get_layer("patient_hidden")(classifier.get_layer(FEATURE_LAYER).output)))
    inputs = _inputs(16, 4)
    patients = np.arange(16) % 3
    cross_entropy = keras.losses.SparseCategoricalCrossentropy()

    def gradients(model, output):
        with tf.GradientTape() as tape:
            predicted = model(inputs, training=False)
            loss = cross_entropy(patients, predicted[output] if output else predicted)
        return loss, dict(zip([v.path for v in model.trainable_variables],
                              tape.gradient(loss, model.trainable_variables)))

    reversed_loss, through_trainer = gradients(trainer, PATIENT_OUTPUT)
    plain_loss, plain_gradients = gradients(plain, None)
    assert float(reversed_loss) == pytest.approx(float(plain_loss), rel=1e-5)
    shared = [path for path in plain_gradients if path.split("/")[0] in ("conv0", "conv1")]
    head = [path for path in plain_gradients if path.split("/")[0] in ("patient_hidden", "patient")]
    assert len(shared) == 4 and len(head) == 4
    for path in shared:
        assert np.abs(plain_gradients[path].numpy()).max() > 1e-6, path  # the check below is not 0 == 0
        np.testing.assert_allclose(through_trainer[path].numpy(), -REVERSAL * plain_gradients[path].numpy(),
                                   rtol=1e-4, atol=1e-7, err_msg=path)
    for path in head:
        np.testing.assert_allclose(through_trainer[path].numpy(), plain_gradients[path].numpy(),
                                   rtol=1e-5, atol=1e-8, err_msg=path)
    # the rhythm branch and the class head get nothing from the discriminator
    for path, gradient in through_trainer.items():
        if path.split("/")[0] in ("rhythm", "head", "classes"):
            assert gradient is None or not np.any(gradient.numpy()), path
    # and the class output is the classifier's own
    np.testing.assert_allclose(trainer(inputs)[CLASS_OUTPUT].numpy(), classifier(inputs).numpy(), atol=1e-6)


def test_fitted_beats_take_their_records_patient_and_synthetic_beats_their_sources():
    steady = [50, 50, 50, 64, 64, 8, 64, 64, 4]  # the steady rhythm the synthesizers start from
    early = [30, 60, 50, 38, 77, 20, 38, 64, 10]
    rr = np.array(([steady] * 20 + [early] * 3) * 2, dtype=np.int8)
    labels = np.array(([N] * 20 + [S] * 3) * 2, dtype=np.uint8)
    records = np.array(["p1"] * 23 + ["p2"] * 23)
    # each patient's windows hold its own constant, so a synthetic beat's window names its source
    windows = np.where(records == "p1", 11, 22).astype(np.int8)[:, None, None] * np.ones((1, 256, 2), np.int8)
    train = BeatSet(windows=windows, rr=rr, labels=labels, records=records, samples=np.arange(46))
    config = TrainConfig(synthetic_premature=3.0, synthetic_run_share=0.0, synthetic_irregular=2.0)
    new_windows, new_rr, new_labels, new_records = training_arrays(train, config, with_records=True)
    assert len(new_records) == len(new_labels) == 46 + 18 + 12
    assert np.array_equal(new_records[:46], records)
    owner = np.where(new_windows[46:, 0, 0] == 11, "p1", "p2")
    assert np.array_equal(new_records[46:], owner) and set(owner) == {"p1", "p2"}
    # without the records the arrays are the same ones
    for plain, full in zip(training_arrays(train, config), (new_windows, new_rr, new_labels)):
        assert np.array_equal(plain, full)
    index, names = patient_indices(new_records)
    assert names == ["p1", "p2"] and np.array_equal(np.array(names)[index], new_records)


TINY = TrainConfig(epochs=1, patience=1, train_records=("119", "209"), validation_records=("220",),
                   calibration_samples=100, bias_correction_samples=300, majority_fraction=0.3, model=SMALL)


@pytest.fixture(scope="module")
def trained_pair(mitdb_dir):
    plain = train_reference(TINY, mitdb_dir, log=lambda *_: None)
    adversarial = train_reference(replace(TINY, patient_adversary=REVERSAL), mitdb_dir, log=lambda *_: None)
    return plain, adversarial


def _graph(flatbuffer: bytes) -> list:
    """Operators in order with the shapes of their input and output tensors."""
    import tflite

    model = tflite.Model.GetRootAsModel(bytearray(flatbuffer), 0)
    subgraph = model.Subgraphs(0)
    shapes = [tuple(subgraph.Tensors(i).ShapeAsNumpy().tolist()) if subgraph.Tensors(i).ShapeLength() else ()
              for i in range(subgraph.TensorsLength())]
    graph = []
    for name, index in zip(operator_names(flatbuffer), range(subgraph.OperatorsLength())):
        operator = subgraph.Operators(index)
        graph.append((name, [shapes[t] for t in operator.InputsAsNumpy() if t >= 0],
                      [shapes[t] for t in operator.OutputsAsNumpy()]))
    return graph


def test_training_with_the_discriminator_exports_the_same_graph_as_without(trained_pair, tmp_path):
    from ecgcc.compile import compile_tflite

    plain, adversarial = trained_pair
    assert adversarial.record["patient_adversary"] == [{
        "reversal": REVERSAL, "feature_layer": FEATURE_LAYER, "patients": ["119", "209"],
        "layers": ["patient_reversal", "patient_hidden", "patient"]}]
    assert plain.record["patient_adversary"] is None
    assert "patient_loss" in adversarial.record["selection"]["history"][0]
    # the float model: the same layers, and nothing of the discriminator
    assert ([(layer.name, type(layer).__name__) for layer in adversarial.model.layers]
            == [(layer.name, type(layer).__name__) for layer in plain.model.layers])
    assert len(adversarial.model.outputs) == 1
    # the int8 model: the same operators on the same tensor shapes, all within the compiler's
    graph = _graph(adversarial.int8_flatbuffer)
    assert graph == _graph(plain.int8_flatbuffer)
    assert {name for name, _, _ in graph} <= SUPPORTED_OPS
    assert adversarial.record["model"]["parameters"] == plain.record["model"]["parameters"]
    # it trained: its weights differ from the run without the discriminator (same seed and batches)
    assert adversarial.int8_flatbuffer != plain.int8_flatbuffer
    compiled = compile_tflite(adversarial.int8_flatbuffer, "adversarial", "qemu-m3", tmp_path)
    assert compiled.report["class_decision"][0]["decided_on"] == "finer logits"


def test_reversal_factor_and_patient_count_are_checked(mitdb_dir):
    parser = argparse.ArgumentParser()
    add_crossval_arguments(parser)
    config = config_from_args(parser.parse_args(["--patient-adversary", "0.3", "--extra-data", "x"]))
    assert config.patient_adversary == 0.3 and config.to_dict()["patient_adversary"] == 0.3
    for bad in ("-0.1", "nan", "inf"):
        with pytest.raises(UserError, match="reversal factor"):
            config_from_args(parser.parse_args(["--patient-adversary", bad]))
    with pytest.raises(UserError, match="at least 2 training patients"):
        train_reference(replace(TINY, train_records=("119",), patient_adversary=REVERSAL), mitdb_dir,
                        log=lambda *_: None)
