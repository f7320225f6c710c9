"""A device must survive anything on the line: it answers every bad frame with an ERROR, resynchronises
at the next delimiter, and still answers INFO afterwards. Runs on the emulated board by default, or on
a real one with --port."""
import socket
import threading
import time

import numpy as np
import pytest

from ecgcc.harness.device import Device, DeviceGarbage, DeviceRejected, DeviceTimeout, DeviceUnavailable
from ecgcc.harness.protocol import PROTOCOL_VERSION, Command, DeviceError, Frame

pytestmark = pytest.mark.hil


@pytest.fixture(scope="module")
def device(open_device, compile_for, small_model_path, board):
    with open_device(compile_for(small_model_path, board)) as (connected, _image):
        connected.info()
        yield connected


def read_error(device: Device, timeout: float = 5.0) -> DeviceError:
    deadline = time.monotonic() + timeout
    while True:
        frame = device.read_frame(deadline)
        if frame.is_error:
            return DeviceError.parse(frame.payload)


def assert_still_answers(device: Device):
    info = device.info()
    assert info.protocol_version == PROTOCOL_VERSION == 2


def test_corrupted_frame_gets_bad_crc_then_device_answers(device):
    wire = bytearray(Frame(Command.INFO, 9, b"").encode())
    wire[3] ^= 0x10  # a payload-area byte: the COBS structure stays valid, the CRC does not
    device.write_raw(b"\x00" + bytes(wire))
    assert read_error(device).name == "BAD_CRC"
    assert_still_answers(device)


@pytest.mark.parametrize("keep", [1, 3, 6])
def test_truncated_frame_is_rejected_then_device_answers(device, keep):
    wire = Frame(Command.INFER, 10, bytes(range(40))).encode()
    device.write_raw(b"\x00" + wire[:keep] + b"\x00")
    assert read_error(device).name in {"BAD_ENCODING", "BAD_LENGTH", "BAD_CRC"}
    assert_still_answers(device)


def test_random_bytes_then_device_answers(device):
    rng = np.random.default_rng(1234)
    device.write_raw(rng.integers(0, 256, size=4000, dtype=np.uint8).tobytes())
    assert_still_answers(device)
    assert device.garbage_frames == 0, "the device itself must only ever send valid frames"


def test_frame_longer_than_any_buffer_is_rejected(device):
    device.write_raw(b"\x00" + b"\x55" * 70000 + b"\x00")
    assert read_error(device, timeout=30).name == "FRAME_TOO_LONG"
    assert_still_answers(device)


def test_unknown_command_and_bad_arguments_are_named(device):
    with pytest.raises(DeviceRejected) as unknown:
        device.request(0x42)
    assert unknown.value.error.name == "UNKNOWN_COMMAND"
    with pytest.raises(DeviceRejected) as short:
        device.request(Command.INFER, b"\x01\x02\x03")
    assert short.value.error.name == "BAD_ARGUMENT"
    assert_still_answers(device)


def test_wrong_protocol_version_is_rejected(device):
    device.write_raw(b"\x00" + Frame(Command.INFO, 77, b"", version=9).encode())
    assert read_error(device).name == "BAD_VERSION"
    assert_still_answers(device)


def test_device_counts_rejected_frames(device):
    before = device.status()
    device.write_raw(b"\x00\x07\x07\x07\x00")
    read_error(device)
    after = device.status()
    assert after["frames_rejected"] == before["frames_rejected"] + 1


# The client's own failure modes, against stand-in peers on a local socket.

def serve(behaviour):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def run():
        connection, _ = listener.accept()
        behaviour(connection)
        time.sleep(8)
        connection.close()
        listener.close()

    threading.Thread(target=run, daemon=True).start()
    return f"socket://127.0.0.1:{listener.getsockname()[1]}"


def test_silent_device_times_out_with_clear_error():
    url = serve(lambda connection: None)
    with Device(url, timeout=1.0, retries=1) as silent:
        with pytest.raises(DeviceTimeout, match="no reply"):
            silent.info()


def test_garbage_talking_device_is_reported():
    def answer_with_garbage(connection):
        # Answer the request, as a device would: bytes sent before the port is open may be discarded.
        connection.recv(1)
        connection.sendall(b"hello world\r\n" * 20 + b"\x00\x13\x37\x00")

    url = serve(answer_with_garbage)
    with Device(url, timeout=2.0, retries=0) as noisy:
        with pytest.raises(DeviceGarbage, match="no valid frame"):
            noisy.info()


def test_absent_device_is_reported():
    with pytest.raises(DeviceUnavailable, match="cannot open"):
        Device("socket://127.0.0.1:9", connect_timeout=0.3)
