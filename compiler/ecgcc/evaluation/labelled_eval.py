"""`ecgcc evaluate --labelled FILE`: per-class Se and +P of any model on the user's own labelled examples,
the float model beside the int8 model (TFLite Micro, classes decided as the generated code decides them)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.labelled import LabelledData, load_labelled
from ..errors import InvalidModelError, UserError
from ..progress import progress
from .metrics import agreement, classification_metrics

FLOAT_SUFFIXES = (".keras", ".h5")


def resolve_models(model: str | None, float_model: str | None) -> tuple[Path, Path | None, str]:
    """(int8 .tflite file, float Keras model or None, what was given). model: a folder holding
    model_int8.tflite (training) or model.tflite (compile), with model.keras beside it when there is one;
    or an int8 .tflite file. None: the reference model."""
    from .. import reference_model

    if model is None:
        int8, found_float = reference_model.INT8_MODEL, reference_model.DIRECTORY / "model.keras"
    else:
        path = Path(model)
        if path.is_dir():
            int8 = next((path / n for n in ("model_int8.tflite", "model.tflite") if (path / n).is_file()), None)
            if int8 is None:
                raise InvalidModelError(f"{path} holds neither model_int8.tflite nor model.tflite",
                                        "give a folder from `ecgcc train` or `ecgcc compile`, or an int8 .tflite")
            found_float = path / "model.keras"
        elif path.suffix.lower() == ".tflite" and path.is_file():
            int8, found_float = path, None
        else:
            raise InvalidModelError(f"{path}: not a model folder nor an int8 .tflite file",
                                    "give --model DIR (from `ecgcc train` or `ecgcc compile`) or --model FILE.tflite")
    float_path = Path(float_model) if float_model else (found_float if found_float and found_float.is_file() else None)
    if float_path is not None and (not float_path.is_file() or float_path.suffix.lower() not in FLOAT_SUFFIXES):
        raise InvalidModelError(f"float model {float_path}: not a .keras or .h5 file",
                                "give --float-model FILE.keras, or leave it out for the int8 column alone")
    return Path(int8), float_path, str(model or "reference model")


def _float_predictions(float_path: Path, data: LabelledData, specs, output: int) -> np.ndarray:
    import keras

    model = keras.models.load_model(float_path, compile=False)
    feeds_by_spec = data.float_inputs(specs)
    keras_shapes = [tuple(int(d) for d in t.shape[1:]) for t in model.inputs]
    if len(keras_shapes) != len(specs):
        raise InvalidModelError(f"the float model has {len(keras_shapes)} inputs, the int8 model {len(specs)}",
                                "give the float model the int8 model was converted from")
    unused, feeds = list(range(len(specs))), []
    for shape in keras_shapes:   # matched by size; inputs of equal size keep their order
        match = next((i for i in unused if feeds_by_spec[i][0].size == int(np.prod(shape))), None)
        if match is None:
            raise InvalidModelError(f"no int8 model input matches the float model's input shape {list(shape)}",
                                    "give the float model the int8 model was converted from")
        unused.remove(match)
        feeds.append(feeds_by_spec[match].reshape((len(data), *shape)))
    predicted = model.predict(feeds if len(feeds) > 1 else feeds[0], batch_size=512, verbose=0)
    predicted = predicted[output] if isinstance(predicted, (list, tuple)) else predicted
    return np.argmax(np.asarray(predicted).reshape(len(data), -1), axis=1).astype(np.int64)


def _int8_predictions(tflite: bytes, data: LabelledData, specs, output: int, show_progress: bool) -> np.ndarray:
    from ..reference import Reference

    reference = Reference(tflite, decide_classes=True)
    inputs = data.int8_inputs(specs)
    decided = []
    for index in progress(range(len(data)), label="int8", enabled=show_progress):
        decided.append(reference.run_and_decide([x[index] for x in inputs])[1][output])
    return np.asarray(decided, np.int64)


def _device_predictions(int8_path: Path, data: LabelledData, specs, output: int, board: str, port: str | None,
                        jobs: int) -> tuple[np.ndarray, dict]:
    """The class the device decides for every example (the model compiled for the board and run over the
    serial harness); a device that leaves an example unanswered stops the evaluation."""
    from ..errors import DeviceProblem
    from ..harness.hil import run_hil
    from ..model_cache import ensure_compiled

    inputs = data.int8_inputs(specs)
    vectors = [[x[i].reshape(spec.shape) for x, spec in zip(inputs, specs)] for i in range(len(data))]
    result = run_hil(board, ensure_compiled(board, int8_path), port=port, vectors=vectors, jobs=jobs)
    if result.aborted or result.received_mask is None or not result.received_mask.all():
        raise DeviceProblem(f"the device on {board} left examples unanswered" +
                            (f" ({result.aborted})" if result.aborted else ""))
    summary = result.to_json()
    return (result.device_classes[:, output].astype(np.int64),
            {key: summary[key] for key in ("board", "vectors", "exact", "all_exact")})


def evaluate_labelled(path: str | Path, model: str | None = None, float_model: str | None = None,
                      classes: list[str] | None = None, output: int = 0, show_progress: bool = False,
                      board: str | None = None, port: str | None = None, jobs: int = 1) -> dict:
    """board: also run every example on that board (emulated unless port is given): a `device` column."""
    from ..harness.model_io import tensor_specs

    int8_path, float_path, source = resolve_models(model, float_model)
    tflite = int8_path.read_bytes()
    specs_in, specs_out = tensor_specs(tflite)
    if not 0 <= output < len(specs_out):
        raise UserError(f"--output {output}: the model has {len(specs_out)} outputs", "count outputs from 0")
    n_classes = specs_out[output].elements
    if n_classes < 2:
        raise InvalidModelError(f"output {output} holds {n_classes} value: not a class score per class",
                                "evaluate classifiers: one output value per class")
    data = load_labelled(path, specs_in, n_classes, classes)
    columns = {}
    if float_path is not None:
        columns["float"] = _float_predictions(float_path, data, specs_in, output)
    columns["int8"] = _int8_predictions(tflite, data, specs_in, output, show_progress)
    device_run = None
    if board:
        columns["device"], device_run = _device_predictions(int8_path, data, specs_in, output, board, port, jobs)
    report = {"data": {"file": str(path), "examples": len(data), "classes": data.classes,
                       "inputs": "int8 (as given)" if data.quantized else "float (quantized for the int8 model)",
                       "class_counts": {c: int((data.labels == i).sum()) for i, c in enumerate(data.classes)}},
              "model": {"source": source, "float": str(float_path) if float_path else None, "output": output},
              "columns": list(columns)}
    for name, predicted in columns.items():
        report[name] = classification_metrics(data.labels, predicted, data.classes)
    if "float" in columns:
        report["agreement_float_int8"] = agreement(columns["float"], columns["int8"])
    if device_run is not None:
        report["device_run"] = device_run
        report["agreement_int8_device"] = agreement(columns["int8"], columns["device"])
    report["_predictions"] = columns
    report["_labels"] = data.labels
    return report


def _percent(value) -> str:
    return "    - " if value is None else f"{100 * value:6.2f}"


def format_labelled_table(report: dict, columns: list[str] | None = None, classes: list[str] | None = None) -> str:
    """Per class: examples, then Se % and +P % of every column (float, int8, device...)."""
    columns = columns or report["columns"]
    classes = classes or report[columns[0]]["labels"]
    width = max(5, *(len(c) for c in classes))
    lines = [f"{'class':{width}s} {'count':>6s}" + "".join(f" | {c:^13s}" for c in columns),
             f"{'':{width}s} {'':>6s}" + "".join(f" | {'Se%':>6s} {'+P%':>6s}" for _ in columns)]
    lines.append("-" * len(lines[1]))
    for name in classes:
        first = report[columns[0]][name]
        lines.append(f"{name:{width}s} {first['count']:6d}" + "".join(
            f" | {_percent(report[c][name]['se'])} {_percent(report[c][name]['ppv'])}" for c in columns))
    lines.append("-" * len(lines[1]))
    if all("accuracy" in report[c] for c in columns):
        lines.append("accuracy " + "  ".join(f"{c}: {_percent(report[c]['accuracy']).strip()} %" for c in columns))
    return "\n".join(lines)
