"""A class decision threshold chosen on patients the model never saw, folded into a trained model.

`python -m ecgcc.training.decision_offsets sweep --data DIR [--records A,B] [--model FOLDER]` scores the float
model at each offset of the S log-probability (pooled N, S, V Se / +P at the annotated beats);
`python -m ecgcc.training.decision_offsets fold --offset S=0.75 --data MITDB --output FOLDER [--model FOLDER]`
adds the chosen offsets to the output layer's bias and converts the result to int8 exactly as `ecgcc train`
does (calibration and output bias correction on the source model's own DS1 calibration records), so the
device decides with the offset and no extra code. An offset on one log-probability is the same as an
offset on its logit, since the softmax is shift-invariant per class.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from ..data import aami
from ..errors import UserError
from ..evaluation.metrics import classification_metrics

SWEEP_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0)
SCORED_CLASSES = ("N", "S", "V")


def parse_offsets(items) -> np.ndarray:
    """NAME=VALUE items (an AAMI class and a log-probability offset) as one offset per output class."""
    offsets = np.zeros(len(aami.CLASSES))
    for item in items:
        name, _, value = str(item).partition("=")
        if name not in aami.CLASS_INDEX or not value:
            raise UserError(f"--offset {item}: give CLASS=VALUE with CLASS one of {', '.join(aami.CLASSES)}",
                            hint="for example --offset S=0.75")
        try:
            number = float(value)
        except ValueError:
            raise UserError(f"--offset {item}: {value!r} is not a number", hint="for example --offset S=0.75")
        if not np.isfinite(number) or abs(number) > 10:
            raise UserError(f"--offset {item}: the offset must lie within -10..10", hint="for example S=0.75")
        offsets[aami.CLASS_INDEX[name]] = number
    return offsets


def decide(probabilities: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, 1.0))
    return np.argmax(logits + offsets, axis=1)


def class_figures(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Pooled Se and +P (%) of N, S and V."""
    metrics = classification_metrics(labels, predicted)
    return {name: {key: None if metrics[name][key] is None else 100.0 * metrics[name][key] for key in ("se", "ppv")}
            for name in SCORED_CLASSES}


def sweep(probabilities: np.ndarray, labels: np.ndarray, grid=SWEEP_GRID, name: str = "S") -> list[dict]:
    rows = []
    for value in grid:
        offsets = np.zeros(probabilities.shape[1])
        offsets[aami.CLASS_INDEX[name]] = value
        rows.append({"offset": float(value), **class_figures(np.asarray(labels), decide(probabilities, offsets))})
    return rows


def fold(source: Path | None, offsets: np.ndarray, data_dir: Path, output: Path) -> dict:
    """Writes model.keras, model_int8.tflite and training_record.json of the source model with the offsets
    in its output bias to `output`; returns the new training record."""
    from ..data import splits
    from ..data.dataset import build_beat_set
    from ..evaluation.evaluate import load_models
    from .bias_correction import correct_output_bias
    from .convert import convert_to_int8, input_details
    from .train import FLOAT_MODEL_FILE, INT8_MODEL_FILE, RECORD_FILE, fold_logit_offsets

    model, _, directory = load_models(source)
    record = json.loads((Path(directory) / RECORD_FILE).read_text())
    parameters = record["parameters"]
    calibration_records = record["data"]["calibration_records"]
    splits.assert_design_records(calibration_records, "int8 calibration")
    fold_logit_offsets(model, offsets)
    calibration = build_beat_set(data_dir, calibration_records, show_progress=False)
    flatbuffer = convert_to_int8(model, calibration, parameters["calibration_samples"], parameters["seed"])
    quantization = {"calibration_samples": parameters["calibration_samples"], "output_bias_correction": None}
    if parameters.get("output_bias_correction"):
        flatbuffer, quantization["output_bias_correction"] = correct_output_bias(
            flatbuffer, model, calibration, parameters["bias_correction_samples"], parameters["seed"])
    source_sha = record["model"]["int8_sha256"]
    record["model"].update(int8_bytes=len(flatbuffer), int8_sha256=hashlib.sha256(flatbuffer).hexdigest(),
                           inputs=input_details(flatbuffer))
    record["quantization"] = quantization
    record["decision_offsets"] = {"offsets": {c: float(v) for c, v in zip(aami.CLASSES, offsets)},
                                  "folded_into": source_sha,
                                  "calibration_dataset_digest": calibration.digest}
    output.mkdir(parents=True, exist_ok=True)
    model.save(output / FLOAT_MODEL_FILE)
    (output / INT8_MODEL_FILE).write_bytes(flatbuffer)
    (output / RECORD_FILE).write_text(json.dumps(record, indent=1) + "\n")
    return record


def _sweep_main(args) -> int:
    from ..data.dataset import build_beat_set
    from ..evaluation.evaluate import default_records, load_models
    from ..evaluation.predict import float_probabilities

    data = Path(args.data)
    records = args.records.split(",") if args.records else default_records(data)[0]
    model, _, _ = load_models(Path(args.model) if args.model else None)
    beats = build_beat_set(data, records, show_progress=False)
    rows = sweep(float_probabilities(model, beats), beats.labels, name=args.class_name)
    for row in rows:
        print(f"{args.class_name} offset {row['offset']:<5}" + "".join(
            f"  {c} {row[c]['se'] or 0:6.2f} / {row[c]['ppv'] or 0:6.2f}" for c in SCORED_CLASSES))
    if args.json:
        Path(args.json).write_text(json.dumps({"data": str(data), "records": records, "rows": rows}, indent=1))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecgcc.training.decision_offsets", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    swept = commands.add_parser("sweep", help="score the float model at each offset of one class")
    swept.add_argument("--data", required=True)
    swept.add_argument("--records")
    swept.add_argument("--model", help="a trained model folder (default: the reference model)")
    swept.add_argument("--class", dest="class_name", default="S", choices=aami.CLASSES)
    swept.add_argument("--json")
    folded = commands.add_parser("fold", help="fold offsets into a model and convert it to int8")
    folded.add_argument("--offset", action="append", required=True, metavar="CLASS=VALUE")
    folded.add_argument("--data", required=True, help="MIT-BIH folder holding the calibration records")
    folded.add_argument("--model", help="a trained model folder (default: the reference model)")
    folded.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    if args.command == "sweep":
        return _sweep_main(args)
    record = fold(Path(args.model) if args.model else None, parse_offsets(args.offset), Path(args.data),
                  Path(args.output))
    print(f"{args.output}: int8 {record['model']['int8_sha256'][:16]}, offsets {record['decision_offsets']['offsets']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
