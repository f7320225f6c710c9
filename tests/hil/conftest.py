"""Options for running tests/hil against a board of your own (see test_board.py)."""


def pytest_addoption(parser):
    group = parser.getgroup("ecgcc-hil", "ecgcc hardware-in-the-loop validation (tests/hil)")
    group.addoption("--hil-model", default=None,
                    help="compiled model folder the board runs (default: the reference model compiled for --board)")
    group.addoption("--hil-vectors", default=None, help="vectors file from `ecgcc vectors` (default: made and cached)")
    group.addoption("--hil-count", type=int, default=None,
                    help="vectors to run (default: 80 on an emulated board, every vector of the file on a port)")
    group.addoption("--hil-criteria", default=None, help="acceptance criteria file, .json or .toml")
    group.addoption("--hil-elf", default=None, help="ELF flashed on the attached board, for its flash and RAM")
    group.addoption("--hil-report", default=None, help="folder for report.json and report.html "
                                                       "(default: .build/hil/pytest-<board>)")
