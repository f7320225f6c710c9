"""Making a HIL vectors file: inputs from vector_sources, expected outputs from the TFLite Micro
reference and the float model; `ecgcc vectors` on the command line, `default_vectors` for runs
without a file (cached under .build/vectors)."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from .. import __version__
from .model_io import ReferenceRunner, TensorSpec, sha256_hex, tensor_specs
from .vector_sources import (BeatSource, beat_definition_mismatch, beat_inputs_match, beat_model_inputs,
                             choose_strip, edge_cases, interleaved_by_class, load_strip_signal, saturated_beat,
                             stratified_indices)
from .vectors import FORMAT_NAME, FORMAT_VERSION, NO_LABEL, EcgStrip, VectorFileError, VectorSet


# --- float model -------------------------------------------------------------------------------------

def float_model_outputs(model_file: str | Path | bytes, specs_in: list[TensorSpec], specs_out: list[TensorSpec],
                        inputs: list[np.ndarray], suffix: str = ".keras") -> list[np.ndarray]:
    """The float Keras model on the int8 inputs dequantized with the int8 model's input scales. Given
    bytes, the model is loaded from a private copy of exactly those bytes."""
    import os
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if isinstance(model_file, (bytes, bytearray)):
        with tempfile.TemporaryDirectory(prefix="ecgcc-float-") as folder:
            copy = Path(folder) / f"model{suffix}"
            copy.write_bytes(model_file)
            model = keras.models.load_model(copy, compile=False)
    else:
        model = keras.models.load_model(model_file, compile=False)
    feeds = _match_float_inputs(model, specs_in, inputs)
    predictions = model.predict(feeds, batch_size=512, verbose=0)
    if not isinstance(predictions, (list, tuple)):
        predictions = [predictions]
    if len(predictions) != len(specs_out):
        raise ValueError(f"the float model has {len(predictions)} outputs, the int8 model {len(specs_out)}")
    outputs = []
    for prediction, spec in zip(predictions, specs_out):
        prediction = np.asarray(prediction, np.float32)
        outputs.append(prediction.reshape((len(prediction), *spec.shape)))
    return outputs


def _match_float_inputs(model, specs: list[TensorSpec], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Keras inputs are matched to int8 inputs by shape; equal shapes keep their order."""
    keras_shapes = [tuple(int(d) for d in tensor.shape[1:]) for tensor in model.inputs]
    if len(keras_shapes) != len(specs):
        raise ValueError(f"the float model has {len(keras_shapes)} inputs, the int8 model {len(specs)}")
    unused = list(range(len(specs)))
    feeds = []
    for shape in keras_shapes:
        match = next((i for i in unused if int(np.prod(specs[i].shape)) == int(np.prod(shape))), None)
        if match is None:
            raise ValueError(f"no int8 model input matches float input shape {shape}")
        unused.remove(match)
        values = specs[match].dequantize(inputs[match]).astype(np.float32)
        feeds.append(values.reshape((len(values), *shape)))
    return feeds


# --- generation --------------------------------------------------------------------------------------

def generate_vectors(tflite_bytes: bytes, *, float_model: str | Path | None = None, beats: BeatSource | None = None,
                     beat_count: int = 2000, random_count: int = 0, seed: int = 0, with_strip: bool = True,
                     int8_name: str = "", progress=None) -> VectorSet:
    specs_in, specs_out = tensor_specs(tflite_bytes)
    wide = [spec.dtype for spec in [*specs_in, *specs_out] if spec.dtype != "int8"]
    if wide:
        from ..errors import UserError
        raise UserError(f"the model has {wide[0]} inputs or outputs; vector files hold int8 tensors only",
                        "test such a model with random vectors (ecgcc hil --random-vectors N)")
    inputs: list[list[np.ndarray]] = [[] for _ in specs_in]
    labels, kinds, records, samples = [], [], [], []

    def add(arrays: list[np.ndarray], kind: str, label=NO_LABEL, record="", sample=-1) -> None:
        for store, array, spec in zip(inputs, arrays, specs_in):
            store.append(np.asarray(array, np.int8).reshape((-1, *spec.shape)))
        n = len(inputs[0][-1])
        labels.append(np.broadcast_to(np.asarray(label, np.int64), (n,)))
        kinds.append(np.full(n, kind, "<U32"))
        records.append(np.broadcast_to(np.asarray(record, "<U32"), (n,)))
        samples.append(np.broadcast_to(np.asarray(sample, np.int64), (n,)))

    for name, case in edge_cases(specs_in, seed):
        add([c[None] for c in case], f"edge:{name}")

    strip = None
    dataset = None
    if beats is not None and beat_inputs_match(specs_in, beats) and len(beats.labels):
        strip_members = np.zeros(0, np.int64)
        chosen_strip = choose_strip(beats.records, beats.samples, beats.labels, beats.fs) if with_strip else None
        if chosen_strip is not None and beats.data_dir is not None:
            record, start, end, strip_members = chosen_strip
            signal, lead = load_strip_signal(beats.data_dir, record, start, end, beats.fs)
            first = sum(len(k) for k in kinds)
            strip = EcgStrip(record, lead, beats.fs, start, signal,
                             np.arange(first, first + len(strip_members), dtype=np.int64))
            add(beat_model_inputs(specs_in, beats.windows[strip_members], beats.rr[strip_members]), "strip",
                beats.labels[strip_members], beats.records[strip_members], beats.samples[strip_members])
        else:
            strip_members = np.zeros(0, np.int64)
        chosen = stratified_indices(beats.labels, max(0, beat_count - len(strip_members)), seed,
                                    exclude=strip_members, n_classes=len(beats.classes))
        chosen = chosen[interleaved_by_class(beats.labels[chosen], seed)]
        add(beat_model_inputs(specs_in, beats.windows[chosen], beats.rr[chosen]), "beat",
            beats.labels[chosen], beats.records[chosen], beats.samples[chosen])
        # a clipped real beat: the saturation a front end produces, with realistic RR features
        if len(chosen):
            clipped = chosen[:1]
            add(beat_model_inputs(specs_in, saturated_beat(beats.windows[clipped]), beats.rr[clipped]),
                "edge:saturated_beat")
        dataset = {"description": beats.description, "digest": beats.digest,
                   "available": {c: int((beats.labels == i).sum()) for i, c in enumerate(beats.classes)}}

    rng = np.random.default_rng(seed + 1)
    if random_count:
        add([rng.integers(-128, 128, size=(random_count, *spec.shape), dtype=np.int8) for spec in specs_in],
            "random")

    stacked = [np.concatenate(store) for store in inputs]
    count = len(stacked[0])
    runner = ReferenceRunner(tflite_bytes)
    reference = [np.zeros((count, *spec.shape), np.int8) for spec in specs_out]
    for index in range(count):
        for store, value in zip(reference, runner.run([x[index] for x in stacked])):
            store[index] = value
        if progress:
            progress(index + 1, count)

    float_outputs = None
    float_name = float_digest = None
    if float_model is not None:
        # read once: the hash recorded is the hash of the very bytes that produced the outputs
        float_bytes = Path(float_model).read_bytes()
        float_name, float_digest = Path(float_model).name, sha256_hex(float_bytes)
        float_outputs = float_model_outputs(float_bytes, specs_in, specs_out, stacked, Path(float_model).suffix)

    kinds_array = np.concatenate(kinds)
    metadata = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "generator": f"ecgcc {__version__}", "seed": seed,
        "model": {"int8_sha256": sha256_hex(tflite_bytes), "int8_identity": sha256_hex(tflite_bytes)[:16],
                  "int8_file": int8_name,
                  "float_sha256": float_digest, "float_file": float_name},
        "runtimes": runtime_versions(float_model is not None),
        "classes": list(beats.classes) if beats is not None else [],
        "inputs": [s.to_json() for s in specs_in], "outputs": [s.to_json() for s in specs_out],
        "dataset": dataset,
        "counts": {str(k): int(v) for k, v in zip(*np.unique(kinds_array, return_counts=True))},
    }
    return VectorSet(inputs=stacked, reference=reference, float_outputs=float_outputs,
                     labels=np.concatenate(labels).astype(np.int64), kinds=kinds_array,
                     records=np.concatenate(records), samples=np.concatenate(samples), metadata=metadata, strip=strip)


def runtime_versions(with_keras: bool) -> dict:
    from importlib import metadata as package_metadata

    names = ["tflite-micro", "numpy"] + (["tensorflow-cpu", "keras"] if with_keras else [])
    found = {}
    for name in names:
        try:
            found[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            found[name] = None
    return found


# --- the reference model's default vectors -----------------------------------------------------------

def reference_float_model() -> Path | None:
    from ..reference_model import reference_float_model as located

    return located()


def is_reference_model(tflite_bytes: bytes) -> bool:
    from ..reference_model import reference_model_file

    try:
        return reference_model_file().read_bytes() == bytes(tflite_bytes)
    except FileNotFoundError:
        return False


def default_vectors(tflite_bytes: bytes, count: int, seed: int = 0, data: str | Path | None = None,
                    float_model: str | Path | None = None, progress=None) -> VectorSet:
    """Vectors for a run without --vectors, cached under .build/vectors/. The reference model gets DS2
    beats and its float twin; another model gets edge cases and random inputs (plus float outputs if
    its float model is given)."""
    from ..paths import build_root

    reference = is_reference_model(tflite_bytes)
    beats = BeatSource.mitdb_ds2(data) if reference else None
    specs_in, _ = tensor_specs(tflite_bytes)
    if beats is not None and not beat_inputs_match(specs_in, beats):
        raise VectorFileError(beat_definition_mismatch(specs_in, beats))
    float_model = float_model or (reference_float_model() if reference else None)
    digest = sha256_hex(tflite_bytes)[:16]
    float_tag = sha256_hex(Path(float_model).read_bytes())[:8] if float_model else "nofloat"
    kind = f"ds2{beats.digest[:8]}" if beats is not None else "random"
    path = build_root() / "vectors" / f"{digest}-{kind}-{float_tag}-{count}-s{seed}.npz"
    if path.is_file():
        try:
            cached = VectorSet.load(path)
            cached.check_model(tflite_bytes)
            if (cached.metadata["model"].get("float_sha256") or "nofloat")[:8] == float_tag:
                return cached
        except VectorFileError:
            pass
    edge_total = len(edge_cases(specs_in)) + (1 if beats is not None else 0)
    vector_set = generate_vectors(tflite_bytes, float_model=float_model, beats=beats,
                                  beat_count=max(0, count - edge_total) if beats is not None else 0,
                                  random_count=0 if beats is not None else max(0, count - edge_total),
                                  seed=seed, int8_name="reference model" if reference else "", progress=progress)
    vector_set.save(path)
    return vector_set


# --- command line ------------------------------------------------------------------------------------

def add_vectors_arguments(parser) -> None:
    parser.add_argument("--model", help="int8 .tflite, or a compiled model folder holding model.tflite "
                                        "(default: the reference ECG model)")
    parser.add_argument("--float-model", help="the float Keras model the int8 model was converted from "
                                              "(default for the reference model: its .keras twin)")
    parser.add_argument("--data", help="MIT-BIH directory (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--count", type=int, default=2000, help="number of vectors (default 2000)")
    parser.add_argument("--random", type=int, default=None,
                        help="uniform random vectors (default: none for a beat classifier, the rest otherwise)")
    parser.add_argument("--no-beats", action="store_true", help="do not use ECG beats even for a beat classifier")
    parser.add_argument("--seed", type=int, default=0, help="seed of beat choice and random vectors (default 0)")
    parser.add_argument("--out", required=True, help="the .npz file to write")


def vectors_main(args) -> int:
    from ..progress import progress_callback
    from ..reference_model import reference_model_file

    model_path = Path(args.model) if args.model else reference_model_file()
    tflite_path = model_path / "model.tflite" if model_path.is_dir() else model_path
    tflite_bytes = tflite_path.read_bytes()
    float_model = args.float_model or (reference_float_model() if is_reference_model(tflite_bytes) else None)
    specs_in, _ = tensor_specs(tflite_bytes)
    beats = None
    if not args.no_beats and len(specs_in) == 2:
        beats = BeatSource.mitdb_ds2(args.data)
        if not beat_inputs_match(specs_in, beats):
            if is_reference_model(tflite_bytes):
                raise VectorFileError(beat_definition_mismatch(specs_in, beats))
            print(f"note: {beat_definition_mismatch(specs_in, beats)}; using edge cases and random vectors")
            beats = None
    edge_total = len(edge_cases(specs_in)) + (1 if beats is not None else 0)
    random_count = args.random if args.random is not None else (0 if beats else max(0, args.count - edge_total))
    beat_count = max(0, args.count - edge_total - random_count) if beats is not None else 0
    vector_set = generate_vectors(tflite_bytes, float_model=float_model, beats=beats, beat_count=beat_count,
                                  random_count=random_count, seed=args.seed, int8_name=tflite_path.name,
                                  progress=progress_callback("reference outputs"))
    path = vector_set.save(args.out)
    counts = ", ".join(f"{k} {v}" for k, v in vector_set.metadata["counts"].items())
    print(f"wrote {len(vector_set)} vectors to {path} ({counts})")
    if beats is not None:
        present = np.bincount(vector_set.labels[vector_set.labels >= 0], minlength=len(beats.classes))
        print("beats per class: " + ", ".join(f"{c} {n}" for c, n in zip(beats.classes, present)))
    if float_model is None:
        print("no float model given: float-model metrics will be reported as not available")
    return 0
