"""CONCATENATION: lowering in progress."""
