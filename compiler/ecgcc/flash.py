"""Puts the firmware on a board: PlatformIO upload for a real board; for an emulated board, starts
QEMU with the image and leaves its serial port on a local TCP socket."""
from __future__ import annotations

import subprocess
import time

from . import firmware
from .harness.emulator import QEMU_MACHINES, EmulatedBoard
from .paths import project_root


def flash(board: str, *, model_dir=None, port: str | None = None, foreground: bool = True) -> int:
    from .model_cache import ensure_model

    model_dir = model_dir or ensure_model(board)
    image = firmware.build(board, model_dir)
    if board in QEMU_MACHINES or board == firmware.HOST_BOARD:
        session = EmulatedBoard(board, image.path).start()
        print(f"{board} is running {image.path}")
        print(f"serial port: {session.url}  (pyserial: serial.serial_for_url('{session.url}'))")
        print(f"check it:   ecgcc hil --board {board} --port {session.url}")
        if not foreground:
            session.process = None  # leave it running for the user
            return 0
        print("Ctrl-C stops the board.")
        try:
            while session.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            session.stop()
        return 0
    env = firmware.platformio_env()
    env["ECGCC_MODEL_DIR"] = str(model_dir)
    env["PLATFORMIO_BUILD_DIR"] = str(firmware.build_dir_for(board, model_dir))
    command = firmware.pio_command() + ["run", "-e", board, "-t", "upload", "-d", str(project_root())]
    if port:
        command += ["--upload-port", port]
    return subprocess.call(command, env=env)
