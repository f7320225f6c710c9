"""TANH: lowering in progress."""
