"""`ecgcc hil`: its options, the run, the terminal table and summary, the JSON, HTML and PDF reports, and the
exit status (0 pass, 1 a criterion failed, 2 usage or input error, 3 device problem)."""
from __future__ import annotations

import sys
from pathlib import Path

from .. import firmware
from .device import DeviceGarbage, DeviceTimeout, DeviceUnavailable
from .emulator import EmulatorError
from .hil import CompiledModel, ModelMismatch, RunAborted, random_vectors, run_hil
from .model_io import ReferenceRunner

EXIT_PASS = 0
EXIT_FAIL = 1  # the run completed and an acceptance criterion failed
EXIT_ERROR = 2  # usage or input error: a bad option, model, vectors or criteria file
EXIT_DEVICE = 3  # device problem: no device, lost mid-run, or it runs another model

def add_hil_arguments(parser) -> None:
    parser.epilog = ("exit status: 0 every acceptance criterion met; 1 the run completed and a criterion failed; "
                     "2 usage or input error (option, model, vectors or criteria file, firmware build); "
                     "3 device problem (cannot be reached, lost mid-run, or runs another model). "
                     "The JSON and HTML reports are written for 0, 1 and a run lost mid-way.")
    from ..boards import add_board_argument

    add_board_argument(parser, help_text="board to run on")
    parser.add_argument("--port", help="serial port or URL of an attached board; without it the emulated board "
                                       "is built and started")
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    parser.add_argument("--vectors", help="vectors file from `ecgcc vectors` (default: made for the model and "
                                          "cached under .build/vectors)")
    parser.add_argument("--count", type=int, default=2000,
                        help="vectors to run: the first N of --vectors, or how many to make (default 2000)")
    parser.add_argument("--float-model", help="float Keras model, when making vectors for a model other than "
                                              "the reference")
    parser.add_argument("--data", help="MIT-BIH directory for making vectors")
    parser.add_argument("--labelled", metavar="FILE",
                        help="your own labelled examples as the vectors: .npz (`inputs` or `input_0`, ..., and "
                             "`labels`) or .csv (a `label` column and one column per input value); the report gives "
                             "per-class Se/+P of float (with --float-model), TFLite Micro and the device "
                             "(docs/labelled-data.md)")
    parser.add_argument("--classes", help="with --labelled: class names in the order of the model's output, "
                                          "comma-separated (needed when the labels are names)")
    parser.add_argument("--random-vectors", type=int, default=None,
                        help="run N uniform random vectors instead of a vectors file (no float comparison)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random and edge-case vectors (default 0)")
    parser.add_argument("--elf", help="firmware ELF flashed on the attached board, to report its flash and RAM")
    parser.add_argument("--criteria", help="acceptance criteria, .json or .toml (default: the built-in ones)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each reply")
    parser.add_argument("--reconnect-timeout", type=float, default=20.0,
                        help="seconds to wait for a lost device to come back before giving up")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="spread the vectors over N boards at once: N emulated boards, or the N attached boards "
                             "given to --port comma-separated; the results are joined in vector order")
    from .labgrid_places import add_labgrid_arguments

    add_labgrid_arguments(parser)
    parser.add_argument("--json", help="write the JSON report here (default: .build/hil/<board>/report.json)")
    parser.add_argument("--html", help="write the HTML report here (default: beside the JSON, .html)")
    parser.add_argument("--pdf", help="also print the HTML report to this PDF, signature page included "
                                      "(needs Chromium)")


def format_table(result: dict) -> str:
    ipi = result["instructions_per_inference"] or {}
    flash = result["flash_bytes"] or {}
    ram = result["ram_bytes"] or {}
    rows = [
        ("board", result["board"]),
        ("model", f"{result['device'].get('model_name')} ({result['device'].get('model_identity')})"),
        ("vectors", f"{result['vectors']} planned, {result.get('sent', result['vectors'])} sent, "
                    f"{result.get('received', result['vectors'])} received"),
        ("exact matches", f"{result['exact']}/{result['vectors']}"),
        ("instructions/inference", f"min {ipi.get('min')}  median {ipi.get('median')}  max {ipi.get('max')}"
                                   f"  (resolution {result['instructions_resolution']})"),
    ]
    if result.get("instructions_per_mac"):
        rows.append(("instructions/MAC", f"{result['instructions_per_mac']:.2f} over {result['macs']} MACs"))
    if flash:
        rows.append(("flash", f"{flash['total']} bytes (code {flash['code']}, const+weights {flash['const']})"))
    if ram:
        # the total is the RAM figure of the HTML report too: static data (arena included) and reserved stack
        rows.append(("RAM", f"{ram['total']} bytes (static {ram['static']} including arena {ram['arena']}, "
                            f"stack reserved {ram['stack_reserved']}, high-water {ram['stack_high_water']})"))
    if result.get("resets") or result.get("reconnects"):
        rows.append(("device events", f"{result['resets']} resets, {result['reconnects']} reconnects"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _default_report_paths(args) -> tuple[Path, Path]:
    from ..paths import build_root

    json_path = Path(args.json) if args.json else build_root() / "hil" / args.board / "report.json"
    html_path = Path(args.html) if args.html else json_path.with_suffix(".html")
    return json_path, html_path


def _progress_printer(label: str):
    from ..progress import progress_callback

    return progress_callback(label)


def hil_main(args) -> int:
    from ..model_cache import ensure_model
    from ..errors import UserError
    from .labgrid_places import labgrid_ports
    from . import report as hil_report
    from .vector_generation import default_vectors
    from .vectors import VectorFileError, VectorSet

    try:
        criteria = hil_report.load_criteria(args.criteria)
        model_dir = Path(args.model) if args.model else ensure_model(args.board)
        model = CompiledModel.load(model_dir)
        if args.labelled:
            from .labelled_vectors import labelled_vector_set

            classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
            vector_set = labelled_vector_set(args.labelled, model.tflite, args.float_model, classes,
                                             progress=_progress_printer("reference outputs"))
            if args.count and args.count < len(vector_set):
                vector_set = vector_set.take(args.count)
            vectors = vector_set
        elif args.random_vectors:
            vector_set = None
            vectors = random_vectors(ReferenceRunner(model.tflite), args.random_vectors, args.seed)
        else:
            if args.vectors:
                vector_set = VectorSet.load(args.vectors)
            else:
                vector_set = default_vectors(model.tflite, args.count, args.seed, data=args.data,
                                             float_model=args.float_model,
                                             progress=_progress_printer("reference outputs"))
            vector_set.check_model(model.tflite)
            if args.count and args.count < len(vector_set):
                vector_set = vector_set.take(args.count)
            vectors = vector_set
    except UserError:
        raise  # the command line prints it as error: and hint:, exit status 2
    except (VectorFileError, FileNotFoundError, ValueError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return EXIT_ERROR

    from ..provenance import project_version

    json_path, html_path = _default_report_paths(args)
    project = project_version()  # the code that runs, before anything can change the tree
    aborted = None
    try:
        with labgrid_ports(args.lg_place, args.lg_env, args.lg_coordinator) as lab_ports:
            if lab_ports and args.port:
                raise UserError("give --port or labgrid places, not both")
            port = ",".join(lab_ports) if lab_ports else args.port
            jobs = len(lab_ports) if lab_ports and args.jobs == 1 else args.jobs  # every acquired place works
            result = run_hil(args.board, model_dir, port=port, vectors=vectors, elf=args.elf, timeout=args.timeout,
                             reconnect_timeout=args.reconnect_timeout, progress=_progress_printer("vectors"),
                             jobs=jobs)
    except ModelMismatch as error:
        print(f"REFUSED: {error}", file=sys.stderr)
        return EXIT_DEVICE
    except firmware.BuildError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (DeviceUnavailable, DeviceTimeout, DeviceGarbage, EmulatorError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return EXIT_DEVICE
    except RunAborted as error:
        aborted = str(error)
        result = error.result
    document = hil_report.build_report(result, model, vector_set, criteria=criteria, project=project)
    hil_report.write_reports(document, json_path, html_path)
    print(format_table(document["run"]))
    if args.labelled and document["classification"].get("available"):
        from ..evaluation.labelled_eval import format_labelled_table

        classification = document["classification"]
        shown = [c for c in ("float", "tflite_micro", "device") if c in classification["sources"]]
        print(format_labelled_table(classification["sources"], shown, classification["classes"]))
    print(hil_report.format_summary(document))
    print(f"reports: {json_path}  {html_path}")
    if args.pdf:
        from .report_pdf import write_pdf

        print(f"printable report: {write_pdf(html_path, args.pdf)}")
    if aborted:
        print(f"ERROR: run aborted: {aborted}", file=sys.stderr)
        return EXIT_DEVICE
    if not document["verdict"]["passed"]:
        for failure in document["verdict"]["failures"]:
            print(f"FAIL: {failure}", file=sys.stderr)
        return EXIT_FAIL
    print(f"PASS: every acceptance criterion is met (report {document['report']['id']})")
    return EXIT_PASS
