"""Compiled models kept under .build/models/, recompiled only when the model's bytes or the compiler change."""
from __future__ import annotations

import hashlib
from pathlib import Path

from .paths import build_root, project_root
from .reference_model import reference_model_file


def ensure_model(board: str) -> Path:
    """Compiles the reference model for the board unless an up-to-date compile already exists."""
    return ensure_compiled(board, reference_model_file())


def _compiler_digest(board: str) -> str:
    """The compiler's own inputs: a compile made by an older compiler or for another board layout is stale."""
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
