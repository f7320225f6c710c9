"""The HIL report: one JSON document per run holding every figure, acceptance criteria with their
verdict, and a self-contained HTML rendering of it (inline CSS, figures as embedded PNG).

The JSON is the record; the HTML is drawn from the JSON alone, so any archived report can be
re-rendered and checked against its figures."""
from __future__ import annotations

import datetime as _dt
import json
import platform
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .. import __version__
from ..evaluation.intervals import wilson_interval
from ..provenance import file_sha256, new_report_id, project_version
from . import float_metrics

REPORT_FORMAT = "ecgcc-hil-report"
REPORT_VERSION = 1
HISTOGRAM_BINS = 40

# The criteria live in criteria.py; these names stay importable from here for scripts that used them.
from .criteria import (CRITERIA, AcceptanceCriteria, as_criteria, default_criteria,  # noqa: F401
                       evaluate_criteria, load_criteria)


# --- versions ---------------------------------------------------------------------------------------

def _first_line(command: list[str]) -> str | None:
    if shutil.which(command[0]) is None:
        return None
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return output.splitlines()[0].strip() if output.strip() else None


def tool_versions(board: str, emulated: bool) -> dict:
    from importlib import metadata

    def package(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    versions = {"ecgcc": __version__, "python": platform.python_version(),
                "platformio": package("platformio"), "tflite-micro": package("tflite-micro"),
                "tensorflow": package("tensorflow-cpu") or package("tensorflow"), "numpy": package("numpy"),
                "matplotlib": package("matplotlib"), "host": f"{platform.system()} {platform.machine()}"}
    if board == "host":
        versions["cc"] = _first_line(["cc", "--version"])
    else:
        versions["arm-none-eabi-gcc"] = _first_line(["arm-none-eabi-gcc", "--version"])
    if emulated and board != "host":
        versions["qemu-system-arm"] = _first_line(["qemu-system-arm", "--version"])
    return versions


# --- the document -----------------------------------------------------------------------------------

def _argmax_rows(outputs: np.ndarray) -> np.ndarray:
    flat = np.asarray(outputs).reshape(len(outputs), -1)
    return np.argmax(flat, axis=1) if flat.shape[1] else np.zeros(len(flat), np.int64)


def _device_top1(result) -> np.ndarray:
    """The class the device decided for its first output (model_output_class), where it reported one."""
    if result.device_classes is None:
        return _argmax_rows(result.device_outputs[0])
    return result.device_classes[:, 0].astype(np.int64)


def _reference_top1(result, vector_set) -> np.ndarray:
    """The host twin's class for the first output, where a reply was compared with it; else the highest
    of the stored reference outputs."""
    stored = _argmax_rows(vector_set.reference[0])
    if result.reference_classes is None:
        return stored
    twin = result.reference_classes[:, 0].astype(np.int64)
    return np.where(twin >= 0, twin, stored)


def _round(value, digits: int = 6):
    return None if value is None else round(float(value), digits)


def _interval(successes: int, trials: int) -> list[float] | None:
    """95 % Wilson interval of a rate, as [low, high]; None without trials."""
    found = wilson_interval(successes, trials)
    return None if found is None else [_round(found[0]), _round(found[1])]


def _groups(vector_set, n: int) -> dict[str, np.ndarray]:
    if vector_set is None:
        return {"random": np.ones(n, bool)}
    return {name: mask for name, mask in vector_set.groups().items() if mask.any()}


def _exactness(result, groups: dict[str, np.ndarray]) -> dict:
    exact_mask = result.received_mask.copy()
    exact_mask[np.asarray(result.mismatched, dtype=np.int64)] = False
    section = {}
    for name, mask in {"all": np.ones(result.planned, bool), **groups}.items():
        planned = int(mask.sum())
        exact = int((exact_mask & mask).sum())
        section[name] = {"vectors": planned, "received": int((result.received_mask & mask).sum()),
                         "exact": exact, "rate": exact / planned if planned else None,
                         "rate_ci95": _interval(exact, planned)}
    section["reference_reproduced_rate"] = (result.reference_reproduced / result.reference_checked
                                            if result.reference_checked else None)
    section["reference_reproduced_ci95"] = _interval(result.reference_reproduced, result.reference_checked)
    section["first_mismatch"] = result.first_mismatch
    return section


def _device_float(result, output_index: int = 0) -> tuple[np.ndarray, float, int]:
    tensor = result.info["outputs"][output_index]
    values = result.device_outputs[output_index]
    return float_metrics.dequantize(values, tensor["scale"], tensor["zero_point"]), tensor["scale"], \
        tensor["zero_point"]


def _float_section(result, vector_set, groups) -> tuple[dict, float_metrics.VectorErrors | None]:
    if vector_set is None or vector_set.float_outputs is None:
        reason = ("the vectors carry no float-model outputs (make them with `ecgcc vectors --float-model`)"
                  if vector_set is not None else "random vectors have no float-model outputs")
        return {"available": False, "reason": reason}, None
    received = result.received_mask
    device_float = np.concatenate([_device_float(result, i)[0].reshape(result.planned, -1)
                                   for i in range(len(result.device_outputs))], axis=1)
    floats = np.concatenate([f.reshape(len(f), -1) for f in vector_set.float_outputs], axis=1)
    single = len(result.device_outputs) == 1
    errors = float_metrics.vector_errors(device_float, floats, _device_top1(result) if single else None)
    section = {"available": True, "dequantized_with": [{"scale": t["scale"], "zero_point": t["zero_point"]}
                                                       for t in result.info["outputs"]],
               "groups": {}}
    for name, mask in {"all": np.ones(result.planned, bool), **groups}.items():
        summary = float_metrics.summarize(errors, mask & received)
        if summary is not None:
            summary["top1_agreement_ci95"] = _interval(summary["top1_agreements"], summary["vectors"])
        section["groups"][name] = summary
    primary = "beats" if "beats" in groups else "all"
    section["primary_group"] = primary
    section["primary"] = section["groups"][primary]
    seen = errors.abs_errors[received]
    top = float(seen.max()) if seen.size else 0.0
    edges = np.linspace(0.0, max(top, 1e-9) * 1.0001, HISTOGRAM_BINS + 1)
    section["histogram"] = {"edges": [float(e) for e in edges],
                            "counts": {g: np.histogram(errors.abs_errors[groups[g] & received], edges)[0].tolist()
                                       for g in groups}}
    return section, errors


def _classification(result, vector_set, errors) -> dict:
    if vector_set is None or not (vector_set.labels >= 0).any() or not vector_set.classes:
        return {"available": False, "reason": "no labelled beats among the vectors"}
    labelled_received = (vector_set.labels >= 0) & result.received_mask
    device = _device_top1(result)
    reference = _reference_top1(result, vector_set)
    floats = _argmax_rows(vector_set.float_outputs[0]) if vector_set.float_outputs is not None else None
    labels = np.where(labelled_received, vector_set.labels, -1)
    metrics = float_metrics.class_metrics(labels, {"device": device, "tflite_micro": reference, "float": floats},
                                          vector_set.classes)
    sources = metrics["sources"]
    differences = []
    for name in vector_set.classes:
        for key in ("se", "ppv"):
            a, b = sources["device"][name][key], sources["tflite_micro"][name][key]
            if a is None and b is None:
                continue
            differences.append(abs((a or 0.0) - (b or 0.0)) if (a is None) == (b is None) else 1.0)
    _add_class_intervals(metrics, vector_set.classes)
    metrics["available"] = True
    metrics["max_difference_device_vs_reference"] = max(differences) if differences else 0.0
    metrics["note"] = ("Beats are stratified by class (rare classes over-represented), so these figures compare "
                       "the device with the host on the same beats; they are not the model's clinical performance "
                       "on the DS2 population.")
    metrics["dataset"] = vector_set.metadata.get("dataset")
    return metrics


def _add_class_intervals(metrics: dict, classes) -> None:
    """Se and +P of every class and source, and the device's agreement with each other source, get their
    95 % Wilson intervals (from the confusion matrix counts, so they describe exactly the rates shown)."""
    for figures in metrics["sources"].values():
        confusion = np.asarray(figures["confusion"])
        for index, name in enumerate(classes):
            hits = int(confusion[index, index])
            figures[name]["se_ci95"] = _interval(hits, figures[name]["count"])
            figures[name]["ppv_ci95"] = _interval(hits, figures[name]["predicted"])
    for key, value in metrics.items():
        if key.startswith("device_vs_") and isinstance(value, dict):
            value["ci95"] = _interval(value["same"], value["beats"])


def _memory_budget(board: str, emulated: bool) -> dict | None:
    """The flash and RAM the fit criteria divide by, and the board file they come from."""
    from ..boards import BOARDS_DIR, load_board

    try:
        budget = load_board(board)
    except ValueError:
        return None
    source = BOARDS_DIR / board / "board.json"
    try:
        from ..paths import project_root

        shown = str(source.relative_to(project_root()))
    except (RuntimeError, ValueError):
        shown = str(source)
    note = (f"budget of the emulated board {board} ({budget.info.get('description', 'emulator')}); an emulator's "
            f"memory is not a microcontroller's, so the fit criteria say little here: judge the byte counts "
            f"against the target part" if emulated else f"budget of the physical board {board}")
    return {"flash_bytes": budget.flash_bytes, "ram_bytes": budget.ram_bytes, "source": shown,
            "source_sha256": file_sha256(source), "emulated": emulated, "note": note}


def _memory(result, board: str, emulated: bool = False) -> dict:
    budget = _memory_budget(board, emulated)
    section = {"measured": result.image is not None, "budget": budget}
    if result.image is None:
        section["reason"] = "no firmware ELF (pass --elf with an attached board)"
        return section
    image = result.image
    section |= {"flash_bytes": image["flash_bytes"], "code_bytes": image["code_bytes"],
                "const_bytes": image["const_bytes"], "weights_bytes": image.get("weights_bytes"),
                "ram_bytes": image["ram_bytes"], "static_ram_bytes": image["static_ram_bytes"],
                "stack_bytes": image["stack_bytes"], "arena_bytes": result.info.get("arena_bytes"),
                "stack_high_water": result.stack_high_water, "sections": image.get("sections"),
                "elf": image.get("path")}
    if budget is not None:
        section |= {"board_flash_bytes": budget["flash_bytes"], "board_ram_bytes": budget["ram_bytes"],
                    "flash_fraction": image["flash_bytes"] / budget["flash_bytes"],
                    "ram_fraction": image["ram_bytes"] / budget["ram_bytes"]}
    return section


def _performance(result) -> dict:
    counts = np.asarray(result.instructions, dtype=np.int64)
    if not counts.size:
        return {"measured": False}
    median = float(np.median(counts))
    return {"measured": True, "min": int(counts.min()), "median": median, "max": int(counts.max()),
            "mean": float(counts.mean()), "distinct_values": int(len(np.unique(counts))),
            "resolution": result.info.get("counter_resolution"), "macs": result.macs,
            "instructions_per_mac": median / result.macs if result.macs else None}


def _strip(result, vector_set) -> dict | None:
    strip = vector_set.strip if vector_set is not None else None
    if strip is None:
        return None
    classes = vector_set.classes
    device = _device_top1(result)
    reference = _reference_top1(result, vector_set)
    beats = []
    for index in strip.vector_indices:
        index = int(index)
        label = int(vector_set.labels[index])
        beats.append({"vector": index, "sample": int(vector_set.samples[index]),
                      "truth": classes[label] if 0 <= label < len(classes) else None,
                      "device": classes[device[index]] if result.received_mask[index] else None,
                      "reference": classes[reference[index]]})
    return strip.to_json() | {"beats": beats}


def _per_vector(result, vector_set, errors) -> dict:
    n = result.planned
    exact = result.received_mask.copy()
    exact[np.asarray(result.mismatched, dtype=np.int64)] = False
    columns = {"received": result.received_mask.tolist(), "exact": exact.tolist(),
               "instructions": result.instructions_per_vector.tolist(),
               "device_top1": [int(v) if r else None for v, r in zip(_device_top1(result),
                                                                     result.received_mask)]}
    if vector_set is not None:
        columns |= {"kind": vector_set.kinds.astype(str).tolist(), "label": vector_set.labels.astype(int).tolist(),
                    "record": vector_set.records.astype(str).tolist(),
                    "sample": vector_set.samples.astype(int).tolist(),
                    "reference_top1": _argmax_rows(vector_set.reference[0]).astype(int).tolist()}
    if errors is not None:
        columns |= {"float_top1": errors.top1_float.astype(int).tolist(),
                    "max_abs_error": [_round(v) if r else None for v, r in zip(errors.max_abs, result.received_mask)],
                    "cosine": [_round(v) if r else None for v, r in zip(errors.cosine, result.received_mask)]}
    return {"count": n, "columns": columns}


def _firmware(result) -> dict:
    """The ELF that ran, by digest: for an emulated board the one just built, for an attached board the one
    given with --elf (unknown otherwise)."""
    path = (result.image or {}).get("path")
    digest = file_sha256(path)
    return {"elf": str(path) if path else None, "elf_sha256": digest,
            "note": None if digest else ("no firmware ELF given (pass --elf with the file flashed on the board)"
                                         if not path else f"the ELF {path} could not be read")}


def build_report(result, model, vector_set=None, *, criteria: dict[str, float] | None = None,
                 emulated: bool | None = None, project: dict | None = None) -> dict:
    """The whole report as a JSON-ready dict (see the module docstring). `project` is the version as
    provenance.project_version() gave it when the run started (read now when not given)."""
    criteria = as_criteria(criteria)
    project = project or project_version()
    created = _dt.datetime.now(_dt.timezone.utc)
    emulated = (result.url.startswith("socket://127.0.0.1") and result.board in ("qemu-m4", "qemu-m3", "qemu-m3-large", "host")
                if emulated is None else emulated)
    groups = _groups(vector_set, result.planned)
    float_section, errors = _float_section(result, vector_set, groups)
    run = result.to_json()
    run["line_errors"] = run["line"]["timeouts"] + run["line"]["garbage_frames"] + run["line"]["stray_frames"]
    vectors_meta = vector_set.metadata if vector_set is not None else {}
    document = {
        "report": {"format": REPORT_FORMAT, "version": REPORT_VERSION, "tool": f"ecgcc {__version__}",
                   "id": new_report_id(created), "created_utc": created.isoformat(timespec="seconds"),
                   "project": project, "criteria_source": criteria.source()},
        "firmware": _firmware(result),
        "board": {"name": result.board, "url": result.url, "emulated": emulated,
                  "reported_by_device": result.info.get("board")},
        "identity": {
            "model_name": result.info.get("model_name"),
            "device_identity": result.info.get("model_identity"),
            "compiled_identity": model.identity,
            "int8_model_sha256": model.sha256,
            "float_model_sha256": vectors_meta.get("model", {}).get("float_sha256"),
            "float_model_file": vectors_meta.get("model", {}).get("float_file"),
            "generated_sources_sha256": model.source_hashes(),
            "compiled_model_folder": str(model.folder),
            "vectors": None if vector_set is None else {
                "file": vector_set.file_path or None, "sha256": vector_set.file_sha256 or None,
                "format_version": vectors_meta.get("format_version"), "created_utc": vectors_meta.get("created_utc"),
                "generator": vectors_meta.get("generator"), "seed": vectors_meta.get("seed"),
                "counts": vectors_meta.get("counts"), "runtimes": vectors_meta.get("runtimes"),
                "subset_of": vectors_meta.get("subset_of")},
        },
        "versions": tool_versions(result.board, emulated) | {"ecgcc": project["label"],
            "firmware": result.info.get("firmware_version"), "protocol": result.info.get("protocol_version")},
        "run": run,
        "exactness": _exactness(result, groups),
        "float_comparison": float_section,
        "classification": _classification(result, vector_set, errors),
        "performance": _performance(result),
        "memory": _memory(result, result.board, emulated),
        "strip": _strip(result, vector_set),
        "per_vector": _per_vector(result, vector_set, errors),
    }
    document.update(scripting_summary(document))
    document["criteria"] = evaluate_criteria(document, criteria)
    document["verdict"] = verdict(document)
    return document


def scripting_summary(document: dict) -> dict:
    """The stable top-level keys users' CI scripts read; the sections above hold the detail."""
    exact = document["exactness"]["all"]
    performance, memory = document["performance"], document["memory"]
    instructions = None
    if performance.get("measured"):
        instructions = {"min": performance["min"], "median": performance["median"], "max": performance["max"]}
    return {
        "vectors": exact["vectors"],
        "exact": exact["exact"],
        "instructions_per_inference": instructions,
        "macs": performance.get("macs"),
        "flash_bytes": memory.get("flash_bytes") if memory.get("measured") else None,
        "ram_bytes": {"arena": memory.get("arena_bytes"), "stack_high_water": memory.get("stack_high_water"),
                      "static": memory.get("static_ram_bytes")} if memory.get("measured") else None,
    }


def verdict(document: dict) -> dict:
    failures = [f"{c['name']}: {_show(c['value'])} {'<' if c['direction'] == 'min' else '>'} limit {_show(c['limit'])}"
                f" ({c['meaning']})" for c in document["criteria"] if c["passed"] is False]
    not_evaluated = [c["name"] for c in document["criteria"] if c["passed"] is None]
    aborted = document["run"].get("aborted")
    if aborted:
        failures.insert(0, f"run aborted: {aborted}")
    status = "ABORTED" if aborted else ("FAIL" if failures else "PASS")
    return {"status": status, "passed": status == "PASS", "meaning": _verdict_meaning(status, document),
            "failures": failures, "not_evaluated": not_evaluated}


CLINICAL_DISCLAIMER = ("It verifies the device against the reference model; it is not a clinical approval, and the "
                       "clinical figures (sensitivity, positive predictivity) are shown for information only.")


def _verdict_meaning(status: str, document: dict) -> str:
    """What the status does and does not establish, in the words the verdict is printed with."""
    exact = document["exactness"]["all"]
    if status == "PASS":
        return (f"PASS: the device reproduced the reference model (TFLite Micro) byte for byte on "
                f"{exact['exact']} of {exact['vectors']} vectors and met every evaluated acceptance criterion. "
                + CLINICAL_DISCLAIMER)
    if status == "FAIL":
        return ("FAIL: the run completed and at least one acceptance criterion was not met, so the device is not "
                "shown to reproduce the reference model within the criteria. " + CLINICAL_DISCLAIMER)
    return ("ABORTED: the device was lost before every vector had run; the report covers the vectors that ran "
            "and establishes nothing about the rest.")


def _show(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1e4:
            return f"{value:.0f}" if value == round(value) else f"{value:.1f}"
        return f"{value:.6g}"
    return str(value)


def memory_figures(document: dict) -> str | None:
    """Flash and RAM as one line, the same figures the HTML shows (RAM: static data and the reserved stack)."""
    memory = document["memory"]
    if not memory.get("measured"):
        return None
    text = (f"flash {memory['flash_bytes']} B, RAM {memory['ram_bytes']} B (static {memory['static_ram_bytes']} "
            f"including the model arena {memory['arena_bytes']}, stack reserved {memory['stack_bytes']}, "
            f"stack high-water {memory['stack_high_water']})")
    budget = memory.get("budget")
    if budget:
        text += (f"; budget {budget['flash_bytes']} B flash, {budget['ram_bytes']} B RAM from {budget['source']}"
                 f"{' (emulated board)' if budget['emulated'] else ''}")
    return text


def _with_interval(rate, interval) -> str:
    if rate is None:
        return "n/a"
    if not interval:
        return _pct(rate)
    return f"{_pct(rate)} [{_pct(interval[0])}, {_pct(interval[1])}]"


def format_summary(document: dict) -> str:
    head = document["report"]
    firmware = document["firmware"]
    source = head["criteria_source"]
    lines = [f"report {head['id']}: ecgcc {head['project']['label']}",
             f"firmware ELF sha256 {firmware['elf_sha256'] or 'unknown: ' + (firmware['note'] or '')}",
             f"criteria: {source['description']}"
             + (f" (sha256 {source['file_sha256']})" if source["file_sha256"] else "")]
    exact = document["exactness"]["all"]
    lines.append(f"byte-exact: {exact['exact']}/{exact['vectors']} "
                 f"({_with_interval(exact['rate'], exact['rate_ci95'])}, 95% Wilson interval)")
    fc = document["float_comparison"]
    if fc.get("available") and fc.get("primary"):
        p = fc["primary"]
        lines.append(f"float model ({fc['primary_group']}): top-1 agreement "
                     f"{_with_interval(p['top1_agreement'], p.get('top1_agreement_ci95'))} "
                     f"({p['top1_agreements']}/{p['vectors']}), max |err| {p['max_abs_error']:.4g}, "
                     f"mean |err| {p['mean_abs_error']:.4g}, cosine mean {p['cosine_mean']:.6f}, "
                     f"rel. L2 mean {_show(p['relative_l2_mean'])}")
    elif not fc.get("available"):
        lines.append(f"float model: not compared ({fc.get('reason')})")
    cls = document["classification"]
    if cls.get("available"):
        device = cls["sources"]["device"]
        parts = [f"{c} Se {_with_interval(device[c]['se'], device[c].get('se_ci95'))} "
                 f"+P {_with_interval(device[c]['ppv'], device[c].get('ppv_ci95'))}" for c in cls["classes"]
                 if device[c]["count"] or device[c]["predicted"]]
        lines.append("device per class (information, not acceptance criteria): " + "; ".join(parts))
    memory = memory_figures(document)
    if memory:
        lines.append(memory)
    lines.append("criteria:")
    for c in document["criteria"]:
        mark = {True: "pass", False: "FAIL", None: "n/a "}[c["passed"]]
        sign = ">=" if c["direction"] == "min" else "<="
        lines.append(f"  {mark}  {c['requirement']:<14} {c['name']:<30} {_show(c['value']):>12}  "
                     f"(limit {sign} {_show(c['limit'])})")
    lines.append(f"verdict: {document['verdict']['status']}")
    lines.append(document["verdict"]["meaning"])
    return "\n".join(lines)


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _ci_text(interval, short: bool = False) -> str:
    """A 95 % Wilson interval as the HTML shows it."""
    if not interval:
        return "" if short else "95% CI n/a"
    text = f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}%"
    return f"[{text}]" if short else f"95% CI {text}"


# --- HTML ---------------------------------------------------------------------------------------------

def _template_dir() -> Path:
    from ..paths import project_root

    return project_root() / "templates"


def figures(document: dict) -> dict[str, str]:
    from . import report_figures

    images = {}
    cls = document["classification"]
    if cls.get("available"):
        panels = [(np.array(cls["sources"]["device"]["confusion"]), "annotation (truth)", "device",
                   "Device vs. annotation")]
        if "float" in cls["sources"]:
            columns = document["per_vector"]["columns"]
            device = np.array([-1 if v is None else v for v in columns["device_top1"]])
            floats = np.array(columns["float_top1"])
            keep = (np.array(columns["label"]) >= 0) & (device >= 0)
            matrix = np.zeros((len(cls["classes"]),) * 2, np.int64)
            np.add.at(matrix, (floats[keep], device[keep]), 1)
            panels.append((matrix, "float model", "device", "Device vs. float model"))
        images["confusion"] = report_figures.confusion_png(panels, cls["classes"])
    fc = document["float_comparison"]
    if fc.get("available"):
        edges = np.array(fc["histogram"]["edges"])
        centres = (edges[:-1] + edges[1:]) / 2
        groups = {name: np.repeat(centres, counts) for name, counts in fc["histogram"]["counts"].items()}
        scale = fc["dequantized_with"][0]["scale"]
        images["error_histogram"] = report_figures.error_histogram_png(groups, scale)
    strip = document.get("strip")
    if strip:
        title = (f"MIT-BIH record {strip['record']}, lead {strip['lead']}: beat classes from the device (top) "
                 f"and the annotation (bottom)")
        images["strip"] = report_figures.strip_png(np.array(strip["signal_mv"]), strip["fs"], strip["start"],
                                                   strip["beats"], title)
    counts = [c for c in document["per_vector"]["columns"]["instructions"] if c >= 0]
    if counts:
        images["instructions"] = report_figures.instructions_png(np.array(counts))
    return images


def render_html(document: dict) -> str:
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_template_dir())),
                                     autoescape=jinja2.select_autoescape(["html", "j2"]),
                                     undefined=jinja2.StrictUndefined)
    environment.filters["num"] = _show
    environment.filters["pct"] = _pct
    environment.filters["ci"] = _ci_text
    return environment.get_template("report.html.j2").render(doc=document, images=figures(document))


def _clean(value):
    """JSON-ready copy: numpy values to Python, non-finite floats to None (strict JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_reports(document: dict, json_path: str | Path, html_path: str | Path | None) -> None:
    json_path = Path(json_path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(_clean(document), indent=1, allow_nan=False))
    if html_path is not None:
        html_path = Path(html_path)
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(render_html(json.loads(json_path.read_text())))
