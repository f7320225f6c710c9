"""Work spread over several boards at once: one worker process per board, each emulated board with its
own QEMU on its own TCP port, or each attached board on its own serial port. Results come back in the
order of the work items, so a run with N boards gives exactly what a run with one gives."""
from __future__ import annotations

import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence, TypeVar

from ..errors import UserError

T = TypeVar("T")


@dataclass(frozen=True)
class BoardPlan:
    """Where the work runs: an emulated board started from `image`, or attached boards at `urls`
    (one worker per URL). Plain data, so it crosses into worker processes."""

    board: str
    image: str | None = None
    urls: tuple[str, ...] = ()
    icount: bool = True
    device_timeout: float = 30.0
    boardless: bool = False  # work that needs no board (the twin alone): workers only spread the computing

    def workers_for(self, jobs: int) -> int:
        if jobs < 1:
            raise UserError(f"--jobs must be at least 1, not {jobs}")
        if self.urls and jobs > len(self.urls):
            raise UserError(f"--jobs {jobs} needs {jobs} attached boards, but {len(self.urls)} port(s) were given",
                            hint="give one port per board, comma-separated: --port /dev/ttyACM0,/dev/ttyACM1")
        if not self.urls and self.image is None and not self.boardless:
            raise UserError("no firmware image and no port: nothing to run on")
        return jobs


@dataclass
class BoardWorker:
    """One worker's board, handed to the work function. The long-lived device is opened on first use;
    an emulated board holding a record in its memory is started fresh for each record."""

    plan: BoardPlan
    url: str | None = None
    _session: object | None = field(default=None, repr=False)
    _device: object | None = field(default=None, repr=False)

    def device(self):
        """The worker's device, kept open across work items (attached board, or one emulated board)."""
        from .device import Device
        from .emulator import EmulatedBoard

        if self.plan.boardless:
            raise RuntimeError("this work was planned without a board")
        if self._device is None:
            url = self.url
            if url is None:
                self._session = EmulatedBoard(self.plan.board, self.plan.image, icount=self.plan.icount).start()
                url = self._session.url
            self._device = Device(url, timeout=self.plan.device_timeout)
        return self._device

    @property
    def emulated(self) -> bool:
        return self.url is None

    @contextmanager
    def device_with_memory_image(self, data: bytes, address: int) -> Iterator[object]:
        """A fresh emulated board whose memory holds `data` at `address` when it starts."""
        from .device import Device
        from .emulator import EmulatedBoard

        if not self.emulated:
            raise UserError("only an emulated board can be started with a record in its memory")
        handle, path = tempfile.mkstemp(prefix="ecgcc-record-", suffix=".bin")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            with EmulatedBoard(self.plan.board, self.plan.image, icount=self.plan.icount,
                               memory_image=(path, address)) as session:
                with Device(session.url, timeout=self.plan.device_timeout) as device:
                    yield device
        finally:
            os.unlink(path)

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None
        if self._session is not None:
            self._session.stop()
            self._session = None


_worker: BoardWorker | None = None


def _start_worker(plan: BoardPlan, urls) -> None:
    global _worker
    from multiprocessing import util

    _worker = BoardWorker(plan, urls.get() if plan.urls else None)
    # Runs when the pool shuts the worker down, so no emulator outlives its worker.
    util.Finalize(_worker, _worker.close, exitpriority=10)


def _run_item(fn, item):
    return fn(_worker, item)


def map_records(board: BoardPlan, records: Sequence, fn: Callable[[BoardWorker, object], T], jobs: int = 1) -> list[T]:
    """fn(worker, record) for every record, spread over `jobs` boards; the results in the order of
    `records`. fn must be a module-level function (or a functools.partial of one) so that it reaches
    the worker processes; with jobs=1 everything runs in this process on one board."""
    jobs = min(board.workers_for(jobs), max(1, len(records)))
    if jobs == 1:
        worker = BoardWorker(board, board.urls[0] if board.urls else None)
        try:
            return [fn(worker, record) for record in records]
        finally:
            worker.close()
    # spawn, not fork: the parent may hold TensorFlow or threads that a forked child would inherit broken.
    context = multiprocessing.get_context("spawn")
    with ExitStack() as stack:
        urls = None
        if board.urls:  # each worker takes one attached board's URL from this queue as it starts
            urls = stack.enter_context(context.Manager()).Queue()
            for url in board.urls[:jobs]:
                urls.put(url)
        pool = stack.enter_context(ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                       initializer=_start_worker, initargs=(board, urls)))
        return list(pool.map(_run_item, [fn] * len(records), records, chunksize=1))


def parse_ports(port: str | None) -> tuple[str, ...]:
    """--port accepts several attached boards, comma-separated."""
    return tuple(p.strip() for p in port.split(",") if p.strip()) if port else ()
