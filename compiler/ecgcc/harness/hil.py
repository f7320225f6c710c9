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

import hashlib
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import serial

from .. import firmware
from ..errors import DeviceProblem, UserError
from .device import Device, DeviceGarbage, DeviceInfo, DeviceRejected, DeviceTimeout, DeviceUnavailable
from .emulator import EmulatedBoard, EmulatorError
from .model_io import ReferenceRunner

EXIT_PASS = 0
EXIT_FAIL = 1  # the run completed and an acceptance criterion failed
EXIT_ERROR = 2  # usage or input error: a bad option, model, vectors or criteria file
EXIT_DEVICE = 3  # device problem: no device, lost mid-run, or it runs another model


class ModelMismatch(DeviceProblem):
    """The device runs a different model from the one being checked."""


class RunAborted(DeviceProblem):
    """The device was lost beyond recovery; `result` holds everything measured until then."""

    def __init__(self, message: str, result: "HilResult"):
        super().__init__(message)
        self.result = result


@dataclass
class CompiledModel:
    """A folder written by `ecgcc compile`."""

    folder: Path
    tflite: bytes
    report: dict = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> "CompiledModel":
        folder = Path(folder)
        tflite_path = folder / "model.tflite"
        if not tflite_path.is_file():
            raise FileNotFoundError(f"{folder} has no model.tflite: is it an `ecgcc compile` output folder?")
        report_path = folder / "report.json"
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
        return cls(folder, tflite_path.read_bytes(), report)

    @property
    def identity(self) -> str:
        return hashlib.sha256(self.tflite).hexdigest()[:16]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.tflite).hexdigest()

    def source_hashes(self) -> dict[str, str]:
        """SHA-256 of each generated C file, the code that is actually compiled into the firmware."""
        return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
                for path in sorted(self.folder.glob("*.[ch]"))}


def _specs(reference) -> tuple[list[tuple], list[tuple]]:
    return reference.input_details(), reference.output_details()


def check_device_model(info: DeviceInfo, model: CompiledModel, reference) -> None:
    """Refuses to test when the device's INFO does not describe this model: identity, every input and
    output shape, and their quantization."""
    problems = []
    if info.model_identity != model.identity:
        problems.append(f"identity {info.model_identity} on the device, {model.identity} compiled")
    expected_inputs, expected_outputs = _specs(reference)
    for kind, device_tensors, expected in (("input", info.inputs, expected_inputs),
                                           ("output", info.outputs, expected_outputs)):
        if len(device_tensors) != len(expected):
            problems.append(f"{len(device_tensors)} {kind}s on the device, {len(expected)} in the model")
            continue
        for index, (tensor, (shape, scale, zero_point)) in enumerate(zip(device_tensors, expected)):
            if tuple(tensor.dims) != tuple(shape):
                problems.append(f"{kind} {index} shape {tensor.dims} on the device, {tuple(shape)} in the model")
            if tensor.zero_point != zero_point or not np.isclose(tensor.scale, scale, rtol=1e-6):
                problems.append(f"{kind} {index} quantization ({tensor.scale}, {tensor.zero_point}) on the device, "
                                f"({scale}, {zero_point}) in the model")
    if problems:
        raise ModelMismatch("the device does not run the compiled model: " + "; ".join(problems)
                            + ". Flash the firmware built from this model (make flash) and retry.")


def _input_details(model_or_reference) -> list[tuple[tuple[int, ...], float, int]]:
    if isinstance(model_or_reference, CompiledModel):
        from .model_io import tensor_specs

        return [(s.shape, s.scale, s.zero_point) for s in tensor_specs(model_or_reference.tflite)[0]]
    return model_or_reference.input_details()


def random_vectors(model_or_reference, count: int, seed: int) -> list[list[np.ndarray]]:
    """Uniform int8 inputs plus the edges of the range: all -128, all 127, all zero point.
    Takes a CompiledModel or anything with input_details() -> [(shape, scale, zero point)]."""
    rng = np.random.default_rng(seed)
    details = _input_details(model_or_reference)
    shapes = [shape for shape, _scale, _zero in details]
    zeros = [zero for _shape, _scale, zero in details]
    vectors = [[np.full(s, -128, np.int8) for s in shapes],
               [np.full(s, 127, np.int8) for s in shapes],
               [np.full(s, z, np.int8) for s, z in zip(shapes, zeros)]]
    while len(vectors) < count:
        vectors.append([rng.integers(-128, 128, size=s, dtype=np.int8) for s in shapes])
    return vectors[:count]


@dataclass
class DeviceEvent:
    vector: int  # the vector in flight, or the last one completed
    kind: str  # "timeout", "connection_lost", "reconnected", "reset", "rejected", "emulator_restarted"
    detail: str

    def to_json(self) -> dict:
        return {"vector": self.vector, "kind": self.kind, "detail": self.detail}


def info_to_json(info: DeviceInfo) -> dict:
    return info.__dict__ | {"inputs": [t.__dict__ for t in info.inputs], "outputs": [t.__dict__ for t in info.outputs]}


@dataclass
class HilResult:
    board: str
    url: str
    info: dict
    planned: int = 0
    sent: int = 0  # INFER requests written, re-sends included
    received: int = 0  # replies carrying outputs
    rejected: int = 0  # vectors the device answered with an ERROR frame
    exact: int = 0
    first_mismatch: dict | None = None
    mismatched: list[int] = field(default_factory=list)
    instructions: list[int] = field(default_factory=list)
    stack_high_water: int = 0
    image: dict | None = None
    macs: int | None = None
    elapsed_s: float = 0.0
    events: list[DeviceEvent] = field(default_factory=list)
    timeouts: int = 0
    garbage_frames: int = 0
    stray_frames: int = 0
    resent: int = 0
    reference_reproduced: int = 0  # stored expected outputs the host interpreter reproduced
    reference_checked: int = 0
    aborted: str | None = None
    device_outputs: list[np.ndarray] | None = None  # per output: int8 (planned, *shape)
    device_classes: np.ndarray | None = None  # int32 (planned, outputs): the device's decisions, -1 if not received
    reference_classes: np.ndarray | None = None  # int32 (planned, outputs): the host twin's, -1 if not compared
    received_mask: np.ndarray | None = None
    instructions_per_vector: np.ndarray | None = None  # int64 (planned,), -1 if not received
    expected_outputs: list[np.ndarray] | None = None

    @property
    def vectors(self) -> int:
        return self.planned

    @property
    def resets(self) -> int:
        return sum(1 for event in self.events if event.kind == "reset")

    @property
    def reconnects(self) -> int:
        return sum(1 for event in self.events if event.kind == "reconnected")

    def to_json(self) -> dict:
        counts = self.instructions
        summary = ({"min": min(counts), "median": int(statistics.median(counts)), "max": max(counts)}
                   if counts else None)
        ram = None
        if self.image is not None:
            ram = {"arena": self.info.get("arena_bytes"), "stack_high_water": self.stack_high_water,
                   "stack_reserved": self.image["stack_bytes"], "static": self.image["static_ram_bytes"],
                   "total": self.image["ram_bytes"]}
        return {
            "board": self.board, "url": self.url, "device": self.info,
            "vectors": self.planned, "planned": self.planned, "sent": self.sent, "received": self.received,
            "rejected": self.rejected, "resent": self.resent, "lost": self.planned - self.received - self.rejected,
            "exact": self.exact,
            "all_exact": self.planned > 0 and self.exact == self.planned == self.received and not self.aborted,
            "first_mismatch": self.first_mismatch, "mismatched_vectors": self.mismatched[:100],
            "reference_reproduced": self.reference_reproduced, "reference_checked": self.reference_checked,
            "instructions_per_inference": summary,
            "instructions_resolution": self.info.get("counter_resolution"),
            "macs": self.macs,
            "instructions_per_mac": (summary["median"] / self.macs) if summary and self.macs else None,
            "flash_bytes": None if self.image is None else {
                "total": self.image["flash_bytes"], "code": self.image["code_bytes"],
                "const": self.image["const_bytes"], "weights": self.image.get("weights_bytes")},
            "ram_bytes": ram,
            "stack_high_water": self.stack_high_water,
            "line": {"timeouts": self.timeouts, "garbage_frames": self.garbage_frames,
                     "stray_frames": self.stray_frames},
            "resets": self.resets, "reconnects": self.reconnects,
            "events": [event.to_json() for event in self.events],
            "aborted": self.aborted,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def outputs_equal(got: list, expected: list) -> bool:
    """True only when the device sent exactly the expected outputs: as many, each the same size and bytes.
    An empty expectation never matches, so a lost reference cannot pass as exact."""
    if not expected or len(got) != len(expected):
        return False
    for g, e in zip(got, expected):
        g, e = np.asarray(g).reshape(-1), np.asarray(e).reshape(-1)
        if g.dtype.itemsize != e.dtype.itemsize or not np.array_equal(g, e):
            return False
    return True


def _first_difference(index: int, got: list, expected: list, got_classes, expected_classes) -> dict:
    if len(got) != len(expected):
        return {"vector": index, "outputs_device": len(got), "outputs_reference": len(expected)}
    for out_index, (g, e) in enumerate(zip(got, expected)):
        g, e = np.asarray(g).reshape(-1), np.asarray(e).reshape(-1)
        if g.size != e.size:
            return {"vector": index, "output": out_index, "elements_device": int(g.size),
                    "elements_reference": int(e.size)}
        diff = np.flatnonzero(g != e)
        if diff.size:
            at = int(diff[0])
            return {"vector": index, "output": out_index, "element": at, "device": int(g[at]),
                    "reference": int(e[at]), "differing_elements": int(diff.size)}
    return {"vector": index, "class_device": list(got_classes), "class_reference": list(expected_classes)}


def record_reply(result: HilResult, index: int, got, expected: list[np.ndarray], expected_classes: list[int]) -> None:
    """Files one device reply: outputs, decided classes, instruction count, and whether every byte equals
    `expected` and every class `expected_classes`."""
    result.received += 1
    result.instructions.append(got.instructions)
    result.stack_high_water = max(result.stack_high_water, got.stack_high_water)
    same_bytes = outputs_equal(got.outputs, expected)
    same_classes = list(got.classes) == list(expected_classes)
    if result.received_mask is not None:
        result.received_mask[index] = True
        result.instructions_per_vector[index] = got.instructions
        if len(got.outputs) == len(result.device_outputs):
            for store, output in zip(result.device_outputs, got.outputs):
                if np.asarray(output).size == store[index].size:
                    store[index].reshape(-1)[:] = np.asarray(output).reshape(-1)
        if result.device_classes is not None and len(got.classes) == len(expected_classes):
            result.device_classes[index] = got.classes
            result.reference_classes[index] = expected_classes
    if same_bytes and same_classes:
        result.exact += 1
        return
    result.mismatched.append(index)
    if result.first_mismatch is None:
        result.first_mismatch = _first_difference(index, got.outputs, expected, got.classes, expected_classes)


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
        result.device_outputs = [np.zeros((n, *spec.shape), np.int8) for spec in self.reference.outputs]
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


def _as_vector_list(vectors) -> tuple[list, list[np.ndarray] | None]:
    from .vectors import VectorSet

    if isinstance(vectors, VectorSet):
        return vectors.input_lists(), vectors.reference
    return list(vectors), None


def run_hil(board: str, model_dir: str | Path, *, port: str | None = None, count: int = 200, seed: int = 0,
            vectors=None, progress=None, elf: str | Path | None = None, timeout: float = 10.0,
            before_vector=None, max_recoveries: int = 3, reconnect_timeout: float = 20.0, jobs: int = 1) -> HilResult:
    """Runs vectors (a VectorSet, a list of input lists, or `count` random vectors) on the board. Without
    a port the firmware is built and the emulated board started. Raises ModelMismatch when the device
    runs another model, RunAborted (with the partial result) when the device is lost. jobs > 1 spreads
    the vectors over that many boards (emulated, or the comma-separated ports) and joins the results."""
    from .pool import parse_ports
    from .vectors import VectorSet

    model = CompiledModel.load(model_dir)
    if isinstance(vectors, VectorSet):
        vectors.check_model(model.tflite)
    if vectors is None:
        vectors = random_vectors(ReferenceRunner(model.tflite), count, seed)
    inputs, expected = _as_vector_list(vectors)
    ports = parse_ports(port)
    if jobs < 1:
        from ..errors import UserError

        raise UserError(f"--jobs must be at least 1, not {jobs}")
    if jobs > 1 or len(ports) > 1:
        from .hil_pool import run_hil_sharded

        if before_vector is not None:
            raise ValueError("before_vector acts on one device; it cannot be used with several boards")
        image = None if ports else str(firmware.build(board, model.folder).path)
        return run_hil_sharded(board, model.folder, inputs, expected, jobs=max(jobs, 1), image=image, ports=ports,
                               elf=elf, timeout=timeout, max_recoveries=max_recoveries,
                               reconnect_timeout=reconnect_timeout)
    return run_one_board(board, model.folder, inputs, expected, port=port, elf=elf, timeout=timeout,
                         progress=progress, before_vector=before_vector, max_recoveries=max_recoveries,
                         reconnect_timeout=reconnect_timeout)


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
        if args.random_vectors:
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
