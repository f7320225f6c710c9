"""Keras builders for the benchmark models: the ECG beat classifier, the four MLPerf Tiny architectures at their
published shapes (kws_ds_cnn, ic_resnet8, vww_mobilenet_025, ad_fc_autoencoder) and scaled-down variants of them.

Every builder returns an untrained float Keras model (call keras.utils.set_random_seed first for
reproducible weights). Kernels use He initialization so that activations keep their spread through the
depth of an untrained network, as in a trained one; with Keras' default Glorot initialization a deep
depthwise stack shrinks them towards zero and quantization ranges become degenerate.

The scaled-down defaults fit the smallest emulated board (qemu-m3: 160 KiB of model flash, 40 KiB of arena);
the MLPerf Tiny shapes are what users compare with other runtimes, and some need qemu-m3-large on a Cortex-M3.
The keyword arguments shrink the families further for fast tests. Quantization and conversion are the frontend's job.
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


def mobilenet_v1(input_shape=(96, 96, 3), alpha: float = 0.25, classes: int = 2):
    """MobileNetV1 at width multiplier alpha: a strided 3x3 convolution, thirteen depthwise-separable blocks
    (RELU6 after every convolution), global average pooling and a dense softmax."""
    keras = _keras()
    L = keras.layers

    def conv_bn(x, n, kernel, stride):
        x = L.Conv2D(n, kernel, strides=stride, padding="same", use_bias=False, kernel_initializer=HE)(x)
        return L.ReLU(6.0)(L.BatchNormalization()(x))

    # Keras' he_normal takes a depthwise kernel's fan-in as taps x channels, which shrinks activations by about
    # sqrt(channels) per block: over thirteen blocks they vanish and the softmax's input scale with them.
    # Each depthwise output sees nine taps, so that is the fan-in its weights are scaled by.
    depthwise_init = keras.initializers.RandomNormal(stddev=(2.0 / 9) ** 0.5)

    def separable(x, n, stride):
        x = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False,
                              depthwise_initializer=depthwise_init)(x)
        x = L.ReLU(6.0)(L.BatchNormalization()(x))
        return conv_bn(x, n, 1, 1)

    x = inp = keras.Input(input_shape, name="image")
    x = conv_bn(x, int(32 * alpha), 3, 2)
    for filters, stride in MOBILENET_V1_BLOCKS:
        x = separable(x, int(filters * alpha), stride)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(classes, activation="softmax")(x)
    return keras.Model(inp, out, name="mobilenet_v1")


# (pointwise filters at width 1.0, depthwise stride) of MobileNetV1's thirteen separable blocks
MOBILENET_V1_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                       (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


# The MLPerf Tiny v1 inference benchmark's four reference architectures at their published shapes, with the
# multiply-accumulates the benchmark publishes for them (the compiler's own count lands within a few percent:
# it also counts pooling and the classifier).
def kws_ds_cnn():
    """Keyword spotting: DS-CNN on 49x10 MFCC features, 64 channels, four separable blocks, 12 classes."""
    return ds_cnn_kws(input_shape=(49, 10, 1), filters=64, blocks=4, classes=12)


def ic_resnet8():
    """Image classification: ResNet-8 on 32x32x3, stacks of 16, 32 and 64 channels, 10 classes."""
    return resnet8(input_shape=(32, 32, 3), filters=(16, 32, 64), classes=10)


def vww_mobilenet_025():
    """Visual wake words: MobileNetV1 width 0.25 on 96x96x3, 2 classes."""
    return mobilenet_v1(input_shape=(96, 96, 3), alpha=0.25, classes=2)


def ad_fc_autoencoder():
    """Anomaly detection: the 640-128-128-128-128-8-128-128-128-128-640 dense autoencoder."""
    return fc_autoencoder(inputs=640, hidden=128, bottleneck=8, depth=4)


MLPERF_TINY_MACS = {"kws_ds_cnn": 2_660_000, "ic_resnet8": 12_500_000, "vww_mobilenet_025": 7_490_000,
                    "ad_fc_autoencoder": 264_000}


def keras_macs(model) -> int:
    """Multiply-accumulates of a Keras model's convolutions and dense layers, from their shapes alone."""
    L = _keras().layers
    total = 0
    for layer in model.layers:
        if isinstance(layer, (L.Conv1D, L.Conv2D, L.DepthwiseConv1D, L.DepthwiseConv2D, L.Dense)):
            kernel = layer.get_weights()[0]
            outputs = 1
            for d in layer.output.shape[1:-1]:
                outputs *= int(d)
            # a dense or convolution kernel is used once whole per output pixel (a depthwise one too: its
            # size is already taps x channels)
            total += outputs * kernel.size
    return total


BUILDERS = {f.__name__: f for f in (ecg_beat_cnn, ds_cnn_kws, resnet8, mobilenet_vww_tiny, fc_autoencoder,
                                    mobilenet_v1, kws_ds_cnn, ic_resnet8, vww_mobilenet_025, ad_fc_autoencoder)}
