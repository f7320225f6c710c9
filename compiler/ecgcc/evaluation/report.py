"""Human-readable views of an evaluation report: a text table and confusion-matrix figures.

Both render every column found in ``report["columns"]`` (e.g. float, int8, device), so a
column added later by the hardware harness shows up without changes here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.aami import CLASSES


def _percent(value) -> str:
    return "   -  " if value is None else f"{100 * value:6.2f}"


def format_table(report: dict) -> str:
    columns = report["columns"]
    lines = []
    header = f"{'class':5s} {'beats':>6s}"
    for column in columns:
        header += f" | {column:^29s}"
    lines.append(header)
    sub = f"{'':5s} {'':>6s}"
    for _ in columns:
        sub += f" | {'Se%':>6s} {'+P%':>6s} {'FPR%':>6s} {'F1%':>6s}"
    lines.append(sub)
    lines.append("-" * len(sub))
    first = report[columns[0]]
    for name in CLASSES:
        line = f"{name:5s} {first[name]['count']:6d}"
        for column in columns:
            m = report[column][name]
            line += f" | {_percent(m['se'])} {_percent(m['ppv'])} {_percent(m['fpr'])} {_percent(m['f1'])}"
        lines.append(line)
    lines.append("-" * len(sub))
    for key, label in (("macro_f1", "macro F1"), ("balanced_accuracy", "balanced accuracy"), ("accuracy", "accuracy")):
        lines.append(f"{label:18s} " + "  ".join(f"{column}: {_percent(report[column][key]).strip()}%" for column in columns))
    return "\n".join(lines)


def format_averages(report: dict) -> str:
    """EC57 average statistics: each class's Se and +P averaged over the records (see metrics.py)."""
    columns = [c for c in report["columns"] if "average" in report[c]]
    if not columns:
        return ""
    lines = [f"{'average over records (EC57)':30s}" + "".join(f" | {column:^13s}" for column in columns),
             f"{'class':30s}" + "".join(f" | {'Se%':>6s} {'+P%':>6s}" for _ in columns)]
    for name in CLASSES:
        first = report[columns[0]]["average"][name]
        label = f"{name} ({first['records_se']} records with the class)"
        lines.append(f"{label:30s}" + "".join(
            f" | {_percent(report[c]['average'][name]['se'])} {_percent(report[c]['average'][name]['ppv'])}"
            for c in columns))
    return "\n".join(lines)


def format_records(report: dict, column: str) -> str:
    """One line per record: beats, and per class its count with the column's Se / +P."""
    by_record = report[column]["by_record"]
    lines = [f"{column + ' by record':15s}" + "".join(f" | {name:^20s}" for name in CLASSES),
             f"{'record':>8s} {'beats':>6s}" + "".join(f" | {'n':>6s} {'Se%':>6s} {'+P%':>6s}" for _ in CLASSES)]
    for record, figures in by_record.items():
        lines.append(f"{record:>8s} {figures['beats']:6d}" + "".join(
            f" | {figures[name]['count']:6d} {_percent(figures[name]['se'])} {_percent(figures[name]['ppv'])}"
            for name in CLASSES))
    return "\n".join(lines)


def save_confusion_png(report: dict, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = report["columns"]
    figure, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 4.0), squeeze=False)
    for axis, column in zip(axes[0], columns):
        matrix = np.asarray(report[column]["confusion"], dtype=np.int64)
        # colour by row share so small classes stay visible next to 40 000 normal beats
        shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        axis.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
        for row in range(matrix.shape[0]):
            for col in range(matrix.shape[1]):
                axis.text(col, row, str(matrix[row, col]), ha="center", va="center", fontsize=8,
                          color="white" if shares[row, col] > 0.6 else "black")
        axis.set_xticks(range(len(CLASSES)), CLASSES)
        axis.set_yticks(range(len(CLASSES)), CLASSES)
        axis.set_xlabel("predicted")
        axis.set_ylabel("annotated")
        axis.set_title(column)
    figure.suptitle(report.get("title", "beat classification"), fontsize=10)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
