"""PAD: lowering in progress."""
