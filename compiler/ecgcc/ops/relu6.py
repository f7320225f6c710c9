"""RELU6: lowering in progress."""
