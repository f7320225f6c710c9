"""The benchmark model families end to end on the host: ResNet-8 (ADD skip connections), DS-CNN keyword
spotting, MobileNet-style visual wake words (HARD_SWISH, RELU6), a fully connected autoencoder and the
ECG beat CNN, each bit-exact with the TFLite Micro interpreter. Small variants run by default; the
benchmark-sized defaults are @slow, except their compile for qemu-m3, the smallest board (256 KB flash,
64 KB RAM), which `make test` runs: every benchmark model fits that board's model budget (the compiler
refuses a model over it: test_validation; the firmware built and run on the board is `make bench`)."""
from __future__ import annotations

import pytest

from bitexact import compile_and_compare, tflite_model

VERSION = "bench-models-v1"

SMALL = {
    "resnet8": (dict(input_shape=(16, 16, 3), filters=(4, 8, 16)), ["ADD", "CONV_2D", "MEAN", "SOFTMAX"]),
    "ds_cnn_kws": (dict(input_shape=(25, 10, 1), filters=16, blocks=2),
                   ["CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "FULLY_CONNECTED"]),
    "mobilenet_vww_tiny": (dict(input_shape=(24, 24, 3), width=4), ["HARD_SWISH", "DEPTHWISE_CONV_2D", "MEAN"]),
    "fc_autoencoder": (dict(inputs=64, hidden=32, bottleneck=8, depth=2), ["FULLY_CONNECTED"]),
    "ecg_beat_cnn": (dict(), ["CONV_2D", "DEPTHWISE_CONV_2D", "MAX_POOL_2D", "AVERAGE_POOL_2D", "SOFTMAX"]),
}


def _builder(name: str, kwargs: dict):
    from ecgcc.benchmarks import models
    return lambda: getattr(models, name)(**kwargs)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_small_benchmark_model_bit_exact(name, tmp_path):
    kwargs, expect = SMALL[name]
    tflite = tflite_model(f"{VERSION}-{name}-small", _builder(name, kwargs), seed=11)
    done = compile_and_compare(tflite, tmp_path, vectors=30, every_byte=False, expect_ops=expect)
    assert done["vectors"] == 32


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_benchmark_sized_model_bit_exact_and_fits_the_smallest_board(name, tmp_path):
    from ecgcc.compile import compile_tflite
    tflite = tflite_model(f"{VERSION}-{name}-full", _builder(name, {}), seed=12)
    compile_and_compare(tflite, tmp_path, vectors=30, every_byte=False, expect_ops=SMALL[name][1])
    compile_tflite(tflite, name, "qemu-m3", tmp_path / "m3")      # raises BudgetError if it does not fit


@pytest.mark.parametrize("name", sorted(SMALL))
def test_benchmark_sized_model_fits_the_smallest_board(name, tmp_path):
    from ecgcc.compile import compile_tflite
    tflite = tflite_model(f"{VERSION}-{name}-full", _builder(name, {}), seed=12)
    result = compile_tflite(tflite, name, "qemu-m3", tmp_path / "m3")  # raises BudgetError if it does not fit
    total = result.report["total"]
    assert 0 < total["weight_bytes"] < 256 * 1024 and 0 < total["arena_bytes"] < 64 * 1024
