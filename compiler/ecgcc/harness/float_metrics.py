"""How far the device's int8 outputs are from the float model the int8 model was made from.

The device's outputs are dequantized with the output scale and zero point the device reports in
INFO, then compared with the float model's outputs on the same inputs, vector by vector:

- top-1 agreement: the device's highest output is the float model's highest output;
- max / mean absolute error over the output elements;
- cosine similarity of the two output vectors (1 when both are zero, 0 when only one is);
- relative L2 error ||device - float|| / ||float|| (undefined, reported as None, when the float
  output is all zero).

Per-vector values are returned so the report can show their distribution; `summarize` reduces
them over any group of vectors.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class VectorErrors:
    top1_device: np.ndarray  # int64 (n,)
    top1_float: np.ndarray  # int64 (n,)
    max_abs: np.ndarray  # float64 (n,)
    mean_abs: np.ndarray
    cosine: np.ndarray
    relative_l2: np.ndarray  # NaN where undefined
    abs_errors: np.ndarray  # float64 (n, elements): every element's error, for the histogram

    @property
    def top1_agrees(self) -> np.ndarray:
        return self.top1_device == self.top1_float


def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return (np.asarray(values, dtype=np.float64) - zero_point) * scale


def vector_errors(device_float: np.ndarray, float_outputs: np.ndarray, device_classes=None) -> VectorErrors:
    """Both arrays (n, ...) in real units; compared per vector over the flattened elements. device_classes:
    the class the device decided for each vector, its top-1 (else the highest of its outputs)."""
    d = np.asarray(device_float, np.float64).reshape(len(device_float), -1)
    f = np.asarray(float_outputs, np.float64).reshape(len(float_outputs), -1)
    if d.shape != f.shape:
        raise ValueError(f"device outputs {d.shape} and float outputs {f.shape} differ in shape")
    difference = d - f
    abs_errors = np.abs(difference)
    norm_d = np.linalg.norm(d, axis=1)
    norm_f = np.linalg.norm(f, axis=1)
    norm_diff = np.linalg.norm(difference, axis=1)
    both_zero = (norm_d == 0) & (norm_f == 0)
    one_zero = (norm_d == 0) ^ (norm_f == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.einsum("ij,ij->i", d, f) / (norm_d * norm_f)
        relative = norm_diff / norm_f
    cosine = np.where(both_zero, 1.0, np.where(one_zero, 0.0, cosine))
    relative = np.where(norm_f == 0, np.where(norm_diff == 0, 0.0, np.nan), relative)
    empty = d.shape[1] == 0
    return VectorErrors(
        top1_device=(np.asarray(device_classes, np.int64) if device_classes is not None
                     else np.argmax(d, axis=1) if not empty else np.zeros(len(d), np.int64)),
        top1_float=np.argmax(f, axis=1) if not empty else np.zeros(len(f), np.int64),
        max_abs=abs_errors.max(axis=1) if not empty else np.zeros(len(d)),
        mean_abs=abs_errors.mean(axis=1) if not empty else np.zeros(len(d)),
        cosine=np.clip(cosine, -1.0, 1.0), relative_l2=relative, abs_errors=abs_errors)


def _finite(values: np.ndarray) -> np.ndarray:
    return values[np.isfinite(values)]


def summarize(errors: VectorErrors, mask: np.ndarray | None = None) -> dict | None:
    """Totals over the vectors selected by mask (all when None); None if none are selected."""
    mask = np.ones(len(errors.max_abs), bool) if mask is None else np.asarray(mask, bool)
    n = int(mask.sum())
    if n == 0:
        return None
    agrees = errors.top1_agrees[mask]
    relative = errors.relative_l2[mask]
    defined = _finite(relative)
    return {
        "vectors": n,
        "top1_agreements": int(agrees.sum()),
        "top1_agreement": float(agrees.mean()),
        "max_abs_error": float(errors.max_abs[mask].max()),
        "mean_abs_error": float(errors.abs_errors[mask].mean()),
        "cosine_min": float(errors.cosine[mask].min()),
        "cosine_mean": float(errors.cosine[mask].mean()),
        "relative_l2_max": float(defined.max()) if defined.size else None,
        "relative_l2_mean": float(defined.mean()) if defined.size else None,
        "relative_l2_undefined": int(n - defined.size),
        "disagreeing_vectors": [int(i) for i in np.flatnonzero(mask)[~agrees]][:50],
    }


def class_metrics(labels: np.ndarray, predictions: dict[str, np.ndarray], classes) -> dict:
    """Per-class sensitivity and positive predictivity of each prediction source (device, TFLite Micro
    reference, float model) against the true labels, on the labelled vectors only."""
    from ..evaluation.metrics import agreement, classification_metrics

    labels = np.asarray(labels)
    labelled = labels >= 0
    result = {"beats": int(labelled.sum()), "classes": list(classes), "sources": {}}
    if not labelled.any():
        return result
    for source, predicted in predictions.items():
        if predicted is None:
            continue
        result["sources"][source] = classification_metrics(labels[labelled], np.asarray(predicted)[labelled],
                                                           tuple(classes))
    if "device" in predictions and predictions["device"] is not None:
        for other, predicted in predictions.items():
            if other != "device" and predicted is not None:
                result[f"device_vs_{other}"] = agreement(np.asarray(predictions["device"])[labelled],
                                                         np.asarray(predicted)[labelled])
    return result
