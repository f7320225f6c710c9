"""The firmware's CRC-16 (firmware/app/crc16.c), built for the host, against the harness's
`binascii.crc_hqx(data, 0xFFFF)`: every frame the harness checks was summed by this C code."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from ecgcc.harness import protocol
from tests.harness.firmware_app_c import build_app_driver

# Reads length-prefixed chunks (u16le length, bytes) on stdin and prints each chunk's CRC in hex.
DRIVER = r"""
#include <stdio.h>
#include "crc16.h"

int main(void) {
    static uint8_t chunk[1 << 16];
    int low, high;
    while ((low = getchar()) != EOF && (high = getchar()) != EOF) {
        size_t length = (size_t)low | ((size_t)high << 8);
        if (fread(chunk, 1, length, stdin) != length) return 3;
        printf("%04x\n", crc16_ccitt(chunk, length));
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def firmware_crc(tmp_path_factory) -> Path:
    return build_app_driver(tmp_path_factory.mktemp("crc"), DRIVER, ["crc16.c"], "crc")


def _chunks() -> list[bytes]:
    rng = np.random.default_rng(11)
    chunks = [b"", b"\0", b"\xff", b"123456789", bytes(range(256)), b"\0" * 300, b"\xff" * 300]
    chunks += [rng.integers(0, 256, int(rng.integers(1, 2000)), dtype=np.uint8).tobytes() for _ in range(200)]
    return chunks


def firmware_crcs(exe: Path, chunks: list[bytes]) -> list[int]:
    stream = b"".join(len(c).to_bytes(2, "little") + c for c in chunks)
    done = subprocess.run([str(exe)], input=stream, capture_output=True, check=True)
    return [int(line, 16) for line in done.stdout.split()]


def test_firmware_crc_equals_the_harness_crc(firmware_crc):
    chunks = _chunks()
    assert firmware_crcs(firmware_crc, chunks) == [protocol.crc16_ccitt(c) for c in chunks]


def test_a_crc_with_another_initial_value_is_told_apart(firmware_crc):
    """The comparison can fail: CRC-16/XMODEM (initial 0) differs from the firmware on these chunks."""
    import binascii

    chunks = _chunks()
    xmodem = [binascii.crc_hqx(c, 0) for c in chunks]
    assert firmware_crcs(firmware_crc, chunks) != xmodem
