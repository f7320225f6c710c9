"""LEAKY_RELU: lowering in progress."""
