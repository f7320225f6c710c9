"""LOGISTIC: lowering in progress."""
