"""`ecgcc evaluate --twin-setting`: monitor settings (the beat-cluster stage) apply to the beats the monitor's
own detector finds; anything else is refused as a user error before any record is read."""
from __future__ import annotations

from tests.cli_errors import one_error_line, run_cli


def test_monitor_settings_need_the_detector_peaks(capsys, tmp_path):
    status, _, err = run_cli(["evaluate", "--records", "101", "--twin-setting", "beat_clusters=1", "--quiet",
                              "--json", tmp_path / "r.json"], capsys)
    assert "--peaks detector" in one_error_line(status, err)


def test_unknown_monitor_setting_is_refused(capsys, tmp_path):
    status, _, err = run_cli(["evaluate", "--peaks", "detector", "--records", "101", "--twin-setting",
                              "beat_clusterz=1", "--quiet", "--json", tmp_path / "r.json"], capsys)
    assert "beat_clusterz" in one_error_line(status, err)


def test_stream_refuses_an_unknown_monitor_setting_before_building(capsys):
    status, _, err = run_cli(["stream", "--board", "host", "--records", "101", "--monitor-setting", "cluster_x=1"],
                             capsys)
    assert "cluster_x" in one_error_line(status, err)
