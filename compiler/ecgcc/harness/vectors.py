"""Test vectors for hardware-in-the-loop runs, kept with the answers they must produce.

One versioned .npz file holds, for every vector: the int8 inputs, the int8 outputs of the TFLite
Micro reference, the outputs of the float model on the same (dequantized) inputs, the true beat
class when the vector is a real beat, and where it came from. The file names the models it was
made for by SHA-256, so it can never be used against another model by mistake.

Vectors come from three sources:
- beats of the MIT-BIH test half (DS2), stratified so that rare classes (F, Q) are present, plus
  one contiguous stretch of a record (the "strip") whose beats are all included, for the report's
  ECG strip;
- edge cases: all zeros, the extremes of int8, saturated and alternating inputs, impulses, ramps;
- uniform random int8 inputs, for models that are not beat classifiers.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from .model_io import ReferenceRunner, TensorSpec, sha256_hex, tensor_specs

FORMAT_NAME = "ecgcc-hil-vectors"
FORMAT_VERSION = 1
NO_LABEL = -1
STRIP_SECONDS = 10.0


class VectorFileError(ValueError):
    """A vectors file that cannot be used: wrong format, wrong version, or another model."""


@dataclass
class EcgStrip:
    """A stretch of one record whose every classifiable beat is a vector of the set."""

    record: str
    lead: str
    fs: float
    start: int  # first sample of signal_mv in the record
    signal_mv: np.ndarray  # float32
    vector_indices: np.ndarray  # int64: the strip's beats, in time order

    def to_json(self) -> dict:
        return {"record": self.record, "lead": self.lead, "fs": self.fs, "start": self.start,
                "signal_mv": [round(float(v), 4) for v in self.signal_mv],
                "vector_indices": [int(i) for i in self.vector_indices]}


@dataclass
class VectorSet:
    inputs: list[np.ndarray]  # one int8 array per model input, shape (n, *tensor shape)
    reference: list[np.ndarray]  # one int8 array per model output (TFLite Micro)
    float_outputs: list[np.ndarray] | None  # one float32 array per output (float model), or None
    labels: np.ndarray  # int16 (n,): class index, NO_LABEL when the vector is not a labelled beat
    kinds: np.ndarray  # str (n,): "beat", "strip", "edge:<case>" or "random"
    records: np.ndarray  # str (n,): source record, "" if none
    samples: np.ndarray  # int64 (n,): R-peak sample in its record, -1 if none
    metadata: dict = field(default_factory=dict)
    strip: EcgStrip | None = None
    file_path: str = ""  # where it was loaded from or saved to
    file_sha256: str = ""

    def __len__(self) -> int:
        return int(len(self.labels))

    def vector(self, index: int) -> list[np.ndarray]:
        return [tensor[index] for tensor in self.inputs]

    def input_lists(self) -> list[list[np.ndarray]]:
        return [self.vector(i) for i in range(len(self))]

    @property
    def classes(self) -> list[str]:
        return list(self.metadata.get("classes", []))

    @property
    def int8_sha256(self) -> str:
        return self.metadata["model"]["int8_sha256"]

    def groups(self) -> dict[str, np.ndarray]:
        """Boolean masks: beats (dataset and strip), edge cases, random vectors."""
        kinds = np.asarray(self.kinds)
        return {"beats": np.isin(kinds, ["beat", "strip"]),
                "edge_cases": np.char.startswith(kinds.astype(str), "edge:"),
                "random": kinds == "random"}

    def take(self, count: int) -> "VectorSet":
        """The first `count` vectors, keeping edge cases and strip beats first so a short run still covers them."""
        order = np.argsort(_priority(self.kinds), kind="stable")[:count]
        order = np.sort(order)
        remap = {int(old): new for new, old in enumerate(order)}
        strip = None
        if self.strip is not None and all(int(i) in remap for i in self.strip.vector_indices):
            strip = EcgStrip(self.strip.record, self.strip.lead, self.strip.fs, self.strip.start,
                             self.strip.signal_mv, np.array([remap[int(i)] for i in self.strip.vector_indices]))
        return VectorSet(
            inputs=[x[order] for x in self.inputs], reference=[y[order] for y in self.reference],
            float_outputs=None if self.float_outputs is None else [y[order] for y in self.float_outputs],
            labels=self.labels[order], kinds=self.kinds[order], records=self.records[order],
            samples=self.samples[order], metadata=dict(self.metadata, subset_of=len(self)), strip=strip,
            file_path=self.file_path, file_sha256=self.file_sha256)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {"format_version": np.array(FORMAT_VERSION, np.int32),
                  "metadata": np.array(json.dumps(self.metadata, sort_keys=True)),
                  "labels": self.labels.astype(np.int16), "kinds": self.kinds.astype("<U32"),
                  "records": self.records.astype("<U32"), "samples": self.samples.astype(np.int64)}
        for i, x in enumerate(self.inputs):
            arrays[f"input_{i}"] = x.astype(np.int8)
        for i, y in enumerate(self.reference):
            arrays[f"reference_{i}"] = y.astype(np.int8)
        for i, y in enumerate(self.float_outputs or []):
            arrays[f"float_{i}"] = y.astype(np.float32)
        if self.strip is not None:
            arrays["strip_signal_mv"] = self.strip.signal_mv.astype(np.float32)
            arrays["strip_vector_indices"] = self.strip.vector_indices.astype(np.int64)
            arrays["strip_info"] = np.array(json.dumps({"record": self.strip.record, "lead": self.strip.lead,
                                                        "fs": self.strip.fs, "start": self.strip.start}))
        temporary = path.with_name(path.name + ".partial.npz")
        np.savez_compressed(temporary, **arrays)
        temporary.replace(path)
        self.file_path, self.file_sha256 = str(path), sha256_hex(path.read_bytes())
        return path

    @classmethod
    def load(cls, path: str | Path) -> "VectorSet":
        path = Path(path)
        if not path.is_file():
            raise VectorFileError(f"vectors file {path} does not exist (make one with `ecgcc vectors`)")
        try:
            archive = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as error:
            raise VectorFileError(f"{path} is not a vectors file: {error}") from None
        with archive:
            names = set(archive.files)
            if "format_version" not in names or "metadata" not in names:
                raise VectorFileError(f"{path} is not an {FORMAT_NAME} file (no format_version/metadata)")
            version = int(archive["format_version"])
            metadata = json.loads(str(archive["metadata"]))
            if metadata.get("format") != FORMAT_NAME:
                raise VectorFileError(f"{path} is a {metadata.get('format')!r} file, not {FORMAT_NAME}")
            if version != FORMAT_VERSION:
                raise VectorFileError(f"{path} has format version {version}; this ecgcc reads version "
                                      f"{FORMAT_VERSION}: regenerate it with `ecgcc vectors`")
            inputs = _numbered(archive, "input_")
            reference = _numbered(archive, "reference_")
            floats = _numbered(archive, "float_") or None
            strip = None
            if "strip_info" in names:
                info = json.loads(str(archive["strip_info"]))
                strip = EcgStrip(info["record"], info["lead"], float(info["fs"]), int(info["start"]),
                                 archive["strip_signal_mv"], archive["strip_vector_indices"])
            vector_set = cls(inputs=inputs, reference=reference, float_outputs=floats,
                             labels=archive["labels"].astype(np.int64), kinds=archive["kinds"],
                             records=archive["records"], samples=archive["samples"], metadata=metadata, strip=strip)
        vector_set.check_consistent(path)
        vector_set.file_path, vector_set.file_sha256 = str(path), sha256_hex(path.read_bytes())
        return vector_set

    def check_consistent(self, origin: str | Path = "vectors") -> None:
        n = len(self)
        arrays = [*self.inputs, *self.reference, *(self.float_outputs or []), self.kinds, self.records, self.samples]
        if not self.inputs or not self.reference:
            raise VectorFileError(f"{origin}: no inputs or no reference outputs")
        if any(len(a) != n for a in arrays):
            raise VectorFileError(f"{origin}: arrays of different lengths (expected {n} vectors each)")
        specs = self.metadata.get("inputs", [])
        for i, (x, spec) in enumerate(zip(self.inputs, specs)):
            if tuple(x.shape[1:]) != tuple(spec["shape"]):
                raise VectorFileError(f"{origin}: input {i} has shape {x.shape[1:]}, metadata says {spec['shape']}")

    def check_model(self, tflite_bytes: bytes) -> None:
        """Refuses a vectors file made for another int8 model."""
        digest = sha256_hex(tflite_bytes)
        if self.int8_sha256 != digest:
            made_for = self.metadata["model"].get("int8_file") or self.int8_sha256[:16]
            raise VectorFileError(f"the vectors were made for model {made_for} (sha256 {self.int8_sha256[:16]}), "
                                  f"not for this model (sha256 {digest[:16]}); regenerate them with `ecgcc vectors`")


def _numbered(archive, prefix: str) -> list[np.ndarray]:
    found = []
    while f"{prefix}{len(found)}" in archive.files:
        found.append(archive[f"{prefix}{len(found)}"])
    return found


def _priority(kinds: np.ndarray) -> np.ndarray:
    kinds = np.asarray(kinds).astype(str)
    return np.where(np.char.startswith(kinds, "edge:"), 0, np.where(kinds == "strip", 1, 2))


# --- edge cases -----------------------------------------------------------------------------------

def edge_cases(specs: list[TensorSpec], seed: int = 0) -> list[tuple[str, list[np.ndarray]]]:
    """Inputs at and beyond the limits a sensor front end can produce, the same pattern on every input."""
    rng = np.random.default_rng(seed)

    def each(pattern) -> list[np.ndarray]:
        return [pattern(spec).astype(np.int8).reshape(spec.shape) for spec in specs]

    def alternating(spec):
        return np.where(np.arange(spec.elements) % 2 == 0, -128, 127)

    cases = [
        ("all_zero", each(lambda s: np.zeros(s.elements))),
        ("all_min", each(lambda s: np.full(s.elements, -128))),
        ("all_max", each(lambda s: np.full(s.elements, 127))),
        ("alternating_extremes", each(alternating)),
        ("ramp_full_range", each(lambda s: np.round(np.linspace(-128, 127, s.elements)))),
        ("impulse_max", each(lambda s: np.where(np.arange(s.elements) == s.elements // 3, 127, 0))),
        ("impulse_min", each(lambda s: np.where(np.arange(s.elements) == s.elements // 3, -128, 0))),
        ("saturated_noise", each(lambda s: np.clip(np.round(rng.normal(0, 300, s.elements)), -128, 127))),
        ("square_wave_saturated", each(lambda s: np.where((np.arange(s.elements) // 16) % 2 == 0, 127, -128))),
    ]
    if any(spec.zero_point != 0 for spec in specs):
        cases.append(("all_zero_point", each(lambda s: np.full(s.elements, s.zero_point))))
    if len(specs) > 1:
        cases.append(("first_max_others_min", [np.full(s.shape, 127 if i == 0 else -128, np.int8)
                                               for i, s in enumerate(specs)]))
        cases.append(("first_min_others_max", [np.full(s.shape, -128 if i == 0 else 127, np.int8)
                                               for i, s in enumerate(specs)]))
    return cases


def saturated_beat(windows: np.ndarray, gain: int = 6) -> np.ndarray:
    """A real beat through an amplifier with too much gain: the QRS clips at both rails."""
    return np.clip(windows.astype(np.int32) * gain, -128, 127).astype(np.int8)


# --- beats -------------------------------------------------------------------------------------------

def stratified_indices(labels: np.ndarray, count: int, seed: int = 0, exclude: np.ndarray | None = None,
                       n_classes: int | None = None) -> np.ndarray:
    """Up to `count` beat indices with every class as equally represented as its numbers allow:
    a rare class gives all its beats, the rest of the budget is shared by the others."""
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    n_classes = n_classes or (int(labels.max()) + 1 if labels.size else 0)
    available = np.ones(len(labels), bool)
    if exclude is not None and len(exclude):
        available[np.asarray(exclude, np.int64)] = False
    pools = {c: rng.permutation(np.flatnonzero((labels == c) & available)) for c in range(n_classes)}
    quota = {c: 0 for c in pools}
    budget = min(count, sum(len(p) for p in pools.values()))
    open_classes = [c for c in pools if len(pools[c])]
    while budget > 0 and open_classes:
        share = max(1, budget // len(open_classes))
        for c in list(open_classes):
            take = min(share, len(pools[c]) - quota[c], budget)
            quota[c] += take
            budget -= take
            if quota[c] == len(pools[c]):
                open_classes.remove(c)
            if budget == 0:
                break
    chosen = np.concatenate([pools[c][:quota[c]] for c in pools]) if pools else np.zeros(0, np.int64)
    return np.sort(chosen.astype(np.int64))


def interleaved_by_class(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """An order of the positions of `labels` that takes the classes in turn (each class shuffled), so
    that the first n of them are as balanced as the classes allow, for runs on a prefix of the set."""
    rng = np.random.default_rng(seed + 2)
    queues = [list(rng.permutation(np.flatnonzero(labels == c))) for c in np.unique(labels)]
    order = []
    while any(queues):
        for queue in queues:
            if queue:
                order.append(queue.pop())
    return np.array(order, dtype=np.int64)


def choose_strip(records: np.ndarray, samples: np.ndarray, labels: np.ndarray, fs: float,
                 seconds: float = STRIP_SECONDS) -> tuple[str, int, int, np.ndarray] | None:
    """The stretch of `seconds` with the most distinct beat classes (then the most non-normal beats).
    Returns (record, first sample, end sample, indices of its beats), or None without beats."""
    span = int(round(seconds * fs))
    best, best_score = None, None
    for record in sorted(set(np.asarray(records).tolist())):
        members = np.flatnonzero(records == record)
        members = members[np.argsort(samples[members], kind="stable")]
        positions = samples[members]
        margin = int(0.3 * fs)
        for first in range(len(members)):
            # the window starts half a second before a beat so that beat's QRS is visible
            start = int(positions[first]) - int(0.5 * fs)
            if start < 0:
                continue
            low, high = np.searchsorted(positions, [start + margin, start + span - margin])
            inside = members[low:high]
            if not len(inside):
                continue
            classes = labels[inside]
            score = (len(set(classes.tolist())), int((classes != 0).sum()), -int(start))
            if best_score is None or score > best_score:
                best_score, best = score, (str(record), start, start + span, inside)
    return best


def load_strip_signal(data_dir: str | Path, record: str, start: int, end: int, fs: float) -> tuple[np.ndarray, str]:
    """The strip's samples in mV, read and prepared exactly as the beat set was (lead choice, rate)."""
    from ..data.records import choose_lead
    from ..data.resample import resample_record
    from ..data.wfdb_reader import load_wfdb_record

    ecg = resample_record(load_wfdb_record(data_dir, record), fs)
    lead_index, _reason = choose_lead(ecg.lead_names, None)
    signal = np.nan_to_num(ecg.signal_mv[start:end, lead_index]).astype(np.float32)
    return signal, ecg.lead_names[lead_index]


def _per_beat_elements(array: np.ndarray) -> int:
    return int(np.prod(array.shape[1:]))


def beat_model_inputs(specs: list[TensorSpec], windows: np.ndarray, rr: np.ndarray) -> list[np.ndarray]:
    """Places the beat window and the RR features on the model inputs whose sizes match them."""
    placed = []
    for spec in specs:
        if spec.elements == _per_beat_elements(windows):
            source = windows
        elif spec.elements == _per_beat_elements(rr):
            source = rr
        else:
            raise ValueError(f"model input of shape {spec.shape} is neither the beat window "
                             f"({windows.shape[1:]}) nor the RR features ({rr.shape[1:]})")
        placed.append(source.reshape((len(source), *spec.shape)).astype(np.int8))
    return placed


def beat_inputs_match(specs: list[TensorSpec], beats: "BeatSource") -> bool:
    """The model takes exactly one beat window and one RR feature vector as the data module makes them."""
    return sorted(spec.elements for spec in specs) == sorted([_per_beat_elements(beats.windows),
                                                               _per_beat_elements(beats.rr)])


def beat_definition_mismatch(specs: list[TensorSpec], beats: "BeatSource") -> str:
    return (f"the model's inputs {[s.shape for s in specs]} do not match the beats of ecgcc.data "
            f"(window {beats.windows.shape[1:]}, RR features {beats.rr.shape[1:]}): the reference model must be "
            "retrained or re-converted for the current beat definition")


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

@dataclass
class BeatSource:
    """Labelled beats and where to read their record signals (for the strip)."""

    windows: np.ndarray
    rr: np.ndarray
    labels: np.ndarray
    records: np.ndarray
    samples: np.ndarray
    fs: float
    classes: tuple[str, ...]
    description: str
    data_dir: Path | None = None
    digest: str = ""

    @classmethod
    def mitdb_ds2(cls, data_dir: str | Path | None = None) -> "BeatSource":
        from ..data import aami, beats
        from ..data.dataset import build_beat_set
        from ..data.splits import DS2
        from ..paths import data_dir as default_data_dir

        directory = default_data_dir(data_dir)
        beat_set = build_beat_set(directory, DS2, show_progress=False)
        return cls(beat_set.windows, beat_set.rr, beat_set.labels.astype(np.int64), beat_set.records,
                   beat_set.samples, float(beats.FS), tuple(aami.CLASSES),
                   f"MIT-BIH Arrhythmia Database, test half DS2 ({len(DS2)} records, inter-patient split)",
                   directory, beat_set.digest)


def generate_vectors(tflite_bytes: bytes, *, float_model: str | Path | None = None, beats: BeatSource | None = None,
                     beat_count: int = 2000, random_count: int = 0, seed: int = 0, with_strip: bool = True,
                     int8_name: str = "", progress=None) -> VectorSet:
    specs_in, specs_out = tensor_specs(tflite_bytes)
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
    from ..demo import REFERENCE_MODEL_DIR

    candidates = sorted(REFERENCE_MODEL_DIR.glob("*.keras"))
    return candidates[0] if candidates else None


def is_reference_model(tflite_bytes: bytes) -> bool:
    from ..demo import reference_model_file

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
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="the .npz file to write")


def vectors_main(args) -> int:
    from ..demo import reference_model_file

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
                                  random_count=random_count, seed=args.seed, int8_name=tflite_path.name)
    path = vector_set.save(args.out)
    counts = ", ".join(f"{k} {v}" for k, v in vector_set.metadata["counts"].items())
    print(f"wrote {len(vector_set)} vectors to {path} ({counts})")
    if beats is not None:
        present = np.bincount(vector_set.labels[vector_set.labels >= 0], minlength=len(beats.classes))
        print("beats per class: " + ", ".join(f"{c} {n}" for c, n in zip(beats.classes, present)))
    if float_model is None:
        print("no float model given: float-model metrics will be reported as not available")
    return 0
