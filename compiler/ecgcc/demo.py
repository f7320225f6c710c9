"""The main job end to end: compile the reference ECG model, build the firmware, run it on the
(emulated) board over serial and compare it with the TFLite Micro reference."""
from __future__ import annotations

import json
import sys
from pathlib import Path

# Kept importable from here for callers of the command-line layer; they live with the model and its cache.
from .model_cache import ensure_compiled, ensure_model  # noqa: F401
from .reference_model import reference_model_file  # noqa: F401


def demo_main(args) -> int:
    from .harness.hil import format_table, run_hil

    model_dir = ensure_model(args.board)
    print(f"compiled {reference_model_file().name} for {args.board} -> {model_dir}")
    result = run_hil(args.board, model_dir, port=args.port, count=args.vectors).to_json()
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if not result["all_exact"]:
        print(f"FAIL: first mismatch {result['first_mismatch']}", file=sys.stderr)
        return 1
    return 0
