"""The vectors file: what goes in (beats of every class, edge cases, the strip), what comes out of the
references, and that a file made for one model or by another format version is refused."""
import json

import numpy as np
import pytest

from ecgcc.harness.model_io import ReferenceRunner, TensorSpec, sha256_hex
from ecgcc.harness.vector_generation import generate_vectors
from ecgcc.harness.vector_sources import (BeatSource, beat_inputs_match, beat_model_inputs, choose_strip, edge_cases,
                                          interleaved_by_class, stratified_indices)
from ecgcc.harness.vectors import FORMAT_VERSION, VectorFileError, VectorSet
from ecgcc.data import beats as beat_definition
from ecgcc.paths import data_dir
from tests.hil.models import tiny_beat_classifier
from tests.hil.synthetic import synthetic_vector_set

SPECS = [TensorSpec((1, 256, 1), 1 / 64, 0), TensorSpec((1, 5), 0.02, -3)]


def test_edge_cases_reach_both_rails_and_the_zero_point_of_every_input():
    cases = dict(edge_cases(SPECS))
    for name in ("all_zero", "all_min", "all_max", "alternating_extremes", "saturated_noise", "all_zero_point"):
        assert name in cases
    for index, spec in enumerate(SPECS):
        assert cases["all_min"][index].shape == spec.shape and cases["all_min"][index].dtype == np.int8
        assert (cases["all_min"][index] == -128).all() and (cases["all_max"][index] == 127).all()
        assert (cases["all_zero"][index] == 0).all()
        assert (cases["all_zero_point"][index] == spec.zero_point).all()
        noise = cases["saturated_noise"][index]
        assert (noise == -128).any() and (noise == 127).any()
        assert set(np.unique(cases["alternating_extremes"][index])) == {-128, 127}
    assert (cases["first_max_others_min"][0] == 127).all() and (cases["first_max_others_min"][1] == -128).all()


def test_stratified_selection_keeps_every_rare_beat_and_shares_the_rest():
    labels = np.array([0] * 5000 + [1] * 300 + [2] * 600 + [3] * 40 + [4] * 3)
    chosen = stratified_indices(labels, 1000, seed=1, n_classes=5)
    counts = np.bincount(labels[chosen], minlength=5)
    assert len(chosen) == len(set(chosen.tolist())) == 1000
    assert counts[3] == 40 and counts[4] == 3 and counts[1] == 300, "classes smaller than their share are taken whole"
    assert counts[0] + counts[2] == 1000 - 343 and abs(int(counts[0]) - int(counts[2])) <= 1, "the rest is shared"
    assert np.array_equal(chosen, stratified_indices(labels, 1000, seed=1, n_classes=5))
    excluded = stratified_indices(labels, 1000, seed=1, exclude=np.arange(5000, 5040), n_classes=5)
    assert not np.isin(np.arange(5000, 5040), excluded).any()


def test_stratified_selection_never_exceeds_what_exists():
    labels = np.array([0, 0, 1, 2])
    chosen = stratified_indices(labels, 100, n_classes=5)
    assert sorted(chosen.tolist()) == [0, 1, 2, 3]


def test_interleaving_makes_every_prefix_balanced():
    labels = np.array([0] * 50 + [1] * 20 + [2] * 3)
    order = interleaved_by_class(labels, seed=4)
    assert sorted(order.tolist()) == list(range(73))
    assert np.bincount(labels[order[:9]], minlength=3).tolist() == [3, 3, 3]
    assert np.bincount(labels[order[:30]], minlength=3).tolist() == [14, 13, 3]


def test_strip_is_the_stretch_with_most_classes():
    fs = 360.0
    records = np.array(["a"] * 40 + ["b"] * 40)
    samples = np.concatenate([np.arange(40) * 300 + 500, np.arange(40) * 300 + 500])
    labels = np.zeros(80, np.int64)
    labels[[50, 53, 56]] = [2, 1, 3]  # record b, close together: V, S, F
    labels[[5, 30]] = [2, 1]  # record a, too far apart for one 10 s strip
    record, start, end, members = choose_strip(records, samples, labels, fs)
    assert record == "b"
    assert end - start == 3600
    assert {2, 1, 3} <= set(labels[members].tolist())
    assert (samples[members] >= start).all() and (samples[members] < end).all()
    assert np.all(np.diff(samples[members]) > 0)


def test_save_and_load_keep_every_array_and_the_strip(tmp_path):
    original = synthetic_vector_set()
    path = original.save(tmp_path / "v.npz")
    loaded = VectorSet.load(path)
    assert loaded.file_sha256 == sha256_hex(path.read_bytes())
    assert len(loaded) == len(original)
    for a, b in zip(original.inputs + original.reference + original.float_outputs,
                    loaded.inputs + loaded.reference + loaded.float_outputs):
        assert np.array_equal(a, b) and a.dtype == b.dtype
    assert np.array_equal(loaded.labels, original.labels)
    assert loaded.kinds.tolist() == original.kinds.tolist()
    assert loaded.metadata == original.metadata
    assert loaded.strip.record == "999" and np.array_equal(loaded.strip.vector_indices, original.strip.vector_indices)
    assert np.allclose(loaded.strip.signal_mv, original.strip.signal_mv)


def test_other_format_versions_and_foreign_files_are_refused(tmp_path):
    original = synthetic_vector_set()
    path = original.save(tmp_path / "v.npz")
    with np.load(path) as archive:
        arrays = dict(archive)
    arrays["format_version"] = np.array(FORMAT_VERSION + 1)
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(VectorFileError, match="format version"):
        VectorSet.load(tmp_path / "future.npz")
    np.savez(tmp_path / "foreign.npz", x=np.zeros(3))
    with pytest.raises(VectorFileError, match="not an ecgcc-hil-vectors file"):
        VectorSet.load(tmp_path / "foreign.npz")
    arrays["format_version"] = np.array(FORMAT_VERSION)
    arrays["labels"] = arrays["labels"][:-1]
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(VectorFileError, match="different lengths"):
        VectorSet.load(tmp_path / "short.npz")


def test_vectors_for_another_model_are_refused():
    vector_set = synthetic_vector_set()
    with pytest.raises(VectorFileError, match="made for model synthetic.tflite"):
        vector_set.check_model(b"some other model")


def test_taking_a_subset_keeps_edge_cases_and_the_strip():
    vector_set = synthetic_vector_set(n_beats=60, n_edge=4)
    subset = vector_set.take(20)
    assert len(subset) == 20
    assert (np.char.startswith(subset.kinds.astype(str), "edge:")).sum() == 4
    assert (subset.kinds == "strip").sum() == 12
    assert subset.strip is not None
    assert (subset.kinds[subset.strip.vector_indices] == "strip").all()
    assert subset.metadata["subset_of"] == 64


@pytest.fixture(scope="module")
def tiny_model():
    return tiny_beat_classifier()


def synthetic_beats(count: int = 80) -> BeatSource:
    rng = np.random.default_rng(3)
    labels = np.concatenate([np.arange(5), rng.integers(0, 3, count - 5)])
    window_shape = (beat_definition.WINDOW_LENGTH, getattr(beat_definition, "WINDOW_CHANNELS", 1))
    return BeatSource(windows=rng.integers(-60, 60, (count, *window_shape), dtype=np.int8),
                      rr=rng.integers(20, 90, (count, len(beat_definition.RR_FEATURES)), dtype=np.int8),
                      labels=labels,
                      records=np.array(["r1"] * count), samples=np.arange(count) * 400 + 1000, fs=360.0,
                      classes=("N", "S", "V", "F", "Q"), description="synthetic")


def test_a_model_reading_fewer_rr_features_gets_the_first_ones():
    beats = synthetic_beats()
    width = len(beat_definition.RR_FEATURES)
    older = [TensorSpec((1, 256, 2), 1 / 64, 0), TensorSpec((1, 8), 1 / 64, 0)]
    assert width > 8 and beat_inputs_match(older, beats)
    window, rr = beat_model_inputs(older, beats.windows[:4], beats.rr[:4])
    assert np.array_equal(rr.reshape(4, 8), beats.rr[:4, :8])
    assert np.array_equal(window.reshape(4, 256, 2), beats.windows[:4])
    # 7 is no prefix a model was ever built on: refused, not silently cut
    odd = [TensorSpec((1, 256, 2), 1 / 64, 0), TensorSpec((1, 7), 1 / 64, 0)]
    assert not beat_inputs_match(odd, beats)
    with pytest.raises(ValueError):
        beat_model_inputs(odd, beats.windows[:4], beats.rr[:4])


def test_generated_vectors_hold_both_references_on_the_same_inputs(tiny_model):
    import keras

    keras_path, tflite = tiny_model
    vector_set = generate_vectors(tflite, float_model=keras_path, beats=synthetic_beats(), beat_count=30,
                                  random_count=4, seed=2, int8_name="tiny.tflite")
    groups = vector_set.groups()
    assert groups["beats"].sum() == 30 and groups["random"].sum() == 4 and groups["edge_cases"].sum() >= 10
    assert set(vector_set.labels[groups["beats"]].tolist()) == {0, 1, 2, 3, 4}
    assert (vector_set.labels[~groups["beats"]] == -1).all()
    runner = ReferenceRunner(tflite)
    for index in range(0, len(vector_set), 7):
        expected = runner.run(vector_set.vector(index))
        assert np.array_equal(expected[0], vector_set.reference[0][index])
    # the float model sees the int8 inputs times their scale (1/64), matched to its inputs by shape
    model = keras.models.load_model(keras_path, compile=False)
    window_shape = (beat_definition.WINDOW_LENGTH, getattr(beat_definition, "WINDOW_CHANNELS", 1))
    rr_count = len(beat_definition.RR_FEATURES)
    window_input = next(i for i, x in enumerate(vector_set.inputs) if x.shape[2:] == window_shape)
    rr_input = 1 - window_input
    probe = np.arange(len(vector_set))[::9]
    direct = model.predict([vector_set.inputs[window_input][probe].reshape(-1, *window_shape) / 64.0,
                            vector_set.inputs[rr_input][probe].reshape(-1, rr_count) / 64.0], verbose=0)
    assert np.allclose(direct, vector_set.float_outputs[0][probe].reshape(-1, 5), atol=1e-6)
    meta = vector_set.metadata
    assert meta["model"]["int8_sha256"] == sha256_hex(tflite)
    assert meta["model"]["float_sha256"] == sha256_hex(keras_path.read_bytes())
    assert meta["format_version"] == FORMAT_VERSION and json.dumps(meta)


@pytest.mark.skipif(not (data_dir() / "100.hea").is_file(), reason="MIT-BIH not found (set ECGCC_DATA_DIR)")
def test_ds2_vectors_cover_every_class_and_a_real_strip(tiny_model, tmp_path):
    keras_path, tflite = tiny_model
    beats = BeatSource.mitdb_ds2()
    vector_set = generate_vectors(tflite, float_model=keras_path, beats=beats, beat_count=200, seed=0)
    labelled = vector_set.labels[vector_set.labels >= 0]
    assert set(labelled.tolist()) == {0, 1, 2, 3, 4}, "N, S, V, F and Q beats must all be present"
    assert set(vector_set.records[vector_set.labels >= 0].tolist()) <= set(
        ["100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210", "212", "213", "214", "219",
         "221", "222", "228", "231", "232", "233", "234"]), "only test-half (DS2) records"
    strip = vector_set.strip
    assert strip is not None and strip.signal_mv.shape == (3600,)
    assert len(set(vector_set.labels[strip.vector_indices].tolist())) >= 3
    # the strip's beats sit where the record's annotation puts them, inside the stored signal
    offsets = vector_set.samples[strip.vector_indices] - strip.start
    assert ((offsets > 0) & (offsets < len(strip.signal_mv))).all()
    assert vector_set.metadata["dataset"]["digest"] == beats.digest
