"""Twin of firmware/monitor/beat_clusters.c: adaptation to the patient without labels.

Every beat the model classed with confidence joins one of a few shape clusters: templates of the QRS
(R-aligned samples of the window's beat channel) and of the P-wave region before it (mean removed, so
baseline offsets do not split clusters). Each cluster keeps its count, the model's class votes, a running
mean of the pre-RR (the window's int8 feature rr[0], 1/64 s) and when it was last seen.

The decision reads the patient's own structure, not population statistics:
- the reference is the recently seen cluster, voted mostly N, with enough beats and the longest typical
  pre-RR: the patient's sinus beats (in a patient whose dominant rhythm is ectopic atrial, the sinus beats
  are the ones after the pauses);
- a beat called N whose QRS matches the reference but whose cluster (its P wave) differs, and that comes
  early against the reference's RR, is reported S;
- with cluster_s_votes, a beat called N in a cluster the model calls mostly S is reported S;
- with cluster_v, a beat called V in a cluster the model calls V in at most cluster_v_lone/64 of its
  beats, whose QRS matches the reference, is reported N, and a beat called N in a cluster called mostly V
  is reported V.
- with cluster_s_pause, a beat called N with the reference's QRS, in any cluster, whose pre-RR is below
  cluster_s_pause/64 of the reference's RR and whose next RR is at least cluster_s_pause_next/64 of its pre-RR
  (premature, then a longer interval) is reported S;
- with cluster_v_on_time, a beat called V whose pre-RR and whose cluster's RR are at least
  cluster_v_on_time/64 of the reference's and whose next RR is below cluster_v_on_time_next/64 of its pre-RR
  (at the sinus rate, no pause after it) is reported N.
While the AF detector's episode is active no beat is relabelled (the beats of atrial fibrillation have no
P wave and are labelled N). Fibrillation or flutter the detector has not flagged is kept from N -> S
relabelling by two guards: the beat's cluster must come at a steady rate (cluster_s_spread: mean absolute
deviation of its RRs against their mean) and the rhythm must not be irregular overall (cluster_s_irregular:
mean change between successive RRs against the reference's RR). Integer arithmetic only, the same as the C module, step for step.
"""
from __future__ import annotations

from .events import CLASS_N, CLASS_S, CLASS_V, CLASS_COUNT

TEMPLATE_SHIFT = 4   # templates hold 16 x the mean sample
RATE_SHIFT = 3       # templates and RR means move 1/8 of the way to each new beat
COUNT_LIMIT = 1024   # a cluster's count and votes are halved here, so old beats fade
RR_SHIFT = 4         # RR means hold 16 x rr[0]


def floor_div(num: int, den: int) -> int:
    return num // den


class ClusterLayout:
    """Sample offsets (from the window start) of the QRS and P-wave points, from the build settings."""

    def __init__(self, cfg):
        r = cfg.model_r_offset
        step = cfg.ms(cfg.cluster_step_ms) or 1
        half = cfg.ms(cfg.cluster_qrs_half_ms)
        # at high sample rates the window may start later than cluster_p_from_ms before R
        p_first, p_last = min(cfg.ms(cfg.cluster_p_from_ms), r), cfg.ms(cfg.cluster_p_to_ms)
        self.qrs = [r + k for k in range(-half, half + 1, step)]
        self.p = [r - k for k in range(p_first, p_last - 1, -step)]
        if not self.p or half > r or self.qrs[-1] >= cfg.model_window_len:
            raise ValueError("cluster points must lie inside the model window")


class Cluster:
    def __init__(self, n_qrs: int, n_p: int):
        self.count = 0
        self.votes = [0] * CLASS_COUNT
        self.qrs = [0] * n_qrs
        self.p = [0] * n_p
        self.pre16 = 0
        self.spread16 = 0  # running mean absolute deviation of those pre-RRs from pre16, same scale
        self.rr_count = 0  # beats whose pre-RR entered pre16 (those after a beat not called V)
        self.last_seen = 0


class BeatClusters:
    def __init__(self, cfg):
        self.cfg = cfg
        self.layout = ClusterLayout(cfg)
        self.clusters = [Cluster(len(self.layout.qrs), len(self.layout.p)) for _ in range(cfg.cluster_count)]
        self.beats = 0  # beats that joined a cluster
        self.relabelled = 0
        self.after_v = False  # the previous beat was called V: this beat's pre-RR is a compensatory pause
        self.last_pre = -1  # the previous clustered beat's pre-RR, -1 when it is not to be compared
        self.jump16 = 0  # running mean of the change between successive pre-RRs, 16 x rr[0]
        self.last_index, self.last_ref = -1, -1  # the last clustered beat's cluster and reference (diagnosis)

    # ---- shapes ----
    def _shape(self, window) -> tuple[list, list]:
        qrs = [int(window[i]) << TEMPLATE_SHIFT for i in self.layout.qrs]
        p_raw = [int(window[i]) for i in self.layout.p]
        mean = floor_div(sum(p_raw), len(p_raw))
        p = [(v - mean) << TEMPLATE_SHIFT for v in p_raw]
        return qrs, p

    @staticmethod
    def _sad(a, b) -> int:
        return sum(abs(x - y) for x, y in zip(a, b))

    def _qrs_limit(self) -> int:
        return self.cfg.cluster_qrs_sad * len(self.layout.qrs) << TEMPLATE_SHIFT

    def _p_limit(self) -> int:
        return self.cfg.cluster_p_sad * len(self.layout.p) << TEMPLATE_SHIFT

    def _assign(self, qrs, p) -> int:
        best, best_distance = -1, 0
        for index, c in enumerate(self.clusters):
            if c.count == 0:
                continue
            dq, dp = self._sad(qrs, c.qrs), self._sad(p, c.p)
            if dq > self._qrs_limit() or dp > self._p_limit():
                continue
            if best < 0 or dq + dp < best_distance:
                best, best_distance = index, dq + dp
        if best >= 0:
            return best
        # a new shape: a free slot, else the cluster with the fewest beats (the first on ties)
        weakest = 0
        for index, c in enumerate(self.clusters):
            if c.count < self.clusters[weakest].count:
                weakest = index
        c = self.clusters[weakest]
        c.count, c.votes, c.rr_count, c.spread16 = 0, [0] * CLASS_COUNT, 0, 0
        c.qrs, c.p = list(qrs), list(p)
        return weakest

    def _update(self, index: int, qrs, p, pre: int, model_class: int, after_v: bool):
        c = self.clusters[index]
        if c.count > 0:
            c.qrs = [t + ((x - t) >> RATE_SHIFT) for t, x in zip(c.qrs, qrs)]
            c.p = [t + ((x - t) >> RATE_SHIFT) for t, x in zip(c.p, p)]
        if not after_v:
            if c.rr_count == 0:
                c.pre16, c.spread16 = pre << RR_SHIFT, 0
            else:
                c.spread16 += (abs((pre << RR_SHIFT) - c.pre16) - c.spread16) >> RATE_SHIFT
                c.pre16 += ((pre << RR_SHIFT) - c.pre16) >> RATE_SHIFT
            c.rr_count = min(c.rr_count + 1, COUNT_LIMIT)
        c.count += 1
        c.votes[model_class] += 1
        c.last_seen = self.beats
        if c.count >= COUNT_LIMIT:
            c.count >>= 1
            c.votes = [v >> 1 for v in c.votes]

    def _follow_rhythm(self, pre: int, after_v: bool):
        """The running irregularity of the patient's rhythm: mean change between successive pre-RRs,
        leaving out the pauses after V calls (compensatory, not irregularity of the atria)."""
        if after_v:
            self.last_pre = -1
            return
        if self.last_pre >= 0:
            self.jump16 += ((abs(pre - self.last_pre) << RR_SHIFT) - self.jump16) >> RATE_SHIFT
        self.last_pre = pre

    def _regular_enough(self, c: Cluster, r: Cluster) -> bool:
        """The guard against relabelling in fibrillation or flutter the AF detector has not flagged:
        an ectopic atrial rhythm comes at a steady rate, conducted fibrillation does not."""
        cfg = self.cfg
        if cfg.cluster_s_spread:
            if c.rr_count < cfg.cluster_s_spread_rr or (c.spread16 << 6) > cfg.cluster_s_spread * c.pre16:
                return False
        if cfg.cluster_s_irregular and (self.jump16 << 6) > cfg.cluster_s_irregular * r.pre16:
            return False
        return True

    def _reference(self) -> int:
        cfg, ref = self.cfg, -1
        for index, c in enumerate(self.clusters):
            if c.rr_count < cfg.cluster_min_beats or 2 * c.votes[CLASS_N] <= c.count:
                continue
            if self.beats - c.last_seen > cfg.cluster_recent_beats:
                continue
            if ref < 0 or c.pre16 > self.clusters[ref].pre16:
                ref = index
        return ref

    # ---- one beat ----
    def on_beat(self, window, rr, model_class: int, certain: bool, af_active: bool) -> int:
        """The class to report for a beat the model classed model_class. window: the beat channel of the
        model window (None without one); rr: its int8 RR features; certain: classed with confidence,
        readable."""
        after_v, self.after_v = self.after_v, model_class == CLASS_V
        if window is None or not certain or model_class >= CLASS_COUNT:
            return model_class
        cfg = self.cfg
        qrs, p = self._shape(window)
        pre, nxt = int(rr[0]), int(rr[1])
        index = self._assign(qrs, p)
        self.beats += 1
        self._update(index, qrs, p, pre, model_class, after_v)
        self._follow_rhythm(pre, after_v)
        self.last_index, self.last_ref = index, -1
        if af_active or self.beats < cfg.cluster_min_beats:
            return model_class
        ref = self._reference()
        self.last_ref = ref
        if ref < 0:
            return model_class
        c, r = self.clusters[index], self.clusters[ref]
        same_qrs = self._sad(c.qrs, r.qrs) <= self._qrs_limit()
        reported = model_class
        may_be_s = not after_v and self._regular_enough(c, r)
        # rule 0: the beat's cluster (its P wave) is not the reference's and comes early as a whole;
        # rule 1: the beat alone comes early against the reference's RR, whatever its P wave
        other_p = index != ref and c.rr_count > 0 if cfg.cluster_s_rule == 0 else True
        if model_class == CLASS_N and other_p and same_qrs and may_be_s and c.votes[CLASS_V] * 2 <= c.count:
            early = cfg.cluster_s_ratio * r.pre16
            cluster_early = (c.pre16 << 6) < early or cfg.cluster_s_rule == 1
            if cluster_early and (pre << (RR_SHIFT + 6)) < early:
                reported = CLASS_S
        elif cfg.cluster_s_votes and model_class == CLASS_N and may_be_s and c.count >= cfg.cluster_min_beats \
                and c.votes[CLASS_S] * 2 > c.count:
            reported = CLASS_S  # a cluster the model calls mostly S
        elif cfg.cluster_v and model_class == CLASS_V and same_qrs \
                and (c.votes[CLASS_V] << 6) <= cfg.cluster_v_lone * c.count:
            reported = CLASS_N
        elif cfg.cluster_v_on_time and model_class == CLASS_V and c.rr_count > 0 \
                and (pre << (RR_SHIFT + 6)) >= cfg.cluster_v_on_time * r.pre16 \
                and (c.pre16 << 6) >= cfg.cluster_v_on_time * r.pre16 and (nxt << 6) < cfg.cluster_v_on_time_next * pre:
            reported = CLASS_N  # at the sinus rate with no pause after it: not a ventricular ectopic beat
        elif cfg.cluster_v and model_class == CLASS_N and c.count >= cfg.cluster_min_beats \
                and c.votes[CLASS_V] * 2 > c.count:
            reported = CLASS_V
        # premature against the sinus RR and the interval after it longer, whatever its cluster: the S beats
        # whose P wave the templates do not tell apart, or whose cluster mixes early and on-time beats
        if cfg.cluster_s_pause and reported == model_class == CLASS_N and same_qrs and may_be_s \
                and c.votes[CLASS_V] * 2 <= c.count and (pre << (RR_SHIFT + 6)) < cfg.cluster_s_pause * r.pre16 \
                and (nxt << 6) >= cfg.cluster_s_pause_next * pre:
            reported = CLASS_S
        if reported != model_class:
            self.relabelled += 1
        return reported
