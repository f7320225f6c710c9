"""Train the reference arrhythmia model on DS1 and convert it to int8.

Only DS1 patients are used: most train the network, a few (``splits.VALIDATION_PATIENTS``)
choose the stopping epoch, and the int8 calibration beats come from the training patients.
``splits.assert_design_records`` refuses anything else before any data is touched. The
output folder receives ``model.keras`` (float), ``model_int8.tflite`` and
``training_record.json`` (data hash, parameters, validation metrics, wall time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..data import aami, splits
from ..data.dataset import BeatSet, build_beat_set
from ..data.location import build_dir, ensure_data_dir, resolve_data_dir
from ..evaluation.metrics import classification_metrics
from ..evaluation.predict import predict_float, predict_int8
from .batches import class_weights, make_batches, synthesize_irregular_beats, synthesize_premature_beats
from .bias_correction import correct_output_bias
from .convert import convert_to_int8, input_details
from .distillation import distillation_loss, load_teacher, soft_targets
from .extra_data import describe as describe_extra, extra_training_beats
from .model import MODEL_PRESETS, ModelConfig, build_model, merge_members
from .patient_adversary import (CLASS_OUTPUT, FEATURE_LAYER, PATIENT_OUTPUT, adversarial_trainer, adversary_layers,
                                check_reversal, patient_indices, require_patients)

FLOAT_MODEL_FILE = "model.keras"
INT8_MODEL_FILE = "model_int8.tflite"
RECORD_FILE = "training_record.json"
MIN_BEATS_FOR_SELECTION = 20
# offsets tried for each of S and V (N is the reference at 0; F and Q are too rare in DS1
# validation patients to be tuned and stay at 0)
OFFSET_GRID = tuple(np.round(np.arange(-2.0, 2.01, 0.25), 2))
TUNED_CLASSES = ("S", "V")


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3
    # judge and keep an exponential average of the weights (~500 steps): single-step weights
    # swing between patients' decision boundaries from one epoch to the next
    weight_averaging: float = 0.998
    patience: int = 8
    seed: int = 20240
    augment: bool = True
    class_weight_power: float = 1.0
    class_weight_cap: float = 60.0
    # per-class ceilings below the common cap. Fusion beats come almost all from one DS1
    # patient (208); at full weight, held-out DS1 patients got hundreds of false F calls and
    # no true ones, so F is kept from outweighing the classes that do generalise.
    class_weight_limits: tuple[tuple[str, float], ...] = (("F", 10.0),)
    # fraction of the N beats drawn afresh each epoch (1.0: all of them every epoch). Below 1
    # an epoch is shorter, which suits quick comparisons; the weight average then needs more
    # epochs to settle (0.35 had not converged after 10 epochs on DS1 validation).
    majority_fraction: float = 1.0
    # add per-class constants to the output logits (folded into the last layer's bias, so the
    # int8 model stays an ordinary network), chosen on the validation patients together with
    # the epoch. Off: on two disjoint sets of DS1 validation patients the chosen offsets
    # pointed in opposite directions (S 0 / V +1.5 on 106, 220, 223; S -1.5 / V -1.5 on 201,
    # 209, 215), i.e. they fit the held-out patients, not a prior shared by new ones.
    logit_offsets: bool = False
    # synthetic S beats (batches.synthesize_premature_beats) per real S training beat, and the
    # share of them made as beats inside a supraventricular run. In 4-fold patient-wise
    # cross-validation over DS1 (ecgcc crossval), int8 S Se / +P went 29.0 / 24.7 % (none) ->
    # 44.8 / 36.2 % (2 single beats per S beat) -> 62.0 / 43.9 % (these), V Se / +P 92.5 / 77.4 ->
    # 93.0 / 81.9 -> 89.7 / 82.7 %; 4 single beats per S beat did worse than 2.
    synthetic_premature: float = 3.0
    synthetic_run_share: float = 1 / 3
    # also move the previous beat's T wave into the synthetic beat's window
    synthetic_previous_wave: bool = False
    # synthetic N beats in the rhythm of atrial fibrillation (batches.synthesize_irregular_beats)
    # per real S training beat
    synthetic_irregular: float = 0.0
    # networks trained with seeds seed, seed + 1, ... and merged into one whose class logits are
    # their mean (model.merge_members); 1: a single network
    ensemble: int = 1
    # reversal factor of the patient discriminator (patient_adversary.py): the morphology summary
    # gets -W times the gradient of a head that learns each fitted beat's patient; 0: no discriminator
    patient_adversary: float = 0.0
    calibration_samples: int = 1000
    # shift the int8 class logits to the float model's mean on DS1 training beats (see
    # bias_correction.py): without it the int8 model called about 20 more DS1 beats S than
    # the float model did, and 13 fewer F
    output_bias_correction: bool = True
    bias_correction_samples: int = 4000
    # knowledge distillation (distillation.py): folder of a float teacher trained by `ecgcc
    # train --model teacher` on DS1; None trains on the annotations alone
    teacher: str | None = None
    distillation_weight: float = 0.5
    temperature: float = 2.0
    train_records: tuple[str, ...] = splits.training_patients()
    validation_records: tuple[str, ...] = splits.VALIDATION_PATIENTS
    # another annotated WFDB database whose beats join the fitted beats (extra_data.py); None: DS1 only
    extra_data: str | None = None
    extra_records: tuple[str, ...] | None = None   # None: every annotated record there
    model: ModelConfig = field(default_factory=ModelConfig)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["model"] = self.model.to_dict()
        return data


@dataclass
class TrainResult:
    model: object
    int8_flatbuffer: bytes
    record: dict


def selection_score(metrics: dict) -> float:
    """Mean F1 over the classes with enough validation beats to be judged (N, S, V here)."""
    scores = [
        metrics[name]["f1"] for name in aami.CLASSES if metrics[name]["count"] >= MIN_BEATS_FOR_SELECTION
    ]
    return float(np.mean(scores)) if scores else 0.0


def choose_logit_offsets(probabilities: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-class logit offsets (S and V from ``OFFSET_GRID``) with the best ``selection_score``.

    Ties go to the smallest total shift, so without evidence the offsets stay at 0.
    """
    logits = np.log(np.clip(probabilities, 1e-7, 1.0))
    best_offsets, best_score, best_shift = np.zeros(logits.shape[1]), -1.0, 0.0
    tuned = [aami.CLASS_INDEX[name] for name in TUNED_CLASSES]
    for values in np.array(np.meshgrid(*[OFFSET_GRID] * len(tuned))).T.reshape(-1, len(tuned)):
        offsets = np.zeros(logits.shape[1])
        offsets[tuned] = values
        score = selection_score(classification_metrics(labels, np.argmax(logits + offsets, axis=1)))
        shift = float(np.abs(values).sum())
        if score > best_score + 1e-12 or (abs(score - best_score) <= 1e-12 and shift < best_shift):
            best_offsets, best_score, best_shift = offsets, score, shift
    return best_offsets, best_score


def fold_logit_offsets(model, offsets: np.ndarray) -> None:
    """Add ``offsets`` to the bias of the output layer (before its softmax)."""
    layer = model.get_layer("classes")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, (bias + offsets).astype(bias.dtype)])


# [seed, epoch] and [seed, epoch, batch] shuffle and augment (make_batches); a synthesizer
# draws from [seed, SYNTHESIS_STREAM, k], above any epoch. The premature beats keep [seed, 1],
# the stream the committed reference model was trained with.
SYNTHESIS_STREAM = 1 << 20


def training_arrays(train: BeatSet, config: TrainConfig, with_records: bool = False):
    """Training windows, RR features (a copy) and labels, with the synthetic beats appended;
    with ``with_records`` also each beat's record (a synthetic beat's is the record of the beat
    it was made from: it carries that patient's shape)."""
    real_s = int(np.sum(train.labels == aami.CLASS_INDEX["S"]))
    count = round(config.synthetic_premature * real_s)
    extra = synthesize_premature_beats(
        train.windows, train.rr, train.labels, count, np.random.default_rng([config.seed, 1]),
        normal=aami.CLASS_INDEX["N"], supraventricular=aami.CLASS_INDEX["S"],
        run_share=config.synthetic_run_share, previous_wave=config.synthetic_previous_wave, with_sources=True)
    irregular = synthesize_irregular_beats(
        train.windows, train.rr, train.labels, round(config.synthetic_irregular * real_s),
        np.random.default_rng([config.seed, SYNTHESIS_STREAM, 2]), normal=aami.CLASS_INDEX["N"], with_sources=True)
    arrays = tuple(np.concatenate([base, premature, more]) for base, premature, more in
                   zip((train.windows, train.rr, train.labels), extra[:3], irregular[:3]))
    if not with_records:
        return arrays
    records = np.asarray(train.records)
    return (*arrays, np.concatenate([records, records[extra[3]], records[irregular[3]]]))


def _seed_everything(seed: int) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _selection_callback(validation: BeatSet, patience: int, tune_offsets: bool, log, classifier=None):
    """Chooses the epoch on ``validation``; scores and keeps the weights of ``classifier`` (default:
    the model being fitted; a patient-adversarial trainer fits a wrapper around the classifier)."""
    import keras

    from .model import RR_INPUT, WINDOW_INPUT

    windows, rr = validation.float_inputs()

    class SelectOnValidation(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.best_score = -1.0
            self.best_epoch = -1
            self.best_weights = None
            self.best_offsets = np.zeros(len(aami.CLASSES))
            self.history: list[dict] = []

        def on_epoch_end(self, epoch, logs=None):
            scored = classifier if classifier is not None else self.model
            probabilities = scored.predict({WINDOW_INPUT: windows, RR_INPUT: rr}, batch_size=1024, verbose=0)
            offsets = np.zeros(len(aami.CLASSES))
            if tune_offsets:
                offsets, _ = choose_logit_offsets(probabilities, validation.labels)
            logits = np.log(np.clip(probabilities, 1e-7, 1.0)) + offsets
            metrics = classification_metrics(validation.labels, np.argmax(logits, axis=1))
            score = selection_score(metrics)
            entry = {
                "epoch": epoch + 1,
                "loss": float((logs or {}).get("loss", float("nan"))),
                **({"patient_loss": float(logs["patient_loss"])} if "patient_loss" in (logs or {}) else {}),
                "validation_score": score,
                "validation_score_without_offsets": selection_score(
                    classification_metrics(validation.labels, np.argmax(probabilities, axis=1))),
                "logit_offsets": {c: float(v) for c, v in zip(aami.CLASSES, offsets)},
                "validation_se": {c: metrics[c]["se"] for c in aami.CLASSES},
                "validation_ppv": {c: metrics[c]["ppv"] for c in aami.CLASSES},
            }
            self.history.append(entry)
            if score > self.best_score:
                self.best_score, self.best_epoch = score, epoch + 1
                self.best_weights = scored.get_weights()
                self.best_offsets = offsets
            log(
                f"epoch {epoch + 1:3d} loss {entry['loss']:.4f} "
                + (f"(patient {entry['patient_loss']:.4f}) " if "patient_loss" in entry else "")
                + f"val score {score:.4f} "
                f"(raw {entry['validation_score_without_offsets']:.4f}) "
                + " ".join(
                    f"{c} se {metrics[c]['se'] or 0:.3f} +p {metrics[c]['ppv'] or 0:.3f}"
                    for c in ("N", "S", "V")
                )
                + (" *" if self.best_epoch == epoch + 1 else "")
            )
            if epoch + 1 - self.best_epoch >= patience:
                self.model.stop_training = True

    return SelectOnValidation()


@dataclass
class _Member:
    model: object
    selector: object
    class_weights: np.ndarray
    distillation: dict | None
    fit_seconds: float
    adversary: dict | None = None


def _fit_member(config: TrainConfig, train: BeatSet, validation: BeatSet, log) -> _Member:
    """One network trained on ``train`` with config.seed, its epoch chosen on ``validation``."""
    import keras

    _seed_everything(config.seed)
    train_windows, train_rr, train_labels, train_sources = training_arrays(train, config, with_records=True)
    if len(train_labels) > len(train):
        log(f"synthetic beats {len(train_labels) - len(train)} "
            f"(S {int(np.sum(train_labels[len(train):] == aami.CLASS_INDEX['S']))})")
    weights = class_weights(train_labels, len(aami.CLASSES), config.class_weight_power, config.class_weight_cap)
    for name, limit in config.class_weight_limits:
        weights[aami.CLASS_INDEX[name]] = min(weights[aami.CLASS_INDEX[name]], limit)
    train_rr[:, config.model.unused_rhythm_features()] = 0
    loss, teacher_targets, distillation = "sparse_categorical_crossentropy", None, None
    if config.teacher:
        teacher, distillation = load_teacher(Path(config.teacher))
        distillation.update(weight=config.distillation_weight, temperature=config.temperature)
        teacher_targets = soft_targets(teacher)
        loss = distillation_loss(len(aami.CLASSES), config.distillation_weight, config.temperature)
        log(f"distilling from {config.teacher} ({distillation['parameters']} parameters)")
    patients, adversary = None, None
    if config.patient_adversary > 0:
        patients, patient_names = patient_indices(train_sources)
        require_patients(patient_names)
        adversary = {"reversal": config.patient_adversary, "feature_layer": FEATURE_LAYER,
                     "patients": patient_names}
        log(f"patient discriminator over {len(patient_names)} patients, reversal {config.patient_adversary}")
    batches = make_batches(train_windows, train_rr, train_labels, weights, config.batch_size, config.seed,
                           config.augment, config.majority_fraction, teacher_targets, patients)
    model = build_model(config.model)
    fitted = model
    if adversary is not None:
        fitted = adversarial_trainer(model, len(adversary["patients"]), config.patient_adversary)
        adversary["layers"] = adversary_layers(fitted, model)
        loss = {CLASS_OUTPUT: loss, PATIENT_OUTPUT: "sparse_categorical_crossentropy"}
    fitted.compile(
        optimizer=keras.optimizers.Adam(
            config.learning_rate,
            use_ema=config.weight_averaging > 0,
            ema_momentum=config.weight_averaging or 0.99,
        ),
        loss=loss,
        weighted_metrics=[],
    )
    selector = _selection_callback(validation, config.patience, config.logit_offsets, log, classifier=model)
    fit_started = time.monotonic()
    callbacks = [selector]
    if config.weight_averaging > 0:
        # put the averaged weights in place while the selector scores and copies them
        callbacks.insert(0, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
    fitted.fit(batches, epochs=config.epochs, callbacks=callbacks, verbose=0)
    fit_seconds = time.monotonic() - fit_started
    if selector.best_weights is not None:
        model.set_weights(selector.best_weights)
    fold_logit_offsets(model, selector.best_offsets)
    return _Member(model, selector, weights, distillation, fit_seconds, adversary)


def train_reference(config: TrainConfig, data_dir: Path, use_cache: bool = True, log=print) -> TrainResult:
    import keras
    import tensorflow as tf

    splits.assert_design_records(config.train_records, "training")
    splits.assert_design_records(config.validation_records, "model selection")
    check_reversal(config.patient_adversary)
    overlap = set(config.train_records) & set(config.validation_records)
    if overlap:
        raise splits.SplitLeakError(f"records {sorted(overlap)} are in both training and validation")
    started = time.monotonic()
    design = build_beat_set(data_dir, list(config.train_records) + list(config.validation_records),
                            use_cache=use_cache)
    train = design.from_records(config.train_records)
    validation = design.from_records(config.validation_records)
    log(f"train beats {len(train)} {train.class_counts()}")
    log(f"validation beats {len(validation)} {validation.class_counts()}")
    fitted, extra = train, None
    if config.extra_data:
        extra = extra_training_beats(config.extra_data, config.extra_records, use_cache=use_cache)
        log(f"extra training beats {len(extra)} {extra.class_counts()} from {config.extra_data}")
        fitted = BeatSet.concatenate([train, extra])

    members = []
    for index in range(config.ensemble):
        member_config = replace(config, seed=config.seed + index)
        if config.ensemble > 1:
            log(f"ensemble member {index + 1} of {config.ensemble}, seed {member_config.seed}")
        members.append(_fit_member(member_config, fitted, validation, log))
    model = members[0].model if len(members) == 1 else merge_members([m.model for m in members])
    selector, weights, distillation = members[0].selector, members[0].class_weights, members[0].distillation
    fit_seconds = sum(m.fit_seconds for m in members)

    calibration = train
    splits.assert_design_records(calibration.record_names(), "int8 calibration")
    flatbuffer = convert_to_int8(model, calibration, config.calibration_samples, config.seed)
    quantization = {"calibration_samples": config.calibration_samples, "output_bias_correction": None}
    if config.output_bias_correction:
        flatbuffer, quantization["output_bias_correction"] = correct_output_bias(
            flatbuffer, model, calibration, config.bias_correction_samples, config.seed)

    float_validation = classification_metrics(validation.labels, predict_float(model, validation))
    int8_validation = classification_metrics(validation.labels, predict_int8(flatbuffer, validation))
    record = {
        "format": 1,
        "data": {
            "dataset_digest": design.digest,
            "data_dir": str(data_dir),
            "train_records": list(config.train_records),
            "validation_records": list(config.validation_records),
            "calibration_records": calibration.record_names(),
            # taken from the beats themselves, not from the requested lists
            "train_beat_records": train.record_names(),
            "validation_beat_records": validation.record_names(),
            "train_class_counts": train.class_counts(),
            "validation_class_counts": validation.class_counts(),
            "extra_training_data": describe_extra(config.extra_data, extra) if extra is not None else None,
        },
        "parameters": config.to_dict(),
        "class_weights": {name: float(w) for name, w in zip(aami.CLASSES, weights)},
        "model": {"parameters": int(model.count_params()), "int8_bytes": len(flatbuffer),
                  "int8_sha256": hashlib.sha256(flatbuffer).hexdigest(),
                  "inputs": input_details(flatbuffer)},
        "ensemble": [{"seed": config.seed + i, "best_epoch": m.selector.best_epoch,
                      "best_score": m.selector.best_score} for i, m in enumerate(members)],
        "selection": {"best_epoch": selector.best_epoch, "best_score": selector.best_score,
                      "logit_offsets": {c: float(v) for c, v in zip(aami.CLASSES, selector.best_offsets)},
                      "epochs_run": len(selector.history), "history": selector.history},
        "distillation": distillation,
        "patient_adversary": [m.adversary for m in members] if config.patient_adversary > 0 else None,
        "quantization": quantization,
        "validation_metrics": {"float": float_validation, "int8": int8_validation},
        "wall_time_s": {"fit": round(fit_seconds, 1), "total": round(time.monotonic() - started, 1)},
        "software": {"python": platform.python_version(), "tensorflow": tf.__version__,
                     "keras": keras.__version__, "numpy": np.__version__},
    }
    return TrainResult(model=model, int8_flatbuffer=flatbuffer, record=record)


def save_result(result: TrainResult, output: Path) -> None:
    import keras

    output.mkdir(parents=True, exist_ok=True)
    # an uncompiled copy keeps the optimizer state out of the file (six times smaller)
    # (from_config, not clone_model: a clone would try to rebuild a distillation loss by name)
    inference_copy = keras.Model.from_config(result.model.get_config())
    inference_copy.set_weights(result.model.get_weights())
    inference_copy.save(output / FLOAT_MODEL_FILE)
    (output / INT8_MODEL_FILE).write_bytes(result.int8_flatbuffer)
    (output / RECORD_FILE).write_text(json.dumps(result.record, indent=1) + "\n")


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="WFDB directory with MIT-BIH (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--download", action="store_true", help="download MIT-BIH from PhysioNet into --data if absent")
    parser.add_argument("--output", default=None, help="output folder (default: .build/train)")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs,
                        help=f"most epochs to train (default {TrainConfig.epochs})")
    parser.add_argument("--patience", type=int, default=TrainConfig.patience,
                        help=f"stop after this many epochs without improvement on the validation records "
                             f"(default {TrainConfig.patience})")
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size,
                        help=f"beats per training batch (default {TrainConfig.batch_size})")
    parser.add_argument("--seed", type=int, default=TrainConfig.seed,
                        help=f"seed of weights, batches and augmentation (default {TrainConfig.seed})")
    parser.add_argument("--records", help="comma-separated DS1 training records (default: DS1 minus validation)")
    parser.add_argument("--validation-records", help="comma-separated DS1 validation records")
    parser.add_argument("--extra-data", help="another annotated WFDB database whose beats join the fitted beats "
                        "(resampled, lead MLII or II by name; epoch choice and calibration stay on DS1)")
    parser.add_argument("--extra-records", help="comma-separated records of --extra-data (default: every annotated one)")
    parser.add_argument("--no-augment", action="store_true", help="train without augmentation")
    parser.add_argument("--no-cache", action="store_true", help="rebuild the beat dataset instead of using .build/cache")
    parser.add_argument("--model", choices=sorted(MODEL_PRESETS), default="reference",
                        help="network size: the deployable reference model, or a larger teacher for --teacher")
    parser.add_argument("--teacher", help="distil from the float model in this `ecgcc train` output folder")
    parser.add_argument("--distillation-weight", type=float, default=TrainConfig.distillation_weight,
                        help="share of the loss taken from the teacher (0..1)")
    parser.add_argument("--temperature", type=float, default=TrainConfig.temperature,
                        help="softmax temperature of the distillation term")
    parser.add_argument("--class-weight-power", type=float, default=TrainConfig.class_weight_power,
                        help="class weights (count_max / count_c) ** power (1: full inverse frequency)")
    parser.add_argument("--class-weight-cap", type=float, default=TrainConfig.class_weight_cap,
                        help="ceiling of any class weight")
    parser.add_argument("--synthetic-premature", type=float, default=TrainConfig.synthetic_premature,
                        help="add this many synthetic S beats (steady N beats moved early) per real S "
                             "training beat")
    parser.add_argument("--synthetic-run-share", type=float, default=TrainConfig.synthetic_run_share,
                        help="share of the synthetic S beats made as beats inside a supraventricular run")
    parser.add_argument("--synthetic-irregular", type=float, default=TrainConfig.synthetic_irregular,
                        help="add this many synthetic N beats in the rhythm of atrial fibrillation per real S "
                             "training beat")
    parser.add_argument("--synthetic-previous-wave", action=argparse.BooleanOptionalAction,
                        default=TrainConfig.synthetic_previous_wave,
                        help="also move the previous beat's T wave as close as the synthetic beat's pre RR")
    parser.add_argument("--ensemble", type=int, default=TrainConfig.ensemble,
                        help="train this many networks (seeds SEED, SEED+1, ...) and deploy the mean of their "
                             "class logits as one network")
    parser.add_argument("--patient-adversary", type=float, default=TrainConfig.patient_adversary, metavar="W",
                        help="train against a patient discriminator: a head learns which fitted patient each beat "
                             "comes from and the morphology summary gets -W times its gradient (gradient "
                             "reversal; training only, the exported model is unchanged; default 0: off)")
    parser.add_argument("--morphology-dropout", type=float, default=None,
                        help="probability of hiding a beat's whole morphology summary in training "
                             "(default: the --model preset's)")
    parser.add_argument("--morphology-segments", type=int, default=None,
                        help="pool the last feature maps into this many stretches of the window, in order, "
                             "instead of one average (default: the --model preset's)")


def _split_list(text: str | None) -> tuple[str, ...] | None:
    return tuple(item.strip() for item in text.split(",") if item.strip()) if text else None


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The TrainConfig that the options of ``add_train_arguments`` describe."""
    config = TrainConfig()
    validation = _split_list(args.validation_records) or config.validation_records
    train_records = _split_list(args.records) or splits.training_patients(validation)
    model = MODEL_PRESETS[args.model]
    if args.morphology_dropout is not None:
        model = replace(model, morphology_dropout=args.morphology_dropout)
    if args.morphology_segments is not None:
        model = replace(model, morphology_segments=args.morphology_segments)
    return replace(
        config,
        epochs=args.epochs,
        patience=args.patience,
        batch_size=args.batch_size,
        seed=args.seed,
        augment=not args.no_augment,
        train_records=train_records,
        validation_records=validation,
        extra_data=args.extra_data,
        extra_records=_split_list(args.extra_records),
        model=model,
        teacher=args.teacher,
        distillation_weight=args.distillation_weight,
        temperature=args.temperature,
        class_weight_power=args.class_weight_power,
        class_weight_cap=args.class_weight_cap,
        synthetic_premature=args.synthetic_premature,
        synthetic_run_share=args.synthetic_run_share,
        synthetic_previous_wave=args.synthetic_previous_wave,
        synthetic_irregular=args.synthetic_irregular,
        ensemble=args.ensemble,
        patient_adversary=check_reversal(args.patient_adversary),
    )


def train_main(args: argparse.Namespace) -> int:
    data_dir = ensure_data_dir(resolve_data_dir(args.data), download=args.download)
    config = config_from_args(args)
    result = train_reference(config, data_dir, use_cache=not args.no_cache)
    output = Path(args.output) if args.output else build_dir() / "train"
    save_result(result, output)
    summary = result.record["validation_metrics"]
    print(f"wrote {output / FLOAT_MODEL_FILE}, {output / INT8_MODEL_FILE}, {output / RECORD_FILE}")
    for column in ("float", "int8"):
        print(
            f"validation {column:5s} "
            + " ".join(
                f"{c}: se {summary[column][c]['se'] or 0:.3f} +p {summary[column][c]['ppv'] or 0:.3f}"
                for c in ("N", "S", "V")
            )
        )
    print(f"wall time {result.record['wall_time_s']['total']} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecgcc train", description=__doc__.splitlines()[0])
    add_train_arguments(parser)
    return train_main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
