"""MUL: lowering in progress."""
