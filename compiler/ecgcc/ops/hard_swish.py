"""HARD_SWISH: lowering in progress."""
