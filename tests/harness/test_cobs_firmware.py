"""The firmware's COBS encoder and decoder (firmware/app/cobs.c), built for the host, against the
harness's Python codec: blocks of exactly 254 non-zero bytes, zeros right after them, at the end
and in runs are where COBS implementations go wrong."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from ecgcc.harness.protocol import cobs_decode, cobs_encode
from tests.harness.firmware_app_c import build_app_driver

DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "cobs.h"

static void to_stdout(const uint8_t *data, size_t len) { fwrite(data, 1, len, stdout); }

int main(int argc, char **argv) {
    static uint8_t input[1 << 16], decoded[1 << 16];
    size_t n = fread(input, 1, sizeof input, stdin);
    if (argv[1][0] == 'e') {
        cobs_encode_to(input, n, to_stdout);
        return 0;
    }
    cobs_decoder_t decoder;
    cobs_decoder_init(&decoder, decoded, sizeof decoded);
    for (size_t i = 0; i < n; ++i) cobs_decoder_push(&decoder, input[i]);
    if (!cobs_decoder_complete(&decoder) || decoder.overflow) return 3;
    fwrite(decoded, 1, decoder.length, stdout);
    return 0;
}
"""


@pytest.fixture(scope="module")
def codec(tmp_path_factory) -> Path:
    return build_app_driver(tmp_path_factory.mktemp("cobs"), DRIVER, ["cobs.c"], "cobs")


def _run(exe: Path, mode: str, data: bytes) -> bytes:
    done = subprocess.run([str(exe), mode], input=data, capture_output=True, check=True)
    return done.stdout


def _cases() -> list[bytes]:
    run = bytes(range(1, 255))  # 254 non-zero bytes: one full block
    rng = np.random.default_rng(7)
    cases = [b"", b"\0", b"\0\0", b"\1", run, run + b"\0", run + b"\0\5", run + b"\0\0", run + b"\5",
             run + run, run + b"\0" + run, b"\0" + run + b"\0", run[:253] + b"\0", run[:253], run + run[:1] + b"\0"]
    for _ in range(40):
        # sparse zeros make long non-zero runs, so block boundaries meet zeros often
        size = int(rng.integers(1, 3000))
        data = rng.integers(1, 256, size, dtype=np.uint8)
        data[rng.random(size) < rng.choice([0.0, 0.002, 0.004, 0.05])] = 0
        cases.append(data.tobytes())
    return cases


@pytest.mark.parametrize("index", range(len(_cases())))
def test_firmware_encoder_and_decoder_agree_with_the_harness(codec, index):
    data = _cases()[index]
    encoded = _run(codec, "e", data)
    assert encoded.endswith(b"\0") and b"\0" not in encoded[:-1]
    assert cobs_decode(encoded[:-1]) == data
    assert _run(codec, "d", cobs_encode(data)) == data
