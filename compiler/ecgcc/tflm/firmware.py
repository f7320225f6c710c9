"""A firmware image that runs a .tflite through TFLM's interpreter on a board's own layer and protocol.

The board layer (board.c, startup, SysTick counter, linker script) and firmware/app (protocol, INFO, INFER) are
the ones PlatformIO builds for the generated code, read from platformio.ini; firmware/tflm/tflm_model.cc puts the
interpreter behind the app's model interface, and the model's flatbuffer, tensor descriptions and operator list
are generated per model. The arena is a static array: built once with room to spare, then rebuilt with what the
interpreter reported it used, so the image's static RAM is what TFLM needs."""
from __future__ import annotations

import configparser
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import __version__
from ..errors import UserError
from ..firmware import FirmwareImage, measure
from ..paths import project_root
from ..safe_text import c_string_literal
from . import kit

BOARD_CORES = {"qemu-m4": "cortex-m4", "qemu-m3": "cortex-m3", "qemu-m3-large": "cortex-m3"}
# Builtin operator names whose TFLM resolver method is not their CamelCase spelling
RESOLVER_SPELLING = {"PADV2": "AddPadV2", "UNIDIRECTIONAL_SEQUENCE_LSTM": "AddUnidirectionalSequenceLSTM",
                     "L2_NORMALIZATION": "AddL2Normalization"}
C_FLAGS = ["-O2", "-ffunction-sections", "-fdata-sections", "-ffreestanding", "-std=c11", "-Wall", "-Wextra"]
CXX_FLAGS = ["-O2", "-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", "-funsigned-char",
             "-ffunction-sections", "-fdata-sections", "-Wall"]


class TflmBuildError(UserError):
    """The TFLM firmware did not build for this model and board."""


@dataclass
class TflmImage:
    image: FirmwareImage
    kernels: str
    flatbuffer_bytes: int
    arena_capacity: int
    harness_objects: frozenset = frozenset()   # the objects of firmware/app and the board folders

    @property
    def map_path(self) -> Path:
        return self.image.path.with_name("firmware.map")

    @property
    def path(self) -> Path:
        return self.image.path


def resolver_call(kind: str) -> str:
    """CONV_2D -> AddConv2D: TFLM's MicroMutableOpResolver method for a builtin operator."""
    return RESOLVER_SPELLING.get(kind) or "Add" + "".join(part if part[0].isdigit() else part.capitalize()
                                                          for part in kind.split("_"))  # 2D stays 2D


def board_layer(board: str) -> tuple[list[Path], Path]:
    """(board source folders, linker script) of the board's PlatformIO environment."""
    config = configparser.ConfigParser()
    config.read(project_root() / "platformio.ini")
    section = f"env:{board}"
    if board not in BOARD_CORES or not config.has_section(section):
        raise TflmBuildError(f"no TFLM firmware for board {board}", hint=f"use one of {', '.join(BOARD_CORES)}")
    root = project_root()
    folders = [root / d for d in config.get(section, "custom_board_dirs").split()]
    return folders, root / config.get(section, "board_build.ldscript")


def operator_kinds(tflite: bytes) -> set[str]:
    from ..frontend import parse_tflite
    return {op.kind for op in parse_tflite(tflite).operators}


def generate_model_sources(tflite: bytes, name: str, arena_capacity: int, out: Path) -> None:
    from ..compile import _tensor_info
    from ..frontend import parse_tflite

    graph = parse_tflite(tflite)
    inputs = [_tensor_info(graph, i, 0) for i in graph.inputs]
    outputs = [_tensor_info(graph, i, 0) for i in graph.outputs]
    kinds = sorted({op.kind for op in graph.operators})
    lines = [", ".join(str(b) for b in tflite[i:i + 24]) for i in range(0, len(tflite), 24)]
    context = dict(version=__version__, name=c_string_literal(name), source=c_string_literal(name),
                   identity=hashlib.sha256(tflite).hexdigest()[:16], inputs=inputs, outputs=outputs,
                   layers=[c_string_literal(op.kind) for op in graph.operators],
                   input_bytes_total=sum(t["bytes"] for t in inputs),
                   output_bytes_total=sum(t["bytes"] for t in outputs), arena_capacity=arena_capacity,
                   flatbuffer=",\n".join("  " + line for line in lines),
                   resolver_calls=[resolver_call(k) for k in kinds])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(project_root() / "templates" / "tflm")),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    out.mkdir(parents=True, exist_ok=True)
    for template, target in (("model.h.j2", "model.h"), ("model_data.cc.j2", "model_data.cc"), ("arena.c.j2", "arena.c")):
        text = env.get_template(template).render(**context)
        path = out / target
        if not path.is_file() or path.read_text() != text:   # unchanged sources keep their objects
            path.write_text(text)


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise TflmBuildError(f"{what} failed: {(result.stdout + result.stderr)[-2500:]}")


def _compile(source: Path, obj: Path, command: list[str], headers: list[Path]) -> Path:
    """Compiles when the object is missing or older than its source or any header it may include."""
    newest = max(p.stat().st_mtime for p in [source, *headers])
    if not obj.is_file() or obj.stat().st_mtime < newest:
        obj.parent.mkdir(parents=True, exist_ok=True)
        _run(command + ["-c", str(source), "-o", str(obj)], f"compiling {source.name}")
    return obj


def build(tflite: bytes, name: str, board: str, kernels: str, out: Path, arena_capacity: int) -> TflmImage:
    """Links against the model's operators' part of TFLM when the whole library is not built for this core and
    kernel set (see kit.library), and against the whole library when that part misses an object."""
    core = BOARD_CORES.get(board)
    folders, ldscript = board_layer(board)
    cpu = kit.CORE_FLAGS[core].split()
    root = project_root()
    generated = out / "model"
    generate_model_sources(tflite, name, arena_capacity, generated)
    includes = [f"-I{p}" for p in (root / "firmware" / "app", root / "firmware" / "kernels" / "include",
                                   root / "firmware" / "monitor", root / "firmware" / "tflm", generated, *folders)]
    headers = [h for folder in (root / "firmware" / "app", root / "firmware" / "tflm", generated, *folders)
               for h in folder.glob("*.h")]
    objects = []
    c_sources = sorted((root / "firmware" / "app").glob("*.c")) + [s for f in folders for s in sorted(f.glob("*.c"))]
    for source in c_sources + [generated / "arena.c"]:
        obj = out / "obj" / f"{source.parent.name}-{source.stem}.o"
        objects.append(_compile(source, obj, ["arm-none-eabi-gcc", *cpu, *C_FLAGS, *includes], headers))
    harness = frozenset(str(o) for o in objects[:len(c_sources)])
    tflm_flags = kit.compile_flags(core, kernels)
    # the interpreter adapter is the same for every model: compiled once per core and kernel set
    adapter = root / "firmware" / "tflm" / "tflm_model.cc"
    tflm_headers = list((root / "firmware" / "tflm").glob("*.h"))
    objects.append(_compile(adapter, kit.library_dir(core, kernels) / "adapter" / "tflm_model.o",
                            ["arm-none-eabi-g++", *cpu, *CXX_FLAGS, *tflm_flags, f"-I{root / 'firmware' / 'tflm'}"],
                            tflm_headers))
    objects.append(_compile(generated / "model_data.cc", out / "obj" / "tflm-model_data.o",
                            ["arm-none-eabi-g++", *cpu, *CXX_FLAGS, *tflm_flags, *includes], tflm_headers))
    elf, map_file = out / "firmware.elf", out / "firmware.map"

    def link(library: Path) -> None:
        _run(["arm-none-eabi-g++", *cpu, "-nostartfiles", "-T", str(ldscript), *[f"-L{f}" for f in folders],
              "-Wl,--gc-sections", "--specs=nano.specs", "--specs=nosys.specs", f"-Wl,-Map,{map_file}", "-Wl,--cref",
              "-o", str(elf), *map(str, objects), str(library), "-lm"], f"linking the TFLM firmware for {board}")

    library = kit.library(core, kernels, operators=operator_kinds(tflite))
    if library.name != "libtflm.a":
        try:
            link(library)
        except TflmBuildError as error:
            if "undefined reference" not in str(error):
                raise          # a board too small for the image: the whole library would not help
            library = kit.library(core, kernels)
    if library.name == "libtflm.a":
        link(library)
    image = measure(board, elf)
    flatbuffer = _symbol_size(elf, "tflm_model_data")
    image.weights_bytes = flatbuffer
    _check_no_constructors(elf)
    return TflmImage(image=image, kernels=kernels, flatbuffer_bytes=flatbuffer, arena_capacity=arena_capacity,
                     harness_objects=harness)


def _symbol_size(elf: Path, name: str) -> int:
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as handle:
        symbols = ELFFile(handle).get_section_by_name(".symtab")
        sizes = [s["st_size"] for s in symbols.iter_symbols() if s.name == name]
    if not sizes:
        raise TflmBuildError(f"{elf} holds no {name}")
    return int(sizes[0])


def _check_no_constructors(elf: Path) -> None:
    """The boards' start-up code runs no C++ static constructors: an image that needs them would start with
    objects never built, so it is refused rather than measured."""
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as handle:
        sections = {s.name: s["sh_size"] for s in ELFFile(handle).iter_sections()}
    if sections.get(".init_array", 0) or sections.get(".ctors", 0):
        raise TflmBuildError(f"{elf} needs C++ static constructors ({sections.get('.init_array', 0)} bytes of "
                             ".init_array), which the boards' start-up code does not run")
