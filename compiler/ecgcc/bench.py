"""`ecgcc bench`: each benchmark model built for each emulated board, measured on the device.

Instruction counts come from QEMU's deterministic -icount (exact to the SysTick resolution), flash and
static RAM from the ELF, the stack high-water mark from stack painting on the device. TFLM's figures
for the same model are its measured arena (pip tflite-micro, RecordingMicroAllocator) and the flatbuffer
it would keep in flash; its interpreter code is not counted because its sources are not available here."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from . import firmware
from .boards import available_boards
from .paths import build_root

DEFAULT_BOARDS = ("qemu-m4", "qemu-m3")
DEFAULT_MODELS = ("ecg_beat_cnn", "kws_ds_cnn", "ic_resnet8", "vww_mobilenet_025", "ad_fc_autoencoder")


def default_models() -> list[str]:
    """The project's benchmark models, then TFLite Micro's example models when a TFLM kit is there."""
    from .benchmarks.tflm_examples import example_names
    return [*DEFAULT_MODELS, *example_names()]


def benchmark_tflite(name: str) -> bytes:
    """int8 .tflite of a benchmark model, cached: conversion is the slow part. TFLM's examples as they are."""
    from .benchmarks import models, tflm_examples
    from .frontend import quantize_keras_model

    if tflm_examples.is_example(name):
        return tflm_examples.example_tflite(name)

    cache = build_root() / "bench" / f"{name}.tflite"
    source = Path(models.__file__).read_bytes()
    stamp = cache.with_suffix(".source")
    if cache.is_file() and stamp.is_file() and stamp.read_bytes() == source:
        return cache.read_bytes()
    model = getattr(models, name)()
    rng = np.random.default_rng(0)
    calibration = [[rng.normal(size=(1,) + tuple(t.shape[1:])).astype(np.float32) for t in model.inputs]
                   for _ in range(64)]
    tflite = quantize_keras_model(model, lambda: iter(calibration))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(tflite)
    stamp.write_bytes(source)
    return tflite


def run_on_board(board: str, elf, model, reference, vectors: int) -> tuple:
    """(device info, HilResult, layer trace): `vectors` random vectors through INFER, whose replies carry
    the instruction counts and stack high-water mark the bench reports, then one TRACE."""
    from .harness.device import Device
    from .harness.emulator import EmulatedBoard
    from .harness.hil import HilResult, random_vectors, run_vectors

    with EmulatedBoard(board, elf) as session, Device(session.url, timeout=60) as device:
        info = device.info()
        result = HilResult(board=board, url=session.url, info={})
        run_vectors(device, reference, random_vectors(model, vectors, seed=1), result)
        trace = device.trace(random_vectors(model, 4, seed=2)[3])
    return info, result, trace


def instruction_figures(counts: list[int]) -> dict:
    return {"min": min(counts), "median": int(statistics.median(counts)), "max": max(counts)}


def measure(name: str, board: str, vectors: int = 5) -> dict:
    from .compile import compile_tflite
    from .harness.hil import CompiledModel
    from .reference import Reference

    tflite = benchmark_tflite(name)
    out_dir = build_root() / "bench" / board / name
    compiled = compile_tflite(tflite, name.replace("/", "_"), board, out_dir)
    image = firmware.build(board, out_dir)
    model = CompiledModel.load(out_dir)
    reference = Reference(tflite, decide_classes=True)
    info, result, trace = run_on_board(board, image.path, model, reference, vectors)
    report = compiled.report
    macs = report["total"]["macs"]
    figures = instruction_figures(result.instructions)
    median = figures["median"]
    layers = [{"layer": layer["name"], "macs": layer["macs"], "instructions": t.instructions,
               "instructions_per_mac": (t.instructions / layer["macs"]) if layer["macs"] else None}
              for layer, t in zip(report["layers"], trace.layers)]
    return {
        "model": name, "board": board, "exact": f"{result.exact}/{result.vectors}",
        "macs": macs, "instructions": figures,
        "instructions_resolution": info.counter_resolution,
        "instructions_per_mac": median / macs if macs else None,
        "flash": {"code": image.code_bytes, "weights": report["total"]["weight_bytes"],
                  "other_const": image.const_bytes - report["total"]["weight_bytes"], "total": image.flash_bytes},
        "ram": {"arena": report["total"]["arena_bytes"], "stack_high_water": result.stack_high_water,
                "static": image.static_ram_bytes},
        "tflm": {"arena_used_bytes": Reference(tflite).arena_used_bytes(), "flatbuffer_bytes": len(tflite),
                 **_tflm_instructions(name, board, median)},
        "layers": layers,
    }


def _tflm_instructions(name: str, board: str, median: int) -> dict:
    """TFLM + CMSIS-NN's instructions per Invoke from the kit, and this compiler's median over them, where the
    kit measured the model on this board."""
    from .benchmarks import tflm_examples

    figure = tflm_examples.tflm_cmsis_nn_instructions().get(name[len(tflm_examples.PREFIX):])
    if not tflm_examples.is_example(name) or board != tflm_examples.TFLM_FIGURES_BOARD or figure is None:
        return {}
    return {"cmsis_nn_instructions": figure, "instructions_ratio": median / figure}


def markdown_table(rows: list[dict]) -> str:
    head = ("| model | board | exact | MACs | instructions/inference | instr/MAC | code B | weights B | arena B "
            "| stack peak B | static RAM B | TFLM arena B | TFLM flatbuffer B | TFLM+CMSIS-NN instructions | ratio |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r['board']} | {r['error']} |" + " |" * 12)
            continue
        tflm = r["tflm"]
        against = (f"{tflm['cmsis_nn_instructions']:,} | {tflm['instructions_ratio']:.2f}x"
                   if "cmsis_nn_instructions" in tflm else "- | -")
        macs_per = f"{r['instructions_per_mac']:.2f}" if r["instructions_per_mac"] is not None else "-"
        lines.append(f"| {r['model']} | {r['board']} | {r['exact']} | {r['macs']:,} | {r['instructions']['median']:,} "
                     f"| {macs_per} | {r['flash']['code']:,} | {r['flash']['weights']:,} "
                     f"| {r['ram']['arena']:,} | {r['ram']['stack_high_water']:,} | {r['ram']['static']:,} "
                     f"| {tflm['arena_used_bytes']:,} | {tflm['flatbuffer_bytes']:,} | {against} |")
    return "\n".join(lines)


def add_bench_arguments(parser) -> None:
    parser.add_argument("--models", default=None,
                        help="comma-separated benchmark models (default: the project's benchmark models, then "
                             "tflm/<name> for every TensorFlow Lite Micro example model in $TFLM_DIR/models when "
                             "that folder exists)")
    parser.add_argument("--boards", default=",".join(DEFAULT_BOARDS),
                        help=f"comma-separated boards, of {', '.join(available_boards())} "
                             f"(default {','.join(DEFAULT_BOARDS)})")
    parser.add_argument("--vectors", type=int, default=5, help="random vectors run per model and board (default 5)")
    parser.add_argument("--json", help="write all measurements here (a .md table is written beside it)")
    parser.add_argument("--against", choices=["tflm"], default=None,
                        help="tflm: also build TensorFlow Lite Micro from $TFLM_DIR (default ../shared/tflm) with its "
                             "reference kernels and with CMSIS-NN on the same boards and protocol, run the same vectors "
                             "through all three and the pip interpreter, and write one row per model, board and engine "
                             "(fails if any output byte differs)")
    parser.add_argument("--engines", default=None,
                        help="with --against tflm: comma-separated engines to run, of ecgcc, tflm-cmsis-nn, "
                             "tflm-reference (default all three)")


def bench_against_tflm(args) -> int:
    from .bench_tflm import OutputMismatch, add_ratios, markdown_table as side_by_side_table, side_by_side

    from .bench_tflm import ENGINES

    engines = args.engines.split(",") if getattr(args, "engines", None) else list(ENGINES)
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        from .errors import UserError
        raise UserError(f"unknown engine {', '.join(unknown)}", hint=f"choose from {', '.join(ENGINES)}")
    rows, failed = [], False
    for board in args.boards.split(","):
        for name in (args.models.split(",") if args.models else DEFAULT_MODELS):
            try:
                rows += side_by_side(name, benchmark_tflite(name), board, args.vectors, engines=engines)
            except OutputMismatch as error:
                rows.append({"model": name, "board": board, "error": f"outputs differ: {error}"[:600]})
                failed = True
            except Exception as error:  # a failed build is a result of the table, and fails the bench
                rows.append({"model": name, "board": board, "error": f"{type(error).__name__}: {error}"[:600]})
                failed = True
            print(f"{name} on {board}: " + (rows[-1].get("error") or "done"), file=sys.stderr)
    add_ratios([r for r in rows if "error" not in r])
    table = side_by_side_table(rows)
    print(table)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"rows": rows}, indent=2))
        Path(args.json).with_suffix(".md").write_text(table + "\n")
    return 1 if failed or not all(r.get("exact") for r in rows) else 0


def bench_main(args) -> int:
    if getattr(args, "against", None) == "tflm":
        return bench_against_tflm(args)
    rows = []
    failed = False
    for name in (args.models.split(",") if args.models else default_models()):
        for board in args.boards.split(","):
            started = time.monotonic()
            try:
                row = measure(name, board, args.vectors)
            except Exception as error:  # a model a board cannot hold is a result, not a crash of the table
                row = {"model": name, "board": board, "error": f"{type(error).__name__}: {error}"[:300]}
                failed = True
            row["seconds"] = round(time.monotonic() - started, 1)
            rows.append(row)
            print(f"{name} on {board}: " + (row.get("error") or
                  f"{row['instructions']['median']:,} instructions, exact {row['exact']}"), file=sys.stderr)
    table = markdown_table(rows)
    print(table)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=2))
        Path(args.json).with_suffix(".md").write_text(table + "\n")
    if any(r.get("exact") and r["exact"].split("/")[0] != r["exact"].split("/")[1] for r in rows):
        return 1
    return 1 if failed and not any("error" not in r for r in rows) else 0
