"""Twin of firmware/monitor/lead_agreement.c: the second lead vetoes the primary lead's beats, and adds its own,
where the primary lead is noisy and the second lead quiet and regular. Same ring sizes, same integer tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import MonitorConfig

LEAD_AGREEMENT_BEATS = 64


@dataclass(frozen=True)
class LeadAgreementConfig:
    near: int
    wait: int
    regular_span: int
    gap_q8: int

    @classmethod
    def for_monitor(cls, cfg: MonitorConfig, *, near_ms: int | None = None, regular_ms: int | None = None,
                    gap_q8: int | None = None) -> "LeadAgreementConfig":
        """The build's setting (monitor_init's): by default 150 ms either side, decided once the slowest report
        of either detector is in, 10 s of second-lead RRs, largest RR at most 1.8 x their median."""
        near = cfg.ms(cfg.lead_near_ms if near_ms is None else near_ms)
        return cls(near, near + cfg.qrs_max_report_lag, cfg.ms(cfg.lead_regular_ms if regular_ms is None else regular_ms),
                   cfg.lead_gap_q8 if gap_q8 is None else gap_q8)


@dataclass
class _Lead:
    positions: list = field(default_factory=lambda: [0] * LEAD_AGREEMENT_BEATS)
    count: int = 0
    decided: int = 0

    def oldest(self) -> int:
        return max(0, self.count - LEAD_AGREEMENT_BEATS)

    def at(self, index: int) -> int:
        return self.positions[index % LEAD_AGREEMENT_BEATS]

    def push(self, position: int):
        self.positions[self.count % LEAD_AGREEMENT_BEATS] = position
        self.count += 1
        self.decided = max(self.decided, self.oldest())

    def kept(self):
        return (self.at(i) for i in range(self.oldest(), self.count))

    def has_beat_near(self, position: int, near: int) -> bool:
        return any(-near <= p - position <= near for p in self.kept())


@dataclass
class LeadAgreement:
    cfg: LeadAgreementConfig
    primary: _Lead = field(default_factory=_Lead)
    second: _Lead = field(default_factory=_Lead)
    dropped: int = 0
    added: int = 0

    def push_primary(self, position: int):
        self.primary.push(position)

    def push_second(self, position: int):
        self.second.push(position)

    def _second_regular(self, position: int) -> bool:
        beats = [p for p in self.second.kept() if position - self.cfg.regular_span <= p < position]
        rr = sorted(b - a for a, b in zip(beats, beats[1:]))
        if len(rr) < 4:
            return False
        i = len(rr) // 2
        median2 = 2 * rr[i] if len(rr) % 2 else rr[i - 1] + rr[i]
        return max(rr) * 512 <= median2 * self.cfg.gap_q8

    def advance(self, now: int, primary_noisy: bool, second_quiet: bool, max_out: int = 4) -> list[int]:
        out: list[int] = []
        due = now - self.cfg.wait
        p, s = self.primary, self.second
        while len(out) < max_out:
            p_due = p.decided < p.count and p.at(p.decided) <= due
            s_due = s.decided < s.count and s.at(s.decided) <= due
            if not p_due and not s_due:
                break
            if p_due and (not s_due or p.at(p.decided) <= s.at(s.decided)):
                r = p.at(p.decided)
                p.decided += 1
                veto = primary_noisy and second_quiet and self._second_regular(r)
                if not veto or s.has_beat_near(r, self.cfg.near):
                    out.append(r)
                else:
                    self.dropped += 1
            else:
                r = s.at(s.decided)
                s.decided += 1
                veto = primary_noisy and second_quiet and self._second_regular(r)
                if veto and not p.has_beat_near(r, self.cfg.near):
                    out.append(r)
                    self.added += 1
        return out


# Beats one advance may decide (MONITOR_LEAD_DECIDED_MAX).
DECIDED_MAX = 4


def lead_verdicts(cfg: MonitorConfig, primary_levels: tuple[int, int], second_levels: tuple[int, int]) -> tuple[bool, bool]:
    """(primary noisy, second quiet) from each detector's (noise level, signal level) at the deciding sample."""
    primary_noise, primary_signal = primary_levels
    second_noise, second_signal = second_levels
    return (int(primary_noise) * cfg.lead_noisy_ratio > int(primary_signal),
            int(second_noise) * cfg.lead_quiet_ratio <= int(second_signal))


@dataclass(frozen=True)
class DecidedBeat:
    position: int
    searchback: bool  # a primary beat found by search-back
    second_lead: bool  # found on the second lead only


class TwoLeadDecision:
    """Both detectors' reports at one sample in, the beats decided at that sample out: what a two-lead monitor
    does each sample (monitor.c decide_beats). A decided beat among the primary beats decided in the same call
    is that primary beat (with its search-back flag); any other came from the second lead, since the agreement
    adds a second-lead beat only where no primary beat is near it."""

    def __init__(self, cfg: MonitorConfig, agreement: LeadAgreementConfig | None = None):
        self.cfg = cfg
        self.agreement = LeadAgreement(agreement or LeadAgreementConfig.for_monitor(cfg))
        self.searchback = [False] * LEAD_AGREEMENT_BEATS  # per primary beat, slot as in the agreement's ring

    def step(self, now: int, primary_beats, second_positions, primary_levels, second_levels) -> list[DecidedBeat]:
        """primary_beats: (position, searchback) pairs reported at `now`; *_levels: (noise, signal) after it."""
        la = self.agreement
        for position, searchback in primary_beats:
            self.searchback[la.primary.count % LEAD_AGREEMENT_BEATS] = bool(searchback)
            la.push_primary(position)
        for position in second_positions:
            la.push_second(position)
        noisy, quiet = lead_verdicts(self.cfg, primary_levels, second_levels)
        first = la.primary.decided
        out = []
        for r in la.advance(now, noisy, quiet, DECIDED_MAX):
            beat = DecidedBeat(r, False, True)
            for k in range(first, la.primary.decided):
                if la.primary.at(k) == r:
                    beat = DecidedBeat(r, self.searchback[k % LEAD_AGREEMENT_BEATS], False)
                    break
            out.append(beat)
        return out
