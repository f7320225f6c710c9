"""DEQUANTIZE: lowering in progress."""
