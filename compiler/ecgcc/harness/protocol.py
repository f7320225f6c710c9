"""Serial protocol v2, host side: COBS framing, CRC-16/CCITT-FALSE, frame layout.

Decoded frame: version:u8 command:u8 sequence:u8 length:u16le payload crc:u16le; on the wire each frame is
COBS-encoded and followed by 0x00. The firmware side is firmware/app/protocol.c."""
from __future__ import annotations

import binascii
import struct
from dataclasses import dataclass

from cobs import cobs

PROTOCOL_VERSION = 2
REPLY_FLAG = 0x80
COMMAND_ERROR = 0xFF


class Command:
    INFO = 0x01
    INFER = 0x02
    TRACE = 0x03
    TRACE_LAYER = 0x04
    STATUS = 0x05
    STREAM = 0x06
    MONITOR_EVENTS = 0x07  # device -> host: monitor events of a record the device reads itself
    RECORD_DONE = 0x08
    PLAY_MEMORY = 0x09


ERROR_NAMES = {
    1: "BAD_CRC",
    2: "BAD_LENGTH",
    3: "UNKNOWN_COMMAND",
    4: "BAD_VERSION",
    5: "FRAME_TOO_LONG",
    6: "BAD_ENCODING",
    7: "BAD_ARGUMENT",
    8: "MODEL_FAILED",
    9: "BUSY",
    10: "REPLY_TOO_LONG",
}


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE; binascii's CRC-CCITT is the same polynomial, unreflected, seeded here with 0xFFFF."""
    return binascii.crc_hqx(data, 0xFFFF)


def cobs_encode(data: bytes) -> bytes:
    """COBS-encoded bytes without the 0x00 delimiter."""
    return cobs.encode(bytes(data))


def cobs_decode(data: bytes) -> bytes:
    """Inverse of cobs_encode; malformed input (a zero byte, a block cut short) raises ValueError."""
    try:
        return cobs.decode(bytes(data))
    except cobs.DecodeError as error:
        raise ValueError(f"invalid COBS frame: {error}") from None


@dataclass(frozen=True)
class Frame:
    command: int
    sequence: int
    payload: bytes
    version: int = PROTOCOL_VERSION

    def encode(self) -> bytes:
        """Bytes for the wire, delimiter included."""
        body = struct.pack("<BBBH", self.version, self.command, self.sequence, len(self.payload)) + self.payload
        return cobs_encode(body + struct.pack("<H", crc16_ccitt(body))) + b"\x00"

    @property
    def is_error(self) -> bool:
        return self.command == COMMAND_ERROR


class FrameError(ValueError):
    """Bytes between two delimiters that are not a valid frame."""


def decode_frame(encoded: bytes) -> Frame:
    """Decodes the bytes between two 0x00 delimiters."""
    try:
        body = cobs_decode(encoded)
    except ValueError as error:
        raise FrameError(str(error)) from None
    if len(body) < 7:
        raise FrameError(f"frame of {len(body)} bytes is shorter than header and CRC")
    (crc,) = struct.unpack("<H", body[-2:])
    if crc16_ccitt(body[:-2]) != crc:
        raise FrameError("CRC mismatch")
    version, command, sequence, length = struct.unpack("<BBBH", body[:5])
    if length != len(body) - 7:
        raise FrameError(f"length field {length} disagrees with frame size {len(body) - 7}")
    return Frame(command, sequence, bytes(body[5:-2]), version)


@dataclass(frozen=True)
class DeviceError:
    code: int
    command: int
    message: str

    @property
    def name(self) -> str:
        return ERROR_NAMES.get(self.code, f"code {self.code}")

    @classmethod
    def parse(cls, payload: bytes) -> "DeviceError":
        if len(payload) < 2:
            return cls(0, 0, "malformed error frame")
        return cls(payload[0], payload[1], payload[2:].decode("ascii", "replace"))


class Reader:
    """Little-endian field reader for reply payloads."""

    def __init__(self, data: bytes):
        self.data = data
        self.offset = 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def text(self) -> str:
        length = self.take("B")
        value = self.data[self.offset:self.offset + length].decode("ascii", "replace")
        self.offset += length
        return value

    def raw(self, length: int) -> bytes:
        value = self.data[self.offset:self.offset + length]
        if len(value) != length:
            raise FrameError(f"payload ends {length - len(value)} bytes early")
        self.offset += length
        return value

    def rest(self) -> bytes:
        return self.data[self.offset:]
