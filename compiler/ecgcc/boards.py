"""Board descriptions (boards/<name>/board.json, or a user's own description file): memory sizes, the share a
model may use, and the core that decides between the DSP and the reference kernels."""
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


def is_description_file(board: str) -> bool:
    """--board names a description file rather than a board of boards/ (checked only by its spelling)."""
    return board not in available_boards() and Path(board).suffix.lower() in (".toml", ".json")


def load_board(name: str) -> Board:
    """A board of boards/ by name, or a board description file (.toml/.json) by path."""
    if is_description_file(name):
        from .board_description import parse_board_description

        info = parse_board_description(name)
        return Board(name=info["name"], flash_bytes=info["flash_bytes"], ram_bytes=info["ram_bytes"],
                     model_flash_bytes=info["model_flash_bytes"], model_ram_bytes=info["model_ram_bytes"], info=info)
    path = BOARDS_DIR / name / "board.json"
    if name not in available_boards():     # a name, never a path: "../x" must not reach outside boards/
        raise UnknownBoardError(f"unknown board '{name}'", f"known boards: {', '.join(available_boards())}, or the "
                                "path of a .toml/.json board description (docs/boards.md)")
    info = json.loads(path.read_text())
    missing = [k for k in ("flash_bytes", "ram_bytes", "model_flash_bytes", "model_ram_bytes") if k not in info]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}")
    return Board(name=name, flash_bytes=int(info["flash_bytes"]), ram_bytes=int(info["ram_bytes"]),
                 model_flash_bytes=int(info["model_flash_bytes"]), model_ram_bytes=int(info["model_ram_bytes"]),
                 info=info)


def _board_or_description(value: str) -> str:
    import argparse

    if value in available_boards() or is_description_file(value):
        return value   # a description file is read and checked where it is used, to refuse it with one line
    raise argparse.ArgumentTypeError(f"unknown board '{value}' (choose from {', '.join(available_boards())}, or "
                                     "give a .toml/.json board description)")


def add_board_argument(parser, default: str | None = "qemu-m4", help_text: str = "board",
                       description_files: bool = False) -> None:
    """--board, limited to the boards under boards/ and listing them in its help; with description_files,
    also the path of a board description file (commands that only need the memory budget and the core)."""
    names = available_boards()
    shown = f"{help_text}: one of {', '.join(names)}" + (f" (default {default})" if default else "")
    if description_files:
        parser.add_argument("--board", default=default, type=_board_or_description, metavar="BOARD",
                            help=shown + ", or the path of a .toml/.json board description of your own chip "
                                         "(docs/boards.md; examples in boards/parts/)")
    else:
        parser.add_argument("--board", default=default, choices=names, metavar="BOARD", help=shown)
