"""The main job end to end: compile the reference ECG model, build the firmware, run it on the
(emulated) board over serial and compare it with the TFLite Micro reference."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from .paths import build_root, project_root

REFERENCE_MODEL_DIR = Path(__file__).resolve().parent / "reference_model"


def reference_model_file() -> Path:
    candidates = sorted(REFERENCE_MODEL_DIR.glob("*.tflite"))
    if not candidates:
        raise FileNotFoundError(f"no reference model in {REFERENCE_MODEL_DIR}; train one with `ecgcc train`")
    return candidates[0]


def ensure_model(board: str) -> Path:
    """Compiles the reference model for the board unless an up-to-date compile already exists."""
    return ensure_compiled(board, reference_model_file())


def _compiler_digest(board: str) -> str:
    """The compiler's own inputs: a compile made by an older compiler or for another board layout is stale."""
    import hashlib

    root = project_root()
    package = root / "compiler" / "ecgcc"
    files = [package / "compile.py", package / "boards.py", root / "boards" / board / "board.json"]
    for folder in ("frontend", "ir", "passes", "codegen", "ops"):
        files += sorted((package / folder).glob("*.py"))
    files += sorted((root / "templates").glob("*.j2"))
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_compiled(board: str, source: Path) -> Path:
    """Compiles an int8 .tflite for the board into .build/models/, reusing a compile of the same bytes."""
    import hashlib

    from .compile import compile_model

    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    compiler = _compiler_digest(board)
    out_dir = build_root() / "models" / board / source.stem
    if source.resolve() != reference_model_file().resolve():
        out_dir = out_dir.with_name(f"{source.stem}-{digest[:12]}")
    stamp = out_dir / "source.sha256"
    if not (stamp.is_file() and stamp.read_text() == digest + compiler and (out_dir / "model.h").is_file()):
        compile_model(source, board=board, out_dir=out_dir)
        stamp.write_text(digest + compiler)
    return out_dir


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
