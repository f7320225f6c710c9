"""`ecgcc`: one command, one subcommand per job."""
from __future__ import annotations

import argparse
import sys
import traceback

# One meaning per status for every command (docs/cli.md).
EXIT_PASS = 0  # done; for a check: every criterion met
EXIT_FAIL = 1  # a check ran to the end and a criterion failed
EXIT_USAGE = 2  # usage or input error (argparse uses 2 for bad options too)
EXIT_DEVICE = 3  # device problem: not reachable, lost, answered wrongly, or runs another model
EXIT_INTERNAL = 4  # a defect of ecgcc itself (traceback printed, please report it)
EXIT_INTERRUPTED = 130
VERBOSE_HELP = "on an error, also print the traceback"
MESSAGE_LIMIT = 600     # an error line longer than this is cut: the detail is behind --verbose
EXIT_STATUS_TEXT = ("exit status: 0 done (a check: every criterion met); 1 a check ran and a criterion failed; "
                    "2 usage or input error; 3 device problem (not reachable, lost, runs another model); "
                    "4 internal error of ecgcc (please report it)")


def _operators(args) -> int:
    from .compile import supported_operators

    kernels, folded = supported_operators()
    print("\n".join(kernels))
    print("folded into a dilated convolution: " + ", ".join(folded))
    return 0


def _compile(args) -> int:
    from .compile import compile_model

    result = compile_model(args.model, board=args.board, out_dir=args.out, representative=args.representative,
                           max_chunks=1 if args.no_fuse else args.fuse_chunks,
                           int8_conv_weights=args.int8_conv_weights)
    print(result.table)
    print(f"wrote {', '.join(sorted(p.name for p in result.files.values()))} to {result.out_dir}")
    return 0


def _build(args) -> int:
    from . import firmware
    from .model_cache import ensure_model

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

    status = flash(args.board, model_dir=args.model, port=args.port, foreground=not args.background)
    return EXIT_DEVICE if status else EXIT_PASS  # PlatformIO's upload failed


def _hil(args) -> int:
    from .harness.hil_cli import hil_main

    return hil_main(args)


def _demo(args) -> int:
    from .demo import demo_main

    return demo_main(args)


def _version() -> str:
    from .provenance import project_version

    return f"ecgcc {project_version()['label']}"


class _VersionAction(argparse.Action):
    """--version, asking git for the commit only when it is given."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from .boards import add_board_argument

    parser = argparse.ArgumentParser(prog="ecgcc", description=__doc__, epilog=EXIT_STATUS_TEXT)
    parser.add_argument("--version", action=_VersionAction,
                        help="print the version with its git commit (and 'dirty' for a changed tree) and exit")
    parser.add_argument("--verbose", dest="verbose_errors", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("compile", help="compile a Keras/SavedModel/ONNX/PyTorch .pt2/.tflite model to C for a "
                                            "board",
                            epilog="exit status: 0 compiled; 2 the model or an option is invalid")
    p.add_argument("model", help="the trained model: .keras/.h5, SavedModel folder, .onnx, PyTorch .pt2 "
                                 "(torch.export.save) or int8 .tflite")
    add_board_argument(p, help_text="board whose memory budget the model must fit", description_files=True)
    p.add_argument("--out", required=True, help="folder for the generated C and report")
    p.add_argument("--representative", help=".npy/.npz calibration inputs for a float model, in the model's own "
                                            "input layout (channels first for ONNX and PyTorch)")
    p.add_argument("--fuse-chunks", type=int, default=4, metavar="N",
                   help="a convolution followed by a pooling may compute its output in up to N chunks, pooling "
                        "each at once, where that lowers the arena (more chunks: less RAM, more instructions; "
                        "default 4)")
    p.add_argument("--no-fuse", action="store_true",
                   help="keep every layer's output whole (same as --fuse-chunks 1), e.g. to trace each layer "
                        "against TFLM")
    p.add_argument("--int8-conv-weights", action="store_true",
                   help="on cores with the DSP extension, keep convolution filters as int8 words the kernel "
                        "splits with SXTB16 (half their flash, about 8 %% more instructions) rather than as int16 "
                        "pairs laid out at compile time")
    p.set_defaults(run=_compile)

    p = commands.add_parser("operators", help="list the int8 operators the compiler supports",
                            epilog="exit status: 0")
    p.set_defaults(run=_operators)

    p = commands.add_parser("build", help="build the firmware for a board with a compiled model",
                            epilog="exit status: 0 built; 2 the model, record or an option is invalid, or the "
                                   "firmware does not build")
    add_board_argument(p, help_text="board to build for")
    p.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    p.add_argument("--verbose", action="store_true",
                   help="show the PlatformIO build output and TensorFlow's log; " + VERBOSE_HELP)
    p.add_argument("--flash-record", metavar="RECORD[:SECONDS]",
                   help="standalone demo: store an excerpt of this record in flash and play it at start-up")
    p.add_argument("--data", help="WFDB folder for --flash-record (default: $ECGCC_DATA_DIR or ../shared/data/mitdb)")
    p.set_defaults(run=_build)

    p = commands.add_parser("flash", help="flash a board, or start an emulated board with its serial on TCP",
                            epilog="exit status: 0 flashed or started; 2 the model or an option is invalid; "
                                   "3 the upload or the emulator failed")
    add_board_argument(p, help_text="board to flash or emulate")
    p.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    p.add_argument("--port", help="serial port of a real board (PlatformIO upload port)")
    p.add_argument("--background", action="store_true", help="emulated board: print the URL and return")
    p.set_defaults(run=_flash)

    p = commands.add_parser("hil", help="hardware-in-the-loop check: device outputs against the references, "
                                        "with a JSON, HTML (and PDF) report")
    from .harness.hil_cli import add_hil_arguments

    add_hil_arguments(p)
    p.set_defaults(run=_hil)

    p = commands.add_parser("demo", help="the main job end to end: compile, build, run on the board, compare",
                            epilog="exit status: 0 every output byte-exact; 1 an output differs from TFLite Micro; "
                                   "2 usage or input error; 3 device problem")
    add_board_argument(p, help_text="board to run on")
    p.add_argument("--port", help="serial port or URL of an attached board (default: build and start the "
                                  "emulated board)")
    p.add_argument("--vectors", type=int, default=200, help="random int8 vectors to compare (default 200)")
    p.add_argument("--json", help="also write the run's figures to this JSON file")
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
    _add_optional(commands, "export", "ecgcc.export.cli", "add_export_arguments", "export_main",
                  "write a compiled model as a library folder for your own firmware (PlatformIO, CMake, Makefile)")
    _add_optional(commands, "bench", "ecgcc.bench", "add_bench_arguments", "bench_main",
                  "instructions, flash and RAM per benchmark model and board")
    for sub in commands.choices.values():
        if not any("--verbose" in action.option_strings for action in sub._actions):
            sub.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
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
    p = commands.add_parser(name, help=help_text, epilog=EXIT_STATUS_TEXT)
    getattr(module, add_arguments)(p)
    main = getattr(module, main_name)
    p.set_defaults(run=lambda args: main(args))


def configure_logging(argv) -> None:
    """TensorFlow's start-up log stays hidden unless --verbose is among the arguments."""
    if "--verbose" not in argv:
        from .quiet_imports import quiet_start_up

        quiet_start_up()


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MESSAGE_LIMIT else line[:MESSAGE_LIMIT] + " ... (--verbose shows all)"


def _prepare_report_folder(path) -> None:
    """Makes the folder of a --json report before the run, so a long run never ends in a report it cannot
    write."""
    from pathlib import Path

    from .errors import UserError

    if not path:
        return
    target = Path(path)
    if target.is_dir():
        raise UserError(f"--json {path}: that is a folder", hint="give a file name, e.g. report.json")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"--json {path}: its folder cannot be made ({error.strerror or error})",
                        hint="give a path in a folder you can write to")


def main(argv=None) -> int:
    """User and input errors: one `error:` line and a `hint:` line, exit 2 (traceback with --verbose).
    Device problems: one line, exit 3. Anything else is a defect of ecgcc: traceback and a request to
    report it, exit 4."""
    from .errors import DeviceProblem, UserError

    argv = sys.argv[1:] if argv is None else list(argv)
    configure_logging(argv)
    args = build_parser().parse_args(argv)
    verbose = args.verbose_errors or getattr(args, "verbose", False)
    try:
        _prepare_report_folder(getattr(args, "json", None))
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except UserError as error:
        if verbose:
            traceback.print_exc()
        print(f"error: {_one_line(error)}", file=sys.stderr)
        if error.hint:
            print(f"hint: {_one_line(error.hint)}", file=sys.stderr)
        return EXIT_USAGE
    except DeviceProblem as error:
        if verbose:
            traceback.print_exc()
        print(f"error: device problem: {_one_line(error)}", file=sys.stderr)
        return EXIT_DEVICE
    except Exception as error:   # noqa: BLE001  every other failure is a defect: show all of it
        traceback.print_exc()
        print(f"error: internal error in ecgcc ({type(error).__name__}); please report it with the command "
              "line, the traceback above and, if you can, the input file", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
