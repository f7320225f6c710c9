"""The HIL vectors file: test vectors kept with the answers they must produce.

One versioned .npz file holds, for every vector: the int8 inputs, the int8 outputs of the TFLite
Micro reference, the outputs of the float model on the same (dequantized) inputs, the true beat
class when the vector is a real beat, and where it came from. The file names the models it was
made for by SHA-256, so it can never be used against another model by mistake.

Where the vectors come from is vector_sources.py; how a file is made, vector_generation.py.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError
from .model_io import sha256_hex

FORMAT_NAME = "ecgcc-hil-vectors"
FORMAT_VERSION = 1
NO_LABEL = -1


class VectorFileError(UserError, ValueError):
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
