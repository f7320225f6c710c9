"""AAMI EC57 style classification metrics from true and predicted beat labels.

``classification_metrics`` is the single entry point for every column of a report (float
model, int8 model, device): anything that yields one predicted class per beat can be scored
the same way.

Per class c, from the confusion matrix (rows: truth, columns: prediction):
``se`` = TP / (TP + FN) (sensitivity), ``ppv`` = TP / (TP + FP) (positive predictivity, +P),
``fpr`` = FP / (FP + TN), ``spec`` = TN / (TN + FP), ``f1`` = 2 TP / (2 TP + FP + FN),
``count`` = TP + FN, ``predicted`` = TP + FP. Each class is a key of the result (``"N"``,
``"S"``, ...) next to ``confusion``, ``macro_f1``, ``balanced_accuracy``. A ratio with a
zero denominator is reported as null (None), not 0.
``macro_f1`` and ``balanced_accuracy`` (mean of ``se``) average over classes present in the
truth.

``record_statistics`` adds EC57's other view: the figures of every record alone, and their
average over the records where each is defined (one patient with many beats of a class then
counts as much as any other patient, unlike the pooled figures).
"""

from __future__ import annotations

import numpy as np

from ..data.aami import CLASSES


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int = len(CLASSES)) -> np.ndarray:
    true = np.asarray(true, dtype=np.int64)
    predicted = np.asarray(predicted, dtype=np.int64)
    if true.shape != predicted.shape:
        raise ValueError(f"{true.shape[0]} true labels but {predicted.shape[0]} predictions")
    if true.size and (min(true.min(), predicted.min()) < 0 or max(true.max(), predicted.max()) >= n_classes):
        raise ValueError(f"labels must lie in 0 .. {n_classes - 1}")
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def _ratio(numerator: int, denominator: int) -> float | None:
    return float(numerator) / float(denominator) if denominator else None


def metrics_from_confusion(matrix: np.ndarray, classes=CLASSES) -> dict:
    matrix = np.asarray(matrix, dtype=np.int64)
    total = int(matrix.sum())
    per_class = {}
    for index, name in enumerate(classes):
        tp = int(matrix[index, index])
        fn = int(matrix[index, :].sum()) - tp
        fp = int(matrix[:, index].sum()) - tp
        tn = total - tp - fn - fp
        per_class[name] = {
            "se": _ratio(tp, tp + fn),
            "ppv": _ratio(tp, tp + fp),
            "fpr": _ratio(fp, fp + tn),
            "spec": _ratio(tn, tn + fp),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "count": tp + fn,
            "predicted": tp + fp,
        }
    present = [name for name in classes if per_class[name]["count"] > 0]
    f1_values = [per_class[name]["f1"] for name in present]
    se_values = [per_class[name]["se"] for name in present]
    return {
        **per_class,
        "confusion": matrix.tolist(),
        "labels": list(classes),
        "beats": total,
        "accuracy": _ratio(int(np.trace(matrix)), total),
        "macro_f1": float(np.mean(f1_values)) if present else None,
        "balanced_accuracy": float(np.mean(se_values)) if present else None,
    }


def classification_metrics(true: np.ndarray, predicted: np.ndarray, classes=CLASSES) -> dict:
    """Metrics dict for one column of the report (see module docstring)."""
    return metrics_from_confusion(confusion_matrix(true, predicted, len(classes)), classes)


def top_ties(scores: np.ndarray) -> np.ndarray:
    """Rows of int8 output vectors (n, classes) whose highest score is shared by two or more
    classes: the int8 output alone cannot decide them (the class then comes from the last layer's
    finer logits, compiler/ecgcc/passes/decision.py)."""
    scores = np.asarray(scores)
    if not scores.size:
        return np.zeros(len(scores), dtype=bool)
    return (scores == scores.max(axis=1, keepdims=True)).sum(axis=1) > 1


def agreement(predicted_a: np.ndarray, predicted_b: np.ndarray) -> dict:
    """How often two columns (e.g. float and int8) predict the same class."""
    a = np.asarray(predicted_a)
    b = np.asarray(predicted_b)
    if a.shape != b.shape:
        raise ValueError("prediction arrays differ in length")
    same = int((a == b).sum())
    return {"beats": int(a.size), "same": same, "rate": _ratio(same, int(a.size))}


RECORD_FIELDS = ("count", "predicted", "se", "ppv")


def record_statistics(true: np.ndarray, predicted: np.ndarray, records: np.ndarray, classes=CLASSES) -> dict:
    """``by_record``: record -> beats and, per class, count, predicted, se, ppv; ``average``: per
    class the mean se over the records holding that class and the mean ppv over the records where
    it was predicted, with how many records each mean covers."""
    true, predicted, records = np.asarray(true), np.asarray(predicted), np.asarray(records)
    by_record = {}
    for name in dict.fromkeys(records.tolist()):
        mask = records == name
        metrics = classification_metrics(true[mask], predicted[mask], classes)
        by_record[str(name)] = {"beats": int(mask.sum()),
                                **{c: {key: metrics[c][key] for key in RECORD_FIELDS} for c in classes}}
    average = {}
    for c in classes:
        se = [figures[c]["se"] for figures in by_record.values() if figures[c]["se"] is not None]
        ppv = [figures[c]["ppv"] for figures in by_record.values() if figures[c]["ppv"] is not None]
        average[c] = {"se": float(np.mean(se)) if se else None, "ppv": float(np.mean(ppv)) if ppv else None,
                      "records_se": len(se), "records_ppv": len(ppv)}
    return {"by_record": by_record, "average": average}
