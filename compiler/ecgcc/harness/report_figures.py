"""Figures of the HIL report as base64 PNG, drawn with matplotlib's Agg backend (no display needed)."""
from __future__ import annotations

import base64
import io

import numpy as np

CLASS_COLOURS = {"N": "#4c72b0", "S": "#dd8452", "V": "#2e8b57", "F": "#8172b3", "Q": "#937860"}  # no red: red marks a disagreement


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(figure) -> str:
    plt = _pyplot()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _matrix_panel(axis, matrix: np.ndarray, classes, rows_label: str, columns_label: str, title: str) -> None:
    matrix = np.asarray(matrix)
    row_totals = matrix.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shade = np.where(row_totals > 0, matrix / row_totals, 0.0)
    axis.imshow(shade, cmap="Blues", vmin=0, vmax=1)
    for r in range(matrix.shape[0]):
        for c in range(matrix.shape[1]):
            axis.text(c, r, str(int(matrix[r, c])), ha="center", va="center", fontsize=9,
                      color="white" if shade[r, c] > 0.6 else "black")
    axis.set_xticks(range(len(classes)), classes)
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel(columns_label)
    axis.set_ylabel(rows_label)
    axis.set_title(title, fontsize=10)


def confusion_png(panels: list[tuple[np.ndarray, str, str, str]], classes) -> str:
    """panels: (matrix, rows label, columns label, title); cells show counts, shading the row share."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.0))
    axes = np.atleast_1d(axes)
    for axis, (matrix, rows, columns, title) in zip(axes, panels):
        _matrix_panel(axis, matrix, classes, rows, columns, title)
    figure.tight_layout()
    return _png(figure)


def error_histogram_png(groups: dict[str, np.ndarray], scale: float | None) -> str:
    """Distribution of |device - float| per output element, one series per vector group."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7.5, 3.4))
    values = [np.asarray(v).reshape(-1) for v in groups.values() if np.size(v)]
    top = max((float(v.max()) for v in values), default=0.0)
    top = max(top, scale or 0.0, 1e-6)
    bins = np.linspace(0.0, top * 1.0001, 41)
    for (name, errors), colour in zip(groups.items(), ("#4c72b0", "#dd8452", "#55a868")):
        errors = np.asarray(errors).reshape(-1)
        if errors.size:
            axis.hist(errors, bins=bins, alpha=0.7, label=f"{name} ({errors.size} values)", color=colour)
    if scale:
        axis.axvline(scale, color="black", linestyle="--", linewidth=1)
        axis.text(scale, axis.get_ylim()[1] if axis.get_yscale() == "linear" else 1, " 1 output LSB",
                  va="top", fontsize=8)
    axis.set_yscale("log")
    axis.set_xlabel("absolute error of a dequantized device output element against the float model")
    axis.set_ylabel("output elements")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _png(figure)


def strip_png(signal_mv: np.ndarray, fs: float, start: int, beats: list[dict], title: str) -> str:
    """The ECG with each beat's true class below and the device's class above (red when they differ)."""
    plt = _pyplot()
    signal_mv = np.asarray(signal_mv, dtype=float)
    seconds = (np.arange(len(signal_mv)) + start) / fs
    figure, axis = plt.subplots(figsize=(11, 3.2))
    axis.plot(seconds, signal_mv, color="#222222", linewidth=0.8)
    low, high = (float(signal_mv.min()), float(signal_mv.max())) if signal_mv.size else (-1.0, 1.0)
    span = max(high - low, 0.5)
    axis.set_ylim(low - 0.35 * span, high + 0.35 * span)
    for beat in beats:
        t = beat["sample"] / fs
        device = beat.get("device")
        truth = beat.get("truth")
        wrong = device is not None and truth is not None and device != truth
        axis.axvline(t, color="#bbbbbb", linewidth=0.6, zorder=0)
        axis.text(t, high + 0.18 * span, device if device is not None else "-", ha="center", fontsize=9,
                  fontweight="bold", color="#c0392b" if wrong else CLASS_COLOURS.get(device, "#000000"))
        axis.text(t, low - 0.25 * span, truth if truth is not None else "?", ha="center", fontsize=9,
                  color="#555555")
    labels_at = axis.get_yaxis_transform()  # x in axes fraction, y in mV
    axis.text(1.005, high + 0.18 * span, "device", ha="left", fontsize=8, transform=labels_at)
    axis.text(1.005, low - 0.25 * span, "annotation", ha="left", fontsize=8, transform=labels_at)
    axis.set_xlabel("time in record (s)")
    axis.set_ylabel("mV")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    return _png(figure)


def instructions_png(counts: np.ndarray) -> str:
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(7.5, 2.8))
    counts = np.asarray(counts)
    if counts.size:
        axis.hist(counts, bins=min(40, max(5, len(np.unique(counts)))), color="#55a868")
    axis.ticklabel_format(axis="x", useOffset=False, style="plain")
    axis.set_xlabel("instructions per inference (SysTick, exact under QEMU icount)")
    axis.set_ylabel("vectors")
    figure.tight_layout()
    return _png(figure)
