"""The noise stress test (EC57) with both leads of nstdb 118e and 119e through the monitor's second-lead agreement,
as `ecgcc ec57 --leads 2` plays them: QRS sensitivity and positive predictivity at 12 and 6 dB from minute 5,
held at the floors measured on qemu-m4 (every event equal to the twin; docs/ec57.md, "two leads") and at the
issue's targets, all met with two leads: 99 % at 12 dB, 95 % at 6 dB."""
from __future__ import annotations

import pytest

# gross QRS (Se, +P) per SNR measured with `ecgcc ec57 --board qemu-m4 ... --records 118e06,119e06,118e12,119e12`
# (12 dB 100.00 / 99.58 %, 6 dB 98.41 / 96.10 %, +P 0.960961), rounded down
FLOORS = {12: (0.9995, 0.9955), 6: (0.9840, 0.9609)}
TARGETS = {12: (0.99, 0.99), 6: (0.95, 0.95)}
RECORDS = {12: ["118e12", "119e12"], 6: ["118e06", "119e06"]}


@pytest.mark.slow
@pytest.mark.parametrize("snr_db", [12, 6])
def test_two_lead_noise_stress_meets_the_targets(snr_db, nstdb_dir, gross_qrs):
    se, ppv, entries = gross_qrs(RECORDS[snr_db], nstdb_dir, leads="2")
    print(f"noise {snr_db} dB, two leads: QRS Se {100 * se:.2f} % +P {100 * ppv:.2f} %")
    assert all(e["leads"] == ["MLII", "V1"] for e in entries)
    assert all(e["second_lead_vetoed"] + e["second_lead_added"] > 0 for e in entries)
    assert all(e["af_alarm_s"] == 0 and e["vf_alarm_s"] == 0 for e in entries)
    se_floor, ppv_floor = FLOORS[snr_db]
    se_target, ppv_target = TARGETS[snr_db]
    assert se >= max(se_floor, se_target) and ppv >= max(ppv_floor, ppv_target)
