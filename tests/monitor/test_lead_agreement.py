"""Second-lead agreement (lead_agreement.c, twin lead_agreement.py): known answers on constructed beat trains,
host C against the twin on random ones, and the noise stress test figures with each lead through the twin's
detector (slow)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from ecgcc.monitor.config import MonitorConfig
from ecgcc.monitor.lead_agreement import LeadAgreement, LeadAgreementConfig

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware" / "monitor"
DRIVER = Path(__file__).resolve().parent / "lead_agreement_host.c"
CFG = LeadAgreementConfig.for_monitor(MonitorConfig())
RR = 288  # 0.8 s at 360 Hz


def run_twin(primary, second, length, noisy, quiet, cfg=CFG):
    """noisy(now) / quiet(now): the levels' verdicts at each sample. Beats are pushed at their R peak."""
    la, out = LeadAgreement(cfg), []
    p, s = set(primary), set(second)
    for now in range(length + cfg.wait + 1):
        if now in p:
            la.push_primary(now)
        if now in s:
            la.push_second(now)
        out += la.advance(now, noisy(now), quiet(now))
    return out, la


def sinus(start, stop, rr=RR, jitter=0):
    return [t + (jitter and random.randint(-jitter, jitter)) for t in range(start, stop, rr)]


def test_false_beat_dropped_where_primary_noisy_and_second_quiet():
    true = sinus(400, 20000)
    false = [t + RR // 2 for t in true[20:30]]
    out, la = run_twin(sorted(true + false), [t + 5 for t in true], 20400, lambda n: True, lambda n: True)
    assert out == true and la.dropped == len(false) and la.added == 0


def test_primary_beats_stand_where_primary_quiet_or_second_noisy():
    true = sinus(400, 20000)
    beats = sorted(true + [t + RR // 2 for t in true[20:30]])
    for noisy, quiet in ((lambda n: False, lambda n: True), (lambda n: True, lambda n: False)):
        out, la = run_twin(beats, [t + 5 for t in true], 20400, noisy, quiet)
        assert out == beats and la.dropped == 0


def test_second_lead_that_drops_beats_does_not_veto():
    true = sinus(400, 20000)
    second = [t for i, t in enumerate(true) if i % 7 != 3]  # a gap of two RRs every seven beats
    out, la = run_twin(true, second, 20400, lambda n: True, lambda n: True)
    assert out == true and la.dropped == 0


def test_missed_primary_beat_added_from_second_lead():
    true = sinus(400, 20000)
    primary = [t for i, t in enumerate(true) if i not in (25, 40)]
    out, la = run_twin(primary, [t + 3 for t in true], 20400, lambda n: True, lambda n: True)
    assert la.added == 2 and sorted(out) == out
    assert out == sorted(primary + [true[25] + 3, true[40] + 3])


def build_driver(out_dir: Path) -> Path:
    exe = out_dir / "lead_agreement_host"
    subprocess.run(["gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", f"-I{FIRMWARE}",
                    str(DRIVER), str(FIRMWARE / "lead_agreement.c"), "-o", str(exe)], check=True)
    return exe


def random_case(seed):
    rng = random.Random(seed)
    length = 60 * 360
    true, t = [], 300
    while t < length:
        true.append(t)
        t += rng.randint(180, 420)
    blocks = [rng.random() < 0.6 for _ in range(length // 1800 + 2)]  # 5 s blocks: primary noisy or not
    quiet_blocks = [rng.random() < 0.7 for _ in range(length // 1800 + 2)]
    primary = sorted(set(true[i] for i in range(len(true)) if rng.random() > 0.03) |
                     set(t + rng.randint(80, 200) for t in true if blocks[t // 1800] and rng.random() < 0.3))
    second = sorted(set(t + rng.randint(-30, 30) for t in true if rng.random() > (0.25 if seed % 2 else 0.02)))
    primary = [p for i, p in enumerate(primary) if i == 0 or p - primary[i - 1] >= 72]
    second = [s for i, s in enumerate(second) if i == 0 or s - second[i - 1] >= 72]
    return primary, second, length, (lambda n: blocks[n // 1800]), (lambda n: quiet_blocks[n // 1800])


@pytest.mark.parametrize("seed", range(6))
def test_host_c_equals_twin(driver_dir, seed):
    exe = build_driver(driver_dir)
    primary, second, length, noisy, quiet = random_case(seed)
    twin_out, la = run_twin(primary, second, length, noisy, quiet)
    p, s, lines = set(primary), set(second), []
    for now in range(length + CFG.wait + 1):
        if now in p:
            lines.append(f"P {now}")
        if now in s:
            lines.append(f"S {now}")
        lines.append(f"A {now} {int(noisy(now))} {int(quiet(now))}")
    proc = subprocess.run([str(exe), str(CFG.near), str(CFG.wait), str(CFG.regular_span), str(CFG.gap_q8)],
                          input="\n".join(lines).encode(), capture_output=True, check=True)
    rows = [line.split() for line in proc.stdout.decode().splitlines()]
    c_out = [int(r[1]) for r in rows if r[0] == "B"]
    counters = [tuple(map(int, r[1:])) for r in rows if r[0] == "C"]
    assert la.dropped + la.added > 0  # the case exercises the rule
    assert c_out == twin_out
    assert counters == [(la.dropped, la.added)]


@pytest.mark.slow
def test_noise_stress_with_second_lead(mitdb):
    """Detector alone on each lead, the agreement deciding: 12 dB >= 99 / 99 %, 6 dB >= 95 / 95 % (the issue's
    targets; measured 99.94 / 99.64 % and 98.35 / 96.09 %)."""
    from ecgcc.evaluation.two_lead import evaluate_records

    nstdb = mitdb.parent / "nstdb"
    if not (nstdb / "118e06.hea").is_file():
        pytest.skip(f"nstdb not found in {nstdb}")
    for snr, floor in (("12", 0.99), ("06", 0.95)):
        pooled = evaluate_records(nstdb, [f"118e{snr}", f"119e{snr}"], start_s=300.0)["pooled"]["two_lead"]
        se, ppv = pooled["se"] / 100, pooled["ppv"] / 100
        print(f"{snr} dB: Se {100 * se:.2f} %, +P {100 * ppv:.2f} % "
              f"({pooled['missed']} missed, {pooled['false']} false)")
        assert se >= floor and ppv >= floor, (snr, se, ppv)
