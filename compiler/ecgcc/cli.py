"""`ecgcc`: one command, one subcommand per job."""
from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _compile(args) -> int:
    from .compile import compile_model

    result = compile_model(args.model, board=args.board, out_dir=args.out, representative=args.representative,
                           max_chunks=1 if args.no_fuse else args.fuse_chunks)
    print(result.table)
    print(f"wrote {', '.join(sorted(p.name for p in result.files.values()))} to {result.out_dir}")
    return 0


def _build(args) -> int:
    from . import firmware
    from .demo import ensure_model

    model_dir = args.model or ensure_model(args.board)
    record = None
    if args.flash_record:
        from .harness.stream import load_stream_record

        name, _, seconds = args.flash_record.partition(":")
        excerpt = load_stream_record(name, args.data)
        samples = excerpt.adc[:int(float(seconds or 60) * excerpt.fs)]
        record = firmware.write_flash_record(samples, int(excerpt.fs))
        print(f"flash record: {len(samples)} samples of record {name} at {int(excerpt.fs)} Hz")
    image = firmware.build(args.board, model_dir, verbose=args.verbose, flash_record=record)
    print(f"{args.board}: {image.path}")
    print(f"flash {image.flash_bytes} bytes (code {image.code_bytes}, const {image.const_bytes}); "
          f"RAM {image.ram_bytes} bytes (static {image.static_ram_bytes}, stack {image.stack_bytes})")
    return 0


def _flash(args) -> int:
    from .flash import flash

    return flash(args.board, model_dir=args.model, port=args.port, foreground=not args.background)


def _hil(args) -> int:
    from .harness.hil import hil_main

    return hil_main(args)


def _demo(args) -> int:
    from .demo import demo_main

    return demo_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecgcc", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("compile", help="compile a Keras/SavedModel/.tflite model to C for a board")
    p.add_argument("model")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--out", required=True, help="folder for the generated C and report")
    p.add_argument("--representative", help=".npy/.npz calibration inputs for a float model")
    p.add_argument("--fuse-chunks", type=int, default=4, metavar="N",
                   help="a convolution followed by a pooling may compute its output in up to N chunks, pooling "
                        "each at once, where that lowers the arena (more chunks: less RAM, more instructions; "
                        "default 4)")
    p.add_argument("--no-fuse", action="store_true",
                   help="keep every layer's output whole (same as --fuse-chunks 1), e.g. to trace each layer "
                        "against TFLM")
    p.set_defaults(run=_compile)

    p = commands.add_parser("build", help="build the firmware for a board with a compiled model")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--flash-record", metavar="RECORD[:SECONDS]",
                   help="standalone demo: store an excerpt of this record in flash and play it at start-up")
    p.add_argument("--data", help="WFDB folder for --flash-record (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    p.set_defaults(run=_build)

    p = commands.add_parser("flash", help="flash a board, or start an emulated board with its serial on TCP")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    p.add_argument("--port", help="serial port of a real board (PlatformIO upload port)")
    p.add_argument("--background", action="store_true", help="emulated board: print the URL and return")
    p.set_defaults(run=_flash)

    p = commands.add_parser("hil", help="hardware-in-the-loop check: device outputs against the references")
    from .harness.hil import add_hil_arguments

    add_hil_arguments(p)
    p.set_defaults(run=_hil)

    p = commands.add_parser("demo", help="the main job end to end: compile, build, run on the board, compare")
    p.add_argument("--board", default="qemu-m4")
    p.add_argument("--port")
    p.add_argument("--vectors", type=int, default=200)
    p.add_argument("--json")
    p.set_defaults(run=_demo)

    _add_optional(commands, "train", "ecgcc.training.train", "add_train_arguments", "train_main",
                  "train the reference arrhythmia model on MIT-BIH DS1")
    _add_optional(commands, "crossval", "ecgcc.training.crossval", "add_crossval_arguments", "crossval_main",
                  "patient-wise K-fold cross-validation of the training options over DS1")
    _add_optional(commands, "evaluate", "ecgcc.evaluation.evaluate", "add_evaluate_arguments", "evaluate_main",
                  "evaluate the reference model per AAMI class")
    _add_optional(commands, "stream", "ecgcc.harness.stream", "add_stream_arguments", "stream_main",
                  "stream whole ECG records through the device's monitor")
    _add_optional(commands, "ec57", "ecgcc.evaluation.ec57_run", "add_ec57_arguments", "ec57_main",
                  "score the monitor as ANSI/AAMI EC57 does: beats, AF and VF episodes, noise stress test")
    _add_optional(commands, "vectors", "ecgcc.harness.vector_generation", "add_vectors_arguments", "vectors_main",
                  "make a versioned HIL vectors file: DS2 beats, edge cases, float and int8 reference outputs")
    _add_optional(commands, "layers", "ecgcc.harness.layers", "add_layers_arguments", "layers_main",
                  "run once layer by layer on the device: per-layer instructions and the first differing layer")
    _add_optional(commands, "bench", "ecgcc.bench", "add_bench_arguments", "bench_main",
                  "instructions, flash and RAM per benchmark model and board")
    return parser


def _add_optional(commands, name, module_name, add_arguments, main_name, help_text) -> None:
    """Subcommands whose modules pull in heavy dependencies are imported only when present."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return
    p = commands.add_parser(name, help=help_text)
    getattr(module, add_arguments)(p)
    main = getattr(module, main_name)
    p.set_defaults(run=lambda args: main(args))


def main(argv=None) -> int:
    from .errors import UserError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
