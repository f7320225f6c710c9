"""Progress of long loops on stderr, drawn by tqdm.

On a terminal the bar redraws in place. Anywhere else (a CI log, output sent to a file) each refresh is a
line of its own, at most one every ECGCC_PROGRESS_INTERVAL seconds (default 5), so a log shows that a
long command is alive and how far it got."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
LOG_INTERVAL_S = 5.0


def _log_interval() -> float:
    try:
        return max(0.0, float(os.environ.get("ECGCC_PROGRESS_INTERVAL", LOG_INTERVAL_S)))
    except ValueError:
        return LOG_INTERVAL_S


class _LineWriter:
    """A stream for tqdm that turns its in-place redraws ("\\r" + bar) into whole lines."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").rstrip("\n")
        if text.strip():
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(total: int | None, label: str, stream=None) -> tqdm:
    stream = stream or sys.stderr
    if hasattr(stream, "isatty") and stream.isatty():
        return tqdm(total=total, desc=label, file=stream, dynamic_ncols=True, leave=True)
    interval = _log_interval()
    return tqdm(total=total, desc=label, file=_LineWriter(stream), ncols=80, ascii=True,
                mininterval=interval, maxinterval=max(interval, 1.0), miniters=1, leave=True)


def progress(items: Iterable[T], total: int | None = None, label: str = "", enabled: bool = True,
             stream=None) -> Iterator[T]:
    """Yields the items, showing how many have passed."""
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if not enabled:
        yield from items
        return
    with progress_bar(total, label, stream) as bar:
        for item in items:
            yield item
            bar.update(1)


def progress_callback(label: str, stream=None) -> Callable[[int, int], None]:
    """A `progress(done, total)` callback for loops that report their own count (the HIL runner)."""
    state: dict[str, tqdm] = {}

    def show(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None or bar.total != total:
            if bar is not None:
                bar.close()
            bar = state["bar"] = progress_bar(total, label, stream)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state.pop("bar")

    return show
