"""Twin of firmware/monitor/v_check.c: a second look at the model's V calls.

Each rule is a build setting (0: off; v_confidence_min is on by default at 128, v_noisy_on_time at 56 with
v_noisy_pause 77) and changes only the class
the monitor reports:
- v_poor_quality=1: a V call on a beat whose window overlaps poor signal quality is reported Q;
- v_confidence_min=K: a V call with confidence (softmax x 256) below K is reported N;
- v_template_sad=K: a V call that comes on time (rr[3] at least model_template_gate) and whose QRS, within
  +-v_template_half_ms of R, differs from the recording's running template (the window's second channel)
  by at most K window counts per point on average is reported N;
- v_noisy_on_time=K (with v_noisy_pause=M): a V call on a beat flagged for poor signal quality that comes on
  time (rr[3], pre-RR over the local mean RR, at least K/64) and is not followed by a pause (post-RR over
  pre-RR, rr[4]/rr[3], at most M/64) is reported N and keeps its poor-quality flag: noise can give a sinus
  beat a ventricular shape but not a ventricular beat's timing.
Stateless, integer arithmetic, the same tests in the same order as the C module.
"""
from __future__ import annotations

import numpy as np

from .events import CLASS_N, CLASS_Q, CLASS_V, FLAG_POOR_QUALITY


def is_on(cfg) -> bool:
    return bool(cfg.v_poor_quality or cfg.v_confidence_min or cfg.v_template_sad or cfg.v_noisy_on_time)


def noisy_on_time(cfg, flags: int, rr) -> bool:
    """Poor quality, on time and no pause after it. rr[4] and rr[3] share the local mean RR as denominator, so
    rr[4] / rr[3] is post-RR over pre-RR; rr[4] = 0 means the next beat is not known yet: left alone."""
    pre_ratio, post_ratio = int(rr[3]), int(rr[4])
    return bool(flags & FLAG_POOR_QUALITY) and pre_ratio >= cfg.v_noisy_on_time and post_ratio > 0 \
        and post_ratio * 64 <= cfg.v_noisy_pause * pre_ratio


def qrs_half(cfg) -> int:
    return cfg.ms(cfg.v_template_half_ms)


def qrs_difference(cfg, difference) -> int:
    """Sum of |beat - template| over the QRS points of the window's difference channel."""
    r, half = cfg.model_r_offset, qrs_half(cfg)
    return int(np.abs(np.asarray(difference[r - half:r + half + 1], np.int64)).sum())


def v_check_class(cfg, model_class: int, confidence: int, flags: int, difference, rr) -> int:
    """The class to report. difference: the window's template-difference channel (None without a window)."""
    if model_class != CLASS_V:
        return model_class
    if cfg.v_poor_quality and flags & FLAG_POOR_QUALITY:
        return CLASS_Q
    if cfg.v_confidence_min and confidence < cfg.v_confidence_min:
        return CLASS_N
    if cfg.v_noisy_on_time and noisy_on_time(cfg, flags, rr):
        return CLASS_N
    if cfg.v_template_sad and difference is not None and int(rr[3]) >= cfg.model_template_gate:
        # an on-time beat shaped like the patient's usual beat is that beat, whatever the model saw
        if qrs_difference(cfg, difference) <= cfg.v_template_sad * (2 * qrs_half(cfg) + 1):
            return CLASS_N
    return model_class
