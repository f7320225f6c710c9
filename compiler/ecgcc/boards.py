"""Board descriptions (boards/<name>/board.json): memory sizes and the share a model may use."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

BOARDS_DIR = Path(__file__).resolve().parents[2] / "boards"


class UnknownBoardError(UserError, ValueError):
    """--board names no board description in boards/."""


@dataclass(frozen=True)
class Board:
    name: str
    flash_bytes: int
    ram_bytes: int
    model_flash_bytes: int
    model_ram_bytes: int
    info: dict


def available_boards() -> list[str]:
    return sorted(p.parent.name for p in BOARDS_DIR.glob("*/board.json"))


def load_board(name: str) -> Board:
    path = BOARDS_DIR / name / "board.json"
    if name not in available_boards():     # a name, never a path: "../x" must not reach outside boards/
        raise UnknownBoardError(f"unknown board '{name}'", f"known boards: {', '.join(available_boards())}")
    info = json.loads(path.read_text())
    missing = [k for k in ("flash_bytes", "ram_bytes", "model_flash_bytes", "model_ram_bytes") if k not in info]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}")
    return Board(name=name, flash_bytes=int(info["flash_bytes"]), ram_bytes=int(info["ram_bytes"]),
                 model_flash_bytes=int(info["model_flash_bytes"]), model_ram_bytes=int(info["model_ram_bytes"]),
                 info=info)


def add_board_argument(parser, default: str | None = "qemu-m4", help_text: str = "board") -> None:
    """--board, limited to the boards under boards/ and listing them in its help."""
    names = available_boards()
    shown = f"{help_text}: one of {', '.join(names)}" + (f" (default {default})" if default else "")
    parser.add_argument("--board", default=default, choices=names, metavar="BOARD", help=shown)
