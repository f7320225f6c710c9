"""CONV_2D + pooling fusion (passes/fusion.py): chunked layers give TFLM's bytes on the host (reference and DSP
kernels) and on the Cortex-M4, in less arena than the unfused layers; fusion is skipped where it cannot help
or where the convolution's output is read elsewhere."""
import shutil

import numpy as np
import pytest

from models import conv1d, conv2d, dense, layer, layers, single
from support import assert_bit_exact, build_qemu_m4, quantized, random_records, run_qemu_m4

VERSION = "fusion-v4"

CASES = {
    # SAME padding at both ends of the chunked axis, pooled in pairs
    "same_k5_max2": single((120, 4), conv1d(16, 5, 1, "same", 1, "relu"), layer("MaxPooling1D", 2)),
    # stride 2, VALID; overlapping average windows (3, stride 2) recompute shared outputs
    "valid_stride2_avg3s2": single((127, 8), conv1d(48, 4, 2, "valid"), layer("AveragePooling1D", 3, strides=2)),
    # dilated taps reaching across chunk borders, pooled by three
    "dilated_same_max3": single((96, 5), conv1d(16, 3, 1, "same", 3, "relu"), layer("MaxPooling1D", 3)),
    # pointwise with RELU6, 121 outputs pooled by four: the last output is never pooled
    "pointwise_odd_tail": single((121, 8), conv1d(24, 1, 1, "same", 1, "relu6"), layer("MaxPooling1D", 4)),
    # one input channel, kernel 7, the reference model's first layer shape
    "one_channel_k7": single((256, 1), conv1d(8, 7, 1, "same", 1, "relu"), layer("MaxPooling1D", 2)),
    # 2-D: chunks of rows, SAME padding in both directions
    "rows_3x3_max2x2": single((12, 10, 3), conv2d(16, 3, 1, "same", 1, "relu"), layer("MaxPooling2D", 2)),
    # 2-D, stride 2, uneven pool window
    "rows_stride2_avg3x2": single((17, 9, 4), conv2d(12, 3, 2, "same"), layer("AveragePooling2D", (3, 2), strides=2)),
}

POOL_FOLDED = {"same_k5_max2", "one_channel_k7"}   # paired and resident path, pooled in the kernel

needs_arm_qemu = pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                                    reason="arm-none-eabi-gcc or qemu-system-arm not installed")


def _fused_layers(result):
    return [layer for layer in result.report["layers"] if "+" in layer["kind"]]


@needs_arm_qemu
@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_conv_pool_is_bit_exact_and_smaller(name, tmp_path):
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    tflite = quantized(f"{VERSION}-{name}", CASES[name], None, seed=3)
    result = assert_bit_exact(tflite, tmp_path / "host", count=20, seed=5,
                              defines=((), ("ECGCC_REFERENCE_KERNELS",), ("ECGCC_DSP_EMULATE",)))
    fused = _fused_layers(result)
    # a MAX_POOL_2D of column pairs is folded into the convolution's one call where the DSP twin pools them
    # (passes/pool_into_conv.py); the other pairs are chunked
    calls = (lambda n: n == 1) if name in POOL_FOLDED else (lambda n: n >= 4)
    assert fused and all(calls(layer["calls"]) for layer in fused), result.table
    unfused = compile_tflite(tflite, "model_under_test", "host", tmp_path / "unfused", max_chunks=1)
    assert not _fused_layers(unfused)
    assert result.arena_bytes < unfused.arena_bytes
    assert result.report["total"]["macs"] == unfused.report["total"]["macs"]

    # on the M4, in as many chunks as the compiler allows: more interior chunks, narrower ones
    many = compile_tflite(tflite, "model_under_test", "qemu-m4", tmp_path / "many", max_chunks=16)
    assert many.arena_bytes <= result.arena_bytes
    records = random_records(result.graph, 8, seed=6)
    outputs, _ = run_qemu_m4(build_qemu_m4(tmp_path / "many", records, tmp_path / "m4"))
    assert len(outputs) == len(records)
    reference = Reference(tflite)
    for i, (record, got) in enumerate(zip(records, outputs)):
        want = reference.run(record)[0].reshape(-1)
        assert np.array_equal(want, got[0]), f"record {i}: {np.count_nonzero(want != got[0])} bytes differ on the M4"


def _two_readers():
    import tensorflow as tf
    x = inp = tf.keras.Input((64, 4))
    x = layers().Conv1D(16, 3, padding="same")(x)
    y = layers().Concatenate()([layers().MaxPooling1D(2)(x), layers().AveragePooling1D(2)(x)])
    return tf.keras.Model(inp, y)


def test_conv_output_read_twice_is_not_fused(tmp_path):
    tflite = quantized(f"{VERSION}-two-readers", _two_readers, None, seed=3)
    result = assert_bit_exact(tflite, tmp_path, count=5, seed=5)
    assert not _fused_layers(result)


def test_layer_not_setting_the_peak_stays_whole(tmp_path):
    """A late, small conv + pool is left unfused: chunking it would add calls and save no arena byte. (Pools of
    four: the DSP CONV_2D would pool pairs of columns itself, passes/pool_into_conv.py.)"""
    build = single((128, 2), conv1d(32, 5, 1, "same", 1, "relu"), layer("MaxPooling1D", 4),
                   conv1d(4, 1, 1, "same", 1, "relu"), layer("MaxPooling1D", 4), layer("Flatten"), dense(3))
    tflite = quantized(f"{VERSION}-late-small-pool4", build, None, seed=3)
    result = assert_bit_exact(tflite, tmp_path, count=5, seed=5)
    names = [layer["kind"] for layer in result.report["layers"]]
    assert names[0] == "CONV_2D+MAX_POOL_2D" and "CONV_2D" in names[1:] and "MAX_POOL_2D" in names[1:], result.table


def test_reference_model_arena_shrinks_on_both_boards(tmp_path):
    from ecgcc.compile import compile_model
    from ecgcc.reference_model import reference_model_file
    for board in ("qemu-m3", "qemu-m4"):
        fused = compile_model(reference_model_file(), board, tmp_path / f"{board}-fused")
        whole = compile_model(reference_model_file(), board, tmp_path / f"{board}-whole", max_chunks=1)
        assert fused.arena_bytes <= whole.arena_bytes * 9 // 10, (board, fused.arena_bytes, whole.arena_bytes)
        assert len(_fused_layers(fused)) >= 2


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3"])
def test_fusion_lowers_ram_and_never_grows_the_arena(board):
    """RAM here is the arena plus the stack block a convolution takes where it is planned no scratch."""
    from ecgcc.boards import load_board
    from ecgcc.compile import _ram_and_arena, lower_graph
    from ecgcc.reference_model import reference_model_file
    from ecgcc.frontend import parse_tflite
    from models import ecg_model_tflite
    for tflite in (ecg_model_tflite(), reference_model_file().read_bytes()):
        whole = lower_graph(parse_tflite(tflite, "m"), load_board(board), max_chunks=1)
        whole_ram, whole_arena, _ = _ram_and_arena(whole.plan, whole.kernels)
        for max_chunks in (2, 4, 8, 16):
            low = lower_graph(parse_tflite(tflite, "m"), load_board(board), max_chunks=max_chunks)
            ram, arena, _ = _ram_and_arena(low.plan, low.kernels)
            assert arena <= whole_arena and ram <= whole_ram, (max_chunks, ram, arena, whole_ram, whole_arena)
            assert all(len(k.calls()) <= 2 * max_chunks for k in low.kernels)
            # RAM drops where a layer is chunked, or where the DSP CONV_2D pools column pairs itself (no
            # convolution output at all; passes/pool_into_conv.py, not with max_chunks 1)
            assert (ram < whole_ram) == any(len(k.calls()) > 1 or k.function.startswith("ecg_conv_2d_pooled")
                                            for k in low.kernels)


def test_compile_command_fusion_options(tmp_path, capsys):
    import json
    import re
    from ecgcc import cli
    from ecgcc.reference_model import reference_model_file
    calls = {}
    for label, options in (("default", []), ("whole", ["--no-fuse"]), ("sixteen", ["--fuse-chunks", "16"])):
        out = tmp_path / label
        assert cli.main(["compile", str(reference_model_file()), "--board", "qemu-m3", "--out", str(out), *options]) == 0
        report = json.loads((out / "report.json").read_text())
        calls[label] = [layer["calls"] for layer in report["layers"]]
        fused_row = re.search(r"\d+:CONV_2D\+\d+:MAX_POOL_2D", capsys.readouterr().out)
        assert bool(fused_row) == (label != "whole")
    assert set(calls["whole"]) == {1}
    assert max(calls["default"]) <= 8 < max(calls["sixteen"])
