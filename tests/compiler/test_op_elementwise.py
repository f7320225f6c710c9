"""ADD, SUB, MUL and the unary activations (LOGISTIC, TANH, RELU6, LEAKY_RELU, HARD_SWISH, QUANTIZE), each
bit-exact with the TFLite Micro interpreter on random vectors; `spread` sets the calibrated input range.
ADD, SUB and MUL applied straight to two model inputs are also run on all 65,536 int8 operand pairs, and
behind a Dense layer on the pairs its outputs take (counted). The unary operators of the *_on_input cases
read the model input itself (checked), so the every-byte records feed them every int8 value and their
whole table is checked; the *_after_dense cases see only the values their Dense layer produces."""
from __future__ import annotations

import pytest

from bitexact import compile_and_compare, tflite_model

VERSION = "elementwise-v1"


def _layers():
    import tensorflow as tf
    return tf.keras.layers


def two_inputs(shape1, shape2, combine, before=None):
    """Model(x1, x2) -> combine([f(x1), x2]); `before` (e.g. a Dense) gives the operands different scales."""
    def build():
        import tensorflow as tf
        a, b = tf.keras.Input(shape1), tf.keras.Input(shape2)
        left = before()(a) if before else a
        return tf.keras.Model([a, b], combine()([left, b]))
    return build


def one_input(shape, *make_layers):
    def build():
        import tensorflow as tf
        x = inp = tf.keras.Input(shape)
        for make in make_layers:
            x = make()(x)
        return tf.keras.Model(inp, x)
    return build


def act(name):
    return lambda: _layers().Activation(name)


def dense(units):
    return lambda: _layers().Dense(units)


def broadcast(shape, reduce1, reduce2, combine):
    """One input x; operands mean(x, reduce1) and mean(x, reduce2) (keepdims, so they broadcast against
    each other), combined by combine ("add" or "multiply"). Empty axes keep x itself."""
    def build():
        import tensorflow as tf
        from keras import ops
        x = tf.keras.Input(shape)
        a = ops.mean(x, axis=reduce1, keepdims=True) if reduce1 else x
        b = ops.mean(x, axis=reduce2, keepdims=True) if reduce2 else x
        return tf.keras.Model(x, getattr(ops, combine)(a, b))
    return build


# name: (builder, calibration spread, operator that must appear)
BINARY = {
    "add_same_shape": (two_inputs((6, 5), (6, 5), lambda: _layers().Add()), 1.0, "ADD"),
    "add_rescaled_operand": (two_inputs((8, 4), (8, 4), lambda: _layers().Add(), dense(4)), 3.0, "ADD"),
    "add_relu": (one_input((16,), lambda: AddRelu()), 1.0, "ADD"),
    "add_broadcast_channels": (broadcast((5, 6, 3), (), (1, 2), "add"), 0.5, "ADD"),
    "add_broadcast_rows": (broadcast((4, 7), (), (1,), "add"), 1.0, "ADD"),
    "add_broadcast_both": (broadcast((4, 5, 3), (2,), (1,), "add"), 2.0, "ADD"),
    "add_constant": (one_input((3, 5), lambda: _layers().Rescaling(1.0, offset=0.75)), 1.0, "ADD"),
    "sub_same_shape": (two_inputs((6, 5), (6, 5), lambda: _layers().Subtract()), 1.0, "SUB"),
    # 512 outputs and more: each operand's rescaling comes from a table the compiler computed (ops/add.py)
    "add_tables_relu": (one_input((640,), lambda: AddRelu()), 1.0, "ADD"),
    "add_tables_rescaled_operand": (two_inputs((32, 24), (32, 24), lambda: _layers().Add(), dense(24)), 3.0, "ADD"),
    "sub_tables_broadcast": (broadcast((16, 8, 6), (), (1, 2), "subtract"), 0.7, "SUB"),
    "sub_rescaled_operand": (two_inputs((8, 4), (8, 4), lambda: _layers().Subtract(), dense(4)), 2.5, "SUB"),
    "sub_broadcast_channels": (broadcast((5, 4, 3), (), (1, 2), "subtract"), 0.7, "SUB"),
    "sub_broadcast_both": (broadcast((3, 4, 5), (1,), (2,), "subtract"), 1.5, "SUB"),
    "normalization_sub_mul_constants": (one_input((12, 3), lambda: _layers().Normalization(
        mean=[0.5, -1.0, 2.0], variance=[2.0, 0.5, 4.0])), 2.0, "SUB"),
    "mul_same_shape": (two_inputs((6, 5), (6, 5), lambda: _layers().Multiply()), 1.0, "MUL"),
    "mul_rescaled_operand": (two_inputs((3, 8), (3, 8), lambda: _layers().Multiply(), dense(8)), 4.0, "MUL"),
    "mul_broadcast_channels": (broadcast((4, 4, 6), (1, 2), (), "multiply"), 1.0, "MUL"),
    "mul_broadcast_both": (broadcast((2, 3, 5), (2,), (1,), "multiply"), 0.3, "MUL"),
    "mul_constant": (one_input((4, 6), lambda: _layers().Rescaling(-2.5)), 1.0, "MUL"),
}

UNARY = {
    "logistic_on_input": (one_input((16, 16), act("sigmoid")), 1.0, "LOGISTIC"),
    "logistic_on_input_wide": (one_input((256,), act("sigmoid")), 9.0, "LOGISTIC"),
    "logistic_on_input_narrow": (one_input((4, 64), act("sigmoid")), 0.1, "LOGISTIC"),
    "logistic_after_dense": (one_input((32,), dense(32), act("sigmoid")), 1.0, "LOGISTIC"),
    "tanh_on_input": (one_input((16, 16), act("tanh")), 1.0, "TANH"),
    "tanh_on_input_wide": (one_input((256,), act("tanh")), 6.0, "TANH"),
    "tanh_on_input_narrow": (one_input((8, 32), act("tanh")), 0.05, "TANH"),
    "tanh_after_dense": (one_input((32,), dense(32), act("tanh")), 1.0, "TANH"),
    "relu6_on_input": (one_input((4, 8, 8), lambda: _layers().ReLU(6.0)), 4.0, "RELU6"),
    "relu6_on_input_narrow": (one_input((256,), lambda: _layers().ReLU(6.0)), 0.5, "RELU6"),
    "leaky_relu_on_input": (one_input((16, 16), lambda: _layers().LeakyReLU(0.1)), 1.0, "LEAKY_RELU"),
    "leaky_relu_alpha_0_3": (one_input((256,), lambda: _layers().LeakyReLU(0.3)), 5.0, "LEAKY_RELU"),
    "leaky_relu_after_dense": (one_input((24,), dense(24), lambda: _layers().LeakyReLU(0.2)), 1.0, "LEAKY_RELU"),
    "hard_swish_on_input": (one_input((16, 16), act("hard_swish")), 1.0, "HARD_SWISH"),
    "hard_swish_on_input_wide": (one_input((256,), act("hard_swish")), 12.0, "HARD_SWISH"),
    "hard_swish_on_input_narrow": (one_input((256,), act("hard_swish")), 0.2, "HARD_SWISH"),
    "hard_swish_after_dense": (one_input((32,), dense(32), act("hard_swish")), 1.0, "HARD_SWISH"),
    "hard_sigmoid_constant_mul": (one_input((16,), dense(16), act("hard_sigmoid")), 1.0, "MUL"),
    "swish_logistic_mul": (one_input((16,), dense(16), act("swish")), 1.0, "LOGISTIC"),
}


def AddRelu():
    """x + x then ReLU: an ADD of one tensor with itself, with the ReLU fused into the ADD."""
    import tensorflow as tf

    class _AddRelu(tf.keras.layers.Layer):
        def call(self, x):
            return tf.nn.relu(x + x * 0.5 + x)
    return _AddRelu()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operator_bit_exact(name, tmp_path):
    build, spread, kind = BINARY[name]
    tflite = tflite_model(f"{VERSION}-{name}", build, spread=spread, seed=3)
    compile_and_compare(tflite, tmp_path, vectors=60, expect_ops=[kind])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_operator_bit_exact_on_every_byte(name, tmp_path):
    from ecgcc.frontend import parse_tflite

    build, spread, kind = UNARY[name]
    tflite = tflite_model(f"{VERSION}-{name}", build, spread=spread, seed=4)
    compile_and_compare(tflite, tmp_path, vectors=20, every_byte=True, expect_ops=[kind])
    if "_on_input" in name:  # the operator itself is fed every int8 value, not a layer's outputs
        graph = parse_tflite(tflite)
        operator = next(o for o in graph.operators if o.kind == kind)
        assert operator.inputs[0] in graph.inputs, f"{kind} does not read the model input"


@pytest.mark.parametrize("operands", ["raw", "through-dense"])
@pytest.mark.parametrize("layer", ["Add", "Subtract", "Multiply"])
def test_binary_operator_on_pairs_of_int8_operands(layer, operands, tmp_path):
    """One record pairing every int8 value of one input with every int8 value of the other.

    "raw": both inputs reach the operator directly (it is the model's only kernel), so the kernel sees all
    65,536 operand pairs, on two input scales calibrated separately. "through-dense": the first input passes
    through a Dense layer first, which puts the operands on clearly different scales; the kernel then sees
    only the pairs that Dense's outputs take (far fewer than 65,536: counted and asserted below)."""
    import numpy as np
    from ecgcc.reference import Reference
    from support import build_host, run_host
    from ecgcc.compile import compile_model

    before = dense(256) if operands == "through-dense" else None
    build = two_inputs((256, 256), (256, 256), lambda: getattr(_layers(), layer)(), before)
    tflite = tflite_model(f"{VERSION}-every-pair-{layer}-{operands}", build, spread=2.0, seed=9)
    values = np.arange(-128, 128, dtype=np.int8)
    record = [np.repeat(values, 256).reshape(256, 256), np.tile(values, 256).reshape(256, 256)]
    (tmp_path / "m.tflite").write_bytes(tflite)
    result = compile_model(tmp_path / "m.tflite", board=None, out_dir=tmp_path / "generated")
    assert {"ADD": "Add", "SUB": "Subtract", "MUL": "Multiply"}[result.kernels[-1].function[4:].upper()] == layer
    if operands == "raw":
        assert len(result.kernels) == 1, "the operator must read the model inputs themselves"
        pairs = 65536
    else:
        traced = Reference(tflite, keep_all_tensors=True, arena_size=1 << 20)
        traced.run(record)
        a, b = (np.asarray(traced.tensor(t)).reshape(-1) for t in result.kernels[-1].inputs)
        pairs = len(set(zip(a.tolist(), b.tolist())))
        assert 1000 < pairs < 65536, pairs
    want = np.asarray(Reference(tflite, arena_size=1 << 20).run(record)[0], np.int8).reshape(-1)
    # the portable kernels, and the DSP build's (ADD and SUB requantize through one SMMLAR there)
    for defines in ((), ("ECGCC_DSP_EMULATE",)):
        exe = build_host(result.out_dir, tmp_path / f"host{len(defines)}", defines)
        got = run_host(exe, [record], [256 * 256])[0][1][0]
        assert np.array_equal(got, want), (f"{defines}: {int((got != want).sum())} of {got.size} outputs differ "
                                           f"({pairs} pairs)")
