"""Training options that decide how the reference model is fitted: the per-epoch subset of
normal beats, synthetic premature beats, the logit offsets chosen on validation patients,
and how they are folded into the network."""

from __future__ import annotations

import numpy as np

from ecgcc.data import aami, beats
from ecgcc.data.dataset import BeatSet
from ecgcc.training.batches import (QRS_HALF_WIDTH, augment_windows, epoch_selection, make_batches,
                                    move_previous_wave, synthesize_irregular_beats, synthesize_premature_beats)
from ecgcc.training.model import ModelConfig, build_model
from ecgcc.training.train import TrainConfig, choose_logit_offsets, fold_logit_offsets, training_arrays

N, S, V = (aami.CLASS_INDEX[name] for name in ("N", "S", "V"))


def test_epoch_selection_keeps_every_minority_beat_and_a_fresh_share_of_the_majority():
    labels = np.array([N] * 1000 + [S] * 30 + [V] * 70)
    first = epoch_selection(labels, 0.25, np.random.default_rng(1))
    second = epoch_selection(labels, 0.25, np.random.default_rng(2))
    for chosen in (first, second):
        assert len(np.unique(chosen)) == len(chosen)
        assert set(np.flatnonzero(labels != N)) <= set(chosen)
        assert np.sum(labels[chosen] == N) == 250
    assert set(first[labels[first] == N]) != set(second[labels[second] == N])
    everything = epoch_selection(labels, 1.0, np.random.default_rng(1))
    assert sorted(everything) == list(range(len(labels)))


def test_subsampled_majority_is_weighted_up_to_keep_the_class_balance():
    rng = np.random.default_rng(0)
    labels = np.array([N] * 400 + [S] * 20 + [V] * 40, dtype=np.uint8)
    windows = rng.integers(-50, 50, size=(len(labels), 256, 2)).astype(np.int8)
    rr = rng.integers(0, 100, size=(len(labels), len(beats.RR_FEATURES))).astype(np.int8)
    weights = np.array([1.0, 20.0, 10.0, 0.0, 0.0])
    batches = make_batches(windows, rr, labels, weights, 64, 3, False, majority_fraction=0.5)
    seen_labels, seen_weights = [], []
    for index in range(len(batches)):
        _, batch_labels, batch_weights = batches[index]
        seen_labels.append(batch_labels)
        seen_weights.append(batch_weights)
    seen_labels, seen_weights = np.concatenate(seen_labels), np.concatenate(seen_weights)
    assert len(seen_labels) == 200 + 20 + 40
    assert np.all(seen_weights[seen_labels == N] == 2.0)
    assert np.all(seen_weights[seen_labels == S] == 20.0)


def test_offsets_stay_zero_without_evidence_and_move_towards_a_missed_class():
    labels = np.array([N] * 90 + [S] * 30)
    probabilities = np.full((len(labels), len(aami.CLASSES)), 0.01)
    probabilities[:, N] = 0.9
    probabilities[labels == S, S] = 0.5  # every S beat is second to N: the prior hides it
    offsets, score = choose_logit_offsets(probabilities, labels)
    assert offsets[S] > 0 and offsets[N] == 0
    assert score == 1.0

    clear = np.full_like(probabilities, 0.01)
    clear[np.arange(len(labels)), labels] = 0.9
    offsets, score = choose_logit_offsets(clear, labels)
    assert np.all(offsets == 0) and score == 1.0


def test_folded_offsets_shift_the_network_output_like_added_logits():
    model = build_model(ModelConfig(conv_filters=(4, 4), conv_kernels=(3, 3), rr_units=4, rr_layers=2,
                                    dense_units=8, morphology_dropout=0.3))
    rng = np.random.default_rng(5)
    inputs = {"beat_window": rng.normal(size=(16, 256, 2)).astype(np.float32),
              "rr_features": rng.normal(size=(16, len(beats.RR_FEATURES))).astype(np.float32)}
    before = model.predict(inputs, verbose=0)
    offsets = np.array([0.0, 1.5, -0.5, 0.0, 0.0])
    fold_logit_offsets(model, offsets)
    after = model.predict(inputs, verbose=0)
    expected = before * np.exp(offsets)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-6)


def _rr(pre, post, local, irregularity):
    """int8 RR features of one beat from intervals in 1/64 s (long-term RR = local)."""
    values = dict(pre_rr=pre, post_rr=post, local_rr=local, pre_over_local=round(64 * pre / local),
                  post_over_local=round(64 * post / local), irregularity=irregularity,
                  pre_over_long=round(64 * pre / local), local_over_long=64, median_irregularity=irregularity)
    return [values[name] for name in beats.RR_FEATURES]


def _columns(rr: np.ndarray) -> dict[str, np.ndarray]:
    """RR features by name, as ints."""
    return {name: rr[:, beats.RR_FEATURES.index(name)].astype(int) for name in beats.RR_FEATURES}


def test_synthetic_premature_beats_come_only_from_steady_normal_beats_and_move_only_their_own_timing():
    steady_normal = _rr(50, 50, 50, 8)
    rows = [steady_normal] * 40 + [_rr(30, 70, 50, 8)] * 40 + [_rr(50, 50, 50, 60)] * 40 + [steady_normal] * 40
    labels = np.array([N] * 40 + [N] * 40 + [N] * 40 + [V] * 40, dtype=np.uint8)
    rr = np.array(rows, dtype=np.int8)
    windows = np.arange(len(labels), dtype=np.int8)[:, None, None] * np.ones((1, 256, 2), dtype=np.int8)
    new_windows, new_rr, new_labels = synthesize_premature_beats(
        windows, rr, labels, 100, np.random.default_rng(4), normal=N, supraventricular=S)
    assert new_windows.shape == (100, 256, 2) and new_rr.shape == (100, len(beats.RR_FEATURES)) and new_rr.dtype == np.int8
    assert np.all(new_labels == S)
    # made from the first 40 beats only: the early, the irregular and the V beats are left alone
    assert set(new_windows[:, 0, 0]) <= set(range(40))
    column = _columns(new_rr)
    assert np.all((column["pre_rr"] >= 29) & (column["pre_rr"] <= 44))  # 0.6 .. 0.87 of 50
    # the ratios move with the interval (each rounded on its own grid: up to 0.5 + 0.64 apart)
    assert np.all(np.abs(column["pre_over_local"] - column["pre_rr"] * 64 / 50) <= 1.5)
    assert np.all(np.abs(column["pre_over_long"] - column["pre_rr"] * 64 / 50) <= 1.5)
    assert np.all(np.abs(column["post_over_local"] - column["post_rr"] * 64 / 50) <= 1.5)
    assert np.all((column["post_rr"] >= 47) & (column["post_rr"] <= 63))
    for name in ("local_rr", "irregularity", "local_over_long"):
        assert np.all(column[name] == rr[0, beats.RR_FEATURES.index(name)])
    none = synthesize_premature_beats(windows, rr, labels, 0, np.random.default_rng(4), normal=N, supraventricular=S)
    assert len(none[2]) == 0


def test_synthetic_beats_inside_a_run_keep_local_ratios_and_show_the_run_against_the_long_term_rr():
    rr = np.array([_rr(50, 50, 50, 8)] * 20, dtype=np.int8)
    labels = np.full(len(rr), N, dtype=np.uint8)
    windows = np.zeros((len(rr), 256, 2), dtype=np.int8)
    _, new_rr, _ = synthesize_premature_beats(windows, rr, labels, 400, np.random.default_rng(5), normal=N,
                                              supraventricular=S, run_share=0.5)
    column = _columns(new_rr)
    in_run = (column["post_rr"] < 45) & (column["local_rr"] < 45)  # single beats keep local at 50
    single = column["local_rr"] == 50
    assert np.all(in_run | single) and 150 < in_run.sum() < 250
    run = {name: values[in_run] for name, values in column.items()}
    assert np.all((run["local_rr"] >= 25) & (run["local_rr"] <= 40))  # 0.5 .. 0.8 of 50
    assert np.all(np.abs(run["pre_over_local"] - 64) <= 6) and np.all(np.abs(run["post_over_local"] - 64) <= 6)
    assert np.all(np.abs(run["local_over_long"] - run["local_rr"] * 64 / 50) <= 1.5)
    assert np.all(run["irregularity"] == 8)
    assert np.all(column["post_rr"][single] >= 47)


def test_synthetic_irregular_beats_are_steady_normal_beats_given_the_rhythm_of_atrial_fibrillation():
    rows = [_rr(50, 50, 50, 8)] * 40 + [_rr(30, 70, 50, 8)] * 40 + [_rr(50, 50, 50, 8)] * 40
    labels = np.array([N] * 80 + [S] * 40, dtype=np.uint8)
    rr = np.array(rows, dtype=np.int8)
    windows = np.arange(len(labels), dtype=np.int8)[:, None, None] * np.ones((1, 256, 2), dtype=np.int8)
    new_windows, new_rr, new_labels = synthesize_irregular_beats(windows, rr, labels, 300, np.random.default_rng(9),
                                                                 normal=N)
    assert new_windows.shape == (300, 256, 2) and np.all(new_labels == N)
    assert set(new_windows[:, 0, 0]) <= set(range(40))  # steady N beats only, windows kept
    column = _columns(new_rr)
    assert np.all((column["irregularity"] >= 35) & (column["irregularity"] <= 127))
    for name in ("pre", "post"):
        assert np.all((column[f"{name}_rr"] >= 32) & (column[f"{name}_rr"] <= 75))  # 0.65 .. 1.5 of 50
        assert np.all(np.abs(column[f"{name}_over_local"] - column[f"{name}_rr"] * 64 / 50) <= 1.5)
    # early and late beats both, drawn independently for pre and post
    assert column["pre_rr"].min() < 36 and column["pre_rr"].max() > 70
    assert abs(np.corrcoef(column["pre_rr"], column["post_rr"])[0, 1]) < 0.2
    for name in ("local_rr", "local_over_long"):
        assert np.all(column[name] == rr[0, beats.RR_FEATURES.index(name)])


def _gaussian_beats(r_peaks, length):
    """One lead in mV at 360 Hz: P, QRS and T waves as Gaussians (offset s, amplitude mV, width s)."""
    waves = ((-0.16, 0.15, 0.025), (-0.02, -0.2, 0.008), (0.0, 1.2, 0.012), (0.02, -0.25, 0.01), (0.28, 0.3, 0.05))
    t = np.arange(length)
    signal = np.zeros(length)
    for r in r_peaks:
        for offset, amplitude, width in waves:
            signal += amplitude * np.exp(-0.5 * ((t - r - offset * beats.FS) / (width * beats.FS)) ** 2)
    return signal


def _steady_windows(count, rr=281):
    """Model input windows of ``count`` beats of a steady rhythm (RR in samples)."""
    peaks = np.arange(200, 200 + (count + 2) * rr, rr)
    return beats.extract_beats(_gaussian_beats(peaks, peaks[-1] + rr), peaks).windows[:count]


def test_moving_the_previous_wave_turns_a_steady_window_into_the_premature_beats_window():
    steady_rr = 288  # 75 per minute
    peaks = list(range(200, 200 + 20 * steady_rr, steady_rr))
    for prematurity in (0.6, 0.7):
        pre = round(prematurity * steady_rr)
        moved_peaks = list(peaks)
        moved_peaks[12] = peaks[11] + pre
        extracted = beats.extract_beats(_gaussian_beats(moved_peaks, peaks[-1] + 400), np.array(moved_peaks))
        row = {int(beat): i for i, beat in enumerate(extracted.beat_index)}
        premature = extracted.windows[row[12]].astype(int)
        steady = extracted.windows[row[10]]
        moved = move_previous_wave(steady[None], np.array([steady_rr]), np.array([pre]))[0].astype(int)
        # the T wave that now sits at the window start is 10 LSB (0.25 mV) off in the unmoved copy
        assert np.abs(premature - steady.astype(int)).max() >= 8
        assert np.abs(premature - moved).max() <= 1
    same = move_previous_wave(steady[None], np.array([steady_rr]), np.array([steady_rr]))[0]
    assert np.array_equal(same, steady)


def test_synthetic_beats_keep_their_window_unless_the_previous_wave_moves_and_then_only_before_the_qrs():
    rr = np.array([_rr(50, 50, 50, 8)] * 20, dtype=np.int8)
    labels = np.full(len(rr), N, dtype=np.uint8)
    windows = _steady_windows(20)
    kept, _, _ = synthesize_premature_beats(windows, rr, labels, 50, np.random.default_rng(6), normal=N,
                                            supraventricular=S)
    moved, moved_rr, _ = synthesize_premature_beats(windows, rr, labels, 50, np.random.default_rng(6), normal=N,
                                                    supraventricular=S, previous_wave=True)
    assert np.array_equal(kept, windows[np.zeros(50, dtype=int)])
    change = moved.astype(int) - kept.astype(int)
    qrs_onward = change[:, beats.R_OFFSET - QRS_HALF_WIDTH:, :]
    # from the QRS on only the re-centring moves the window: one constant per beat, both channels alike
    assert np.all(np.ptp(qrs_onward, axis=1) <= 1)
    # at 0.7 of the steady RR or earlier the previous T wave reaches the window start
    early = moved_rr[:, beats.RR_FEATURES.index("pre_rr")] <= 35
    assert early.sum() >= 10
    assert np.abs(change[early, :beats.R_OFFSET - QRS_HALF_WIDTH, 0]).max(axis=1).min() >= 3
    assert np.array_equal(change[:, :, 0], change[:, :, 1])
    assert np.array_equal(moved_rr, synthesize_premature_beats(
        windows, rr, labels, 50, np.random.default_rng(6), normal=N, supraventricular=S)[1])


def test_augmentation_keeps_the_beat_where_it_is_centred_and_recognisable():
    windows = _steady_windows(28)
    augmented = augment_windows(windows, np.random.default_rng(8))
    assert augmented.shape == windows.shape and augmented.dtype == np.int8
    assert not np.array_equal(augmented, windows)
    beat, original = augmented[:, :, 0].astype(float), windows[:, :, 0].astype(float)
    # R-peak jitter of at most 3 samples, plus one for the noise on the rounded peak
    assert np.all(np.abs(np.argmax(beat, axis=1) - np.argmax(original, axis=1)) <= 4)
    assert np.all(np.abs(beat.mean(axis=1)) <= 1.5)
    gain = beat.max(axis=1) / original.max(axis=1)
    assert np.all((gain > 0.7) & (gain < 1.35)) and np.ptp(gain) > 0.2
    t = np.arange(beat.shape[1])

    def without_drift(values):
        return values - np.polyval(np.polyfit(t, values, 1), t)

    for row in range(len(beat)):  # the same beat once the jitter and the linear drift are undone
        inner = slice(8, -8)
        reference = without_drift(original[row])[inner]
        best = max(np.corrcoef(without_drift(np.roll(beat[row], shift))[inner], reference)[0, 1]
                   for shift in range(-3, 4))
        assert best > 0.97


def test_training_arrays_append_the_synthetic_beats_and_leave_the_beat_set_alone():
    rr = np.array([_rr(50, 50, 50, 8)] * 30 + [_rr(30, 60, 50, 20)] * 5, dtype=np.int8)
    labels = np.array([N] * 30 + [S] * 5, dtype=np.uint8)
    train = BeatSet(windows=np.zeros((35, 256, 2), dtype=np.int8), rr=rr, labels=labels,
                    records=np.array(["101"] * 35), samples=np.arange(35))
    windows, new_rr, new_labels = training_arrays(train, TrainConfig(synthetic_premature=3.0, synthetic_run_share=0.0))
    assert len(windows) == len(new_rr) == len(new_labels) == 35 + 15
    assert np.sum(new_labels == S) == 20 and np.array_equal(new_rr[:35], rr)
    assert np.all(new_rr[35:, beats.RR_FEATURES.index("pre_rr")] < 45)
    assert np.array_equal(train.rr, rr)  # the caller's features are copied, not changed
    plain = training_arrays(train, TrainConfig(synthetic_premature=0.0))
    assert np.array_equal(plain[2], labels)
    with_irregular = training_arrays(train, TrainConfig(synthetic_premature=3.0, synthetic_run_share=0.0,
                                                        synthetic_irregular=2.0))
    assert len(with_irregular[2]) == 35 + 15 + 10 and np.all(with_irregular[2][50:] == N)
    # the premature beats draw from their own stream: adding the irregular ones leaves them as they were
    assert np.array_equal(with_irregular[1][:50], new_rr)
    assert np.all(with_irregular[1][50:, beats.RR_FEATURES.index("irregularity")] >= 35)
    assert np.all(with_irregular[1][50:, beats.RR_FEATURES.index("median_irregularity")] >= 32)


def test_merged_members_give_softmax_of_the_mean_of_their_logits():
    import keras

    from ecgcc.training.model import RR_INPUT, WINDOW_INPUT, merge_members

    members = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        members.append(build_model(ModelConfig()))
    rng = np.random.default_rng(4)
    inputs = {WINDOW_INPUT: rng.normal(0, 0.5, (16, beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS)).astype("float32"),
              RR_INPUT: rng.normal(0, 0.5, (16, len(beats.RR_FEATURES))).astype("float32")}
    logits = []
    for member in members:
        hidden = keras.Model(member.inputs, member.get_layer("head").output).predict(inputs, verbose=0)
        kernel, bias = member.get_layer("classes").get_weights()
        logits.append(hidden @ kernel + bias)
    mean = np.mean(logits, axis=0)
    expected = np.exp(mean - mean.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    merged = merge_members(members)
    np.testing.assert_allclose(merged.predict(inputs, verbose=0), expected, rtol=1e-4, atol=1e-6)
    assert merged.count_params() == sum(m.count_params() for m in members) - 2 * 5   # one final bias, not three


def test_segmented_morphology_is_a_dense_layer_over_the_stretches_in_window_order():
    import keras
    import pytest

    model = build_model(ModelConfig(conv_filters=(4, 6), conv_kernels=(3, 3), rr_units=4, dense_units=8,
                                    morphology_segments=4))
    rng = np.random.default_rng(11)
    window = rng.normal(size=(3, 256, 2)).astype(np.float32)
    maps = keras.Model(model.inputs, model.get_layer("conv1").output).predict(
        {"beat_window": window, "rr_features": np.zeros((3, len(beats.RR_FEATURES)), np.float32)}, verbose=0)
    summary = keras.Model(model.inputs, model.get_layer("morphology").output).predict(
        {"beat_window": window, "rr_features": np.zeros((3, len(beats.RR_FEATURES)), np.float32)}, verbose=0)
    stretches = maps.reshape(3, 4, maps.shape[1] // 4, 6).mean(axis=2)        # (beats, stretch, channel)
    kernel, bias = model.get_layer("placed").get_weights()                   # (stretch, channel, unit)
    expected = np.maximum(np.einsum("bsc,scu->bu", stretches, kernel) + bias, 0.0)
    np.testing.assert_allclose(summary, expected, rtol=1e-4, atol=1e-5)
    # the same stretches in another order give another summary: where a shape occurs is kept
    swapped = np.maximum(np.einsum("bsc,scu->bu", stretches[:, ::-1], kernel) + bias, 0.0)
    assert not np.allclose(swapped, expected, atol=1e-3)
    with pytest.raises(ValueError, match="morphology_segments must divide"):
        build_model(ModelConfig(conv_filters=(4, 6), conv_kernels=(3, 3), morphology_segments=5))
