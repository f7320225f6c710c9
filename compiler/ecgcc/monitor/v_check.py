"""Twin of firmware/monitor/v_check.c: a second look at the model's V calls.

Each rule is a build setting (0: off; v_confidence_min is on by default at 128) and changes only the class
the monitor reports:
- v_poor_quality=1: a V call on a beat whose window overlaps poor signal quality is reported Q;
- v_confidence_min=K: a V call with confidence (softmax x 256) below K is reported N;
- v_template_sad=K: a V call that comes on time (rr[3] at least model_template_gate) and whose QRS, within
  +-v_template_half_ms of R, differs from the recording's running template (the window's second channel)
  by at most K window counts per point on average is reported N.
Stateless, integer arithmetic, the same tests in the same order as the C module.
"""
from __future__ import annotations

import numpy as np

from .events import CLASS_N, CLASS_Q, CLASS_V, FLAG_POOR_QUALITY


def is_on(cfg) -> bool:
    return bool(cfg.v_poor_quality or cfg.v_confidence_min or cfg.v_template_sad)


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
    if cfg.v_template_sad and difference is not None and int(rr[3]) >= cfg.model_template_gate:
        # an on-time beat shaped like the patient's usual beat is that beat, whatever the model saw
        if qrs_difference(cfg, difference) <= cfg.v_template_sad * (2 * qrs_half(cfg) + 1):
            return CLASS_N
    return model_class
