"""A labgrid lab on this machine: a coordinator and an exporter on 127.0.0.1 publishing N emulated
boards as places, for trying `--lg-place` without hardware and for the tests.

    python -m ecgcc.harness.labgrid_local --board qemu-m4 --boards 2
prints the coordinator address and the places, then serves until interrupted."""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .emulator import EmulatedBoard, _is_listening, free_tcp_port

EXPORTER_NAME = "ecgcc-local"


def labgrid_client(coordinator: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "labgrid.remote.client", "-x", coordinator, *args],
                          capture_output=True, text=True, timeout=60, check=True).stdout


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout:.0f} s")
        time.sleep(0.2)


@contextmanager
def local_lab(board: str, image, count: int, folder: Path) -> Iterator[tuple[str, list[str]]]:
    """(coordinator address, place names) of `count` emulated boards running `image`, one per place."""
    boards = [EmulatedBoard(board, image).start() for _ in range(count)]
    processes: list[subprocess.Popen] = []
    log = open(folder / "labgrid.log", "w")
    try:
        port = free_tcp_port()
        coordinator = f"127.0.0.1:{port}"
        processes.append(subprocess.Popen([sys.executable, "-m", "labgrid.remote.coordinator", "-l", coordinator],
                                          cwd=folder, stdout=log, stderr=log))
        _wait(lambda: _is_listening(port), 30, "the labgrid coordinator did not start")
        config = folder / "exporter.yaml"
        config.write_text("".join(
            f"{board}-{i}:\n  NetworkSerialPort:\n    host: 127.0.0.1\n    port: {session.port}\n"
            f"    speed: 115200\n    protocol: raw\n" for i, session in enumerate(boards)))
        processes.append(subprocess.Popen([sys.executable, "-m", "labgrid.remote.exporter", "-c", coordinator,
                                           "--name", EXPORTER_NAME, str(config)], cwd=folder, stdout=log, stderr=log))
        _wait(lambda: labgrid_client(coordinator, "resources").count("NetworkSerialPort") >= count, 60,
              "the labgrid exporter did not publish the boards")
        places = []
        for i in range(count):
            place = f"{board}-place-{i}"
            labgrid_client(coordinator, "-p", place, "create")
            labgrid_client(coordinator, "-p", place, "add-match", f"{EXPORTER_NAME}/{board}-{i}/*")
            places.append(place)
        yield coordinator, places
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for session in boards:
            session.stop()
        log.close()


def main(argv=None) -> int:
    from .. import firmware
    from ..model_cache import ensure_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--boards", type=int, default=2)
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    args = parser.parse_args(argv)
    image = firmware.build(args.board, args.model or ensure_model(args.board)).path
    with tempfile.TemporaryDirectory(prefix="ecgcc-labgrid-") as folder:
        with local_lab(args.board, image, args.boards, Path(folder)) as (coordinator, places):
            print(f"coordinator {coordinator}; places {','.join(places)}", flush=True)
            print(f"e.g. ecgcc stream --lg-coordinator {coordinator} --lg-place {','.join(places)}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
