"""ADD: lowering in progress."""
