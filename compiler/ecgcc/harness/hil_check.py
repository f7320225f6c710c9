"""Checking a device's replies: each reply filed against the reference outputs and classes, byte for byte, into
the run's result, with the events of the line and the device that the report shows."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from .device import DeviceInfo


@dataclass
class DeviceEvent:
    vector: int  # the vector in flight, or the last one completed
    kind: str  # "timeout", "connection_lost", "reconnected", "reset", "rejected", "emulator_restarted"
    detail: str

    def to_json(self) -> dict:
        return {"vector": self.vector, "kind": self.kind, "detail": self.detail}


def info_to_json(info: DeviceInfo) -> dict:
    return info.__dict__ | {"inputs": [t.__dict__ for t in info.inputs], "outputs": [t.__dict__ for t in info.outputs]}


@dataclass
class HilResult:
    board: str
    url: str
    info: dict
    planned: int = 0
    sent: int = 0  # INFER requests written, re-sends included
    received: int = 0  # replies carrying outputs
    rejected: int = 0  # vectors the device answered with an ERROR frame
    exact: int = 0
    first_mismatch: dict | None = None
    mismatched: list[int] = field(default_factory=list)
    instructions: list[int] = field(default_factory=list)
    stack_high_water: int = 0
    image: dict | None = None
    macs: int | None = None
    elapsed_s: float = 0.0
    events: list[DeviceEvent] = field(default_factory=list)
    timeouts: int = 0
    garbage_frames: int = 0
    stray_frames: int = 0
    resent: int = 0
    reference_reproduced: int = 0  # stored expected outputs the host interpreter reproduced
    reference_checked: int = 0
    aborted: str | None = None
    device_outputs: list[np.ndarray] | None = None  # per output: int8 (planned, *shape)
    device_classes: np.ndarray | None = None  # int32 (planned, outputs): the device's decisions, -1 if not received
    reference_classes: np.ndarray | None = None  # int32 (planned, outputs): the host twin's, -1 if not compared
    received_mask: np.ndarray | None = None
    instructions_per_vector: np.ndarray | None = None  # int64 (planned,), -1 if not received
    expected_outputs: list[np.ndarray] | None = None

    @property
    def vectors(self) -> int:
        return self.planned

    @property
    def resets(self) -> int:
        return sum(1 for event in self.events if event.kind == "reset")

    @property
    def reconnects(self) -> int:
        return sum(1 for event in self.events if event.kind == "reconnected")

    def to_json(self) -> dict:
        counts = self.instructions
        summary = ({"min": min(counts), "median": int(statistics.median(counts)), "max": max(counts)}
                   if counts else None)
        ram = None
        if self.image is not None:
            ram = {"arena": self.info.get("arena_bytes"), "stack_high_water": self.stack_high_water,
                   "stack_reserved": self.image["stack_bytes"], "static": self.image["static_ram_bytes"],
                   "total": self.image["ram_bytes"]}
        return {
            "board": self.board, "url": self.url, "device": self.info,
            "vectors": self.planned, "planned": self.planned, "sent": self.sent, "received": self.received,
            "rejected": self.rejected, "resent": self.resent, "lost": self.planned - self.received - self.rejected,
            "exact": self.exact,
            "all_exact": self.planned > 0 and self.exact == self.planned == self.received and not self.aborted,
            "first_mismatch": self.first_mismatch, "mismatched_vectors": self.mismatched[:100],
            "reference_reproduced": self.reference_reproduced, "reference_checked": self.reference_checked,
            "instructions_per_inference": summary,
            "instructions_resolution": self.info.get("counter_resolution"),
            "macs": self.macs,
            "instructions_per_mac": (summary["median"] / self.macs) if summary and self.macs else None,
            "flash_bytes": None if self.image is None else {
                "total": self.image["flash_bytes"], "code": self.image["code_bytes"],
                "const": self.image["const_bytes"], "weights": self.image.get("weights_bytes")},
            "ram_bytes": ram,
            "stack_high_water": self.stack_high_water,
            "line": {"timeouts": self.timeouts, "garbage_frames": self.garbage_frames,
                     "stray_frames": self.stray_frames},
            "resets": self.resets, "reconnects": self.reconnects,
            "events": [event.to_json() for event in self.events],
            "aborted": self.aborted,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def outputs_equal(got: list, expected: list) -> bool:
    """True only when the device sent exactly the expected outputs: as many, each the same size and bytes.
    An empty expectation never matches, so a lost reference cannot pass as exact."""
    if not expected or len(got) != len(expected):
        return False
    for g, e in zip(got, expected):
        g, e = np.asarray(g).reshape(-1), np.asarray(e).reshape(-1)
        if g.dtype.itemsize != e.dtype.itemsize or not np.array_equal(g, e):
            return False
    return True


def _first_difference(index: int, got: list, expected: list, got_classes, expected_classes) -> dict:
    if len(got) != len(expected):
        return {"vector": index, "outputs_device": len(got), "outputs_reference": len(expected)}
    for out_index, (g, e) in enumerate(zip(got, expected)):
        g, e = np.asarray(g).reshape(-1), np.asarray(e).reshape(-1)
        if g.size != e.size:
            return {"vector": index, "output": out_index, "elements_device": int(g.size),
                    "elements_reference": int(e.size)}
        diff = np.flatnonzero(g != e)
        if diff.size:
            at = int(diff[0])
            return {"vector": index, "output": out_index, "element": at, "device": int(g[at]),
                    "reference": int(e[at]), "differing_elements": int(diff.size)}
    return {"vector": index, "class_device": list(got_classes), "class_reference": list(expected_classes)}


def record_reply(result: HilResult, index: int, got, expected: list[np.ndarray], expected_classes: list[int]) -> None:
    """Files one device reply: outputs, decided classes, instruction count, and whether every byte equals
    `expected` and every class `expected_classes`."""
    result.received += 1
    result.instructions.append(got.instructions)
    result.stack_high_water = max(result.stack_high_water, got.stack_high_water)
    same_bytes = outputs_equal(got.outputs, expected)
    same_classes = list(got.classes) == list(expected_classes)
    if result.received_mask is not None:
        result.received_mask[index] = True
        result.instructions_per_vector[index] = got.instructions
        if len(got.outputs) == len(result.device_outputs):
            for store, output in zip(result.device_outputs, got.outputs):
                if np.asarray(output).size == store[index].size:
                    store[index].reshape(-1)[:] = np.asarray(output).reshape(-1)
        if result.device_classes is not None and len(got.classes) == len(expected_classes):
            result.device_classes[index] = got.classes
            result.reference_classes[index] = expected_classes
    if same_bytes and same_classes:
        result.exact += 1
        return
    result.mismatched.append(index)
    if result.first_mismatch is None:
        result.first_mismatch = _first_difference(index, got.outputs, expected, got.classes, expected_classes)
