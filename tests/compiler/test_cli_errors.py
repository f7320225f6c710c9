"""One error path in the CLI: a user mistake ends in one short `error:` line and a `hint:` line, exit 2
(traceback only with --verbose); any other failure prints a traceback and a request to report it, exit 4."""
import numpy as np
import pytest

from models import conv1d, dense, layer, single
from support import ROOT, quantized

REFERENCE = ROOT / "compiler" / "ecgcc" / "reference_model" / "model_int8.tflite"
LONGEST_ERROR_LINE = 400


def run_cli(argv, capsys):
    from ecgcc.cli import main
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err
    return status, err


def assert_user_error(status, err, *words):
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert status == 2, err
    assert len(errors) == 1 and len(errors[0]) <= LONGEST_ERROR_LINE, err
    assert "Traceback" not in err and all(line.startswith(("error: ", "hint: ")) for line in lines), err
    for word in words:
        assert word in err, f"{word!r} not in {err!r}"
    return errors[0]


@pytest.fixture(scope="module")
def float_keras(tmp_path_factory):
    import tensorflow as tf
    tf.keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("keras") / "beat.keras"
    single((32, 2), conv1d(4, 3), layer("GlobalAveragePooling1D"), dense(3))().save(path)
    return path


def test_unsupported_format_lists_the_supported_ones(tmp_path, capsys):
    (tmp_path / "model.mlmodel").write_bytes(b"\x08\x07")
    assert_user_error(*run_cli(["compile", tmp_path / "model.mlmodel", "--out", tmp_path / "o"], capsys),
                      "unsupported model format '.mlmodel'", "hint: pass an int8 .tflite", ".keras", "SavedModel",
                      ".onnx", ".pt2")


def test_pickled_pytorch_file_is_refused_with_the_way_to_export(tmp_path, capsys):
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04")
    assert_user_error(*run_cli(["compile", tmp_path / "model.pt", "--out", tmp_path / "o"], capsys),
                      "model.pt is a pickled PyTorch file", "torch.export.save", "compile_torch")


def test_damaged_onnx_file(tmp_path, capsys):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07 not a protobuf")
    np.save(tmp_path / "calibration.npy", np.zeros((4, 1, 32), np.float32))
    assert_user_error(*run_cli(["compile", tmp_path / "model.onnx", "--out", tmp_path / "o", "--representative",
                                tmp_path / "calibration.npy"], capsys),
                      "cannot read the ONNX model model.onnx", "hint: pass an ONNX file")
    assert not (tmp_path / "o").exists()


def test_converter_crash_on_a_keras_lstm_names_the_layer_and_a_way_out(tmp_path, capsys):
    """TensorFlow's converter usually dies of SIGSEGV on a Keras 3 LSTM; the child process turns that into a
    message naming the layers and the tf_keras way out. On some runs the same converter finishes instead and
    leaves the loop's STRIDED_SLICE behind, which must then be refused by name (also one error line). The crash
    path itself is pinned by the stand-in child below, which always dies."""
    import tensorflow as tf
    tf.keras.utils.set_random_seed(0)
    single((32, 2), layer("LSTM", 8), dense(3))().save(tmp_path / "rnn.keras")
    np.save(tmp_path / "calibration.npy", np.random.default_rng(0).standard_normal((8, 32, 2)).astype(np.float32))
    status, err = run_cli(["compile", tmp_path / "rnn.keras", "--out", tmp_path / "o",
                           "--representative", tmp_path / "calibration.npy"], capsys)
    if "unsupported operators" in err:
        assert_user_error(status, err, "STRIDED_SLICE", "hint: supported operators")
    else:
        line = assert_user_error(status, err, "the model converter died of SIGSEGV on rnn.keras", "LSTM", "hint:",
                                 "tf_keras")
        assert "Dense" in line
    assert not (tmp_path / "o").exists()


def test_damaged_tflite(tmp_path, capsys):
    (tmp_path / "cut.tflite").write_bytes(REFERENCE.read_bytes()[:5000])
    assert_user_error(*run_cli(["compile", tmp_path / "cut.tflite", "--out", tmp_path / "o"], capsys),
                      "damaged flatbuffer")
    assert not (tmp_path / "o").exists()


def test_unsupported_operators_listed_once_each_with_counts(tmp_path, capsys):
    from ecgcc.frontend.corrupt import pack, unpack
    model = unpack(REFERENCE.read_bytes())
    for i, code in enumerate(model.operatorCodes):      # every operator type becomes an unknown one
        code.builtinCode, code.deprecatedBuiltinCode = 200 + i, 127
    (tmp_path / "odd.tflite").write_bytes(pack(model))
    line = assert_user_error(*run_cli(["compile", tmp_path / "odd.tflite", "--out", tmp_path / "o"], capsys),
                             "33 unsupported operators", "hint: supported operators: ADD")
    kinds = [f"BUILTIN_{200 + i}" for i in range(len(model.operatorCodes))]
    assert all(line.count(k) <= 1 for k in kinds), line
    assert "STABLEHLO_WHILE x9" in line and "(first: operator 0" in line, line


def test_float_model_without_representative_names_the_option(float_keras, tmp_path, capsys):
    assert_user_error(*run_cli(["compile", float_keras, "--out", tmp_path / "o"], capsys),
                      "calibration data", "--representative")


def test_calibration_of_the_wrong_shape(float_keras, tmp_path, capsys):
    np.save(tmp_path / "calibration.npy", np.zeros((8, 31, 2), np.float32))
    assert_user_error(*run_cli(["compile", float_keras, "--out", tmp_path / "o", "--representative",
                                tmp_path / "calibration.npy"], capsys),
                      "calibration array 0 has shape [8, 31, 2]", "[32, 2]", "hint: --representative")


def test_model_too_big_for_the_board(tmp_path, capsys):
    path = tmp_path / "big.tflite"
    path.write_bytes(quantized("budget-ram-v1", single((4096, 4), conv1d(16, 3))))
    line = assert_user_error(*run_cli(["compile", path, "--board", "qemu-m3", "--out", tmp_path / "o"], capsys),
                             "model does not fit", "model_ram_bytes=40960", "over by", "hint: pick a board")
    import re
    needed, over = re.search(r"an arena of (\d+) bytes .* \(over by (\d+) bytes\)", line).groups()
    assert int(over) == int(needed) - 40960 > 0, line


def test_unknown_board(tmp_path, capsys):
    """--board takes only the boards the project describes; argparse refuses any other with exit 2 and the list."""
    with pytest.raises(SystemExit) as stop:
        run_cli(["compile", REFERENCE, "--board", "../../etc", "--out", tmp_path / "o"], capsys)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "'../../etc'" in err and "qemu-m4" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if "error:" in line]) == 1
    assert not (tmp_path / "o").exists()


def test_verbose_shows_the_traceback_of_a_user_error(tmp_path, capsys):
    (tmp_path / "cut.tflite").write_bytes(b"TFL3")
    status, err = run_cli(["compile", tmp_path / "cut.tflite", "--out", tmp_path / "o", "--verbose"], capsys)
    assert status == 2 and "Traceback" in err and "InvalidModelError" in err
    assert err.strip().splitlines()[-2].startswith("error: "), err


def test_internal_error_prints_traceback_and_asks_for_a_report(tmp_path, capsys, monkeypatch):
    import ecgcc.compile

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a defect")
    monkeypatch.setattr(ecgcc.compile, "compile_model", broken)
    status, err = run_cli(["compile", REFERENCE, "--out", tmp_path / "o"], capsys)
    assert status == 4 and "Traceback" in err and "ZeroDivisionError" in err
    assert err.strip().splitlines()[-1].startswith("error: internal error") and "report" in err


def test_missing_converter_package_names_the_extra_to_install():
    from ecgcc.errors import UserError
    from ecgcc.frontend.optional import require
    with pytest.raises(UserError) as refused:
        require("ecgcc_no_such_converter", "onnx", "reading an .onnx model")
    assert "reading an .onnx model needs the Python package 'ecgcc_no_such_converter'" in str(refused.value)
    assert refused.value.hint.startswith("pip install 'ecgcc[onnx]'")


DYING_CONVERTER = """
import json, os, pathlib, signal, sys
work = pathlib.Path(sys.argv[1])
(work / "layers.json").write_text(json.dumps(["InputLayer", "Conv1D", "Dense"]))
print("the stand-in converter's last words", flush=True)
os.kill(os.getpid(), signal.SIGABRT)
"""


def test_any_converter_death_is_one_error_line_and_its_log_is_behind_verbose(tmp_path, capsys, monkeypatch):
    """A stand-in child that records its layers and dies of SIGABRT: a non-recurrent model gets the generic
    hint, and --verbose shows the child's log."""
    import ecgcc.frontend.isolated as isolated
    (tmp_path / "dying_converter.py").write_text(DYING_CONVERTER)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(isolated, "CHILD_MODULE", "dying_converter")
    (tmp_path / "m.keras").write_bytes(b"not read by the stand-in")
    np.save(tmp_path / "calibration.npy", np.zeros((4, 32, 2), np.float32))
    argv = ["compile", tmp_path / "m.keras", "--out", tmp_path / "o", "--representative", tmp_path / "calibration.npy"]
    line = assert_user_error(*run_cli(argv, capsys), "died of SIGABRT on m.keras", "hint: the converter ended",
                             "removing or replacing one of the listed layer types")
    assert line.endswith("its layers: Conv1D, Dense, InputLayer") and "unroll" not in line, line
    status, err = run_cli([*argv, "--verbose"], capsys)
    assert status == 2 and "Traceback" in err and "the stand-in converter's last words" in err, err
    assert not (tmp_path / "o").exists()
