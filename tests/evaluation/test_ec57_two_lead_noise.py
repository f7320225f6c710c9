"""The noise stress test (EC57) with both leads of nstdb 118e and 119e through the monitor's second-lead agreement,
as `ecgcc ec57 --leads 2` plays them: QRS sensitivity and positive predictivity at 12 and 6 dB from minute 5,
held at the floors measured on qemu-m4 (every event equal to the twin; docs/ec57.md, "two leads") and at the
issue's targets, all met with two leads: 99 % at 12 dB, 95 % at 6 dB."""
from __future__ import annotations

import pytest

from ecgcc.evaluation.ec57_beats import BeatCounts

# gross QRS (Se, +P) per SNR measured with `ecgcc ec57 --board qemu-m4 ... --records 118e06,119e06,118e12,119e12`
# (12 dB 100.00 / 99.58 %, 6 dB 98.41 / 96.10 %, +P 0.960961), rounded down
FLOORS = {12: (0.9995, 0.9955), 6: (0.9840, 0.9609)}
TARGETS = {12: (0.99, 0.99), 6: (0.95, 0.95)}
RECORDS = {12: ["118e12", "119e12"], 6: ["118e06", "119e06"]}


@pytest.fixture(scope="module")
def twin_chain():
    from ecgcc import firmware
    from ecgcc.harness.hil import CompiledModel
    from ecgcc.harness.stream import reference_classifier
    from ecgcc.model_cache import ensure_model

    model_dir = ensure_model("host")
    return reference_classifier(CompiledModel.load(model_dir).tflite), firmware.monitor_config_for(model_dir)


def gross_qrs(names, data_dir, twin_chain, leads: str) -> tuple[float, float, list]:
    from ecgcc.evaluation.ec57_run import score_stream

    classifier, config = twin_chain
    total, entries = BeatCounts(), []
    for name in names:
        entry, score, _ = score_stream(name, data_dir, None, classifier, config, 300.0, leads)
        total = total + score.beats
        entries.append(entry)
    tp, fn, fp = total.qrs()
    return tp / (tp + fn), tp / (tp + fp), entries


@pytest.mark.slow
@pytest.mark.parametrize("snr_db", [12, 6])
def test_two_lead_noise_stress_meets_the_targets(snr_db, mitdb_dir, twin_chain):
    data_dir = mitdb_dir.parent / "nstdb"
    if not (data_dir / "118e12.hea").is_file():
        pytest.skip(f"nstdb not found in {data_dir}")
    se, ppv, entries = gross_qrs(RECORDS[snr_db], data_dir, twin_chain, "2")
    print(f"noise {snr_db} dB, two leads: QRS Se {100 * se:.2f} % +P {100 * ppv:.2f} %")
    assert all(e["leads"] == ["MLII", "V1"] for e in entries)
    assert all(e["second_lead_vetoed"] + e["second_lead_added"] > 0 for e in entries)
    assert all(e["af_alarm_s"] == 0 and e["vf_alarm_s"] == 0 for e in entries)
    se_floor, ppv_floor = FLOORS[snr_db]
    se_target, ppv_target = TARGETS[snr_db]
    assert se >= max(se_floor, se_target) and ppv >= max(ppv_floor, ppv_target)
