"""Builds the firmware for a board with PlatformIO, offline, and measures the image from its ELF."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

from .paths import build_root, project_root

EMULATED_BOARDS = {"qemu-m4", "qemu-m3"}
HOST_BOARD = "host"
SCONS_PACKAGE_VERSION = "4.41101.0"  # PlatformIO 6.2 pins tool-scons ~4.41101.0, i.e. SCons 4.11.1
FORBIDDEN_SYMBOLS = ("malloc", "free", "calloc", "realloc", "_sbrk", "_malloc_r", "_free_r")


class BuildError(RuntimeError):
    pass


def platformio_core_dir() -> Path:
    """A project-local PlatformIO home whose build engine is the SCons from PyPI, so nothing downloads."""
    core = build_root() / "pio-core"
    package = core / "packages" / "tool-scons"
    if not (package / "scons.py").is_file():
        package.mkdir(parents=True, exist_ok=True)
        (package / "package.json").write_text(json.dumps({"name": "tool-scons", "version": SCONS_PACKAGE_VERSION}))
        (package / ".piopm").write_text(json.dumps({
            "type": "tool", "name": "tool-scons", "version": SCONS_PACKAGE_VERSION,
            "spec": {"owner": "platformio", "id": None, "name": "tool-scons", "requirements": None, "uri": None}}))
        (package / "scons.py").write_text("import sys\nfrom SCons.Script.Main import main\nsys.exit(main())\n")
    return core


def platformio_env() -> dict:
    env = dict(os.environ)
    env["PLATFORMIO_CORE_DIR"] = str(platformio_core_dir())
    env.setdefault("PLATFORMIO_NO_ANSI", "true")
    env["PLATFORMIO_SETTING_ENABLE_TELEMETRY"] = "No"
    env["PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL"] = "3650"
    return env


def pio_command() -> list[str]:
    local = Path(sys.executable).with_name("pio")
    return [str(local)] if local.exists() else [shutil.which("pio") or "pio"]


@dataclass
class FirmwareImage:
    board: str
    path: Path
    flash_bytes: int
    ram_bytes: int
    static_ram_bytes: int
    stack_bytes: int
    code_bytes: int
    const_bytes: int
    weights_bytes: int
    sections: dict

    def summary(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def build_dir_for(board: str, model_dir: Path) -> Path:
    """One build folder per (board, model) so builds of different models never share objects."""
    key = hashlib.sha256(str(model_dir.resolve()).encode()).hexdigest()[:10]
    return build_root() / "firmware" / f"{board}-{key}"


def monitor_config_for(model_dir: str | os.PathLike):
    """The ECG monitor build that feeds this model, or None when the model is not a beat classifier
    (inputs: a beat window of 1 or 2 channels and 5, 6 or 8 RR features; 5 class scores out)."""
    from .frontend import parse_tflite
    from .monitor.config import MonitorConfig

    tflite = Path(model_dir) / "model.tflite"
    if not tflite.is_file():
        return None
    graph = parse_tflite(tflite.read_bytes())
    shapes = [tuple(graph.tensors[i].shape) for i in graph.inputs]
    outputs = [tuple(graph.tensors[i].shape) for i in graph.outputs]
    windows = [s for s in shapes if len(s) in (2, 3) and s[1] >= 64]
    features = [s for s in shapes if len(s) == 2 and s[1] in (5, 6, 8)]
    if len(shapes) != 2 or len(windows) != 1 or len(features) != 1 or outputs != [(1, 5)]:
        return None
    window = windows[0]
    channels = window[2] if len(window) == 3 else 1
    if channels not in (1, 2):
        return None
    return MonitorConfig(model_window_len=window[1], model_window_channels=channels,
                         model_rr_features=features[0][1])


def build(board: str, model_dir: str | os.PathLike, *, extra_flags: str = "", verbose: bool = False) -> FirmwareImage:
    model_dir = Path(model_dir).resolve()
    if not (model_dir / "model.h").is_file():
        raise BuildError(f"{model_dir} holds no generated model.h; run `ecgcc compile` first")
    monitor = monitor_config_for(model_dir)
    if monitor is not None:
        extra_flags = " ".join(monitor.c_defines() + ([extra_flags] if extra_flags else []))
    out_dir = build_dir_for(board, model_dir)
    env = platformio_env()
    env["ECGCC_MODEL_DIR"] = str(model_dir)
    env["PLATFORMIO_BUILD_DIR"] = str(out_dir)
    if extra_flags:
        env["PLATFORMIO_BUILD_FLAGS"] = extra_flags
    result = subprocess.run(pio_command() + ["run", "-e", board, "-d", str(project_root())],
                            env=env, capture_output=True, text=True)
    if verbose or result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-4000:])
    if result.returncode != 0:
        raise BuildError(f"PlatformIO build for {board} failed (exit {result.returncode})")
    elf = out_dir / board / ("program" if board == HOST_BOARD else "program.elf")
    return measure(board, elf)


def measure(board: str, elf_path: Path) -> FirmwareImage:
    with open(elf_path, "rb") as handle:
        elf = ELFFile(handle)
        sections = {s.name: s["sh_size"] for s in elf.iter_sections() if s["sh_flags"] & 0x2}  # SHF_ALLOC
        weights = 0
        symbols = elf.get_section_by_name(".symtab")
        if symbols is not None:
            for symbol in symbols.iter_symbols():
                if symbol.name.startswith("model_weight") or symbol.name.startswith("model_const"):
                    weights += symbol["st_size"]
    code = sections.get(".text", 0) + sections.get(".isr_vector", 0)
    const = sections.get(".rodata", 0) + sections.get(".ARM.exidx", 0)
    data = sections.get(".data", 0)
    bss = sections.get(".bss", 0)
    stack = sections.get(".stack", 0)
    return FirmwareImage(board=board, path=elf_path, flash_bytes=code + const + data, ram_bytes=data + bss + stack,
                         static_ram_bytes=data + bss, stack_bytes=stack, code_bytes=code, const_bytes=const,
                         weights_bytes=weights, sections=sections)


def defined_symbols(elf_path: Path) -> set[str]:
    with open(elf_path, "rb") as handle:
        symbols = ELFFile(handle).get_section_by_name(".symtab")
        return {s.name for s in symbols.iter_symbols()} if symbols is not None else set()


def heap_symbols(elf_path: Path) -> set[str]:
    return defined_symbols(elf_path) & set(FORBIDDEN_SYMBOLS)
