"""Model evaluation: AAMI per-class metrics for float, int8 and (later) on-device predictions."""
