"""Benchmark models: Keras builders for `ecgcc bench` and the end-to-end tests (see models.py)."""
