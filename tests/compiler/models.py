"""Small Keras models for the compiler tests. Builders import TensorFlow lazily (conversion is cached)."""
from __future__ import annotations

import numpy as np

from support import quantized


def layers():
    import tensorflow as tf
    return tf.keras.layers


def single(input_shape, *make_layers):
    """A model applying the given layers in sequence to one input."""
    def build():
        import tensorflow as tf
        x = inp = tf.keras.Input(input_shape)
        for make in make_layers:
            x = make()(x)
        return tf.keras.Model(inp, x)
    return build


def conv1d(filters, kernel, strides=1, padding="same", dilation=1, activation=None):
    return lambda: layers().Conv1D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                                   activation=activation)


def conv2d(filters, kernel, strides=1, padding="same", dilation=1, activation=None):
    return lambda: layers().Conv2D(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                                   activation=activation)


def depthwise1d(kernel, strides=1, padding="same", multiplier=1, dilation=1, activation=None):
    return lambda: layers().DepthwiseConv1D(kernel, strides=strides, padding=padding, depth_multiplier=multiplier,
                                            dilation_rate=dilation, activation=activation)


def depthwise2d(kernel, strides=1, padding="same", multiplier=1, activation=None):
    return lambda: layers().DepthwiseConv2D(kernel, strides=strides, padding=padding, depth_multiplier=multiplier,
                                            activation=activation)


def dense(units, activation=None, use_bias=True):
    return lambda: layers().Dense(units, activation=activation, use_bias=use_bias,
                                  bias_initializer="random_normal")


def layer(name, *args, **kwargs):
    return lambda: getattr(layers(), name)(*args, **kwargs)


def ecg_beat_cnn(classes: int = 5, beat_len: int = 256):
    """About 8k parameters: conv / depthwise / pointwise / dilated conv / pools / global average / dense."""
    def build():
        import tensorflow as tf
        L = tf.keras.layers
        inp = tf.keras.Input((beat_len, 1))
        x = L.Conv1D(16, 7, strides=2, padding="same", activation="relu")(inp)
        x = L.DepthwiseConv1D(5, padding="same", activation="relu")(x)
        x = L.Conv1D(32, 1, activation="relu")(x)
        x = L.MaxPooling1D(2)(x)
        x = L.Conv1D(32, 5, dilation_rate=2, padding="same", activation="relu")(x)
        x = L.AveragePooling1D(2)(x)
        x = L.Conv1D(24, 3, activation="relu6")(x)
        x = L.GlobalAveragePooling1D()(x)
        x = L.Dense(classes)(x)
        x = L.Softmax()(x)
        return tf.keras.Model(inp, x)
    return build


def ecg_model_tflite() -> bytes:
    return quantized("ecg-beat-cnn-v1", ecg_beat_cnn(), [(256, 1)], seed=7, samples=128)


def random_stack(seed: int, length: int = 128):
    """A random 1-D CNN (conv / depthwise / pools, then a head), fixed by seed."""
    rng = np.random.default_rng(seed)
    channels = int(rng.integers(1, 4))
    plan = []
    size = length
    for _ in range(int(rng.integers(2, 6))):
        kind = rng.choice(["conv", "depthwise", "max", "avg"])
        if kind == "conv":
            k, s, d = int(rng.integers(1, 8)), int(rng.choice([1, 1, 2, 3])), int(rng.choice([1, 1, 2]))
            if s > 1:
                d = 1
            pad = str(rng.choice(["same", "valid", "causal"] if s == 1 else ["same", "valid"]))
            if pad == "valid" and (k - 1) * d + 1 > size:
                pad = "same"
            plan.append(conv1d(int(rng.integers(1, 17)), k, s, pad, d, rng.choice([None, "relu", "relu6"])))
            size = size // s if pad != "valid" else (size - (k - 1) * d - 1) // s + 1
        elif kind == "depthwise":
            k, s = int(rng.integers(1, 6)), int(rng.choice([1, 2]))
            pad = "same" if k > size else str(rng.choice(["same", "valid"]))
            plan.append(depthwise1d(k, s, pad, int(rng.choice([1, 1, 2])), 1, rng.choice([None, "relu", "relu6"])))
            size = (size + s - 1) // s if pad == "same" else (size - k) // s + 1
        elif size >= 4:
            p = int(rng.integers(2, 4))
            plan.append(layer("MaxPooling1D" if kind == "max" else "AveragePooling1D", p,
                              padding=str(rng.choice(["same", "valid"]))))
            size = size // p
    plan.append(layer("GlobalAveragePooling1D") if rng.random() < 0.5 else layer("Flatten"))
    plan.append(dense(int(rng.integers(2, 9))))
    if rng.random() < 0.7:
        plan.append(layer("Softmax"))
    return single((length, channels), *plan), (length, channels)


def ecg_beat_rr_cnn(classes: int = 5, beat_len: int = 256, rr_features: int = 4):
    """The beat CNN with a second input of RR-interval features joined before the classifier."""
    def build():
        import tensorflow as tf
        L = tf.keras.layers
        beat = tf.keras.Input((beat_len, 1))
        rr = tf.keras.Input((rr_features,))
        x = L.Conv1D(16, 7, strides=2, padding="same", activation="relu")(beat)
        x = L.DepthwiseConv1D(5, padding="same", activation="relu")(x)
        x = L.Conv1D(32, 1, activation="relu")(x)
        x = L.MaxPooling1D(2)(x)
        x = L.Conv1D(32, 5, dilation_rate=2, padding="same", activation="relu")(x)
        x = L.AveragePooling1D(2)(x)
        x = L.Conv1D(24, 3, activation="relu6")(x)
        x = L.GlobalAveragePooling1D()(x)
        x = L.Concatenate()([x, L.Dense(8, activation="relu")(rr)])
        x = L.Dense(classes)(x)
        x = L.Softmax()(x)
        return tf.keras.Model([beat, rr], x)
    return build
