"""TRANSPOSE (ops/transpose.py, kernels/reference/transpose.c): every permutation shape bit-exact with the
TFLite Micro interpreter on the host; a permutation the model does not describe is refused by name."""
from __future__ import annotations

import numpy as np
import pytest

from bitexact import compile_and_compare, tflite_model
from models import conv1d, dense, layer, single

VERSION = "transpose-v1"

CASES = {
    # 2-D swap right after the input, then on a convolution's output (channels first, as from PyTorch)
    "swap_2d": single((6, 5), layer("Permute", (2, 1)), layer("Flatten"), dense(4)),
    "after_conv": single((12, 3), conv1d(5, 3, 1, "same"), layer("Permute", (2, 1)), layer("Flatten"), dense(3)),
    # 3-D rotations (NCHW <-> NHWC style) and a 4-D permutation that keeps the innermost axis
    "rotate_3d": single((4, 5, 3), layer("Permute", (3, 1, 2)), layer("Flatten"), dense(3)),
    "rotate_3d_other_way": single((3, 4, 5), layer("Permute", (2, 3, 1)), layer("Flatten"), dense(3)),
    "keep_innermost_4d": single((2, 3, 4, 5), layer("Permute", (3, 2, 1, 4)), layer("Flatten"), dense(2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_transpose_bit_exact(name, tmp_path):
    tflite = tflite_model(f"{VERSION}-{name}", CASES[name], seed=2)
    compile_and_compare(tflite, tmp_path, vectors=20, expect_ops=["TRANSPOSE"])


def test_transpose_kernel_moves_bytes_as_numpy(tmp_path):
    """The compiled model's TRANSPOSE output is the input permuted (read through TFLM's own tensors too)."""
    from ecgcc.frontend import parse_tflite
    from ecgcc.reference import Reference
    tflite = tflite_model(f"{VERSION}-rotate_3d", CASES["rotate_3d"], seed=2)
    graph = parse_tflite(tflite)
    op = next(o for o in graph.operators if o.kind == "TRANSPOSE")
    perm = graph.tensors[op.inputs[1]].data.reshape(-1)
    reference = Reference(tflite, keep_all_tensors=True)
    x = np.random.default_rng(0).integers(-128, 128, graph.tensors[graph.inputs[0]].shape, dtype=np.int8)
    reference.run([x])
    assert np.array_equal(reference.tensor(op.outputs[0]), np.transpose(reference.tensor(op.inputs[0]), perm))


def test_transpose_with_a_permutation_that_does_not_match_is_refused():
    from ecgcc.frontend import parse_tflite
    from ecgcc.ir import UnsupportedModelError
    from ecgcc.ops import transpose
    tflite = tflite_model(f"{VERSION}-rotate_3d", CASES["rotate_3d"], seed=2)
    graph = parse_tflite(tflite)
    op = next(o for o in graph.operators if o.kind == "TRANSPOSE")
    perm = graph.tensors[op.inputs[1]]
    perm.data = perm.data[::-1].copy()
    with pytest.raises(UnsupportedModelError, match="does not give"):
        transpose.lower(graph, op)
    perm.data = np.array([0, 1, 1, 3], perm.data.dtype)
    with pytest.raises(UnsupportedModelError, match="not a permutation"):
        transpose.lower(graph, op)
