"""Fixtures shared by the test folders. Models are built by the project's own code at test time."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest

from tests.int8_convert import int8_tflite  # noqa: E402


def small_ecg_classifier_tflite(seed: int = 0) -> bytes:
    """A small 1-D CNN shaped like the ECG models (conv, pool, dense, softmax), quantized to int8."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((64, 1), batch_size=1)
    x = keras.layers.Conv1D(6, 5, strides=2, activation="relu")(inputs)
    x = keras.layers.MaxPooling1D(2)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(5, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(seed)
    calibration = rng.normal(size=(64, 64, 1)).astype(np.float32)

    return int8_tflite(model, lambda: ([c[None]] for c in calibration))


@pytest.fixture(scope="session")
def mitdb_dir():
    """The MIT-BIH Arrhythmia Database ($ECGCC_DATA_DIR, default ../shared/data/mitdb)."""
    from ecgcc.data.location import default_data_dir

    directory = default_data_dir()
    if not (directory / "100.hea").is_file():
        pytest.skip(f"MIT-BIH not found in {directory} (set ECGCC_DATA_DIR)")
    return directory


# Which Keras tf.keras means is decided by TF_USE_LEGACY_KERAS when tf.keras is first touched; a module that
# sets it on import (onnx2tf does) would turn the session's test models into tf_keras ones, silently.
KERAS_FLAVOUR_AT_START = os.environ.get("TF_USE_LEGACY_KERAS")


@pytest.fixture(autouse=True)
def keras_flavour_stays():
    """Fails the first test after which the session's choice of Keras has changed (also by a test module
    imported at collection)."""
    yield
    assert os.environ.get("TF_USE_LEGACY_KERAS") == KERAS_FLAVOUR_AT_START, \
        "TF_USE_LEGACY_KERAS changed in this session: something imported onnx2tf (or tf_keras' setter) in-process"


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "small_ecg.tflite"
    path.write_bytes(small_ecg_classifier_tflite())
    return path


@pytest.fixture(scope="session")
def compile_for(tmp_path_factory):
    """compile_for(model_path, board) -> folder with the generated C, compiled once per session."""
    from ecgcc.compile import compile_model

    done = {}

    def compile_once(model_path, board):
        key = (str(model_path), board)
        if key not in done:
            out = tmp_path_factory.mktemp(f"compiled-{board}")
            compile_model(model_path, board=board, out_dir=out)
            done[key] = out
        return done[key]

    return compile_once


# In CI (ECGCC_NO_MISSING_SKIPS=1, set by .ci/run) every tool and database is installed and no board is
# attached, so no test of `make test` has a reason to skip there: the suite's skips are for a missing tool
# or database (which on a developer's machine keep the suite usable) and for runs against an attached
# board. A skip in CI could only hide a test that never ran, so it fails the run instead. Expected
# failures (xfail) are not skips and keep their own outcome.
def skip_fails_in_ci(report) -> bool:
    return bool(os.environ.get("ECGCC_NO_MISSING_SKIPS")) and report.skipped and not hasattr(report, "wasxfail")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not skip_fails_in_ci(report):
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI, where every tool and database is installed: {reason}"
