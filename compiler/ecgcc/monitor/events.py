"""Twin of firmware/monitor/events.h: event codes and the per-push list."""

from __future__ import annotations

from typing import NamedTuple

from .config import MONITOR_MAX_EVENTS

BEAT, WINDOW, CLASS, ALARM, QUALITY = 1, 2, 3, 4, 5
TYPE_NAMES = {BEAT: "beat", WINDOW: "window", CLASS: "class", ALARM: "alarm", QUALITY: "quality"}

CLASS_N, CLASS_S, CLASS_V, CLASS_F, CLASS_Q = 0, 1, 2, 3, 4
CLASS_COUNT = 5
CLASS_NAMES = "NSVFQ"

ALARM_VRUN, ALARM_BRADY, ALARM_TACHY, ALARM_PAUSE, ALARM_AF, ALARM_VF = 1, 2, 3, 4, 5, 6
ALARM_NAMES = {
    ALARM_VRUN: "vrun", ALARM_BRADY: "brady", ALARM_TACHY: "tachy", ALARM_PAUSE: "pause", ALARM_AF: "af", ALARM_VF: "vf",
}

FLAG_SEARCHBACK = 0x01
FLAG_POOR_QUALITY = 0x02
FLAG_UNCERTAIN = 0x04
FLAG_LOW_CONFIDENCE = 0x08
FLAG_NO_WINDOW = 0x10
FLAG_NOT_CLASSIFIED = 0x20
FLAG_SUSPENDED = 0x40
FLAG_SECOND_LEAD = 0x80  # BEAT: found on the second lead only (two-lead monitor)
FLAG_ACTIVE = 0x01


class Event(NamedTuple):
    push: int  # index of the push (input or padding sample) that reported it
    type: int
    code: int
    flags: int
    confidence: int
    beat_id: int
    position: int
    value: int


class Events:
    """Events of one push, capped like monitor_events_t."""

    def __init__(self, push: int):
        self.push = push
        self.items: list[Event] = []
        self.dropped = 0

    def add(self, type_: int, code: int, flags: int, confidence: int, beat_id: int, position: int, value: int):
        if len(self.items) >= MONITOR_MAX_EVENTS:
            self.dropped += 1
            return
        self.items.append(Event(self.push, type_, code, flags, confidence, beat_id, position, value))
