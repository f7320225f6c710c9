"""The `ecgcc export` command line."""
from __future__ import annotations


def add_export_arguments(parser) -> None:
    from ..boards import add_board_argument

    parser.add_argument("--model", required=True,
                        help="compiled model folder (from `ecgcc compile`) or an int8 .tflite file")
    add_board_argument(parser, help_text="board whose core decides the kernels (DSP or reference) and whose "
                                         "budget the model must fit", description_files=True)
    parser.add_argument("--out", required=True, help="folder to write the library into (new or empty)")
    parser.add_argument("--example-vectors", type=int, default=4, metavar="N",
                        help="test inputs the example main.c runs and checks against TFLite Micro (default 4)")
    parser.add_argument("--force", action="store_true", help="replace --out if it holds files")


def export_main(args) -> int:
    from .library import export_library

    result = export_library(args.model, args.board, args.out, vectors=args.example_vectors, force=args.force)
    fit = result.report["board"]["fit"]
    print(f"exported to {result.out_dir}: {result.kernel_set} kernels "
          f"({', '.join(result.kernel_files)}), flash {fit['flash']['needed_bytes']:,} B, "
          f"RAM {fit['ram']['needed_bytes']:,} B")
    print(f"build: make -C {result.out_dir}   (or PlatformIO lib_deps / CMake add_subdirectory; see README.md there)")
    return 0
