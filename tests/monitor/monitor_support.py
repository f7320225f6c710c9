"""Build and run the C host driver (monitor_host.c), load MIT-BIH records,
and compare its output with the Python twin (ecgcc.monitor)."""

from __future__ import annotations

import bisect
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ecgcc.monitor import MonitorConfig, run_monitor
from ecgcc.monitor.monitor import TRACE_COLUMNS
from ecgcc.monitor.rhythm import RhythmLimits
from ecgcc.monitor.events import CLASS_F, CLASS_N, CLASS_Q, CLASS_S, CLASS_V, Event

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware" / "monitor"
DRIVER = Path(__file__).resolve().parent / "monitor_host.c"

# MIT-BIH beat annotation symbols (non-beat annotations are left out).
BEAT_SYMBOLS = set("NLRBAaJSVrFejnE/fQ?")
AAMI = {
    **dict.fromkeys("NLRej", CLASS_N),
    **dict.fromkeys("AaJS", CLASS_S),
    **dict.fromkeys("VE", CLASS_V),
    "F": CLASS_F,
    **dict.fromkeys("/fQ?", CLASS_Q),
}
DS2 = [100, 103, 105, 111, 113, 117, 121, 123, 200, 202, 210, 212, 213, 214, 219, 221, 222, 228, 231, 232, 233, 234]


def build_driver(out_dir: Path, cfg: MonitorConfig, extra_flags: tuple[str, ...] = ()) -> Path:
    """Compile the host driver with cfg's build settings (cached by flags)."""
    flags = cfg.c_defines() + list(extra_flags)
    sources = sorted(FIRMWARE.glob("*.c")) + [DRIVER]
    digest = hashlib.sha1(" ".join(flags).encode())
    for path in sources + sorted(FIRMWARE.glob("*.h")):
        digest.update(path.read_bytes())
    exe = out_dir / f"monitor_host_{digest.hexdigest()[:12]}"
    if not exe.exists():
        subprocess.run(
            ["gcc", "-std=c99", "-D_POSIX_C_SOURCE=199309L", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic",
             f"-I{FIRMWARE}", *flags, *map(str, sources), "-o", str(exe)],
            check=True,
        )
    return exe


@dataclass
class DriverResult:
    events: list[Event]
    counters: dict
    trace: np.ndarray | None
    windows: np.ndarray | None  # rows: beat_id, position, flags, rr[...], window bytes


def run_driver(exe: Path, samples: np.ndarray, work: Path, cfg: MonitorConfig, *, trace=False, windows=False,
               classes: list[tuple[int, int]] | None = None, answer="callback", limits=None, second=None,
               wrong_call_every: int = 0) -> DriverResult:
    """second: the second lead's samples (the driver then runs a two-lead monitor)."""
    args = [str(exe), "--answer", answer]
    if second is not None:
        args += ["--leads", "2"]
        samples = np.column_stack([np.asarray(samples), np.asarray(second)]).reshape(-1)
    if wrong_call_every:
        args += ["--wrong-call-every", str(wrong_call_every)]
    trace_path, window_path = work / "trace.bin", work / "windows.bin"
    if trace:
        args += ["--trace", str(trace_path)]
    if windows:
        args += ["--windows", str(window_path)]
    if classes is not None:
        class_path = work / "classes.txt"
        class_path.write_text("".join(" ".join(map(str, entry)) + "\n" for entry in classes))
        args += ["--classes", str(class_path)]
    for name, value in (limits or {}).items():
        args += [f"--{name}", str(value)]
    proc = subprocess.run(args, input=np.asarray(samples, dtype="<i4").tobytes(), capture_output=True, check=True)
    events, counters = [], {}
    for line in proc.stdout.decode().splitlines():
        parts = line.split()
        if parts[0] == "E":
            events.append(Event(*map(int, parts[1:])))
        elif parts[0] == "C":
            counters[parts[1]] = int(parts[2])
    tr = np.fromfile(trace_path, dtype="<i4").reshape(-1, 7).astype(np.int64) if trace else None
    width = 3 + cfg.model_rr_features + cfg.window_bytes
    win = np.fromfile(window_path, dtype="<i4").reshape(-1, width).astype(np.int64) if windows else None
    return DriverResult(events, counters, tr, win)


def driver_config(exe: Path) -> dict:
    out = subprocess.run([str(exe), "--config"], capture_output=True, check=True).stdout.decode()
    return {line.split()[1]: int(line.split()[2]) for line in out.splitlines() if line.startswith("K ")}


def twin_windows(result, cfg: MonitorConfig) -> np.ndarray:
    """The twin's released windows in the driver's row layout."""
    rows = [[b.beat_id, b.position, b.flags, *b.rr, *w.reshape(-1).astype(np.int64).tolist()] for b, w in result.windows]
    return np.array(rows, dtype=np.int64).reshape(-1, 3 + cfg.model_rr_features + cfg.window_bytes)


class OracleClassifier:
    """Stand-in for the model, identical to the driver's: the class of the
    nearest listed beat within 150 ms (at its listed confidence, 230 when the
    entry is (position, class) only), else N at 100."""

    def __init__(self, classes: list[tuple], cfg: MonitorConfig):
        self.positions = [entry[0] for entry in classes]
        self.classes = [entry[1] for entry in classes]
        self.confidences = [entry[2] if len(entry) > 2 else 230 for entry in classes]
        self.tolerance = cfg.ms(150)

    def __call__(self, beat, window):
        i = bisect.bisect_left(self.positions, beat.position)
        best, best_distance = None, self.tolerance + 1
        for j in (i - 1, i):
            if 0 <= j < len(self.positions):
                d = abs(self.positions[j] - beat.position)
                if d < best_distance:
                    best, best_distance = j, d
        if best is not None and best_distance <= self.tolerance:
            return self.classes[best], self.confidences[best]
        return CLASS_N, 100


def data_dir() -> Path:
    from ecgcc.data.location import default_data_dir

    return Path(default_data_dir())


def load_record(record: int | str, directory: Path | None = None):
    """MLII raw ADC samples and beat annotations (positions, AAMI classes)."""
    import wfdb

    path = str((directory or data_dir()) / str(record))
    rec = wfdb.rdrecord(path, physical=False)
    samples = rec.d_signal[:, rec.sig_name.index("MLII")].astype(np.int64)
    ann = wfdb.rdann(path, "atr")
    keep = [i for i, s in enumerate(ann.symbol) if s in BEAT_SYMBOLS]
    positions = np.asarray(ann.sample, dtype=np.int64)[keep]
    classes = np.array([AAMI[ann.symbol[i]] for i in keep], dtype=np.int64)
    return samples, positions, classes


def detection_scores(reference: np.ndarray, detected: np.ndarray, window: int = 54) -> dict:
    """Se and +P with wfdb.processing.compare_annotations (150 ms at 360 Hz)."""
    from wfdb import processing

    c = processing.compare_annotations(reference, detected, window)
    return {
        "tp": int(c.tp), "fn": int(c.fn), "fp": int(c.fp),
        "se": c.tp / max(1, c.tp + c.fn), "ppv": c.tp / max(1, c.tp + c.fp),
    }


def compare(c, py, cfg):
    assert c.trace.shape == py.trace.shape
    for i, name in enumerate(TRACE_COLUMNS):
        mismatch = np.flatnonzero(c.trace[:, i] != py.trace[:, i])
        assert mismatch.size == 0, f"{name} differs first at push {mismatch[:1]}"
    for k, (a, b) in enumerate(zip(c.events, py.events)):
        assert a == b, f"event {k}: C {a} != Python {b}"
    assert len(c.events) == len(py.events)
    np.testing.assert_array_equal(c.windows, twin_windows(py, cfg))
    assert c.counters == py.counters


def run_both(samples, cfg, work, classes=None, answer="callback", limits=None, second=None, wrong_call_every=0):
    exe = build_driver(work, cfg)
    c = run_driver(exe, samples, work, cfg, trace=True, windows=True, classes=classes or [], answer=answer,
                   limits=limits, second=second, wrong_call_every=wrong_call_every)
    oracle = OracleClassifier(classes or [], cfg)
    rl = RhythmLimits.defaults(cfg)
    limits = dict(limits or {})
    af_min_ms = limits.pop("af-min", None)
    for name, value in limits.items():
        setattr(rl, {"brady": "brady_bpm", "tachy": "tachy_bpm", "pause": "pause_ms", "vrun": "vrun_beats"}[name],
                value)
    py = run_monitor(samples, cfg, limits=rl, classifier=oracle, answer=answer, af_min_ms=af_min_ms, second=second,
                     wrong_call_every=wrong_call_every)
    return c, py
