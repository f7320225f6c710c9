"""Where a firmware's flash goes, object by object, read from the GNU linker's map file.

The bench compares the code a model needs at run time. Both of its firmwares (the generated code and TFLM's
interpreter) carry the same serial protocol and board layer, and the generated one may carry the ECG monitor;
those objects are measured here, input section by input section, so the comparison can leave them out on both
sides instead of estimating them.

Library members (libc, libgcc) belong to whoever pulls them in: a member whose every referrer that stays in the
image is a harness object (or such a member) is the harness's too, read from the map's cross reference table
(`-Wl,--cref`); a member that the model's code references, even besides the harness, counts as runtime.

Only the map's memory part is read (after "Linker script and memory map": the sections the linker discarded are
listed before it). An input section counts when it sits in an output section that the image keeps in flash: code,
read-only data, the unwind index and the load copy of .data, the sections `firmware.measure` adds up as flash."""
from __future__ import annotations

import re
from pathlib import Path

FLASH_OUTPUT_SECTIONS = (".isr_vector", ".text", ".rodata", ".ARM.exidx", ".data")
FILL = "*fill*"
_MEMORY_MAP_START = "Linker script and memory map"
_OUTPUT = re.compile(r"^(\.[^\s]+)(?:\s+0x[0-9a-fA-F]+\s+0x[0-9a-fA-F]+.*)?$")
_INPUT = re.compile(r"^ (\S+)\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_NAME_ONLY = re.compile(r"^ (\.\S+|COMMON)$")
_REST = re.compile(r"^\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)\s+(\S.*)$")
_FILL = re.compile(r"^ \*fill\*\s+0x[0-9a-fA-F]+\s+0x([0-9a-fA-F]+)")


def flash_by_object(map_text: str, sections=FLASH_OUTPUT_SECTIONS) -> dict[str, int]:
    """Bytes each object file (or archive member, `lib.a(member.o)`) puts in the flash output sections, and the
    linker's alignment fill under FILL."""
    start = map_text.find(_MEMORY_MAP_START)
    if start < 0:
        raise ValueError("not a GNU ld map file: no memory map part")
    totals: dict[str, int] = {}
    current, pending = None, None
    for line in map_text[start:].splitlines():
        output = _OUTPUT.match(line)
        if output:
            current, pending = output.group(1), None
            continue
        if current not in sections:
            pending = None
            continue
        fill = _FILL.match(line)
        if fill:
            totals[FILL] = totals.get(FILL, 0) + int(fill.group(1), 16)
            continue
        if pending is not None:
            rest = _REST.match(line)
            pending = None
            if rest:
                _add(totals, rest.group(2), int(rest.group(1), 16))
                continue
        entry = _INPUT.match(line)
        if entry:
            _add(totals, entry.group(3), int(entry.group(2), 16))
        elif _NAME_ONLY.match(line):
            pending = line.strip()   # a long section name: its address, size and file are on the next line
    return totals


def _add(totals: dict[str, int], source: str, size: int) -> None:
    if size:
        totals[source.strip()] = totals.get(source.strip(), 0) + size


def read_flash_by_object(map_path: Path) -> dict[str, int]:
    return flash_by_object(Path(map_path).read_text(errors="replace"))


_CREF_START = "Cross Reference Table"
_CREF_SYMBOL = re.compile(r"^(\S+)\s+(\S.*)$")
_CREF_MORE = re.compile(r"^\s+(\S.*)$")


def cross_references(map_text: str) -> dict[str, list[str]]:
    """symbol -> [the file defining it, then every file referring to it], from the map's cross reference table
    (empty when the image was linked without --cref)."""
    start = map_text.find(_CREF_START)
    if start < 0:
        return {}
    table: dict[str, list[str]] = {}
    current = None
    for line in map_text[start:].splitlines()[3:]:
        more = _CREF_MORE.match(line)
        if more and current is not None:
            table[current].append(more.group(1).strip())
            continue
        entry = _CREF_SYMBOL.match(line)
        if entry:
            current = entry.group(1)
            table.setdefault(current, []).append(entry.group(2).strip())
        elif line.strip():
            current = None
    return table


def harness_members(by_object: dict[str, int], references: dict[str, list[str]], is_harness) -> set[str]:
    """Library members in the image that only the harness needs: every referrer of every symbol they define,
    among the files that keep bytes in the image, is a harness object or another such member."""
    in_image = {path for path, size in by_object.items() if size and path != FILL}
    referrers: dict[str, set[str]] = {}
    for definer, *users in references.values():
        if ".a(" in definer and definer in in_image:
            referrers.setdefault(definer, set()).update(u for u in users if u in in_image and u != definer)
    members: set[str] = set()
    while True:
        more = {m for m, users in referrers.items() if m not in members and users
                and all(is_harness(u) or u in members for u in users)}
        if not more:
            return members
        members |= more


def split_flash(by_object: dict[str, int], is_harness, references: dict[str, list[str]] | None = None) -> tuple[int, int]:
    """(bytes of the objects is_harness(path) claims and of the library members only they pull in, every other
    flash byte, fill included)."""
    members = harness_members(by_object, references or {}, is_harness)
    harness = sum(size for path, size in by_object.items()
                  if path != FILL and (is_harness(path) or path in members))
    return harness, sum(by_object.values()) - harness


def pio_harness_object(path: str) -> bool:
    """In a PlatformIO build of the firmware: the objects of firmware/app, firmware/monitor and the board folders
    (boards/platform/add_sources.py builds board folder N into `boardN/`)."""
    parts = Path(path).parts
    if len(parts) < 2:
        return False
    return (parts[-3:-1] in (("src", "app"), ("src", "monitor"))) or re.fullmatch(r"board\d+", parts[-2]) is not None
