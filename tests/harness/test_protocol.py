"""Host side of protocol v2: framing and checksums, independent of any device."""
import pytest
from hypothesis import given, strategies as st

from ecgcc.harness.protocol import Frame, FrameError, cobs_decode, cobs_encode, crc16_ccitt, decode_frame


def test_crc_matches_the_published_check_value():
    # CRC-16/CCITT-FALSE check value for "123456789".
    assert crc16_ccitt(b"123456789") == 0x29B1


@given(st.binary(max_size=1200))
def test_cobs_round_trip_never_emits_zero(data):
    encoded = cobs_encode(data)
    assert 0 not in encoded
    assert cobs_decode(encoded) == data


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00", b"\x11" * 254, b"\x11" * 255, b"\x11" * 254 + b"\x00"])
def test_cobs_edge_cases(data):
    assert cobs_decode(cobs_encode(data)) == data


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=600))
def test_frame_round_trip(command, sequence, payload):
    wire = Frame(command, sequence, payload).encode()
    assert wire.endswith(b"\x00") and wire.count(0) == 1
    assert decode_frame(wire[:-1]) == Frame(command, sequence, payload)


def test_corrupted_frame_is_rejected():
    wire = bytearray(Frame(1, 7, b"hello").encode()[:-1])
    wire[4] ^= 0x40
    with pytest.raises(FrameError):
        decode_frame(bytes(wire))
