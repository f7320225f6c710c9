"""The zero-point PAD put ahead of many-edged convolutions (passes/pad_ahead.py): where it applies, and that the
bytes stay TFLite Micro's."""
from __future__ import annotations

from bitexact import compile_and_compare, tflite_model
from models import conv2d, single

VERSION = "pad-ahead-v1"


def _graph(tflite: bytes):
    from ecgcc.frontend import parse_tflite
    return parse_tflite(tflite)


def test_a_spectrogram_first_layer_is_padded_ahead_and_bit_exact(tmp_path):
    from ecgcc.passes.pad_ahead import pad_many_edged_convolutions
    tflite = tflite_model(f"{VERSION}-kws-first", single((25, 10, 1), conv2d(16, (10, 4), 2, "same")), seed=5)
    padded = pad_many_edged_convolutions(_graph(tflite))
    assert [op.kind for op in padded.operators] == ["PAD", "CONV_2D"]
    pad, conv = padded.operators
    assert padded.tensors[pad.outputs[0]].shape == (1, 34, 12, 1) and conv.inputs[0] == pad.outputs[0]
    done = compile_and_compare(tflite, tmp_path, vectors=30, every_byte=False, expect_ops=["CONV_2D"])
    assert done["kinds"][:2] == ["PAD", "CONV_2D"]


def test_few_filters_wide_rows_and_large_inputs_are_left_alone():
    from ecgcc.passes.pad_ahead import pad_many_edged_convolutions
    cases = {"few filters": single((25, 10, 1), conv2d(8, (10, 4), 2, "same")),
             "long kernel rows": single((12, 12, 8), conv2d(16, 3, 1, "same")),
             "large input": single((96, 96, 1), conv2d(16, 3, 2, "same")),
             "valid padding": single((25, 10, 1), conv2d(16, (10, 4), 2, "valid"))}
    for name, build in cases.items():
        graph = _graph(tflite_model(f"{VERSION}-{name}", build, seed=6))
        assert "PAD" not in [op.kind for op in pad_many_edged_convolutions(graph).operators], name
