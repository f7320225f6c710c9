"""Beat-by-beat comparison as ANSI/AAMI EC57 defines it and WFDB's `bxb` implements it.

Both annotation lists are read the way bxb reads them: only QRS labels count as beats, each
mapped to an AAMI class (N, S, V, F, Q; a QRS label outside these, such as a flutter wave, is O);
reference beats inside a ventricular flutter episode (`[` ... `]`) are skipped, and so are test
beats that fall in a reference VF episode; a NOISE annotation whose subtype has bits 4 and 5 set
starts a shutdown (signals unreadable), and beats missed in it are tallied as X rather than O.
A test beat matches a reference beat within the match window (150 ms), choosing the closer of two
candidates as bxb does. Scoring starts after the learning period (5 minutes) and ends at the end
of the record. Every pair lands in one cell of bxb's confusion matrix (rows: reference N S V F Q
O X, columns: test n s v f q o x), from which the QRS, VEB and SVEB figures follow.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..errors import InvalidRecordError

HUGE = 1 << 62
BEAT_CLASSES = "NSVFQ"
MISSED = "OX"  # pseudo-labels: no counterpart (O), or none because the other side was shut down (X)
NO_BEAT = "*"  # label of a reader before its first beat and after its last; bxb's matrix has no cell for it

# bxb's amap() when SVEB is scored (-L/-S/-C): the escape and premature supraventricular labels are S.
AAMI_OF_LABEL = {
    "N": "N", "L": "N", "R": "N", "B": "N",
    "J": "S", "A": "S", "S": "S", "a": "S", "j": "S", "e": "S", "n": "S",
    "V": "V", "r": "V", "E": "V",
    "F": "F",
    "Q": "Q", "/": "Q", "f": "Q", "?": "Q",
}
# WFDB's isqrs(): every label above plus the flutter wave `!`, which amap() makes a non-beat (O).
QRS_LABELS = frozenset(AAMI_OF_LABEL) | {"!"}
NOISE, VF_ON, VF_OFF = "~", "[", "]"
SHUTDOWN_BITS = 0x30


def _aami(symbol: str) -> str:
    return AAMI_OF_LABEL.get(symbol, "O")


class _BeatReader:
    """One annotation list read beat by beat, tracking its last two VF and shutdown intervals."""

    def __init__(self, annotations, match_dt: int, is_reference: bool):
        self.items = list(annotations)
        self.index = 0
        self.match_dt = match_dt
        self.is_reference = is_reference
        self.time = self.next_time = 0
        self.label = self.next_label = NO_BEAT
        self.vf_on = self.vf_off = self.prev_vf_on = self.prev_vf_off = -1
        self.sd_on = self.sd_off = self.prev_sd_on = self.prev_sd_off = -1

    def _read(self):
        if self.index >= len(self.items):
            return None
        self.index += 1
        return self.items[self.index - 1]

    def _end(self):
        self.next_time, self.next_label = HUGE, NO_BEAT

    def advance(self) -> None:
        """The next beat becomes current and the one after it is read ahead (bxb's getref/gettest)."""
        self.time, self.label = self.next_time, self.next_label
        while (ann := self._read()) is not None:
            if ann.symbol in QRS_LABELS:
                self.next_time, self.next_label = ann.sample, _aami(ann.symbol)
                return
            if ann.symbol == NOISE and (ann.subtype & SHUTDOWN_BITS) == SHUTDOWN_BITS:
                self.prev_sd_on, self.prev_sd_off = self.sd_on, self.sd_off
                self.sd_on = ann.sample
                closing = self._read()
                if closing is None:
                    if self.is_reference:
                        self.sd_off = HUGE
                    self._end()
                    return
                if closing.symbol == NOISE and (closing.subtype & SHUTDOWN_BITS) != SHUTDOWN_BITS:
                    self.sd_off = closing.sample
                else:  # a single mark in mid-shutdown (AHA style): shutdown spans the gap around it
                    self.sd_on = (self.vf_off if self.vf_off > self.time else self.time) + self.match_dt
                    self.sd_off = closing.sample - self.match_dt
                    self.sd_on = min(self.sd_on, self.sd_off)
                    self.index -= 1
            elif ann.symbol == VF_ON:
                self.prev_vf_on, self.prev_vf_off = self.vf_on, self.vf_off
                self.vf_on = ann.sample
                while True:
                    closing = self._read()
                    if closing is None:
                        self._end()
                        return
                    if closing.symbol == VF_OFF:
                        break
                self.vf_off = closing.sample
        self._end()

    def in_vf(self, t: int) -> bool:
        return ((self.vf_on != -1 and self.vf_on <= t and (t <= self.vf_off or self.vf_off == -1))
                or (self.prev_vf_on != -1 and self.prev_vf_on <= t <= self.prev_vf_off))

    def in_shutdown(self, t: int) -> bool:
        return ((self.sd_on != -1 and self.sd_on <= t and (t <= self.sd_off or self.sd_off == -1))
                or (self.prev_sd_on != -1 and self.prev_sd_on <= t <= self.prev_sd_off))


@dataclass
class BeatCounts:
    """bxb's confusion matrix: pairs[(reference, test)] with labels in N S V F Q O X."""

    pairs: Counter = field(default_factory=Counter)

    def add(self, reference, test) -> None:
        if reference in BEAT_CLASSES and (test in BEAT_CLASSES or test in MISSED):
            self.pairs[reference, test] += 1
        elif reference in MISSED and test in BEAT_CLASSES:
            self.pairs[reference, test] += 1

    def total(self, references, tests) -> int:
        return sum(self.pairs[r, t] for r in references for t in tests)

    def __add__(self, other: "BeatCounts") -> "BeatCounts":
        return BeatCounts(self.pairs + other.pairs)

    # The tallies bxb prints, with its own grouping of cells.
    def qrs(self) -> tuple[int, int, int]:
        """True positives, false negatives, false positives."""
        return (self.total(BEAT_CLASSES, BEAT_CLASSES), self.total(BEAT_CLASSES, MISSED),
                self.total(MISSED, BEAT_CLASSES))

    def veb(self) -> tuple[int, int, int, int]:
        """True positives, false negatives, false positives, true negatives (F and Q refs called V are neither)."""
        tp = self.pairs["V", "V"]
        fn = self.total("V", "NSFQOX")
        fp = self.total("NSOX", "V")
        tn = self.total("NSFQOX", "NSFQ")
        return tp, fn, fp, tn

    def sveb(self) -> tuple[int, int, int]:
        """True positives, false negatives, false positives (Q refs called S are neither)."""
        return self.pairs["S", "S"], self.total("S", "NVFQOX"), self.total("NVFOX", "S")

    def as_dict(self) -> dict:
        return {f"{r}{t.lower()}": n for (r, t), n in sorted(self.pairs.items()) if n}


def wfdb_samples(seconds: float, fs: float) -> int:
    """A time in samples as WFDB's strtim() rounds it: halves up (Python's round() takes them to even,
    which at 30, 70 or 110 Hz makes the 150 ms window one sample shorter than bxb's)."""
    return int(seconds * fs + 0.5)


def compare_beats(reference, test, fs: float, length: int, *, start_s: float = 300.0,
                  window_s: float = 0.150) -> BeatCounts:
    """bxb's comparison of two time-ordered annotation lists of one record (length in samples; 0 when
    unknown, and scoring then runs to the last reference beat)."""
    match_dt = wfdb_samples(window_s, fs)
    start = wfdb_samples(start_s, fs)
    if 0 < length < start:
        raise InvalidRecordError(f"the record ({length} samples) ends inside the learning period ({start} samples)",
                                 hint="bxb refuses such a record too; score it with a shorter --learning-period")
    end_time = length if length > 0 else -1
    ref = _BeatReader(reference, match_dt, is_reference=True)
    tst = _BeatReader(test, match_dt, is_reference=False)
    counts = BeatCounts()

    ref.advance()
    while ref.time < start:  # first reference beat of the test period
        ref.advance()
    tst.advance()
    while tst.next_time < start:  # current: last test beat of the learning period; next: the first after it
        tst.advance()

    T, t = ref.time, tst.time
    if T - t < abs(T - tst.next_time) and T - t <= match_dt:
        # a side still at its start (a learning period shorter than the window) is NO_BEAT, so that, as
        # in bxb, its pair is not counted
        counts.add(ref.label, tst.label)
        ref.advance()
        tst.advance()
    else:
        tst.advance()
        if tst.time - start <= match_dt and abs(ref.time - tst.next_time) < abs(ref.time - tst.time):
            tst.advance()

    while ((end_time > 0 and (ref.time <= end_time or tst.time <= end_time))
           or (end_time == -1 and ref.time != HUGE)):
        T, t, T_next, t_next = ref.time, tst.time, ref.next_time, tst.next_time
        if t < T:
            if T - t <= match_dt and (T - t < abs(T - t_next) or abs(T_next - t_next) < abs(T - t_next)):
                counts.add(ref.label, tst.label)
                ref.advance()
                tst.advance()
            else:
                if not ref.in_vf(t):  # test beats inside a reference flutter episode are not scored
                    counts.add("X" if ref.in_shutdown(t) else "O", tst.label)
                tst.advance()
        else:
            if t - T <= match_dt and (t - T < abs(t - T_next) or abs(t_next - T_next) < abs(t - T_next)):
                counts.add(ref.label, tst.label)
                tst.advance()
                ref.advance()
            else:
                counts.add(ref.label, "X" if tst.in_shutdown(T) else "O")
                ref.advance()
    return counts
