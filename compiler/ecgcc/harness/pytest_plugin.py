"""pytest plugin: `--board` and `--port` point hardware-in-the-loop tests at a device.

Without --port the tests build the firmware and start the emulated board themselves; with it they
use whatever is attached (`/dev/ttyACM0`, `socket://host:port`), so a user's CI runs the same checks
against a real board."""
from __future__ import annotations

import contextlib

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("ecgcc", "ecgcc hardware-in-the-loop")
    group.addoption("--board", default="qemu-m4", help="board to test (default: qemu-m4, emulated)")
    group.addoption("--port", default=None, help="serial port or URL of an attached board")


@pytest.fixture(scope="session")
def board(request) -> str:
    return request.config.getoption("--board")


@pytest.fixture(scope="session")
def device_port(request) -> str | None:
    return request.config.getoption("--port")


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
