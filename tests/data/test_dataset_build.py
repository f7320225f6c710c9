"""Beat sets cut from MIT-BIH records: each beat keeps its record and the label counted straight from the
annotation file, and the cache is reused for the same request and keyed by its content (another lead
gives another set)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ecgcc.data import aami
from ecgcc.data.dataset import build_beat_set
from ecgcc.data.wfdb_reader import load_wfdb_record


def test_beats_keep_their_record_and_labels(mitdb_dir, tmp_path):
    beat_set = build_beat_set(mitdb_dir, ["100", "114"], cache_root=tmp_path, show_progress=False)
    assert beat_set.record_names() == ["100", "114"]
    assert beat_set.windows.dtype == np.int8 and beat_set.windows.shape[1] == 256
    # labels agree with counting the annotation file directly (first and last beat excluded)
    for name in ("100", "114"):
        record = load_wfdb_record(mitdb_dir, name)
        beats_only = [s for s in record.annotations.symbols if aami.is_beat(s)][1:-1]
        expected = Counter(aami.SYMBOL_TO_CLASS[s] for s in beats_only)
        got = beat_set.from_records([name]).class_counts()
        assert {k: v for k, v in got.items() if v} == dict(expected)
    report = {r.name: r for r in beat_set.reports}
    assert report["114"].lead == "MLII"


def test_cache_is_reused_and_keyed_by_content(mitdb_dir, tmp_path):
    first = build_beat_set(mitdb_dir, ["100"], cache_root=tmp_path, show_progress=False)
    cached = list(tmp_path.glob("beats-*.npz"))
    assert len(cached) == 1
    again = build_beat_set(mitdb_dir, ["100"], cache_root=tmp_path, show_progress=False)
    assert again.digest == first.digest
    np.testing.assert_array_equal(again.windows, first.windows)
    np.testing.assert_array_equal(again.records, first.records)
    other_lead = build_beat_set(mitdb_dir, ["100"], lead="V5", cache_root=tmp_path, show_progress=False)
    assert other_lead.digest != first.digest
    assert not np.array_equal(other_lead.windows, first.windows)
