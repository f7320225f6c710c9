"""Models whose inputs or outputs are wider than int8 (TFLM's keyword_scrambled_8bit: int16 in, int32 out): the
harness makes vectors over the whole type, the reference runs in it, and device replies are read in it."""
from __future__ import annotations

import numpy as np
import pytest


def keyword_model() -> bytes:
    from ecgcc.paths import tflm_dir
    path = tflm_dir() / "models" / "keyword_scrambled_8bit.tflite"
    if not path.exists():
        pytest.skip(f"no TensorFlow Lite Micro kit at {tflm_dir()} (set TFLM_DIR)")
    return path.read_bytes()


def test_device_tensor_element_type_comes_from_bytes_per_element():
    from ecgcc.harness.device import TensorInfo
    assert TensorInfo((1, 96), 192, 0.1, 0).element_type == np.int16
    assert TensorInfo((1, 2), 8, 0.1, 0).element_type == np.int32
    assert TensorInfo((1, 96), 96, 0.1, 0).element_type == np.int8
    assert TensorInfo((1, 96), 95, 0.1, 0).element_type == np.int8   # a broken INFO is read as bytes


def test_random_vectors_and_reference_use_the_models_own_types():
    from ecgcc.harness.hil_model import random_vectors
    from ecgcc.harness.model_io import ReferenceRunner
    runner = ReferenceRunner(keyword_model())
    assert [s.dtype for s in runner.inputs] == ["int16"] and [s.dtype for s in runner.outputs] == ["int32"]
    vectors = random_vectors(runner, 6, seed=1)
    assert all(v[0].dtype == np.int16 and v[0].shape == (1, 96) for v in vectors)
    assert vectors[0][0].min() == -32768 and vectors[1][0].max() == 32767
    assert np.abs(vectors[4][0].astype(np.int32)).max() > 127            # beyond int8, or the type was lost
    outputs = runner.run(vectors[3])
    assert outputs[0].dtype == np.int32 and outputs[0].shape == (1, 2)


def test_vector_files_refuse_models_with_wide_inputs_by_name():
    from ecgcc.errors import UserError
    from ecgcc.harness.vector_generation import generate_vectors
    with pytest.raises(UserError, match="int16 inputs or outputs"):
        generate_vectors(keyword_model(), random_count=2)
