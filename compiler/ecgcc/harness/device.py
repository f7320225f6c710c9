"""Talks protocol v2 to a device over anything pyserial opens: `/dev/ttyACM0` for a board,
`socket://127.0.0.1:PORT` for an emulated board or the host build."""
from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass, field

import numpy as np
import serial

from ..errors import DeviceProblem
from .protocol import Command, DeviceError, Frame, FrameError, REPLY_FLAG, Reader, decode_frame


class DeviceUnavailable(DeviceProblem):
    """The port cannot be opened or the device never answers."""


class DeviceTimeout(DeviceProblem):
    """A request got no reply within its deadline, after every retry."""


class DeviceGarbage(DeviceProblem):
    """Bytes arrive but none of them form a valid frame."""


class DeviceRejected(DeviceProblem):
    """The device answered with an ERROR frame."""

    def __init__(self, error: DeviceError):
        super().__init__(f"device rejected command 0x{error.command:02x}: {error.name} ({error.message})")
        self.error = error


@dataclass(frozen=True)
class TensorInfo:
    dims: tuple[int, ...]
    bytes: int
    scale: float
    zero_point: int

    @property
    def element_type(self):
        """int8, or int16/int32 where the tensor's bytes are two or four per element (INFO gives no type)."""
        elements = int(np.prod(self.dims)) if self.dims else 1
        size = self.bytes // elements if elements and self.bytes % elements == 0 else 1
        return {2: np.int16, 4: np.int32}.get(size, np.int8)

    @classmethod
    def read(cls, reader: Reader) -> "TensorInfo":
        rank = reader.take("B")
        dims = tuple(reader.take("i") for _ in range(rank))
        size, scale_bits, zero_point = reader.take("IIi")
        scale = struct.unpack("<f", struct.pack("<I", scale_bits))[0]
        return cls(dims, size, scale, zero_point)


@dataclass(frozen=True)
class DeviceInfo:
    protocol_version: int
    firmware_version: str
    board: str
    model_name: str
    model_identity: str
    arena_bytes: int
    stack_bytes: int
    counter_resolution: int
    max_payload: int
    layers: int
    capabilities: int
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @classmethod
    def parse(cls, payload: bytes) -> "DeviceInfo":
        r = Reader(payload)
        head = [r.take("B"), r.text(), r.text(), r.text(), r.text()]
        numbers = list(r.take("IIIIHI"))
        inputs = tuple(TensorInfo.read(r) for _ in range(r.take("B")))
        outputs = tuple(TensorInfo.read(r) for _ in range(r.take("B")))
        return cls(*head, *numbers, inputs, outputs)

    @property
    def supports_stream(self) -> bool:
        return bool(self.capabilities & 0x4)

    @property
    def supports_stream_delta(self) -> bool:
        """STREAM takes delta-coded samples (about one byte per sample instead of two)."""
        return bool(self.capabilities & 0x10)

    @property
    def supports_two_leads(self) -> bool:
        """STREAM and PLAY_MEMORY take (primary, second) sample pairs for the monitor's second-lead agreement."""
        return bool(self.capabilities & 0x20)

    @property
    def supports_play_memory(self) -> bool:
        """PLAY_MEMORY: the board plays a record placed in its memory (emulated boards with a record region)."""
        return bool(self.capabilities & 0x8)


@dataclass
class InferResult:
    outputs: list[np.ndarray]
    instructions: int
    stack_high_water: int
    classes: list[int] = field(default_factory=list)   # the class the device decided for each output
    layers: list["LayerTrace"] = field(default_factory=list)


@dataclass
class LayerTrace:
    layer: int
    instructions: int
    data: bytes


class Device:
    """One device on one port. Every request carries a sequence number, so a late reply to an
    abandoned request is recognised and dropped instead of being taken for the current one."""

    def __init__(self, url: str, *, baudrate: int = 115200, timeout: float = 5.0, retries: int = 2,
                 connect_timeout: float = 10.0):
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.garbage_frames = 0
        self.stray_frames = 0
        self._sequence = 0
        self._buffer = bytearray()
        self._port = self._open(url, baudrate, connect_timeout)
        self.info_cache: DeviceInfo | None = None

    @staticmethod
    def _open(url: str, baudrate: int, connect_timeout: float):
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
                if url.startswith("socket://"):
                    # Replies are small and every request waits for one: Nagle's algorithm would hold
                    # each of them back until the peer's delayed ACK, about 40 ms per round trip.
                    port._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return port
            except (serial.SerialException, OSError) as error:
                if time.monotonic() > deadline:
                    raise DeviceUnavailable(f"cannot open {url}: {error}") from None
                time.sleep(0.1)

    def close(self) -> None:
        self._port.close()

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write_raw(self, data: bytes) -> None:
        self._port.write(data)
        self._port.flush()

    def _next_sequence(self) -> int:
        self._sequence = (self._sequence + 1) & 0xFF
        return self._sequence

    def read_frame(self, deadline: float) -> Frame:
        """Next valid frame before deadline; invalid ones are counted and skipped."""
        garbage_bytes = 0
        while True:
            end = self._buffer.find(0)
            while end >= 0:
                encoded = bytes(self._buffer[:end])
                del self._buffer[:end + 1]
                if encoded:
                    try:
                        return decode_frame(encoded)
                    except FrameError:
                        self.garbage_frames += 1
                        garbage_bytes += len(encoded)
                end = self._buffer.find(0)
            if time.monotonic() > deadline:
                pending = len(self._buffer) + garbage_bytes
                if pending:
                    raise DeviceGarbage(f"{self.url}: {pending} bytes received but no valid frame "
                                        "(wrong baud rate, wrong firmware, or a device that is not ecgcc?)")
                raise DeviceTimeout(f"{self.url}: no reply within the deadline")
            chunk = self._port.read(max(1, self._port.in_waiting))
            if chunk:
                self._buffer += chunk

    def request(self, command: int, payload: bytes = b"", *, timeout: float | None = None,
                on_frame=None) -> Frame:
        """Sends a request and returns its reply; retries on silence. on_frame sees any intermediate
        frames that belong to this request (TRACE sends one per layer)."""
        timeout = self.timeout if timeout is None else timeout
        last_error: Exception | None = None
        for _attempt in range(self.retries + 1):
            sequence = self._next_sequence()
            # A leading delimiter closes whatever partial frame the device may be holding.
            self.write_raw(b"\x00" + Frame(command, sequence, payload).encode())
            deadline = time.monotonic() + timeout
            try:
                while True:
                    frame = self.read_frame(deadline)
                    if frame.sequence != sequence:
                        self.stray_frames += 1
                        continue
                    if frame.is_error:
                        raise DeviceRejected(DeviceError.parse(frame.payload))
                    if frame.command == command | REPLY_FLAG:
                        return frame
                    if on_frame is not None:
                        on_frame(frame)
                        deadline = time.monotonic() + timeout
                    else:
                        self.stray_frames += 1
            except (DeviceTimeout, DeviceGarbage) as error:
                last_error = error
        assert last_error is not None
        raise last_error

    def info(self) -> DeviceInfo:
        self.info_cache = DeviceInfo.parse(self.request(Command.INFO).payload)
        return self.info_cache

    def _ensure_info(self) -> DeviceInfo:
        return self.info_cache or self.info()

    def _pack_inputs(self, inputs) -> bytes:
        info = self._ensure_info()
        if len(inputs) != len(info.inputs):
            raise ValueError(f"model takes {len(info.inputs)} inputs, got {len(inputs)}")
        parts = []
        for index, (array, tensor) in enumerate(zip(inputs, info.inputs)):
            data = np.ascontiguousarray(array, dtype=tensor.element_type).tobytes()
            if len(data) != tensor.bytes:
                raise ValueError(f"input {index} has {len(data)} bytes, the device expects {tensor.bytes}")
            parts.append(data)
        return b"".join(parts)

    def _parse_outputs(self, payload: bytes) -> InferResult:
        info = self._ensure_info()
        reader = Reader(payload)
        instructions, stack = reader.take("QI")
        outputs = [np.frombuffer(reader.raw(t.bytes), dtype=t.element_type).reshape(t.dims) for t in info.outputs]
        classes = [reader.take("H") for _ in info.outputs]
        return InferResult(outputs, instructions, stack, classes)

    def infer(self, inputs) -> InferResult:
        return self._parse_outputs(self.request(Command.INFER, self._pack_inputs(inputs)).payload)

    def trace(self, inputs) -> InferResult:
        layers: list[LayerTrace] = []

        def keep(frame: Frame) -> None:
            if frame.command == Command.TRACE_LAYER | REPLY_FLAG:
                reader = Reader(frame.payload)
                layer, instructions = reader.take("HQ")
                layers.append(LayerTrace(layer, instructions, reader.rest()))

        result = self._parse_outputs(self.request(Command.TRACE, self._pack_inputs(inputs), on_frame=keep).payload)
        result.layers = layers
        return result

    def status(self) -> dict:
        reader = Reader(self.request(Command.STATUS).payload)
        names = ("frames_ok", "frames_rejected", "bytes_received", "uptime_ms", "stack_high_water")
        return dict(zip(names, reader.take("IIIII")))
