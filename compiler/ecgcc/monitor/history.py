"""Twin of firmware/monitor/history.c: which filtered samples are still held.

The Python side keeps the whole filtered recording; this only answers, as the
C ring buffer would, whether an index is still available.
"""

from __future__ import annotations


class SignalHistory:
    def __init__(self, filtered: list[int], length: int):
        self.filtered = filtered  # every filtered sample, by index
        self.length = length
        self.count = 0  # samples pushed so far

    def holds(self, index: int) -> bool:
        return 0 <= index < self.count and self.count - index <= self.length

    def at(self, index: int) -> int:
        return self.filtered[index]
