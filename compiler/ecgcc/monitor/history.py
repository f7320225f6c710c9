"""Twin of firmware/monitor/history.c: which samples a ring of a given
length still holds.

The Python side keeps the whole signal; this only answers, as the C ring
buffer would, whether an index is still available.
"""

from __future__ import annotations


class SignalHistory:
    def __init__(self, values: list[int], length: int):
        self.values = values  # every sample, by index
        self.length = length
        self.count = 0  # samples pushed so far

    def holds(self, index: int) -> bool:
        return 0 <= index < self.count and self.count - index <= self.length

    def at(self, index: int) -> int:
        return self.values[index]
