"""The firmware's receive path under libFuzzer with ASan and UBSan (firmware/fuzz/, built with clang for
the host), and the bound on every reply: at compile time (_Static_assert against the frame buffer) and
at run time (wire.h's writers refuse a field that does not fit).

The long-name, many-output model is the one whose INFO reply used to run past the frame buffer
(ASan: global-buffer-overflow in write_tensor_info); docs/reliability-firmware.md shows that run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ecgcc.harness.firmware_fuzz import build_fuzzer, clang_path, run_fuzzer, seed_corpus
from ecgcc.paths import project_root
from tests.int8_convert import int8_tflite

FIRMWARE = project_root() / "firmware"
INCLUDES = [FIRMWARE / "app", FIRMWARE / "kernels" / "include", FIRMWARE / "monitor", FIRMWARE.parent / "boards" / "host"]
SHORT_RUN_S = int(os.environ.get("ECGCC_FUZZ_SECONDS", "30"))

needs_clang = pytest.mark.skipif(clang_path() is None, reason="clang is not installed (make system-packages installs it)")


def long_name_many_outputs_tflite(folder: Path, outputs: int = 40) -> Path:
    """A model whose INFO reply is larger than the 512-byte minimum payload: a 200-character name
    (the file's stem) and 40 outputs."""
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((16,), batch_size=1)
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(1)(hidden) for _ in range(outputs)])
    calibration = np.random.default_rng(0).normal(size=(32, 16)).astype(np.float32)
    path = folder / ("n" * 200 + ".tflite")
    path.write_bytes(int8_tflite(model, lambda: ([row[None]] for row in calibration)))
    return path


@pytest.fixture(scope="module")
def reference_dir(compile_for):
    from ecgcc import reference_model

    return compile_for(reference_model.INT8_MODEL, "host")


@pytest.fixture(scope="module")
def long_model_dir(tmp_path_factory, compile_for):
    return compile_for(long_name_many_outputs_tflite(tmp_path_factory.mktemp("long")), "host")


def _fuzz(model_dir: Path, work: Path, seconds: int, extra_flags: tuple[str, ...] = ()):
    corpus = work / "corpus"
    header = (model_dir / "model.h").read_text()
    input_bytes = int(header.split("#define MODEL_INPUT_BYTES_TOTAL ")[1].split()[0])
    assert seed_corpus(corpus, {"input_bytes": input_bytes}) > 10
    exe = build_fuzzer(model_dir, work / "bin", extra_flags=extra_flags)
    return run_fuzzer(exe, corpus, seconds, work / "artifacts")


@needs_clang
def test_fuzzer_runs_clean_on_the_reference_model(reference_dir, tmp_path):
    result = _fuzz(reference_dir, tmp_path, SHORT_RUN_S)
    assert not result.crashed, result.log[-6000:]
    assert result.runs > 100 and result.coverage, result.summary()


@pytest.mark.slow
@needs_clang
def test_fuzzer_runs_clean_on_a_long_name_with_many_outputs(long_model_dir, tmp_path):
    result = _fuzz(long_model_dir, tmp_path, max(5, SHORT_RUN_S // 3))
    assert not result.crashed, result.log[-6000:]
    assert result.runs > 100, result.summary()


@pytest.mark.slow
@needs_clang
def test_runtime_bound_holds_when_the_buffer_is_too_small(long_model_dir, tmp_path):
    """With the compile-time check switched off and the buffer forced to 512 bytes, the long INFO reply
    must be refused by the bounded writer, not written past the buffer (ASan would abort)."""
    flags = ("-DPROTOCOL_MAX_PAYLOAD=512u", "-D_Static_assert(condition,message)=")
    result = _fuzz(long_model_dir, tmp_path, 5, flags)
    assert not result.crashed, result.log[-6000:]


def _syntax_check(model_dir: Path, *flags: str) -> subprocess.CompletedProcess:
    sources = [FIRMWARE / "app" / name for name in ("commands.c", "protocol.c", "stream_command.c", "memory_record.c")]
    return subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-fsyntax-only", *flags,
                           *[f"-I{path}" for path in [*INCLUDES, model_dir]], *map(str, sources)],
                          capture_output=True, text=True)


def test_a_frame_buffer_smaller_than_the_info_reply_does_not_compile(long_model_dir):
    assert _syntax_check(long_model_dir).returncode == 0
    refused = _syntax_check(long_model_dir, "-DPROTOCOL_MAX_PAYLOAD=512u")
    assert refused.returncode != 0
    assert "the INFO reply must fit the frame buffer" in refused.stderr


def test_a_frame_buffer_smaller_than_a_layer_does_not_compile(reference_dir):
    assert _syntax_check(reference_dir).returncode == 0
    refused = _syntax_check(reference_dir, "-DPROTOCOL_MAX_PAYLOAD=512u")
    assert "a TRACE_LAYER reply must fit the frame buffer" in refused.stderr


WRITER_DRIVER = r"""
#include <stdio.h>
#include "wire.h"

int main(void) {
    uint8_t buffer[16 + 8];
    memset(buffer, 0xA5, sizeof buffer);
    wire_writer_t w = wire_writer(buffer, 16);
    wire_u64(&w, 0x0102030405060708ull);
    wire_u32(&w, 0x11223344u);
    wire_u32(&w, 0x55667788u);   /* fills the 16 bytes exactly */
    int full_ok = !w.overflow && w.length == 16;
    wire_u8(&w, 0xEE);           /* one byte too many */
    wire_text(&w, "never written");
    wire_u16(&w, 0xBEEF);
    int guard_ok = 1;
    for (int i = 16; i < 24; ++i) guard_ok &= buffer[i] == 0xA5;
    wire_writer_t t = wire_writer(buffer, 5);
    wire_text(&t, "abcdef");     /* 7 bytes into 5: nothing of it is written */
    printf("%d %d %d %u %d %u\n", full_ok, w.overflow, guard_ok, w.length, t.overflow, t.length);
    return 0;
}
"""


def test_bounded_writer_refuses_what_does_not_fit(tmp_path):
    (tmp_path / "driver.c").write_text(WRITER_DRIVER)
    exe = tmp_path / "writer"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-fsanitize=address,undefined", f"-I{FIRMWARE / 'app'}",
                    str(tmp_path / "driver.c"), "-o", str(exe)], check=True)
    done = subprocess.run([str(exe)], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "1", "1", "16", "1", "0"]
