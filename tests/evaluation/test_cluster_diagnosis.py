"""`cluster_diagnosis` names the stage's test that kept each S beat N: checked on a constructed record (a 232-like
ectopic atrial rhythm whose S beats have their own P wave) saved in the format `cluster_inputs` writes."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ecgcc.evaluation.cluster_diagnosis import diagnose
from ecgcc.monitor import MonitorConfig
from ecgcc.monitor.events import CLASS_N, CLASS_S

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "monitor"))
from test_beat_clusters import ectopic_atrial_rhythm  # noqa: E402

BUILD = dict(model_window_channels=2, model_rr_features=8, beat_clusters=1, cluster_s_irregular=0)


def write_inputs(folder: Path) -> None:
    windows, rr, truth = ectopic_atrial_rhythm(ectopic_p=-6.0)
    position = np.cumsum([round(360 * f[0] / 64) for f in rr]).astype(np.int64)
    n = len(truth)
    np.savez_compressed(folder / "x.npz", position=position, model_class=np.full(n, CLASS_N), confidence=np.full(n, 250),
                        flags=np.zeros(n, np.int64), af_active=np.zeros(n, np.int64), has_window=np.ones(n, np.int64),
                        window=np.array(windows, np.int8), rr=np.array(rr, np.int64), annotated=position,
                        labels=np.array(truth, np.int64))


def reasons(folder: Path, **settings) -> dict:
    rows = diagnose(folder, MonitorConfig(**BUILD, **settings))["x"]
    counts: dict = {}
    for row in rows[160:]:  # once the sinus cluster is the reference
        if row["label"] == CLASS_S:
            counts[row["why"]] = counts.get(row["why"], 0) + 1
    return counts


def test_reasons_follow_the_stage(tmp_path):
    write_inputs(tmp_path)
    # the stage finds every settled S beat: all "reported S"
    assert set(reasons(tmp_path)) == {"reported S"}
    # with the "early" limit at 0 the S cluster is never early enough: the diagnosis says so
    assert set(reasons(tmp_path, cluster_s_ratio=0, cluster_s_pause=0, cluster_s_votes=0)) == {"cluster not early"}
    # with the AF detector's episode on, every beat is left alone for that reason
    inputs = dict(np.load(tmp_path / "x.npz"))
    inputs["af_active"][:] = 1
    np.savez_compressed(tmp_path / "x.npz", **inputs)
    assert set(reasons(tmp_path)) == {"AF episode"}
