"""Seeded random 2-D networks mixing every supported layer kind (convolutions, depthwise, pools, zero
padding, residual ADD, CONCATENATION, squeeze-excitation MUL, LOGISTIC/TANH/HARD_SWISH/LEAKY_RELU/RELU6,
dense heads), each compiled and compared byte for byte with the TFLite Micro interpreter.
A few seeds run by default; the wider sweep is @slow."""
from __future__ import annotations

import numpy as np
import pytest

from bitexact import compile_and_compare, tflite_model

VERSION = "random-2d-v1"
DEFAULT_SEEDS = range(8)
SLOW_SEEDS = range(8, 48)


def random_network(seed: int):
    """A builder for a random network and a one-line description of its layers (for failure messages)."""
    rng = np.random.default_rng(seed)
    h, w, c = int(rng.integers(6, 17)), int(rng.integers(6, 17)), int(rng.integers(1, 5))
    steps = [str(rng.choice(["conv", "conv", "depthwise", "pool", "pad", "residual", "concat", "squeeze",
                             "activation"])) for _ in range(int(rng.integers(3, 7)))]
    choices = [rng.integers(0, 1 << 30, 8) for _ in steps]
    head = (bool(rng.random() < 0.5), int(rng.integers(2, 7)), bool(rng.random() < 0.6))

    def build():
        import tensorflow as tf
        L = tf.keras.layers
        x = inp = tf.keras.Input((h, w, c))
        for step, r in zip(steps, choices):
            height, width, channels = (int(d) for d in x.shape[1:])
            if step == "conv":
                k = int(r[0] % 3) * 2 + 1 if min(height, width) >= 5 else 1
                stride = 2 if r[1] % 3 == 0 and min(height, width) >= 6 else 1
                padding = "valid" if r[2] % 3 == 0 and min(height, width) > k + 2 else "same"
                x = L.Conv2D(int(r[3] % 8) + 1, k, strides=stride, padding=padding,
                             activation=[None, "relu", "relu6"][int(r[4] % 3)])(x)
            elif step == "depthwise":
                stride = 2 if r[1] % 3 == 0 and min(height, width) >= 6 else 1
                x = L.DepthwiseConv2D(3, strides=stride, padding="same", depth_multiplier=int(r[2] % 2) + 1,
                                      activation=[None, "relu", "relu6"][int(r[3] % 3)])(x)
            elif step == "pool" and min(height, width) >= 4:
                pool = L.MaxPooling2D if r[0] % 2 else L.AveragePooling2D
                x = pool(2, padding="same" if r[1] % 2 else "valid")(x)
            elif step == "pad":
                x = L.ZeroPadding2D(((int(r[0] % 2), int(r[1] % 3)), (int(r[2] % 3), int(r[3] % 2))))(x)
                x = L.MaxPooling2D(2, strides=1)(x)       # a pool keeps the PAD from folding into a convolution
            elif step == "residual":
                y = L.Conv2D(channels, 3, padding="same", activation="relu")(x)
                y = L.Conv2D(channels, 1)(y)
                x = L.ReLU()(L.Add()([x, y])) if r[0] % 2 else L.Add()([x, y])
            elif step == "concat":
                a = L.Conv2D(int(r[0] % 4) + 1, 1, activation="relu")(x)
                b = L.Conv2D(int(r[1] % 4) + 1, 3, padding="same")(x)
                x = L.Concatenate()([a, b, x] if r[2] % 2 else [a, b])
            elif step == "squeeze":
                s = L.GlobalAveragePooling2D(keepdims=True)(x)
                s = L.Conv2D(channels, 1, activation="sigmoid")(s)
                x = L.Multiply()([x, s])
            elif step == "activation":
                options = [lambda: L.Activation("sigmoid"), lambda: L.Activation("tanh"),
                           lambda: L.Activation("hard_swish"), lambda: L.LeakyReLU(0.15), lambda: L.ReLU(6.0)]
                x = options[int(r[0] % len(options))]()(x)
        use_flatten, classes, softmax = head
        x = L.Flatten()(x) if use_flatten else L.GlobalAveragePooling2D()(x)
        x = L.Dense(classes, activation="softmax" if softmax else None)(x)
        return tf.keras.Model(inp, x)
    return build, f"input {(h, w, c)}, layers {steps}, head flatten={head[0]} classes={head[1]} softmax={head[2]}"


def _check(seed: int, tmp_path):
    build, description = random_network(seed)
    spread = float(np.random.default_rng(seed + 1000).choice([0.3, 1.0, 4.0]))
    tflite = tflite_model(f"{VERSION}-{seed}", build, spread=spread, seed=seed)
    try:
        compile_and_compare(tflite, tmp_path, vectors=12, every_byte=False)
    except AssertionError as error:
        raise AssertionError(f"seed {seed} ({description}): {error}") from None


@pytest.mark.parametrize("seed", DEFAULT_SEEDS)
def test_random_network_bit_exact(seed, tmp_path):
    _check(seed, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SLOW_SEEDS)
def test_random_network_sweep_bit_exact(seed, tmp_path):
    _check(seed, tmp_path)
