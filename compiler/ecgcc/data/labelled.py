"""A user's own labelled data for any model: inputs and the true class of each example, from .npz or .csv.

.npz: `labels` (n,) and either `inputs` (n, ...) for a one-input model or `input_0`, `input_1`, ... one
array per model input, in the int8 model's input order; optionally `classes`, the class names in the
order of the model's output. .csv: a header row, a `label` column and one column per input value (the
inputs of every model input, flattened, one after the other). Labels are class indices, or class names
when the class names are known (`classes` in the .npz, or given by the caller).

Inputs are the model's float inputs (they are quantized with the int8 model's input scales); an .npz
whose input arrays are int8 is taken as already quantized. Every rule a file breaks is refused by name.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError

MAX_FILE_BYTES = 2 * 1024 ** 3
LABEL_COLUMN = "label"


class LabelledDataError(UserError, ValueError):
    """A labelled data file that breaks a rule (names the file and the rule)."""


@dataclass
class LabelledData:
    inputs: list[np.ndarray]     # per model input: (n, *input shape without the batch), float32 or int8
    labels: np.ndarray           # int64 (n,): class index
    classes: list[str]           # class names in the order of the model's output
    quantized: bool              # inputs already int8
    source: str

    def __len__(self) -> int:
        return int(len(self.labels))

    def int8_inputs(self, specs) -> list[np.ndarray]:
        """The inputs as the int8 model takes them (quantized with each input's scale and zero point)."""
        if self.quantized:
            return [x.astype(np.int8) for x in self.inputs]
        return [np.clip(np.round(x / spec.scale) + spec.zero_point, -128, 127).astype(np.int8)
                for x, spec in zip(self.inputs, specs)]

    def float_inputs(self, specs) -> list[np.ndarray]:
        if self.quantized:
            return [spec.dequantize(x).astype(np.float32) for x, spec in zip(self.inputs, specs)]
        return [x.astype(np.float32) for x in self.inputs]


HINT = ("a labelled file is an .npz with `labels` and `inputs` (or `input_0`, `input_1`, ... one per model "
        "input), or a .csv with a header, a `label` column and one column per input value; see docs/labelled-data.md")


def _refuse(path: Path, rule: str) -> LabelledDataError:
    return LabelledDataError(f"labelled data {path.name}: {rule}", HINT)


def _sample_shape(spec) -> tuple[int, ...]:
    shape = tuple(spec.shape)
    return shape[1:] if len(shape) > 1 and shape[0] == 1 else shape


def _shaped(path: Path, array: np.ndarray, spec, what: str) -> np.ndarray:
    shape = _sample_shape(spec)
    size = int(np.prod(shape))
    if array.ndim < 1 or len(array) == 0:
        raise _refuse(path, f"{what} holds no examples")
    per_example = int(np.prod(array.shape[1:])) if array.ndim > 1 else 1
    if per_example != size:
        raise _refuse(path, f"{what} has {per_example} values per example (shape {list(array.shape[1:])}), "
                            f"the model's input takes {size} (shape {list(shape)})")
    return array.reshape((len(array), *shape))


def _check_values(path: Path, array: np.ndarray, what: str) -> np.ndarray:
    if array.dtype == np.int8:
        return array
    if array.dtype.kind not in "iuf":
        raise _refuse(path, f"{what} must be numbers, not {array.dtype}")
    values = array.astype(np.float32)
    if not np.isfinite(values).all():
        bad = int(np.argwhere(~np.isfinite(values).reshape(len(values), -1))[0][0])
        raise _refuse(path, f"{what} holds a value that is not finite (example {bad})")
    return values


def _labels(path: Path, raw: np.ndarray, classes: list[str] | None, n_classes: int) -> tuple[np.ndarray, list[str]]:
    raw = np.asarray(raw)
    if raw.ndim != 1:
        raise _refuse(path, f"labels must be one value per example, got shape {list(raw.shape)}")
    if raw.dtype.kind in "US":
        if not classes:
            raise LabelledDataError(f"labelled data {path.name}: labels are class names but the class order of "
                                    "the model's output is not known",
                                    "give --classes NAME,NAME,... in the order of the model's output (or use class "
                                    "indices, or a `classes` array in the .npz)")
        index = {name: i for i, name in enumerate(classes)}
        unknown = sorted({str(v) for v in raw} - set(index))
        if unknown:
            raise _refuse(path, f"label {unknown[0]!r} is not one of the classes {', '.join(classes)}")
        return np.array([index[str(v)] for v in raw], np.int64), classes
    if raw.dtype.kind == "f":
        if not np.isfinite(raw).all() or not np.all(raw == np.round(raw)):
            raise _refuse(path, "labels must be whole class indices (or class names)")
    elif raw.dtype.kind not in "iu":
        raise _refuse(path, f"labels must be class indices or names, not {raw.dtype}")
    labels = raw.astype(np.int64)
    classes = classes or [str(i) for i in range(n_classes)]
    if len(classes) != n_classes:
        raise _refuse(path, f"{len(classes)} class names for a model output of {n_classes} classes")
    outside = labels[(labels < 0) | (labels >= n_classes)]
    if outside.size:
        raise _refuse(path, f"label {int(outside[0])} is outside the model's classes 0 .. {n_classes - 1}")
    return labels, classes


def _read_npz(path: Path, specs, n_classes: int, classes: list[str] | None) -> LabelledData:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise _refuse(path, f"not a readable .npz ({type(error).__name__}: {str(error)[:120]})") from None
    if not hasattr(archive, "files"):
        raise _refuse(path, "not an .npz archive (a single .npy array?)")
    with archive:
        names = set(archive.files)
        if "labels" not in names:
            raise _refuse(path, "no `labels` array")
        numbered = [f"input_{i}" for i in range(len(specs))]
        if "inputs" in names and len(specs) == 1:
            keys = ["inputs"]
        elif all(k in names for k in numbered):
            keys = numbered
        elif "inputs" in names:
            raise _refuse(path, f"the model has {len(specs)} inputs: give {', '.join(numbered)} instead of `inputs`")
        else:
            raise _refuse(path, f"no `inputs` array (or {', '.join(numbered)}, one per model input)")
        try:
            arrays = [archive[k] for k in keys]
            raw_labels = archive["labels"]
            given = [str(c) for c in archive["classes"]] if "classes" in names else None
        except ValueError as error:   # object arrays need pickle, which is never allowed
            raise _refuse(path, f"holds an array that cannot be read without pickle ({str(error)[:80]})") from None
    arrays = [_shaped(path, _check_values(path, a, k), spec, k) for a, k, spec in zip(arrays, keys, specs)]
    lengths = {len(a) for a in arrays} | {len(raw_labels)}
    if len(lengths) != 1:
        raise _refuse(path, f"{len(raw_labels)} labels for {', '.join(str(len(a)) for a in arrays)} inputs")
    quantized = {a.dtype == np.int8 for a in arrays}
    if len(quantized) != 1:
        raise _refuse(path, "mixes int8 (quantized) and float inputs")
    labels, names_ = _labels(path, raw_labels, classes or given, n_classes)
    return LabelledData(arrays, labels, names_, quantized.pop(), str(path))


def _read_csv(path: Path, specs, n_classes: int, classes: list[str] | None) -> LabelledData:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(path, "not UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if len(rows) < 2:
        raise _refuse(path, "needs a header row and at least one example row")
    header = [h.strip() for h in rows[0]]
    if LABEL_COLUMN not in header:
        raise _refuse(path, f"no `{LABEL_COLUMN}` column in the header")
    label_at = header.index(LABEL_COLUMN)
    sizes = [int(np.prod(_sample_shape(s))) for s in specs]
    if len(header) - 1 != sum(sizes):
        raise _refuse(path, f"{len(header) - 1} input columns, the model's inputs take {sum(sizes)} values "
                            f"({' + '.join(map(str, sizes))})")
    values = np.zeros((len(rows) - 1, sum(sizes)), np.float32)
    raw_labels = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise _refuse(path, f"line {line} has {len(row)} cells, the header {len(header)}")
        raw_labels.append(row[label_at].strip())
        cells = row[:label_at] + row[label_at + 1:]
        try:
            values[line - 2] = [float(c) for c in cells]
        except ValueError:
            bad = next(c for c in cells if not _is_number(c))
            raise _refuse(path, f"line {line}: {bad.strip()[:40]!r} is not a number") from None
    values = _check_values(path, values, "inputs")
    numeric = all(_is_number(v) for v in raw_labels)
    raw = np.array([float(v) for v in raw_labels]) if numeric else np.array(raw_labels)
    labels, names = _labels(path, raw, classes, n_classes)
    arrays, at = [], 0
    for spec, size in zip(specs, sizes):
        arrays.append(_shaped(path, values[:, at:at + size], spec, f"input {len(arrays)}"))
        at += size
    return LabelledData(arrays, labels, names, False, str(path))


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def load_labelled(path: str | Path, input_specs, n_classes: int, classes: list[str] | None = None) -> LabelledData:
    """input_specs: the int8 model's input TensorSpecs; n_classes: the size of its (first) output."""
    path = Path(path)
    if not path.is_file():
        raise LabelledDataError(f"labelled data {path}: no such file", HINT)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _refuse(path, f"larger than {MAX_FILE_BYTES} bytes")
    if classes is not None and len(classes) != n_classes:
        raise LabelledDataError(f"--classes names {len(classes)} classes, the model's output has {n_classes}",
                                "name one class per model output value, in order")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return _read_npz(path, input_specs, n_classes, classes)
    if suffix == ".csv":
        return _read_csv(path, input_specs, n_classes, classes)
    raise LabelledDataError(f"labelled data {path.name}: unsupported format '{suffix}'", HINT)
