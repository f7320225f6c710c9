"""A user's own microcontroller, described in a TOML or JSON file: memory, core, DSP extension, FPU, clock.

The file is untrusted input: every field is checked against one rule and a broken file is refused with
the field and the rule named, before anything is compiled.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

KB = 1024
DEFAULT_MODEL_SHARE = 0.75      # what the model may take of flash and RAM when the file does not say
MAX_MEMORY_KB = 64 * 1024       # 64 MB: larger figures are more likely a unit mistake than a microcontroller
MAX_CLOCK_MHZ = 2000
MAX_FILE_BYTES = 64 * 1024
NAME_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


@dataclass(frozen=True)
class Core:
    """What the kernels and compiler flags need to know about a core."""
    arm: bool
    dsp: bool | None           # True: always has the DSP extension; False: never; None: an option of the part
    fpu_possible: bool
    gcc_cpu: str | None        # -mcpu= for arm-none-eabi-gcc
    gcc_fpu: str | None        # -mfpu= when the part has its FPU


CORES = {
    "cortex-m0": Core(True, False, False, "cortex-m0", None),
    "cortex-m0plus": Core(True, False, False, "cortex-m0plus", None),
    "cortex-m3": Core(True, False, False, "cortex-m3", None),
    "cortex-m4": Core(True, True, True, "cortex-m4", "fpv4-sp-d16"),
    "cortex-m7": Core(True, True, True, "cortex-m7", "fpv5-sp-d16"),
    "cortex-m23": Core(True, False, False, "cortex-m23", None),
    "cortex-m33": Core(True, None, True, "cortex-m33", "fpv5-sp-d16"),
    # Helium (MVE) left off: the kernels do not use it, and with it on GCC 12 cannot allocate the registers of
    # the DSP kernels' inline assembly
    "cortex-m55": Core(True, True, True, "cortex-m55+nomve", "auto"),
    # Not Arm: the generated C and the reference kernels are portable C99, so they build with the part's
    # own toolchain; the DSP kernels use Arm instructions and are never chosen.
    "xtensa-lx6": Core(False, False, True, None, None),
    "xtensa-lx7": Core(False, False, True, None, None),
    "riscv32": Core(False, False, True, None, None),
}

REQUIRED = ("name", "core", "flash_kb", "ram_kb", "clock_mhz")
OPTIONAL = ("description", "dsp", "fpu", "model_flash_kb", "model_ram_kb")


class BoardDescriptionError(UserError, ValueError):
    """A board description file that breaks a rule (names the file, the field and the rule)."""


def _refuse(path: Path, field: str, rule: str) -> BoardDescriptionError:
    return BoardDescriptionError(
        f"board description {path.name}: field '{field}': {rule}",
        "a board description holds name, core, flash_kb, ram_kb, clock_mhz and optionally dsp, fpu, description, "
        "model_flash_kb, model_ram_kb; see docs/boards.md and the examples in boards/parts/")


def _read(path: Path) -> dict:
    if not path.is_file():
        raise BoardDescriptionError(f"board description {path}: no such file",
                                    "give a board name or the path of a .toml or .json board description")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise _refuse(path, "(file)", f"larger than {MAX_FILE_BYTES} bytes")
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        raise _refuse(path, "(file)", "not UTF-8 text") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise _refuse(path, "(file)", f"not valid {kind}: {error}") from None
    if not isinstance(data, dict):
        raise _refuse(path, "(file)", "must be a table (TOML) or an object (JSON) of fields")
    return data


def _positive_int(path: Path, data: dict, field: str, limit: int) -> int:
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(path, field, f"must be a whole number of KB (1 KB = 1024 bytes), got {value!r}")
    if not 0 < value <= limit:
        raise _refuse(path, field, f"must be between 1 and {limit}, got {value}")
    return value


def _flag(path: Path, data: dict, field: str) -> bool | None:
    if field not in data:
        return None
    if not isinstance(data[field], bool):
        raise _refuse(path, field, f"must be true or false, got {data[field]!r}")
    return data[field]


def parse_board_description(path: str | Path) -> dict:
    """The board.json fields (as boards/<name>/board.json has them) of a description file, all checked."""
    path = Path(path)
    if path.suffix.lower() not in (".toml", ".json"):
        raise BoardDescriptionError(f"board description {path.name}: must end in .toml or .json",
                                    "give a board name or the path of a .toml or .json board description")
    data = _read(path)
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise _refuse(path, unknown[0], f"unknown field (known: {', '.join(REQUIRED + OPTIONAL)})")
    for field in REQUIRED:
        if field not in data:
            raise _refuse(path, field, "is required")
    name = data["name"]
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        raise _refuse(path, "name", "must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit")
    description = data.get("description", name)
    if not isinstance(description, str) or len(description) > 200 or not description.isprintable():
        raise _refuse(path, "description", "must be printable text of at most 200 characters")
    core_name = data["core"]
    if not isinstance(core_name, str) or core_name.lower() not in CORES:
        raise _refuse(path, "core", f"must be one of {', '.join(CORES)}, got {core_name!r}")
    core_name = core_name.lower()
    core = CORES[core_name]
    dsp = _flag(path, data, "dsp")
    if core.dsp is None and dsp is None:
        raise _refuse(path, "dsp", f"is required for {core_name}: the DSP extension is an option of the part "
                                   "(its datasheet says whether it has it)")
    if core.dsp is False and dsp:
        raise _refuse(path, "dsp", f"{core_name} has no Arm DSP extension" + ("" if core.arm else
                                   " (the DSP kernels use Arm instructions)"))
    if core.dsp is True and dsp is False:
        raise _refuse(path, "dsp", f"{core_name} always has the DSP extension")
    dsp = core.dsp if dsp is None else dsp
    fpu = _flag(path, data, "fpu") or False
    if fpu and not core.fpu_possible:
        raise _refuse(path, "fpu", f"{core_name} has no floating-point unit")
    clock = data["clock_mhz"]
    if isinstance(clock, bool) or not isinstance(clock, (int, float)) or not 0 < clock <= MAX_CLOCK_MHZ:
        raise _refuse(path, "clock_mhz", f"must be a number of MHz above 0 and at most {MAX_CLOCK_MHZ}, got {clock!r}")
    flash_kb = _positive_int(path, data, "flash_kb", MAX_MEMORY_KB)
    ram_kb = _positive_int(path, data, "ram_kb", MAX_MEMORY_KB)
    model_flash_kb = (_positive_int(path, data, "model_flash_kb", flash_kb) if "model_flash_kb" in data
                      else int(flash_kb * DEFAULT_MODEL_SHARE))
    model_ram_kb = (_positive_int(path, data, "model_ram_kb", ram_kb) if "model_ram_kb" in data
                    else int(ram_kb * DEFAULT_MODEL_SHARE))
    return dict(name=name, description=description, source=str(path), core=core_name, dsp_extension=dsp, fpu=fpu,
                clock_mhz=clock, flash_bytes=flash_kb * KB, ram_bytes=ram_kb * KB,
                model_flash_bytes=max(1, model_flash_kb * KB), model_ram_bytes=max(1, model_ram_kb * KB))


def compiler_flags(info: dict) -> list[str]:
    """arm-none-eabi-gcc flags for the described core; empty for a part that is not Arm (its own toolchain)."""
    core = CORES.get(info.get("core", ""))
    if core is None or not core.arm:
        return []
    cpu = core.gcc_cpu
    if core.dsp is None and not info.get("dsp_extension"):
        cpu += "+nodsp"
    flags = [f"-mcpu={cpu}", "-mthumb"]
    if info.get("fpu") and core.gcc_fpu:
        flags += ["-mfloat-abi=hard", f"-mfpu={core.gcc_fpu}"]
    else:
        flags += ["-mfloat-abi=soft"]
    return flags
