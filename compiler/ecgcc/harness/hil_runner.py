"""Hardware-in-the-loop run: send every test vector to a device (emulated or real), collect every
reply, and compare each output byte with the TFLite Micro reference.

The runner never drops a vector silently. It counts what it planned, sent (retries included),
received and had rejected; it survives a lost connection or a device reset by reconnecting,
checking the device still runs the same model, and re-sending the vector in flight; and it
records each such event so the report shows it. A reset is recognised when the device's count of
valid frames (STATUS) is lower than its previous count plus the replies received since: a device that
kept running has counted at least every request it answered. Uptime is not used for this: it is a
32-bit millisecond counter that wraps, and under QEMU with `-icount sleep=off` virtual time races
ahead while the core waits for the host, so it wraps within minutes."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import serial

from .. import firmware
from ..errors import DeviceProblem
from .device import Device, DeviceGarbage, DeviceRejected, DeviceTimeout, DeviceUnavailable
from .emulator import EmulatedBoard
from .hil_check import DeviceEvent, HilResult, info_to_json, outputs_equal, record_reply
from .hil_model import CompiledModel, ModelMismatch, check_device_model
from .model_io import ReferenceRunner


class RunAborted(DeviceProblem):
    """The device was lost beyond recovery; `result` holds everything measured until then."""

    def __init__(self, message: str, result: "HilResult"):
        super().__init__(message)
        self.result = result


def run_vectors(device: Device, reference, vectors, result: HilResult, progress=None) -> None:
    """The plain loop on an open device, no recovery: for tools that only want counts (bench)."""
    for index, inputs in enumerate(vectors):
        result.planned += 1
        result.sent += 1
        got = device.infer(inputs)
        record_reply(result, index, got, *reference.run_and_decide(inputs))
        if progress:
            progress(index + 1, len(vectors))


class HilRunner:
    """One run over one list of vectors on one device. `url_of()` gives the device's current URL (an
    emulated board gets a new port each time it restarts); `before_vector(index, runner)` lets a test
    act on the device mid-run."""

    def __init__(self, board: str, model: CompiledModel, reference: ReferenceRunner, vectors, *,
                 expected: list[np.ndarray] | None = None, url_of, session: EmulatedBoard | None = None,
                 image=None, timeout: float = 10.0, retries: int = 1, max_recoveries: int = 3,
                 status_every: int = 100, reconnect_timeout: float = 20.0, progress=None, before_vector=None):
        self.board = board
        self.model = model
        self.reference = reference
        self.vectors = vectors
        self.expected = expected
        self.url_of = url_of
        self.session = session
        self.image = image
        self.timeout = timeout
        self.retries = retries
        self.max_recoveries = max_recoveries
        self.status_every = status_every
        self.reconnect_timeout = reconnect_timeout
        self.progress = progress
        self.before_vector = before_vector
        self.device: Device | None = None
        self.recoveries = 0
        self.last_status: dict | None = None
        self.replies_since_status = 0
        self.result = HilResult(board=board, url="", info={})

    # --- connection -------------------------------------------------------------------------------
    def _close(self) -> None:
        if self.device is not None:
            self.result.garbage_frames += self.device.garbage_frames
            self.result.stray_frames += self.device.stray_frames
            try:
                self.device.close()
            except (serial.SerialException, OSError):
                pass
            self.device = None

    def _request_with_retries(self, call, attempts: int = 3):
        for attempt in range(attempts):
            try:
                return call()
            except DeviceTimeout:
                self.result.timeouts += 1
                if attempt == attempts - 1:
                    raise

    def _connect(self, vector: int) -> None:
        url = self.url_of()
        self.device = Device(url, timeout=self.timeout, retries=0)
        self.result.url = url
        info = self._request_with_retries(self.device.info)
        check_device_model(info, self.model, self.reference)
        self.result.info = info_to_json(info)
        self.replies_since_status += 1
        self._check_status(vector)

    def _check_status(self, vector: int) -> None:
        status = self._request_with_retries(self.device.status)
        last = self.last_status
        if last is not None:
            floor = last["frames_ok"] + self.replies_since_status
            if status["frames_ok"] < floor:
                self.result.events.append(DeviceEvent(vector, "reset", (
                    f"device reset detected at vector {vector}: valid frames counted {last['frames_ok']} -> "
                    f"{status['frames_ok']} (at least {floor} expected), uptime {last['uptime_ms']} -> "
                    f"{status['uptime_ms']} ms")))
        self.last_status = status
        self.replies_since_status = 0

    def _recover(self, vector: int, error: Exception) -> None:
        self.recoveries += 1
        self.result.events.append(DeviceEvent(vector, "connection_lost", f"{type(error).__name__}: {error}"))
        self._close()
        if self.recoveries > self.max_recoveries:
            raise RunAborted(f"device lost {self.recoveries} times (limit {self.max_recoveries}); last error at "
                             f"vector {vector}: {error}", self.result)
        if self.session is not None and (self.session.process is None or self.session.process.poll() is not None):
            self.session.start()
            self.result.events.append(DeviceEvent(vector, "emulator_restarted", "the emulated board had stopped"))
        deadline = time.monotonic() + self.reconnect_timeout
        while True:
            try:
                self._connect(vector)
                break
            except ModelMismatch:
                raise
            except (DeviceTimeout, DeviceGarbage, DeviceUnavailable, serial.SerialException, OSError) as again:
                self._close()
                if time.monotonic() > deadline:
                    raise RunAborted(f"device did not come back after {type(error).__name__} at vector {vector}: "
                                     f"{again}", self.result) from again
                time.sleep(0.5)
        self.result.events.append(DeviceEvent(vector, "reconnected", f"reconnected to {self.result.url}; the "
                                              "device still reports the compiled model"))

    # --- vectors ----------------------------------------------------------------------------------
    def _infer(self, index: int, inputs):
        attempts_on_connection = 0
        while True:
            self.result.sent += 1
            try:
                got = self.device.infer(inputs)
                self.replies_since_status += 1
                return got
            except DeviceRejected as rejected:
                self.replies_since_status += 1
                self.result.rejected += 1
                self.result.events.append(DeviceEvent(index, "rejected", str(rejected)))
                return None
            except (DeviceTimeout, DeviceGarbage) as error:
                # no valid reply: re-request on the same line first, a corrupted reply is a line fault
                timed_out = isinstance(error, DeviceTimeout)
                self.result.timeouts += int(timed_out)
                self.result.events.append(DeviceEvent(index, "timeout" if timed_out else "invalid_reply", str(error)))
                attempts_on_connection += 1
                if attempts_on_connection > self.retries:
                    self._recover(index, error)
                    attempts_on_connection = 0
            except (serial.SerialException, OSError) as error:
                self._recover(index, error)
                attempts_on_connection = 0
            self.result.resent += 1

    def _prepare(self) -> None:
        n = len(self.vectors)
        result = self.result
        result.planned = n
        result.device_outputs = [np.zeros((n, *spec.shape), getattr(spec, "dtype", "int8"))
                                 for spec in self.reference.outputs]
        result.received_mask = np.zeros(n, bool)
        result.device_classes = np.full((n, len(self.reference.outputs)), -1, np.int32)
        result.reference_classes = np.full((n, len(self.reference.outputs)), -1, np.int32)
        result.instructions_per_vector = np.full(n, -1, np.int64)
        result.image = self.image.summary() if self.image is not None else None
        result.macs = self.model.report.get("total", {}).get("macs") if self.model.report else None

    def _compare(self, index: int, inputs, got) -> None:
        result = self.result
        live, classes = self.reference.run_and_decide(inputs)
        if self.expected is not None:
            expected = [stored[index] for stored in self.expected]
            result.reference_checked += 1
            if outputs_equal(live, expected):
                result.reference_reproduced += 1
        else:
            expected = live
        record_reply(result, index, got, expected, classes)

    def run(self) -> HilResult:
        started = time.monotonic()
        self._prepare()
        try:
            self._connect(0)
            for index, inputs in enumerate(self.vectors):
                if self.before_vector is not None:
                    self.before_vector(index, self)
                got = self._infer(index, inputs)
                if got is not None:
                    self._compare(index, inputs, got)
                if self.status_every and (index + 1) % self.status_every == 0:
                    self._status_with_recovery(index)
                if self.progress:
                    self.progress(index + 1, len(self.vectors))
            self._status_with_recovery(len(self.vectors) - 1)
        except RunAborted as aborted:
            self.result.aborted = str(aborted)
            raise
        finally:
            self._close()
            self.result.elapsed_s = time.monotonic() - started
        return self.result

    def _status_with_recovery(self, index: int) -> None:
        try:
            self._check_status(index)
        except (DeviceTimeout, DeviceGarbage, serial.SerialException, OSError) as error:
            self._recover(index, error)


def run_one_board(board: str, model_dir: str | Path, inputs: list, expected: list[np.ndarray] | None, *,
                  port: str | None = None, elf: str | Path | None = None, timeout: float = 10.0, progress=None,
                  before_vector=None, max_recoveries: int = 3, reconnect_timeout: float = 20.0) -> HilResult:
    """The vectors on one board: the attached one at `port`, or an emulated one started from `elf`
    (built here when no elf is given)."""
    model = CompiledModel.load(model_dir)
    reference = ReferenceRunner(model.tflite)
    image = None
    session = None
    if port:
        url_of = lambda: port  # noqa: E731 - the attached device keeps its port
        if elf:
            image = firmware.measure(board, Path(elf))
    else:
        image = firmware.measure(board, Path(elf)) if elf else firmware.build(board, model.folder)
        session = EmulatedBoard(board, image.path).start()
        url_of = lambda: session.url  # noqa: E731 - a restarted emulator listens on a new port
    runner = HilRunner(board, model, reference, inputs, expected=expected, url_of=url_of, session=session,
                       image=image, timeout=timeout, progress=progress, before_vector=before_vector,
                       max_recoveries=max_recoveries, reconnect_timeout=reconnect_timeout)
    try:
        return runner.run()
    finally:
        if session is not None:
            session.stop()
