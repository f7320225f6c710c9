"""The monitor with two leads (config.leads = 2, monitor_push_pair) against its twin (run_monitor(second=...)):
a constructed recording whose primary lead carries a burst of noise inside the detector's pass band while the
second lead stays clean, so the second-lead agreement must veto the primary lead's noise beats and add the
beats it misses. Host C equals the twin event for event and counter for counter; the twin's beats are the ones
ecgcc.evaluation.two_lead decides from the same two leads; a push with the call of the other lead count is
refused in both."""
from __future__ import annotations

import numpy as np
import pytest
from monitor_support import build_driver, compare, run_both, run_driver

from ecgcc.evaluation import two_lead
from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import ALARM, ALARM_PAUSE, BEAT, FLAG_SEARCHBACK, FLAG_SECOND_LEAD

FS = 360
SECONDS = 150
NOISY = (50 * FS, 110 * FS)
RR = int(0.9 * FS)  # with beats decided 2.6 s late, a pause check still reading the one-lead "now" sees 3.05 s
PAUSE_LIMITS = {"pause": 2500}


def pqrst(t: np.ndarray, peaks: np.ndarray, r_mv: float, qrs_s: float) -> np.ndarray:
    """A QRS of r_mv with a small S dip and a T wave at each peak, on a slow wander (mV)."""
    x = 0.04 * np.sin(2 * np.pi * 0.25 * t / FS)
    for p in peaks:
        d = (t - p) / FS
        x += r_mv * np.exp(-0.5 * (d / qrs_s) ** 2)
        x -= 0.25 * r_mv * np.exp(-0.5 * ((d - 0.035) / 0.018) ** 2)
        x += 0.3 * r_mv * np.exp(-0.5 * ((d - 0.26) / 0.05) ** 2)
    return x


def two_lead_recording(cfg: MonitorConfig, noise_mv: float = 0.3):
    """(primary ADC, second ADC, R peaks): the primary lead noisy from 50 to 110 s, the second nearly clean."""
    from scipy.signal import butter, lfilter

    t = np.arange(FS * SECONDS)
    rng = np.random.default_rng(15)
    peaks = np.cumsum(np.full(SECONDS * FS // RR - 3, RR) + rng.integers(-9, 10, SECONDS * FS // RR - 3)) - RR // 2
    b, a = butter(2, [6 / (FS / 2), 18 / (FS / 2)], "band")
    burst = lfilter(b, a, rng.standard_normal(len(t)))
    burst *= noise_mv / np.std(burst) * ((t >= NOISY[0]) & (t < NOISY[1]))
    # The second lead's own noise is mild, but enough that its quiet verdict (noise x 3 <= signal) differs from
    # one with another ratio somewhere: a wrong ratio changes the beats.
    hum = lfilter(b, a, rng.standard_normal(len(t)))
    hum *= 0.04 / np.std(hum) * ((t >= 40 * FS) & (t < 120 * FS))
    primary = pqrst(t, peaks, 1.2, 0.012) + burst
    second = pqrst(t, peaks + 4, 0.8, 0.015) + hum  # the second lead's R peak a little later, as V1's often is
    return cfg.samples_from_mv(primary), cfg.samples_from_mv(second), peaks


def matched(reference: np.ndarray, found: np.ndarray, tolerance: int) -> tuple[int, int]:
    """(missed reference beats, false found beats) within the tolerance, each beat matched at most once."""
    taken, false = set(), 0
    for p in found:
        near = [i for i in np.flatnonzero(np.abs(reference - p) <= tolerance) if i not in taken]
        if near:
            taken.add(near[0])
        else:
            false += 1
    return len(reference) - len(taken), false


@pytest.fixture(scope="module")
def recording():
    cfg = MonitorConfig()
    return cfg, *two_lead_recording(cfg)


def test_host_c_equals_twin_with_two_leads(recording, driver_dir):
    cfg, primary, second, peaks = recording
    c, py = run_both(primary, cfg, driver_dir, limits=PAUSE_LIMITS, second=second)
    compare(c, py, cfg)
    counters = py.counters
    assert counters["second_lead_vetoed"] >= 10 and counters["second_lead_added"] >= 3, counters
    beats = py.of_type(BEAT)
    added = [e for e in beats if e.flags & FLAG_SECOND_LEAD]
    assert len(added) == counters["second_lead_added"]
    assert not any(e.flags & FLAG_SECOND_LEAD and e.flags & FLAG_SEARCHBACK for e in beats)
    assert counters["searchback_beats"] == sum(1 for e in beats if e.flags & FLAG_SEARCHBACK)
    # every beat is decided, the last one too (flush pushes enough padding), none twice
    assert counters["beats"] == len(beats) == len({e.position for e in beats})
    assert matched(peaks, py.beat_positions, cfg.ms(150)) == (0, 0)
    # the verdicts' ratios matter here: either other one changes the beats
    for other in (MonitorConfig(lead_quiet_ratio=5), MonitorConfig(lead_noisy_ratio=3)):
        assert run_monitor(primary, other, second=second).beat_positions.tolist() != py.beat_positions.tolist()
    # beats come later than with one lead; no pause is raised for that
    assert not [e for e in py.of_type(ALARM) if e.code == ALARM_PAUSE]


def test_primary_lead_alone_is_broken_by_the_noise(recording):
    """The case needs the second lead: one lead misses beats and takes noise for beats."""
    cfg, primary, _, peaks = recording
    missed, false = matched(peaks, run_monitor(primary, cfg).beat_positions, cfg.ms(150))
    assert missed >= 3 and false >= 10, (missed, false)


def test_twin_beats_are_the_two_lead_decision(recording):
    """The monitor decides as ecgcc.evaluation.two_lead does with the detectors alone (the records' ends aside:
    here the recording starts and ends clean, so every beat is the same)."""
    cfg, primary, second, _ = recording
    decided, la = two_lead.decide(two_lead.detect_lead(primary, cfg), two_lead.detect_lead(second, cfg), cfg)
    py = run_monitor(primary, cfg, second=second)
    assert py.beat_positions.tolist() == decided
    assert (py.counters["second_lead_vetoed"], py.counters["second_lead_added"]) == (la.dropped, la.added)


@pytest.mark.parametrize("leads", [1, 2])
def test_push_with_the_other_lead_count_refused(recording, driver_dir, leads):
    """monitor_push_pair on a one-lead monitor returns -1 and changes nothing; monitor_push_sample on a two-lead
    monitor changes nothing but samples_refused. The driver checks the return values and that no event came."""
    cfg, primary, second, _ = recording
    primary, second = primary[: 40 * FS], second[: 40 * FS]
    second = second if leads == 2 else None
    every = 7
    c, py = run_both(primary, cfg, driver_dir, second=second, wrong_call_every=every)
    compare(c, py, cfg)
    plain = run_driver(build_driver(driver_dir, cfg), primary, driver_dir, cfg, second=second)
    assert c.events == plain.events
    refused = (len(primary) + every - 1) // every if leads == 2 else 0
    assert c.counters == {**plain.counters, "samples_refused": refused}
    assert py.counters["samples_refused"] == refused


def test_flush_decides_the_last_beat(recording, driver_dir):
    """A beat 20 samples before the end is decided only once the padding has run MONITOR_LEAD_WAIT samples past
    it: flush pushes that much more with two leads than with one."""
    cfg, primary, second, peaks = recording
    end = int(peaks[-1]) + 20
    c, py = run_both(primary[:end], cfg, driver_dir, second=second[:end])
    compare(c, py, cfg)
    assert py.beat_positions[-1] == peaks[-1]
    assert py.counters["samples_padding"] == cfg.flush_len_two_leads


@pytest.mark.slow
def test_noise_stress_whole_monitor_with_two_leads(mitdb):
    """The whole twin monitor running both leads on nstdb 118/119 at 12 and 6 dB, scored through ec57 from minute
    5: the issue's targets (12 dB >= 99 / 99 %, 6 dB >= 95 / 95 %; measured 100.00 / 99.58 % and 98.41 / 96.10 %),
    and every beat the detectors-alone decision finds, with any other beat within the detector's report lag of the
    end (the flush)."""
    nstdb = mitdb.parent / "nstdb"
    if not (nstdb / "118e06.hea").is_file():
        pytest.skip(f"nstdb not found in {nstdb}")
    for snr, floor in (("12", 0.99), ("06", 0.95)):
        result = two_lead.evaluate_records(nstdb, [f"118e{snr}", f"119e{snr}"], start_s=300.0, monitor=True)
        pooled = result["pooled"]["monitor"]
        print(f"{snr} dB: Se {pooled['se']:.2f} %, +P {pooled['ppv']:.2f} % ({pooled['missed']}, {pooled['false']})")
        assert pooled["se"] >= 100 * floor and pooled["ppv"] >= 100 * floor, (snr, pooled)
        for entry in result["records"]:
            assert entry["decision_only"] == [], entry["record"]
            # two_lead.detect_lead stops at the last sample; a beat its detector would report later comes only
            # from the monitor's flush
            last = entry["monitor_counters"]["samples_in"] - MonitorConfig().qrs_max_report_lag
            assert all(p >= last for p in entry["monitor_only"]), entry
