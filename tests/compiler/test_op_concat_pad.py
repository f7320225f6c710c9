"""CONCATENATION and PAD / PADV2, bit-exact with the TFLite Micro interpreter."""
from __future__ import annotations

import pytest

from bitexact import compile_and_compare, tflite_model

VERSION = "concat-pad-v1"


def _layers():
    import tensorflow as tf
    return tf.keras.layers


def concat_branches(shape, branches, axis=-1):
    """One input, several branches (each a list of layer factories), concatenated on `axis`."""
    def build():
        import tensorflow as tf
        x = tf.keras.Input(shape)
        outs = []
        for branch in branches:
            y = x
            for make in branch:
                y = make()(y)
            outs.append(y)
        return tf.keras.Model(x, _layers().Concatenate(axis=axis)(outs))
    return build


def padded(shape, pad_layer, after=None):
    def build():
        import tensorflow as tf
        x = tf.keras.Input(shape)
        y = pad_layer()(x)
        if after:
            y = after()(y)
        return tf.keras.Model(x, y)
    return build


def conv1d(filters, kernel):
    return lambda: _layers().Conv1D(filters, kernel, padding="same")


def conv2d(filters, kernel):
    return lambda: _layers().Conv2D(filters, kernel, padding="same")


CASES = {
    "concat_channels_1d": (concat_branches((16, 3), [[conv1d(4, 3)], [conv1d(2, 1)], [conv1d(5, 5)]]), "CONCATENATION"),
    "concat_channels_2d": (concat_branches((6, 5, 2), [[conv2d(3, 3)], [conv2d(4, 1)]]), "CONCATENATION"),
    "concat_time_axis": (concat_branches((10, 4), [[conv1d(4, 3)], [conv1d(4, 1), lambda: _layers().MaxPooling1D(2)]],
                                         axis=1), "CONCATENATION"),
    "concat_dense_features": (concat_branches((12,), [[lambda: _layers().Dense(3)], [lambda: _layers().Dense(7)]]),
                              "CONCATENATION"),
    "zero_padding_1d_then_maxpool": (padded((20, 3), lambda: _layers().ZeroPadding1D((2, 3)),
                                            lambda: _layers().MaxPooling1D(3)), "PAD"),
    "zero_padding_2d_alone": (padded((5, 6, 2), lambda: _layers().ZeroPadding2D(((1, 2), (3, 0)))), "PAD"),
    "zero_padding_2d_then_avgpool": (padded((7, 7, 3), lambda: _layers().ZeroPadding2D(1),
                                            lambda: _layers().AveragePooling2D(2)), "PAD"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_concat_and_pad_bit_exact(name, tmp_path):
    build, kind = CASES[name]
    spread = 1.0 if "concat" in name else 2.0
    tflite = tflite_model(f"{VERSION}-{name}", build, spread=spread, seed=5)
    compile_and_compare(tflite, tmp_path, vectors=40, every_byte=False, expect_ops=[kind])
