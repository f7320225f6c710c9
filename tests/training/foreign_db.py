"""A small foreign WFDB database cut from an MIT-BIH DS1 record: another sampling rate, the
limb lead II second behind V1, and optionally one annotation symbol outside the AAMI tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def write_foreign_record(source, folder: Path, name: str, seconds: int = 300, fs: int = 250,
                         unknown_symbol_at: int | None = None) -> Path:
    import pandas as pd
    import wfdb
    from scipy.signal import resample_poly

    folder.mkdir(parents=True, exist_ok=True)
    length = int(source.fs) * seconds
    lead_ii = resample_poly(source.lead(0)[:length], fs, int(source.fs))
    other = resample_poly(source.lead(1)[:length], fs, int(source.fs))
    keep = source.annotations.samples < length
    samples = np.rint(source.annotations.samples[keep] * fs / source.fs).astype(int)
    symbols = list(np.array(source.annotations.symbols)[keep])
    wfdb.wrsamp(name, fs=fs, units=["mV", "mV"], sig_name=["V1", "II"],
                p_signal=np.column_stack([other, lead_ii]), fmt=["16", "16"], write_dir=str(folder))
    custom = None
    if unknown_symbol_at is not None:
        # a database-specific label (WFDB custom label table), unknown to the AAMI mapping
        symbols[unknown_symbol_at] = "Z"
        custom = pd.DataFrame({"label_store": [42], "symbol": ["Z"], "description": ["local label"]})
    wfdb.wrann(name, "atr", samples, symbol=symbols, custom_labels=custom, write_dir=str(folder))
    return folder
