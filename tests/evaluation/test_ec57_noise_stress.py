"""The noise stress test (EC57) as the twin of the deployed chain scores it: QRS sensitivity and
positive predictivity of nstdb 118e and 119e at 12 and 6 dB, from minute 5, held at the floors
measured in docs/alarms.md ("noise round 4"), so a regression shows, and the issue's targets
(99 % at 12 dB, 95 % at 6 dB) where they are met: Se and +P at 12 dB, Se at 6 dB; +P at 6 dB is not met yet."""
from __future__ import annotations

import pytest

# gross QRS (Se, +P) floors per SNR: the figures measured with `ecgcc ec57 --twin` with the held beat and the cap
# on the noisy threshold (12 dB 99.80 / 99.11 %, 6 dB 96.06 / 91.58 %) rounded down; the 6 dB +P floor is lower
# than round 3's (91.70 %), the price of the cap (cudb QRS Se 73.65 -> 75.24 %, nstdb -6 dB 49.34 -> 52.19 %)
FLOORS = {12: (0.9980, 0.9910), 6: (0.9600, 0.9150)}
# the targets that are met; 6 dB +P (95 %) is not
TARGETS_MET = {12: (0.99, 0.99), 6: (0.95, None)}
RECORDS = {12: ["118e12", "119e12"], 6: ["118e06", "119e06"]}


@pytest.mark.slow
@pytest.mark.parametrize("snr_db", [12, 6])
def test_noise_stress_qrs_figures_hold(snr_db, nstdb_dir, gross_qrs):
    se, ppv, _ = gross_qrs(RECORDS[snr_db], nstdb_dir)
    print(f"noise {snr_db} dB: QRS Se {100 * se:.2f} % +P {100 * ppv:.2f} %")
    se_floor, ppv_floor = FLOORS[snr_db]
    assert se >= se_floor and ppv >= ppv_floor
    se_target, ppv_target = TARGETS_MET[snr_db]
    assert se >= se_target
    if ppv_target is not None:
        assert ppv >= ppv_target
