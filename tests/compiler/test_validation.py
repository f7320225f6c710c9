"""Models the compiler must refuse, with errors naming the operator and tensor, before writing anything;
board budgets; and the dilation/padding folding of converter output."""
import numpy as np
import pytest

from models import conv1d, dense, layer, single
from support import assert_bit_exact, quantized


def test_unsupported_operator_names_operator_and_tensor(tmp_path):
    from ecgcc.compile import compile_tflite
    from ecgcc.ir import UnsupportedModelError
    tflite = quantized("unsupported-strided-slice-v1", single((8, 4), layer("Cropping1D", (1, 1)), layer("Flatten"),
                                                              dense(3)))
    out = tmp_path / "never"
    with pytest.raises(UnsupportedModelError) as err:
        compile_tflite(tflite, "m", "host", out)
    message = str(err.value)
    assert "STRIDED_SLICE" in message and "operator 0" in message and "tensor" in message
    assert not out.exists()


def test_cli_refuses_an_unsupported_operator_in_one_error_line(tmp_path, capsys):
    from ecgcc.cli import main
    tflite = quantized("unsupported-strided-slice-v1", single((8, 4), layer("Cropping1D", (1, 1)), layer("Flatten"),
                                                              dense(3)))
    (tmp_path / "m.tflite").write_bytes(tflite)
    status = main(["compile", str(tmp_path / "m.tflite"), "--board", "host", "--out", str(tmp_path / "never")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 2, err
    assert err[0].startswith("error: 1 unsupported operators: STRIDED_SLICE x1 (first: operator 0 (STRIDED_SLICE)")
    assert err[1].startswith("hint: ")
    assert not (tmp_path / "never").exists()


def test_float_model_is_rejected_naming_the_tensor(tmp_path):
    import tensorflow as tf
    from ecgcc.compile import compile_tflite
    from ecgcc.ir import UnsupportedModelError
    model = single((8, 2), conv1d(2, 3))()
    float_tflite = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    with pytest.raises(UnsupportedModelError, match=r"float32.*(int8|quantized)"):
        compile_tflite(float_tflite, "m", "host", tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_unsupported_fused_activation_names_operator():
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ir import UnsupportedModelError
    graph = parse_tflite(quantized("op-conv1d_same_relu-v1", single((64, 1), conv1d(8, 5, 1, "same", 1, "relu")),
                                   seed=1))
    conv = next(op for op in graph.operators if op.kind == "CONV_2D")
    conv.options["FusedActivationFunction"] = 4      # TANH
    with pytest.raises(UnsupportedModelError, match=rf"operator {conv.index} \(CONV_2D\).*activation"):
        lower_graph(graph)


def test_model_over_ram_budget_fails_naming_budget_and_layers(tmp_path):
    from ecgcc.compile import BudgetError, compile_tflite
    tflite = quantized("budget-ram-v1", single((4096, 4), conv1d(16, 3)))
    compile_tflite(tflite, "big", "qemu-m4", tmp_path / "fits")
    with pytest.raises(BudgetError) as err:
        compile_tflite(tflite, "big", "qemu-m3", tmp_path / "never")
    message = str(err.value)
    assert "model_ram_bytes=40960" in message and "CONV_2D" in message and "qemu-m3" in message
    assert not (tmp_path / "never").exists()


def test_model_over_flash_budget_fails(tmp_path):
    from ecgcc.compile import BudgetError, compile_tflite
    tflite = quantized("budget-flash-v1", single((256,), dense(700)))
    with pytest.raises(BudgetError, match=r"model_flash_bytes=163840.*FULLY_CONNECTED"):
        compile_tflite(tflite, "wide", "qemu-m3", tmp_path / "never")


def test_unknown_board_is_an_error(tmp_path):
    from ecgcc.compile import compile_tflite
    with pytest.raises(ValueError, match="unknown board"):
        compile_tflite(quantized("op-dense_16_5-v1", single((16,), dense(5)), seed=1), "m", "no-such-board", tmp_path)


@pytest.mark.parametrize("padding", ["same", "causal"])
def test_dynamic_batch_dilation_chain_folds_into_the_native_dilated_convolution(padding):
    """A converter run with a dynamic batch emits SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND around the convolution
    (and TFLM, with the stored batch-1 shapes, computes only every other output). The folded chain must lower
    to exactly the kernel the batch-1 conversion gives, which test_ops proves bit-exact."""
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    build = single((64, 3), conv1d(4, 3, 1, padding, 2))
    dynamic = parse_tflite(quantized(f"dilation-chain-{padding}-v2", build, seed=4, dynamic_batch=True))
    assert "SPACE_TO_BATCH_ND" in {op.kind for op in dynamic.operators}
    static = parse_tflite(quantized(f"dilation-chain-{padding}-v2", build, seed=4))
    got, want = lower_graph(dynamic).kernels, lower_graph(static).kernels
    conv_got = [k for k in got if k.function == "ecg_conv_2d"]
    conv_want = [k for k in want if k.function == "ecg_conv_2d"]
    assert len(conv_got) == len(conv_want) == 1
    for field, value in conv_want[0].params.items():
        other = conv_got[0].params[field]
        if hasattr(value, "values"):
            assert np.array_equal(value.values, other.values), field
        else:
            assert value == other, field


def test_causal_padding_is_folded_and_bit_exact(tmp_path):
    from ecgcc.frontend import parse_tflite
    tflite = quantized("op-conv1d_causal_dilated-v1", single((64, 3), conv1d(4, 3, 1, "causal", 2, "relu")), seed=1)
    assert "PAD" in {op.kind for op in parse_tflite(tflite).operators}
    result = assert_bit_exact(tflite, tmp_path, count=30)
    assert [layer["kind"] for layer in result.report["layers"]] == ["CONV_2D"]


def test_stale_space_to_batch_shapes_are_reported():
    from ecgcc.compile import lower_graph, build_report
    from ecgcc.frontend import parse_tflite
    dynamic = parse_tflite(quantized("dilation-chain-same-v2", single((64, 3), conv1d(4, 3, 1, "same", 2)), seed=4,
                                     dynamic_batch=True))
    report = build_report(lower_graph(dynamic), "m", "0" * 16, None)
    assert any("SPACE_TO_BATCH_ND" in note for note in report["notes"])
