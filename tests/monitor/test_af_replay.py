"""af_replay feeds the AF detector what the monitor feeds it: replayed over the beats a monitor run closed
(recorded through its observer), the AF alarms equal the run's own, with and without the P-wave gate."""
from __future__ import annotations

import numpy as np
import pytest
from monitor_support import OracleClassifier
from rhythm_signals import beats_at, irregular_rr, regular_rr

from ecgcc.evaluation.af_replay import replay
from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.events import ALARM, ALARM_AF, CLASS_N, CLASS_S, FLAG_NO_WINDOW, FLAG_NOT_CLASSIFIED, FLAG_SUSPENDED


def recorded_run(cfg):
    rng = np.random.default_rng(4)
    rr = np.concatenate([regular_rr(60, 0.8, rng), irregular_rr(120, rng), regular_rr(60, 0.8, rng)])
    x, positions = beats_at(rr, p_wave=False)
    # every fifth beat classed S: the default build leaves its intervals out, the S-blind build keeps them
    classes = [(int(p), CLASS_S if i % 5 == 0 else CLASS_N) for i, p in enumerate(positions)]
    oracle = OracleClassifier(classes, cfg)
    rows, channels, seen = [], [], []

    def observe(beat, window, model_class, confidence, flags, af_active):
        rows.append((beat.position, model_class, confidence, flags | (beat.flags & 0x02)))
        ok = not flags & (FLAG_NO_WINDOW | FLAG_NOT_CLASSIFIED | FLAG_SUSPENDED)
        channels.append(np.asarray(window).reshape(-1)[::cfg.model_window_channels] if ok
                        else np.zeros(cfg.model_window_len, np.int8))
        seen.append(ok)

    result = run_monitor(cfg.samples_from_mv(x), cfg, classifier=oracle, observer=observe, af_min_ms=10000)
    rows = np.array(rows, np.int64)
    inputs = {"position": rows[:, 0], "model_class": rows[:, 1], "confidence": rows[:, 2], "flags": rows[:, 3],
              "channel": np.array(channels, np.int8), "has_window": np.array(seen, bool)}
    return result, inputs


@pytest.mark.parametrize("build", [{}, {"af_p_coherence_max": 64, "af_skip_s": 0}])
def test_replayed_alarms_equal_the_monitor_run(build):
    cfg = MonitorConfig(**build, af_min_ms=10000)
    result, inputs = recorded_run(cfg)
    expected = [(e.code, e.flags, e.position, e.value) for e in result.of_type(ALARM) if e.code == ALARM_AF]
    replayed = [(e.code, e.flags, e.position, e.value) for e in replay(inputs, cfg)["alarms"]]
    assert expected and replayed == expected
