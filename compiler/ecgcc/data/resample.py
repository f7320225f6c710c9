"""Bring a record to the model's sampling rate (signal and annotation positions)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .records import Annotations, EcgRecord
from .validation import check_sample_rate


def resample_record(record: EcgRecord, target_fs: float) -> EcgRecord:
    check_sample_rate(record.fs, record.source or record.name)
    check_sample_rate(target_fs, "resampling target")
    if abs(record.fs - target_fs) < 1e-9:
        return record
    from scipy.signal import resample_poly

    ratio = Fraction(target_fs / record.fs).limit_denominator(1000)
    up, down = ratio.numerator, ratio.denominator
    signal = resample_poly(record.signal_mv, up, down, axis=0)
    annotations = None
    if record.annotations is not None:
        scale = target_fs / record.fs
        samples = np.rint(record.annotations.samples * scale).astype(np.int64)
        annotations = Annotations(samples=samples, symbols=record.annotations.symbols)
    metadata = dict(record.metadata, resampled_from_fs=record.fs)
    return EcgRecord(
        name=record.name,
        signal_mv=signal,
        fs=float(target_fs),
        lead_names=record.lead_names,
        annotations=annotations,
        source=record.source,
        metadata=metadata,
    )
