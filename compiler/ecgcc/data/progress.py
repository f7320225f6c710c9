"""A small progress bar for long loops (dataset building, evaluation) on stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], total: int | None = None, label: str = "", enabled: bool = True,
             width: int = 30, stream=None) -> Iterator[T]:
    stream = stream or sys.stderr
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if not enabled or not total:
        yield from items
        return
    interactive = hasattr(stream, "isatty") and stream.isatty()
    start = time.monotonic()
    last_line = -1.0

    def draw(done: int, final: bool = False) -> None:
        nonlocal last_line
        now = time.monotonic()
        # redraw in place on a terminal; in logs, print a line at most every 5 s
        if not interactive and not final and now - last_line < 5.0:
            return
        last_line = now
        filled = int(width * done / total)
        elapsed = now - start
        eta = elapsed / done * (total - done) if done else 0.0
        text = f"{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:5.1f}s eta {eta:5.1f}s"
        stream.write(("\r" + text) if interactive else text + "\n")
        if final and interactive:
            stream.write("\n")
        stream.flush()

    done = 0
    draw(0)
    for item in items:
        yield item
        done += 1
        draw(done, final=done == total)
