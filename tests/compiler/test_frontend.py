"""compile_model from model files: Keras (.keras, .h5) and SavedModel folders with .npy/.npz calibration
data, an int8 .tflite taken as is, and the two-input ECG model."""
import numpy as np
import pytest

from models import conv1d, dense, ecg_beat_rr_cnn, layer, single
from support import assert_bit_exact, quantized


def small_model():
    return single((32, 2), conv1d(4, 3, 1, "same", 1, "relu"), layer("GlobalAveragePooling1D"), dense(3))()


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_file_with_npy_calibration(suffix, tmp_path):
    import tensorflow as tf
    from ecgcc.compile import compile_model
    from ecgcc.reference import Reference
    tf.keras.utils.set_random_seed(0)
    path = tmp_path / f"beat{suffix}"
    small_model().save(path)
    np.save(tmp_path / "calibration.npy", np.random.default_rng(0).standard_normal((32, 32, 2)).astype(np.float32))
    result = compile_model(path, "qemu-m3", tmp_path / "out", representative=tmp_path / "calibration.npy")
    assert '#define MODEL_NAME "beat"' in (tmp_path / "out" / "model.h").read_text()
    assert (tmp_path / "out" / "model.tflite").read_bytes() == result.tflite_bytes
    reference = Reference(result.tflite_bytes)
    assert reference.run([np.zeros((1, 32, 2), np.int8)])[0].shape == (1, 3)
    assert_bit_exact(result.tflite_bytes, tmp_path / "exact", count=20)


def test_saved_model_with_npz_calibration_and_tflite_passthrough(tmp_path):
    import tensorflow as tf
    from ecgcc.compile import compile_model
    tf.keras.utils.set_random_seed(1)
    small_model().export(str(tmp_path / "saved"))
    np.savez(tmp_path / "calibration.npz", beats=np.random.default_rng(1).standard_normal((16, 32, 2)))
    first = compile_model(tmp_path / "saved", "host", tmp_path / "a", representative=tmp_path / "calibration.npz")
    (tmp_path / "m.tflite").write_bytes(first.tflite_bytes)
    again = compile_model(tmp_path / "m.tflite", "host", tmp_path / "b")
    assert again.identity == first.identity
    without_banner = [(tmp_path / d / "model_weights.c").read_text().split("\n", 1)[1] for d in ("a", "b")]
    assert without_banner[0] == without_banner[1]


def test_float_model_without_calibration_data_is_refused(tmp_path):
    from ecgcc.compile import compile_model
    small_model().save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="calibration"):
        compile_model(tmp_path / "m.keras", "host", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_two_input_ecg_model_with_rr_features_is_bit_exact(tmp_path):
    tflite = quantized("ecg-beat-rr-cnn-v1", ecg_beat_rr_cnn(), seed=8, samples=128)
    result = assert_bit_exact(tflite, tmp_path, count=150, defines=((), ("ECGCC_DSP_EMULATE",)))
    header = (tmp_path / "model" / "model.h").read_text()
    assert "#define MODEL_NUM_INPUTS 2" in header
    assert "CONCATENATION" in {layer["kind"] for layer in result.report["layers"]}
