"""Keras builders for the benchmark models: the ECG beat classifier plus scaled-down MLPerf Tiny shapes.

Every builder returns an untrained float Keras model (call keras.utils.set_random_seed first for
reproducible weights). Kernels use He initialization so that activations keep their spread through the
depth of an untrained network, as in a trained one; with Keras' default Glorot initialization a deep
depthwise stack shrinks them towards zero and quantization ranges become degenerate.

Defaults are sized to fit the smallest emulated board (qemu-m3: 160 KiB of model flash, 40 KiB of
arena); the keyword arguments shrink them further for fast tests. Quantization and conversion are the frontend's job.
"""
from __future__ import annotations

HE = "he_normal"


def _keras():
    import keras
    return keras


def ecg_beat_cnn(beat_len: int = 256, classes: int = 5):
    """1-D beat classifier, about 8k parameters: strided conv, depthwise + pointwise, pools, dilated conv,
    global average and a dense softmax head over the AAMI classes."""
    keras = _keras()
    L = keras.layers
    x = inp = keras.Input((beat_len, 1), name="beat")
    x = L.Conv1D(16, 7, strides=2, padding="same", activation="relu", kernel_initializer=HE)(x)
    x = L.DepthwiseConv1D(5, padding="same", activation="relu", depthwise_initializer=HE)(x)
    x = L.Conv1D(32, 1, activation="relu", kernel_initializer=HE)(x)
    x = L.MaxPooling1D(2)(x)
    x = L.Conv1D(32, 5, dilation_rate=2, padding="same", activation="relu", kernel_initializer=HE)(x)
    x = L.AveragePooling1D(2)(x)
    x = L.Conv1D(24, 3, padding="same", activation="relu", kernel_initializer=HE)(x)
    x = L.GlobalAveragePooling1D()(x)
    out = L.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name="ecg_beat_cnn")


def ds_cnn_kws(input_shape=(49, 10, 1), filters: int = 64, blocks: int = 4, classes: int = 12):
    """DS-CNN keyword spotting (MLPerf Tiny shape): a 10x4 strided convolution on MFCC features, then
    depthwise-separable blocks with batch norm and ReLU, average pooling and a dense softmax."""
    keras = _keras()
    L = keras.layers
    x = inp = keras.Input(input_shape, name="mfcc")
    x = L.Conv2D(filters, (10, 4), strides=2, padding="same", use_bias=False, kernel_initializer=HE)(x)
    x = L.ReLU()(L.BatchNormalization()(x))
    for _ in range(blocks):
        x = L.DepthwiseConv2D(3, padding="same", use_bias=False, depthwise_initializer=HE)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
        x = L.Conv2D(filters, 1, use_bias=False, kernel_initializer=HE)(x)
        x = L.ReLU()(L.BatchNormalization()(x))
    x = L.AveragePooling2D(pool_size=(int(x.shape[1]), int(x.shape[2])))(x)
    x = L.Flatten()(x)
    out = L.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name="ds_cnn_kws")


def resnet8(input_shape=(32, 32, 3), filters=(8, 16, 32), classes: int = 10):
    """ResNet-8 (MLPerf Tiny image classification shape, half width by default): three residual stacks
    whose skip connections are ADDs, a 1x1 projection where the shape changes."""
    keras = _keras()
    L = keras.layers

    def conv_bn(x, n, stride=1, relu=True):
        x = L.Conv2D(n, 3, strides=stride, padding="same", use_bias=False, kernel_initializer=HE)(x)
        x = L.BatchNormalization()(x)
        return L.ReLU()(x) if relu else x

    x = inp = keras.Input(input_shape, name="image")
    x = conv_bn(x, filters[0])
    for stage, n in enumerate(filters):
        stride = 1 if stage == 0 else 2
        y = conv_bn(x, n, stride)
        y = conv_bn(y, n, relu=False)
        skip = x if stride == 1 and int(x.shape[-1]) == n else L.Conv2D(n, 1, strides=stride, kernel_initializer=HE)(x)
        x = L.ReLU()(L.Add()([skip, y]))
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name="resnet8")


def mobilenet_vww_tiny(input_shape=(48, 48, 3), width: int = 8, classes: int = 2):
    """MobileNet-style visual wake words (MLPerf Tiny shape, smaller input): depthwise-separable blocks
    with RELU6, the last ones with HARD_SWISH as in MobileNetV3, global average and a dense softmax."""
    keras = _keras()
    L = keras.layers

    def separable(x, n, stride, activation):
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, depthwise_initializer=HE)(x)
        x = L.Activation(activation)(L.BatchNormalization()(x))
        x = L.Conv2D(n, 1, use_bias=False, kernel_initializer=HE)(x)
        return L.Activation(activation)(L.BatchNormalization()(x))

    x = inp = keras.Input(input_shape, name="image")
    x = L.Conv2D(width, 3, strides=2, padding="same", use_bias=False, kernel_initializer=HE)(x)
    x = L.Activation("relu6")(L.BatchNormalization()(x))
    plan = [(2, 1, "relu6"), (4, 2, "relu6"), (4, 1, "relu6"), (8, 2, "hard_swish"), (8, 1, "hard_swish")]
    for multiple, stride, activation in plan:
        x = separable(x, width * multiple, stride, activation)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name="mobilenet_vww_tiny")


def fc_autoencoder(inputs: int = 640, hidden: int = 64, bottleneck: int = 8, depth: int = 4):
    """Fully connected autoencoder (MLPerf Tiny anomaly detection shape, half width by default): dense
    layers with batch norm and ReLU down to a bottleneck and back, a linear reconstruction."""
    keras = _keras()
    L = keras.layers
    x = inp = keras.Input((inputs,), name="frames")
    for units in [hidden] * depth + [bottleneck] + [hidden] * depth:
        x = L.ReLU()(L.BatchNormalization()(L.Dense(units, kernel_initializer=HE)(x)))
    out = L.Dense(inputs)(x)
    return keras.Model(inp, out, name="fc_autoencoder")


BUILDERS = {f.__name__: f for f in (ecg_beat_cnn, ds_cnn_kws, resnet8, mobilenet_vww_tiny, fc_autoencoder)}
