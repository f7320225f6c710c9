"""Slow: the twin's AF and VF alarms over the real records against the
targets of issue 15 (episode scoring as EC57 scores AF and VF: any overlap,
after the 5-minute learning period as epicmp and `ecgcc ec57` score them; the
VF figures over whole records are kept as a regression check). The beats are classed by the
reference int8 model, run by the TFLite Micro reference as the device runs
its own C, so the AF detector sees the classes the device gives it.
Targets not yet met are marked xfail(strict), so meeting them turns the
mark red."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from episodes import alarm_delays, clip, detected_episodes, reference_episodes, score
from monitor_support import data_dir

from ecgcc.monitor import run_monitor
from ecgcc.monitor.events import ALARM_AF, ALARM_VF

pytestmark = pytest.mark.slow

FS = 360
LEARNING = 300 * FS
AF_RECORDS = ["201", "202", "203", "210", "219", "221", "222"]
MITDB = [
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "111", "112", "113", "114", "115", "116",
    "117", "118", "119", "121", "122", "123", "124", "200", "201", "202", "203", "205", "207", "208", "209", "210",
    "212", "213", "214", "215", "217", "219", "220", "221", "222", "223", "228", "230", "231", "232", "233", "234",
]
OTHER = [r for r in MITDB if r not in AF_RECORDS]
CUDB = [f"cu{i:02d}" for i in range(1, 36)]
NSTDB = [f"{r}e{snr}" for r in ("118", "119") for snr in ("06", "12", "18", "24")] + ["bw", "em", "ma"]


def database(name: str):
    directory = data_dir() if name == "mitdb" else data_dir().parent / name
    if not directory.is_dir():
        pytest.skip(f"{name} not found beside {data_dir()}")
    return directory


@lru_cache(maxsize=None)
def model():
    """The reference model's classifier and the monitor build that feeds it, as `ecgcc ec57 --twin` uses them."""
    from ecgcc import firmware
    from ecgcc.harness.hil import CompiledModel
    from ecgcc.harness.stream import reference_classifier
    from ecgcc.model_cache import ensure_model

    model_dir = ensure_model("host")
    return reference_classifier(CompiledModel.load(model_dir).tflite), firmware.monitor_config_for(model_dir)


@lru_cache(maxsize=None)
def run(db: str, record: str):
    """(events, reference episodes, samples) of one record through the twin."""
    from ecgcc.harness.stream import load_stream_record

    directory = database(db)
    import wfdb

    classify, cfg = model()
    if record in ("bw", "em", "ma"):
        noise = wfdb.rdrecord(str(directory / record)).p_signal[:, 0]
        adc = np.round(noise * 200).astype(np.int64) + 1024
        reference = {"af": [], "vf": []}
    else:
        adc = load_stream_record(record, directory).adc   # invalid samples arrive as the last valid value
        reference = reference_episodes(directory, record, len(adc))
    return run_monitor(adc, cfg, classifier=classify).events, reference, len(adc)


def af_figures():
    pairs = []
    for record in AF_RECORDS:
        events, reference, n = run("mitdb", record)
        pairs.append((clip(reference["af"], LEARNING), clip(detected_episodes(events, ALARM_AF, n)[0], LEARNING)))
    figures = score(pairs)
    print("AF on", ",".join(AF_RECORDS), figures)
    return figures


def vf_figures(learning: int = LEARNING):
    """Episode figures on cudb and 207 from 'learning' samples on (0: whole records). The alarm
    delay runs from a reference episode's true onset, even one inside the learning period."""
    pairs, delays = [], []
    for db, record in [("cudb", r) for r in CUDB] + [("mitdb", "207")]:
        events, reference, n = run(db, record)
        detected, raised_at = detected_episodes(events, ALARM_VF, n)
        pairs.append((clip(reference["vf"], learning), clip(detected, learning)))
        scored = [r for r in reference["vf"] if r[1] > learning]
        delays += alarm_delays(scored, detected, raised_at)
    figures, median_delay = score(pairs), float(np.median(delays)) / FS
    print("VF on cudb and 207 from", learning / FS, "s:", figures, "median alarm delay s", median_delay)
    return figures, median_delay


def test_af_episodes_on_the_seven_af_records():
    figures = af_figures()
    assert figures["episode_se"] >= 0.90
    assert figures["episode_ppv"] >= 0.90


def test_af_duration_on_the_seven_af_records():
    assert af_figures()["duration_se"] >= 0.95


def test_no_af_alarm_longer_than_a_minute_on_the_other_records():
    total = 0
    for record in OTHER:
        events, _, n = run("mitdb", record)
        total += sum(e - s for s, e in clip(detected_episodes(events, ALARM_AF, n)[0], LEARNING))
    print("AF alarm time on the other 41 records, s:", total / FS)
    assert total <= 60 * FS


def test_vf_episodes_on_cudb_and_207():
    figures, median_delay = vf_figures()
    assert figures["episode_se"] >= 0.90
    assert figures["episode_ppv"] >= 0.90
    assert median_delay <= 5.0


def test_vf_over_whole_records_stays_where_it_was_measured():
    """Whole records, learning period included: not the EC57 figure, but a regression shows at once
    (measured: Se 0.925, +P 0.868, median delay 4.2 s; docs/alarms.md)."""
    figures, median_delay = vf_figures(learning=0)
    assert median_delay <= 5.0
    assert figures["episode_se"] >= 0.90
    assert figures["episode_ppv"] >= 0.85


@pytest.mark.parametrize("record", NSTDB)
def test_no_vf_or_af_alarm_on_noise_stress_records(record):
    events, _, n = run("nstdb", record)
    assert detected_episodes(events, ALARM_VF, n)[0] == []
    assert detected_episodes(events, ALARM_AF, n)[0] == []
