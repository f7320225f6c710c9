"""QUANTIZE: lowering in progress."""
