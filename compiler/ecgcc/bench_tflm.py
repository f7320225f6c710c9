"""`ecgcc bench --against tflm`: each model run by the generated code and by TensorFlow Lite Micro (reference
kernels, and CMSIS-NN), built from TFLM's own sources onto the same board layer and protocol, with the same
input vectors; every output byte of the three firmwares must equal the pip TFLite Micro interpreter's.

One row per model, board and engine. A Cortex-M3 board that cannot hold a firmware hands it to qemu-m3-large
(the same core on QEMU mps2-an385, 4 MB of flash and RAM), so the M3 rows of one model may name two boards;
they are compared as one core."""
from __future__ import annotations

import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import UserError
from .paths import build_root

ENGINES = ("ecgcc", "tflm-cmsis-nn", "tflm-reference")
TFLM_KERNELS = {"tflm-reference": "reference", "tflm-cmsis-nn": "cmsis_nn"}
ROW_FIELDS = ("model", "board", "engine", "exact", "macs", "instructions", "flash_code", "flash_weights", "arena",
              "stack", "static_ram")
# flash_code is the runtime's: the image's flash but the weights and the shared harness (protocol, board layer,
# ECG monitor), whose bytes are measured per object from the linker map and reported as flash_harness.
LARGER_BOARD = {"qemu-m3": "qemu-m3-large"}
CORE_OF_BOARD = {"qemu-m4": "cortex-m4", "qemu-m3": "cortex-m3", "qemu-m3-large": "cortex-m3"}
# TFLM's interpreter state and 32-bit pointers take less than the pip interpreter's 64-bit host build; the
# first image gets this much more, the last the least above what the interpreter reported it used that allocates.
FIRST_ARENA_MARGIN = 4096
ARENA_ALIGNMENT_SLACK = 16   # MicroInterpreter aligns the arena's start: it needs arena_used_bytes() + 16


class OutputMismatch(AssertionError):
    pass


@dataclass
class Run:
    """What one firmware did with the vectors."""
    outputs: list[list[np.ndarray]]
    instructions: list[int]
    stack: int
    arena: int


def first_difference(engine: str, got: list[list[np.ndarray]], expected: list[list[np.ndarray]]) -> str | None:
    """None when every output byte of every vector equals `expected`, else where the first byte differs."""
    if len(got) != len(expected):
        return f"{engine}: {len(got)} replies for {len(expected)} vectors"
    for v, (outs, wants) in enumerate(zip(got, expected)):
        for k, (out, want) in enumerate(zip(outs, wants)):
            a, b = np.asarray(out, np.int8).reshape(-1), np.asarray(want, np.int8).reshape(-1)
            if a.shape != b.shape:
                return f"{engine}: vector {v} output {k} has {a.size} bytes, the reference {b.size}"
            bad = np.flatnonzero(a != b)
            if bad.size:
                return (f"{engine}: vector {v} output {k}: {bad.size} of {b.size} bytes differ, first at {bad[0]} "
                        f"({int(a[bad[0]])} against {int(b[bad[0]])})")
    return None


def run_vectors_on(board: str, elf: Path, vectors: list[list[np.ndarray]]) -> Run:
    from .harness.device import Device
    from .harness.emulator import EmulatedBoard

    with EmulatedBoard(board, elf) as session, Device(session.url, timeout=300) as device:
        info = device.info()
        results = [device.infer(v) for v in vectors]
    return Run(outputs=[r.outputs for r in results], instructions=[r.instructions for r in results],
               stack=max(r.stack_high_water for r in results), arena=info.arena_bytes)


def read_arena(board: str, elf: Path) -> int:
    from .harness.device import Device
    from .harness.emulator import EmulatedBoard

    with EmulatedBoard(board, elf) as session, Device(session.url, timeout=60) as device:
        return device.info().arena_bytes


def _boards_to_try(board: str) -> list[str]:
    return [board] + ([LARGER_BOARD[board]] if board in LARGER_BOARD else [])


def ecgcc_firmware(tflite: bytes, name: str, board: str):
    """(board, compile result, image), on the larger sibling board when the model does not fit this one."""
    from . import firmware
    from .compile import compile_tflite

    problems = []
    for candidate in _boards_to_try(board):
        out = build_root() / "bench" / candidate / name.replace("/", "_")
        try:
            compiled = compile_tflite(tflite, name.replace("/", "_"), candidate, out)
            return candidate, compiled, firmware.build(candidate, out)
        except UserError as error:
            problems.append(f"{candidate}: {error}")
    raise UserError(f"{name} fits none of {', '.join(_boards_to_try(board))}: " + "; ".join(problems)[:600])


def tflm_firmware(tflite: bytes, name: str, board: str, kernels: str, pip_arena: int):
    """(board, image) of TFLM with these kernels, its arena array exactly what the interpreter uses."""
    from .tflm import firmware as tflm_fw

    problems = []
    for candidate in _boards_to_try(board):
        out = build_root() / "bench-tflm" / candidate / kernels / name.replace("/", "_")
        try:
            capacity = pip_arena + FIRST_ARENA_MARGIN
            for _ in range(4):
                image = tflm_fw.build(tflite, name, candidate, kernels, out, capacity)
                used = read_arena(candidate, image.path)
                if used:
                    break
                capacity *= 2          # AllocateTensors failed: the interpreter reports 0
            else:
                raise UserError(f"TFLM could not allocate {name}'s tensors in {capacity // 2} bytes")
            # Preparing the operators may take more of the arena for a moment than stays in use after it, so
            # the smallest arena that allocates can be above what the interpreter reports: grow until it does.
            for extra in (0, 256, 1024, 4096):
                tight = (used + ARENA_ALIGNMENT_SLACK + extra + 15) // 16 * 16
                image = tflm_fw.build(tflite, name, candidate, kernels, out, tight)
                if read_arena(candidate, image.path):
                    return candidate, image
            return candidate, tflm_fw.build(tflite, name, candidate, kernels, out, capacity)
        except UserError as error:
            problems.append(f"{candidate}: {error}")
    raise UserError(f"TFLM ({kernels}) runs {name} on none of {', '.join(_boards_to_try(board))}: "
                    + "; ".join(problems)[:600])


def split_image_flash(engine: str, flash_bytes: int, weights: int, map_path: Path, is_harness) -> dict:
    """The image's flash as the bench reports it: weights, the shared harness's objects (from the linker map) and
    the runtime code, everything else. The map must account for every flash byte of the ELF."""
    from .image_map import cross_references, flash_by_object, split_flash

    text = Path(map_path).read_text(errors="replace")
    by_object = flash_by_object(text)
    harness, rest = split_flash(by_object, is_harness, cross_references(text))
    if harness + rest != flash_bytes:
        raise RuntimeError(f"{engine}: the map {map_path} holds {harness + rest} flash bytes, the ELF {flash_bytes}")
    if harness == 0:
        raise RuntimeError(f"{engine}: no object of the protocol or board layer found in {map_path}")
    return dict(flash_code=flash_bytes - weights - harness, flash_weights=weights, flash_harness=harness,
                flash_image_code=flash_bytes - weights)


def side_by_side(name: str, tflite: bytes, board: str, vector_count: int = 5, engines=ENGINES) -> list[dict]:
    """One row per engine; raises OutputMismatch when any firmware's output differs from the pip interpreter's."""
    from .harness.hil_model import random_vectors
    from .harness.model_io import ReferenceRunner
    from .reference import Reference

    reference = ReferenceRunner(tflite)
    vectors = random_vectors(reference, vector_count, seed=1)
    expected = [reference.run(v) for v in vectors]
    pip_arena = Reference(tflite).arena_used_bytes()
    rows, mismatches = [], []
    macs = None
    for engine in engines:
        if engine == "ecgcc":
            from .image_map import pio_harness_object
            used_board, compiled, image = ecgcc_firmware(tflite, name, board)
            macs = compiled.report["total"]["macs"]
            flash = split_image_flash(engine, image.flash_bytes, compiled.report["total"]["weight_bytes"],
                                      image.path.with_name("firmware.map"), pio_harness_object)
            run = run_vectors_on(used_board, image.path, vectors)
            arena = compiled.report["total"]["arena_bytes"]
        else:
            used_board, built = tflm_firmware(tflite, name, board, TFLM_KERNELS[engine], pip_arena)
            image = built.image
            flash = split_image_flash(engine, image.flash_bytes, built.flatbuffer_bytes, built.map_path,
                                      built.harness_objects.__contains__)
            run = run_vectors_on(used_board, built.path, vectors)
            arena = run.arena
        problem = first_difference(engine, run.outputs, expected)
        if problem:
            mismatches.append(problem)
        rows.append(dict(model=name, board=used_board, engine=engine, exact=problem is None, macs=macs,
                         instructions=int(statistics.median(run.instructions)), **flash, arena=arena, stack=run.stack, static_ram=image.static_ram_bytes,
                         vectors=len(vectors), instructions_max=max(run.instructions)))
        print(f"{name} {engine} on {used_board}: {rows[-1]['instructions']:,} instructions, "
              f"{'exact' if problem is None else problem}", file=sys.stderr)
    if macs is None:
        from .frontend import parse_tflite
        from .compile import lower_graph, build_report, model_identity
        graph = parse_tflite(tflite, name)
        macs = build_report(lower_graph(graph, None), name, model_identity(tflite), None)["total"]["macs"]
    for row in rows:
        row["macs"] = macs
    if mismatches:
        raise OutputMismatch("; ".join(mismatches))
    return rows


def add_ratios(rows: list[dict]) -> list[dict]:
    """Against TFLM + CMSIS-NN on the same core and model: instructions, runtime flash (everything but the weights
    and the shared harness) against TFLM's smallest build, RAM (arena + stack high-water) against TFLM's arena + stack."""
    groups: dict[tuple, dict[str, dict]] = {}
    for row in rows:
        groups.setdefault((row["model"], CORE_OF_BOARD.get(row["board"], row["board"])), {})[row["engine"]] = row
    for engines in groups.values():
        cmsis = engines.get("tflm-cmsis-nn")
        tflm = [engines[e] for e in ("tflm-reference", "tflm-cmsis-nn") if e in engines]
        for row in engines.values():
            row["instructions_per_mac"] = row["instructions"] / row["macs"] if row["macs"] else None
            row["instructions_vs_cmsis_nn"] = row["instructions"] / cmsis["instructions"] if cmsis else None
            row["flash_code_vs_tflm_smallest"] = (row["flash_code"] / min(t["flash_code"] for t in tflm)
                                                  if tflm else None)
            row["ram_vs_tflm_cmsis_nn"] = ((row["arena"] + row["stack"]) / (cmsis["arena"] + cmsis["stack"])
                                           if cmsis else None)
    return rows


def _bytes(value) -> str:
    return "-" if value is None else f"{value:,}"


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}x"


def markdown_table(rows: list[dict]) -> str:
    head = ("| model | board | engine | exact | MACs | instructions | instr/MAC | vs TFLM+CMSIS-NN | code B | weights B "
            "| harness B | arena B | stack B | static RAM B | code vs TFLM smallest | arena+stack vs TFLM+CMSIS-NN |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['board']} | {r.get('engine', '-')} | {r['error']} |" + " |" * 12)
            continue
        per_mac = f"{r['instructions_per_mac']:.2f}" if r.get("instructions_per_mac") is not None else "-"
        lines.append(f"| {r['model']} | {r['board']} | {r['engine']} | {'yes' if r['exact'] else 'NO'} | {r['macs']:,} "
                     f"| {r['instructions']:,} | {per_mac} | {_ratio(r.get('instructions_vs_cmsis_nn'))} "
                     f"| {r['flash_code']:,} | {r['flash_weights']:,} | {_bytes(r.get('flash_harness'))} | {r['arena']:,} | {r['stack']:,} "
                     f"| {r['static_ram']:,} | {_ratio(r.get('flash_code_vs_tflm_smallest'))} "
                     f"| {_ratio(r.get('ram_vs_tflm_cmsis_nn'))} |")
    return "\n".join(lines)
