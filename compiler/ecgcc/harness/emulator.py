"""Starts a firmware image on an emulated board (QEMU) or as a host process, with its serial port on
a local TCP socket, so the harness reaches it exactly as it reaches a board: through a pyserial URL."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import DeviceProblem

QEMU_MACHINES = {"qemu-m4": "mps2-an386", "qemu-m3": "lm3s6965evb", "qemu-m3-large": "mps2-an385"}


class EmulatorError(DeviceProblem):
    pass


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def qemu_command(board: str, elf: Path, port: int, icount: bool = True,
                 memory_image: tuple[Path, int] | None = None) -> list[str]:
    """memory_image: (file, address) copied into the board's memory before it starts (QEMU's generic loader)."""
    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        raise EmulatorError("qemu-system-arm is not installed (Debian/Ubuntu: apt-get install qemu-system-arm)")
    # icount shift=0: one instruction is one virtual nanosecond, so SysTick counts instructions exactly;
    # sleep=off lets an idle core jump to its next timer instead of waiting in real time.
    timing = ["-icount", "shift=0,sleep=off"] if icount else []
    loader = []
    if memory_image is not None:
        path, address = memory_image
        loader = ["-device", f"loader,file={path},addr=0x{address:x},force-raw=on"]
    # nodelay: without it Nagle's algorithm and delayed ACKs hold every small reply for about 40 ms.
    return [qemu, "-M", QEMU_MACHINES[board], "-nographic", "-monitor", "none", *timing, "-kernel", str(elf),
            *loader, "-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"]


class EmulatedBoard:
    """Context manager: `with EmulatedBoard("qemu-m4", elf) as board: Device(board.url)`."""

    def __init__(self, board: str, firmware: str | os.PathLike, *, icount: bool = True,
                 memory_image: tuple[str | os.PathLike, int] | None = None):
        """icount=False runs QEMU several times faster, but its counter then measures host-paced
        virtual time, not instructions: use it for long functional runs, never for measurements.
        memory_image: (file, address) placed in the board's memory at start (a record for PLAY_MEMORY)."""
        if board not in QEMU_MACHINES and board != "host":
            raise EmulatorError(f"{board} is not an emulated board (choose from {sorted(QEMU_MACHINES)} or host)")
        self.board = board
        self.icount = icount
        if memory_image is not None and board == "host":
            raise EmulatorError("the host build has no memory image loader; stream its records over the socket")
        self.memory_image = None if memory_image is None else (Path(memory_image[0]), int(memory_image[1]))
        self.firmware = Path(firmware)
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"ecgcc-{board}-", suffix=".log", delete=False)

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def start(self, attempts: int = 3) -> "EmulatedBoard":
        # Boards started side by side (--jobs) may be handed the same free port between probe and bind;
        # the loser exits at once, and a new port is tried.
        for attempt in range(attempts):
            self.port = free_tcp_port()
            if self.board == "host":
                command = [str(self.firmware)]
                env = dict(os.environ, ECGCC_HOST_PORT=str(self.port))
            else:
                command = qemu_command(self.board, self.firmware, self.port, self.icount, self.memory_image)
                env = None
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                            env=env)
            try:
                self._wait_listening()
                return self
            except EmulatorError:
                exited_at_start = self.process is not None and self.process.poll() is not None
                if attempt == attempts - 1 or not exited_at_start:
                    raise
        return self

    def _wait_listening(self, timeout: float = 15.0) -> None:
        # QEMU with wait=on holds the guest until a client connects, so probing would consume that
        # connection; instead wait until the socket shows up as listening.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"{self.board} exited at start (code {self.process.returncode}); "
                                    f"log: {Path(self.log.name).read_text()[-2000:]}")
            if _is_listening(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"{self.board} did not open 127.0.0.1:{self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> "EmulatedBoard":
        """Power-cycles the board: a new process, a new port."""
        self.stop()
        return self.start()

    def __enter__(self) -> "EmulatedBoard":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def _is_listening(port: int) -> bool:
    """Reads the kernel's socket table rather than connecting, which would take QEMU's one client slot."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(wanted) and fields[3] == "0A":  # 0A: LISTEN
                return True
    return False
