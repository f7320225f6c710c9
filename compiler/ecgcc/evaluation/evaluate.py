"""Evaluate the reference model on annotated ECG records (MIT-BIH DS2 by default).

For a WFDB directory that holds MIT-BIH, the default records are DS2 (the patients never
seen in training); for any other WFDB directory, every record with beat annotations. Each
record is resampled to 360 Hz, the lead is chosen by name (MLII, else II, else the first),
and annotation symbols outside the AAMI tables are counted and reported.

The report holds one column per model variant, each made by ``classification_metrics``
from predicted labels: ``float`` and ``int8`` here; ``add_column`` lets the hardware
harness append ``device`` predictions to the same report later.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from ..boards import add_board_argument
from ..data import splits
from ..data.dataset import PEAK_SOURCES, BeatSet, build_beat_set
from ..data.file_beats import beat_set_from_files
from ..data.loader import is_record_file
from ..errors import UserError
from ..data.location import build_dir, ensure_data_dir, resolve_data_dir
from ..data.wfdb_reader import list_wfdb_records
from .metrics import agreement, classification_metrics, record_statistics, top_ties
from .model_size import model_footprint
from .predict import int8_outputs, predict_float
from .report import format_averages, format_records, format_table, save_confusion_png


def default_records(data_dir: Path) -> tuple[list[str], str]:
    available = list_wfdb_records(data_dir)
    if set(splits.DS1) | set(splits.DS2) <= set(available):
        return list(splits.DS2), "MIT-BIH DS2 (inter-patient test set)"
    annotated = [name for name in available if (data_dir / f"{name}.atr").is_file()]
    return annotated, "all annotated records"


def dataset_summary(beat_set: BeatSet, selection: str) -> dict:
    unknown = beat_set.unknown_symbols()
    peaks = sorted({report.peaks for report in beat_set.reports}) or ["annotations"]
    detection = {}
    if peaks == ["detector"]:
        detection = {"detection": {key: int(sum(getattr(r, key) for r in beat_set.reports))
                                   for key in ("annotated_beats", "detected_beats", "unmatched_detections",
                                               "missed_beats")}}
    return {
        "peaks": "+".join(peaks),
        **detection,
        "selection": selection,
        "records": [report.name for report in beat_set.reports],
        "beats": len(beat_set),
        "class_counts": beat_set.class_counts(),
        "dataset_digest": beat_set.digest,
        "leads": {report.name: report.lead_reason for report in beat_set.reports},
        "resampled_from": {
            report.name: report.original_fs for report in beat_set.reports if report.original_fs != 360
        },
        "unknown_symbols": unknown,
        "unknown_symbol_count": int(sum(unknown.values())),
        "annotations_past_end": {report.name: report.annotations_past_end
                                 for report in beat_set.reports if report.annotations_past_end},
    }


def new_report(true_labels: np.ndarray, title: str = "", records: np.ndarray | None = None) -> dict:
    """records: the record of every beat, for the per-record figures and their EC57 averages."""
    return {"title": title, "columns": [], "_true": np.asarray(true_labels), "_records": records}


def add_column(report: dict, name: str, predicted: np.ndarray) -> dict:
    """Score one more column of predictions (one class index per beat, same beat order)."""
    metrics = classification_metrics(report["_true"], np.asarray(predicted))
    if report.get("_records") is not None:
        metrics.update(record_statistics(report["_true"], np.asarray(predicted), report["_records"]))
    report[name] = metrics
    if name not in report["columns"]:
        report["columns"].append(name)
    return metrics


def public_report(report: dict) -> dict:
    return {key: value for key, value in report.items() if not key.startswith("_")}


def load_models(model_dir: Path | None):
    """(float Keras model, int8 flatbuffer, directory) of the reference or a trained folder."""
    import keras

    from .. import reference_model
    from ..training.train import FLOAT_MODEL_FILE, INT8_MODEL_FILE

    if model_dir is None:
        return reference_model.load_float_model(), reference_model.int8_flatbuffer(), reference_model.DIRECTORY
    return keras.models.load_model(model_dir / FLOAT_MODEL_FILE), (model_dir / INT8_MODEL_FILE).read_bytes(), model_dir


def _int8_file(source: Path, model_dir: Path | None) -> Path:
    from .. import reference_model
    from ..training.train import INT8_MODEL_FILE

    return reference_model.INT8_MODEL if model_dir is None else Path(source) / INT8_MODEL_FILE


def evaluate(data_dir: Path, records: list[str] | None = None, model_dir: Path | None = None,
             lead: str | None = None, show_progress: bool = True,
             peaks: str = "annotations", board: str | None = None,
             port: str | None = None, jobs: int = 1, file_fs: float | None = None,
             annotations: str | None = None, monitor_settings: dict | None = None) -> tuple[dict, BeatSet, dict]:
    """Returns (report with float/int8 columns, the beats, predictions by column).

    peaks="detector" classifies the beats the firmware's QRS detector finds, with the inputs
    the device computes from them (see ecgcc.data.dataset). With ``board`` a third column,
    ``device``, holds the answers of the int8 model compiled and run on that board (emulated, or
    attached at ``port``). ``monitor_settings`` (peaks="detector", WFDB records): monitor build settings;
    with beat_clusters=1, s_in_af_as_n or a v_check rule (adapted.REPORTED_CLASS_SETTINGS) the float and int8
    columns hold the classes the monitor reports after those stages (the default build's S-in-AF and V-call
    rules included), and "float model" / "int8 model" the model's own."""
    monitor_settings = dict(monitor_settings or {})
    files = [r for r in records or [] if is_record_file(r)]
    if monitor_settings and (peaks != "detector" or files):
        raise UserError("monitor settings apply to --peaks detector on WFDB records",
                        "add --peaks detector, and give record names, not files")
    if files:
        if len(files) != len(records):
            raise UserError("--records mixes ECG files and WFDB record names", "give files or names, not both")
        selection = "ECG files given on the command line"
        beat_set = beat_set_from_files(files, lead, peaks, file_fs, annotations)
    else:
        if records:
            selection = "records given on the command line"
        else:
            records, selection = default_records(data_dir)
        if not records:
            raise FileNotFoundError(f"no annotated WFDB records in {data_dir}")
        beat_set = build_beat_set(data_dir, records, lead=lead, show_progress=show_progress, peaks=peaks)
    float_model, flatbuffer, source = load_models(model_dir)

    started = time.monotonic()
    predictions = {"float": predict_float(float_model, beat_set)}
    scores, predictions["int8"] = int8_outputs(flatbuffer, beat_set, show_progress=show_progress)
    from .adapted import changes_reported_class

    # the monitor's own classes exist only where its detector ran over a whole WFDB record
    if peaks == "detector" and not files and changes_reported_class(monitor_settings):
        from .adapted import float_answers, int8_answers, monitor_classes, output_zero_point

        answers = {"float": float_answers(float_model, beat_set),
                   "int8": (predictions["int8"], int8_answers(scores, predictions["int8"],
                                                              output_zero_point(flatbuffer)))}
        reported = monitor_classes(data_dir, beat_set, monitor_settings, float_model, flatbuffer, answers,
                                   lead=lead, show_progress=show_progress)
        predictions = {"float": reported["float"], "int8": reported["int8"],
                       "float model": predictions["float"], "int8 model": predictions["int8"]}
    elapsed = time.monotonic() - started

    report = new_report(beat_set.labels, title=f"{data_dir.name if not files else 'files'}: {selection}",
                        records=beat_set.records)
    for column, predicted in predictions.items():
        add_column(report, column, predicted)
    report["agreement_float_int8"] = agreement(predictions["float"], predictions["int8"])
    # int8 logits one output step apart or less tie at the top of the int8 output; the finer logits
    # decide those beats, and this shows how many of the remaining differences they account for
    tied = top_ties(scores)
    report["agreement_float_int8"].update(
        int8_top_ties=int(tied.sum()),
        differ_at_ties=int((tied & (predictions["float"] != predictions["int8"])).sum()))
    if board:
        from .device import device_predictions

        predictions["device"], report["device_run"] = device_predictions(
            beat_set, board, _int8_file(source, model_dir), port=port, jobs=jobs)
        add_column(report, "device", predictions["device"])
        model_column = "int8 model" if "int8 model" in predictions else "int8"
        report["agreement_int8_device"] = agreement(predictions[model_column], predictions["device"])
    report["dataset"] = dataset_summary(beat_set, selection)
    if monitor_settings:
        report["monitor_settings"] = monitor_settings
    report["model"] = {"source": str(source), **model_footprint(flatbuffer)}
    report["inference_seconds"] = round(elapsed, 1)
    return report, beat_set, predictions


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="WFDB directory (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    parser.add_argument("--download", action="store_true", help="download MIT-BIH from PhysioNet into --data if absent")
    parser.add_argument("--records", help="comma-separated record names (default: DS2 for MIT-BIH, else all), or "
                                          "paths of ECG files with beat annotations: EDF/EDF+ (.edf), CSV (.csv), "
                                          "DICOM ECG waveforms (.dcm)")
    parser.add_argument("--fs", type=float, metavar="HZ", help="sampling rate of CSV records without a time column")
    parser.add_argument("--annotations", metavar="FILE",
                        help="beat annotations (CSV: sample,symbol or time,symbol) for a single ECG file given in "
                             "--records that has none of its own")
    parser.add_argument("--lead", help="lead name to use (default: MLII, else II, else the first lead)")
    parser.add_argument("--model", help="folder with model.keras + model_int8.tflite (default: the reference model)")
    parser.add_argument("--peaks", choices=PEAK_SOURCES, default="annotations",
                        help="cut beats around the annotated R peaks, or around those the firmware's QRS detector "
                             "finds (the inputs the device computes; unmatched and missed beats are counted)")
    add_board_argument(parser, default=None,
                       help_text="also run every beat on this board through the serial harness (adds a `device` "
                                 "column; emulated unless --port is given)")
    parser.add_argument("--port", help="serial port of an attached board (with --board); several, comma-separated, "
                                       "for --jobs")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="with --board: spread the beats over N boards at once (emulated, or the ports given)")
    parser.add_argument("--twin-setting", action="append", default=[], metavar="NAME=VALUE",
                        help="with --peaks detector: a monitor build setting (compiler/ecgcc/monitor/config.py); "
                             "beat_clusters=1, s_in_af_as_n or a V-call rule (v_confidence_min=K, v_poor_quality=1, "
                             "v_template_sad=K) scores the classes the monitor reports after those stages")
    parser.add_argument("--json", help="write the report as JSON here (default: .build/evaluate/report.json)")
    parser.add_argument("--png", help="confusion-matrix figure (default: next to the JSON, .png)")
    parser.add_argument("--per-record", action="store_true",
                        help="also print every record's int8 Se / +P per class")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--labelled", metavar="FILE",
                        help="your own labelled examples for any model instead of ECG records: .npz (`inputs` or "
                             "`input_0`, `input_1`, ..., and `labels`) or .csv (a `label` column and one column per "
                             "input value); per-class Se/+P of the float and int8 models (docs/labelled-data.md). "
                             "--model is then a folder (model_int8.tflite or model.tflite, model.keras) or an int8 "
                             ".tflite")
    parser.add_argument("--float-model", help="with --labelled: the float Keras model (.keras/.h5) beside the int8 one "
                                              "(default: model.keras in the --model folder, if there)")
    parser.add_argument("--classes", help="with --labelled: class names in the order of the model's output, "
                                          "comma-separated (needed when the labels are names)")
    parser.add_argument("--output", type=int, default=0, help="with --labelled: which model output holds the "
                                                              "class scores (default 0)")


def _labelled_main(args: argparse.Namespace) -> int:
    from .labelled_eval import evaluate_labelled, format_labelled_table

    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    report = evaluate_labelled(args.labelled, args.model, args.float_model, classes, args.output,
                               show_progress=not args.quiet, board=args.board, port=args.port, jobs=args.jobs)
    json_path = Path(args.json) if args.json else build_dir() / "evaluate" / "labelled.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(public_report(report), indent=1) + "\n")
    data = report["data"]
    print(f"{data['file']}: {data['examples']} examples, inputs {data['inputs']}; model {report['model']['source']}")
    print(format_labelled_table(report))
    if "agreement_float_int8" in report:
        same = report["agreement_float_int8"]
        print(f"float/int8 agreement: {same['same']}/{same['beats']} examples")
    else:
        print("no float model given (--float-model): no float column")
    if "device_run" in report:
        run = report["device_run"]
        print(f"device ({run['board']}): {run['exact']}/{run['vectors']} outputs byte-exact with TFLite Micro, "
              f"int8/device agreement {report['agreement_int8_device']['same']}/{run['vectors']} examples")
    print(f"wrote {json_path}")
    return 0


def evaluate_main(args: argparse.Namespace) -> int:
    from ..monitor.config import settings_from_pairs

    if args.labelled:
        return _labelled_main(args)
    records = [item.strip() for item in args.records.split(",") if item.strip()] if args.records else None
    only_files = bool(records) and all(is_record_file(r) for r in records)
    data_dir = (resolve_data_dir(args.data) if only_files else
                ensure_data_dir(resolve_data_dir(args.data), download=args.download))
    report, _, _ = evaluate(data_dir, records, Path(args.model) if args.model else None, lead=args.lead,
                            show_progress=not args.quiet, peaks=args.peaks, board=args.board, port=args.port,
                            jobs=args.jobs, file_fs=args.fs, annotations=args.annotations,
                            monitor_settings=settings_from_pairs(args.twin_setting))
    json_path = Path(args.json) if args.json else build_dir() / "evaluate" / "report.json"
    png_path = Path(args.png) if args.png else json_path.with_suffix(".png")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(public_report(report), indent=1) + "\n")
    save_confusion_png(report, png_path)

    dataset = report["dataset"]
    print(f"{dataset['selection']}: {len(dataset['records'])} records, {dataset['beats']} beats")
    leads = Counter(reason for reason in dataset["leads"].values())
    for reason, count in leads.most_common():
        print(f"  {count} record(s): {reason}")
    if dataset["resampled_from"]:
        print(f"  resampled to 360 Hz: {dataset['resampled_from']}")
    print(f"  unknown annotation symbols: {dataset['unknown_symbol_count']} {dataset['unknown_symbols'] or ''}")
    if dataset["annotations_past_end"]:
        print(f"  annotations past the record's end, left out: {dataset['annotations_past_end']}")
    if "detection" in dataset:
        found = dataset["detection"]
        print(f"  beats cut around the firmware detector's R peaks: {found['detected_beats']} detected, "
              f"{found['unmatched_detections']} without an annotated beat, {found['missed_beats']} of "
              f"{found['annotated_beats']} annotated beats missed (EC57 matching, 150 ms)")
    print(format_table(report))
    print(format_averages(report))
    if args.per_record:
        print(format_records(report, "int8"))
    same = report["agreement_float_int8"]
    print(f"float/int8 agreement: {same['same']}/{same['beats']} beats; {same['differ_at_ties']} of the "
          f"{same['beats'] - same['same']} that differ are ties at the top of the int8 output "
          f"({same['int8_top_ties']} ties in all, decided by the finer logits)")
    if "device_run" in report:
        run = report["device_run"]
        print(f"device ({run['board']}): {run['exact']}/{run['vectors']} outputs byte-exact with TFLite Micro, "
              f"int8/device agreement {report['agreement_int8_device']['same']}/{run['vectors']} beats")
    model = report["model"]
    print(f"int8 model: weights {model['weights_bytes']} B, arena {model['arena_bytes']} B "
          f"(activations {model['arena_activation_bytes']} B)")
    print(f"wrote {json_path} and {png_path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecgcc evaluate", description=__doc__.splitlines()[0])
    add_evaluate_arguments(parser)
    return evaluate_main(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
