"""pytest plugin: `--board`, `--port` and labgrid places point hardware-in-the-loop tests at a device.

Without a port the tests build the firmware and start the emulated board themselves; with --port they
use whatever is attached (`/dev/ttyACM0`, `socket://host:port`), so a user's CI runs the same checks
against a real board. `--lg-place A,B` (or labgrid's own `--lg-env ENV.yaml`, with `--lg-coordinator`)
names boards on a labgrid farm; the board must already hold the firmware, as with --port.

Several boards (`--port A,B`, several places or environment targets) serve pytest-xdist workers: worker
gwN takes the Nth board, so `-n 2` runs on two boards at once. Without xdist the first board is used.
Only the chosen place is acquired, for the whole session, and released at its end."""
from __future__ import annotations

import contextlib
import os

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("ecgcc", "ecgcc hardware-in-the-loop")
    group.addoption("--board", default="qemu-m4", help="board to test (default: qemu-m4, emulated)")
    group.addoption("--port", default=None,
                    help="serial port or URL of an attached board (several, comma-separated: one per xdist worker)")
    # --lg-env and --lg-coordinator belong to labgrid's own pytest plugin, installed with labgrid;
    # adding them here as well would clash with it, so they are read from its options.
    group.addoption("--lg-place", default=None, metavar="PLACE[,PLACE...]",
                    help="labgrid places whose NetworkSerialPort is a board (one per xdist worker)")


def worker_index() -> tuple[int, int]:
    """(this process's xdist worker number, number of workers); (0, 1) without xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not name.startswith("gw"):
        return 0, 1
    return int(name[2:]), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def board_for_worker(boards, index: int, workers: int) -> str:
    """The board a worker uses: one each, so that no two workers share a serial line."""
    if workers > len(boards):
        raise pytest.UsageError(f"{workers} xdist workers need {workers} boards, but {len(boards)} were given "
                                f"({', '.join(boards)})")
    return boards[index]


def _split(names: str | None) -> list[str]:
    return [n.strip() for n in names.split(",") if n.strip()] if names else []


@pytest.fixture(scope="session")
def board(request) -> str:
    return request.config.getoption("--board")


@pytest.fixture(scope="session")
def device_port(request) -> str | None:
    """The serial URL of this worker's board, or None: the tests start an emulated board themselves."""
    config = request.config
    ports, places = _split(config.getoption("--port")), _split(config.getoption("--lg-place"))
    env_file = config.getoption("lg_env", default=None)
    coordinator = config.getoption("lg_coordinator", default=None)
    if sum(map(bool, (ports, places, env_file))) > 1:
        raise pytest.UsageError("give one of --port, --lg-place and --lg-env")
    index, workers = worker_index()
    if ports:
        yield board_for_worker(ports, index, workers)
    elif places:
        from .labgrid_places import place_urls

        with place_urls([board_for_worker(places, index, workers)], coordinator) as urls:
            yield urls[0]
    elif env_file:
        from .labgrid_places import environment_urls

        yield board_for_worker(environment_urls(env_file), index, workers)
    else:
        yield None


@pytest.fixture(scope="session")
def open_device(board, device_port):
    """`with open_device(model_dir) as (device, image):` a connected Device running that model.
    image is the built firmware (None for an attached board, which must already hold it)."""
    from .. import firmware
    from .device import Device
    from .emulator import EmulatedBoard

    @contextlib.contextmanager
    def opener(model_dir, board_name: str | None = None):
        name = board_name or board
        if device_port:
            with Device(device_port) as device:
                yield device, None
            return
        image = firmware.build(name, model_dir)
        with EmulatedBoard(name, image.path) as session, Device(session.url) as device:
            yield device, image

    return opener
