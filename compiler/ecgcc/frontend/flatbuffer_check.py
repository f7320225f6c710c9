"""Bounds checks of a .tflite flatbuffer before anything reads it.

The generated flatbuffers readers trust every offset they follow: an offset past the end raises a
struct.error somewhere deep in the parser, and a negative vtable offset silently reads from the end of the
buffer (Python indexing). This module walks every table, vector and string reachable from the root, the
way the C++ flatbuffers verifier does, and refuses the file with the path of the first bad field.

The table layouts are read from the `tflite` schema package itself (each generated accessor names its
vtable slot and what it reads), so the check follows the schema version the parser uses.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import re
import struct
from dataclasses import dataclass

import flatbuffers.number_types as number_types

from ..errors import InvalidModelError

FILE_IDENTIFIER = b"TFL3"
MAX_DEPTH = 64
MAX_FILE_BYTES = 2**31 - 1          # flatbuffer offsets are 32-bit; larger files use external buffers

# union field -> the enum naming the table types it may hold (the generated code does not say)
_UNION_ENUMS = {("Operator", "BuiltinOptions"): "BuiltinOptions",
                ("Operator", "BuiltinOptions2"): "BuiltinOptions2",
                ("QuantizationParameters", "Details"): "QuantizationDetails",
                ("DimensionMetadata", "ArraySegments"): "SparseIndexVector",
                ("DimensionMetadata", "ArrayIndices"): "SparseIndexVector"}

HINT = "the file is not a valid TensorFlow Lite model (truncated or damaged); convert or download it again"


@dataclass(frozen=True)
class Field:
    name: str
    slot: int           # vtable byte offset of the field
    kind: str           # scalar, string, table, union, vector, strings, tables
    width: int = 4      # scalar or vector element bytes
    target: str = ""    # table class, or the union's enum


def _width(flags_name: str) -> int:
    return getattr(number_types, flags_name).bytewidth


def _classify(owner: str, name: str, body: str) -> Field | None:
    slot = re.search(r"_tab\.Offset\((\d+)\)", body)
    if slot is None:
        return None
    slot = int(slot.group(1))
    table = re.search(r"from tflite\.(\w+) import", body)
    scalar = re.search(r"number_types\.(\w+Flags)", body.split("py_type(self._tab.Offset", 1)[1])
    if "_tab.Union(" in body:
        if (owner, name) not in _UNION_ENUMS:
            raise RuntimeError(f"schema: no enum known for union {owner}.{name}")
        return Field(name, slot, "union", target=_UNION_ENUMS[(owner, name)])
    if "_tab.Vector(" in body:
        if "_tab.String(" in body:
            return Field(name, slot, "strings")
        if "_tab.Indirect(" in body and table:
            return Field(name, slot, "tables", target=table.group(1))
        if scalar:
            return Field(name, slot, "vector", width=_width(scalar.group(1)))
        raise RuntimeError(f"schema: cannot read the layout of {owner}.{name}")
    if "_tab.String(" in body:
        return Field(name, slot, "string")
    if "_tab.Indirect(" in body and table:
        return Field(name, slot, "table", target=table.group(1))
    if scalar:
        return Field(name, slot, "scalar", width=_width(scalar.group(1)))
    raise RuntimeError(f"schema: cannot read the layout of {owner}.{name}")


@functools.lru_cache(maxsize=None)
def table_layout(class_name: str) -> tuple[Field, ...]:
    """The fields of one schema table, from its generated accessor methods."""
    cls = getattr(importlib.import_module(f"tflite.{class_name}"), class_name)
    fields = {}
    for name, method in vars(cls).items():
        if not callable(method) or not name[:1].isupper() or name.startswith(("GetRootAs", "Init")) \
                or name.endswith(("Length", "IsNone", "AsNumpy", "BufferHasIdentifier")):
            continue
        found = _classify(class_name, name, inspect.getsource(method))
        if found is not None:
            fields[found.slot] = found
    return tuple(sorted(fields.values(), key=lambda f: f.slot))


@functools.lru_cache(maxsize=None)
def union_members(enum_name: str) -> dict[int, str]:
    enum = getattr(importlib.import_module(f"tflite.{enum_name}"), enum_name)
    return {v: k for k, v in vars(enum).items() if k[:1].isalpha() and isinstance(v, int) and v != 0}


class _Walk:
    def __init__(self, buf: bytes):
        self.buf = buf
        self.size = len(buf)
        # A crafted file can point many vectors at one large sub-table; cap the work by the file size.
        self.visits_left = self.size // 4 + 1024

    def fail(self, where: str, rule: str):
        raise InvalidModelError(f"damaged flatbuffer at {where}: {rule}", HINT)

    def need(self, pos: int, length: int, where: str) -> None:
        if pos < 0 or length < 0 or pos + length > self.size:
            self.fail(where, f"{length} bytes at offset {pos} lie outside the {self.size}-byte file")

    def u16(self, pos: int) -> int:
        return struct.unpack_from("<H", self.buf, pos)[0]

    def u32(self, pos: int) -> int:
        return struct.unpack_from("<I", self.buf, pos)[0]

    def follow(self, pos: int, where: str) -> int:
        """The position an offset field at pos points to."""
        self.need(pos, 4, where)
        return pos + self.u32(pos)

    def table(self, class_name: str, pos: int, where: str, depth: int) -> None:
        self.visits_left -= 1
        if self.visits_left < 0:
            self.fail(where, "more table references than the file size allows (shared or looping sub-tables)")
        if depth > MAX_DEPTH:
            self.fail(where, f"tables nested deeper than {MAX_DEPTH}")
        self.need(pos, 4, where)
        vtable = pos - struct.unpack_from("<i", self.buf, pos)[0]
        self.need(vtable, 4, where + " (vtable)")
        vsize, tsize = self.u16(vtable), self.u16(vtable + 2)
        if vsize < 4 or vsize % 2:
            self.fail(where, f"vtable size {vsize} is not an even number of at least 4")
        if tsize < 4:
            self.fail(where, f"table size {tsize} is below 4")
        self.need(vtable, vsize, where + " (vtable)")
        self.need(pos, tsize, where)
        members: dict[str, int] = {}
        for field in table_layout(class_name):
            if field.slot >= vsize:
                continue
            at = self.u16(vtable + field.slot)
            if at == 0:
                continue
            inner = f"{where}.{field.name}"
            width = field.width if field.kind == "scalar" else 4
            if at + width > tsize:
                self.fail(inner, f"field at byte {at} runs past the table's {tsize} bytes")
            if field.kind == "scalar":
                members[field.name] = at
                continue
            self.value(field, pos + at, inner, depth, class_name, pos, members)

    def value(self, field: Field, pos: int, where: str, depth: int, owner: str, table_pos: int, members) -> None:
        target = self.follow(pos, where)
        if field.kind == "table":
            self.table(field.target, target, where, depth + 1)
        elif field.kind == "string":
            self.string(target, where)
        elif field.kind == "union":
            type_at = members.get(field.name + "Type")
            kind = self.buf[table_pos + type_at] if type_at is not None else 0
            if kind == 0:
                return
            member = union_members(field.target).get(kind)
            if member is None:
                self.fail(where, f"unknown {field.target} type {kind}")
            self.table(member, target, f"{where}<{member}>", depth + 1)
        else:
            count = self.vector(target, 4 if field.kind in ("strings", "tables") else field.width, where)
            if field.kind in ("strings", "tables"):
                for i in range(count):
                    element = self.follow(target + 4 + 4 * i, f"{where}[{i}]")
                    if field.kind == "strings":
                        self.string(element, f"{where}[{i}]")
                    else:
                        self.table(field.target, element, f"{where}[{i}]", depth + 1)

    def vector(self, pos: int, width: int, where: str) -> int:
        self.need(pos, 4, where)
        count = self.u32(pos)
        self.need(pos + 4, count * width, where)
        return count

    def string(self, pos: int, where: str) -> None:
        length = self.vector(pos, 1, where)
        self.need(pos + 4 + length, 1, where + " (terminator)")
        if self.buf[pos + 4 + length] != 0:
            self.fail(where, "string is not NUL-terminated")


def check_flatbuffer(buf: bytes) -> None:
    """Raise InvalidModelError unless every offset and length reachable from the root lies in the file."""
    buf = bytes(buf)
    if len(buf) < 8:
        raise InvalidModelError(f"the file has {len(buf)} bytes, too short for a TensorFlow Lite model", HINT)
    if len(buf) > MAX_FILE_BYTES:
        raise InvalidModelError("the file is larger than a flatbuffer can address (2 GB)", HINT)
    if buf[4:8] != FILE_IDENTIFIER:
        raise InvalidModelError(f"the file does not carry the TensorFlow Lite identifier 'TFL3' (found "
                                f"{buf[4:8]!r})", "pass an int8 .tflite file, or a Keras/SavedModel model")
    walk = _Walk(buf)
    walk.table("Model", walk.follow(0, "root"), "Model", 0)
