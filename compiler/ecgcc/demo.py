"""The main job end to end: compile the reference ECG model, build the firmware, run it on the
(emulated) board over serial and compare it with the TFLite Micro reference."""
from __future__ import annotations

import json
from pathlib import Path

from .model_cache import ensure_model
from .reference_model import reference_model_file


def verdict_line(result: dict) -> str:
    """The demo's last line: what the run proved, or where it stopped proving it."""
    board, exact, vectors = result["board"], result["exact"], result["vectors"]
    if result["all_exact"]:
        return (f"PASS: on {board}, the compiled reference model's int8 outputs equal TFLite Micro's byte for byte "
                f"on {exact} of {vectors} vectors")
    first = result.get("first_mismatch") or {}
    where = f" (first at vector {first['vector']})" if "vector" in first else ""
    return (f"FAIL: on {board}, {vectors - exact} of {vectors} vectors differ from TFLite Micro or went "
            f"unanswered{where}")


def demo_main(args) -> int:
    from .harness.hil import run_hil
    from .harness.hil_cli import format_table
    from .progress import progress_callback

    model_dir = ensure_model(args.board)
    print(f"compiled {reference_model_file().name} for {args.board} -> {model_dir}")
    result = run_hil(args.board, model_dir, port=args.port, count=args.vectors,
                     progress=progress_callback("vectors")).to_json()
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    print(verdict_line(result))
    return 0 if result["all_exact"] else 1
