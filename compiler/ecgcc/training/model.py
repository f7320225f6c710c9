"""The reference arrhythmia classifier: a compact 1-D CNN over the beat window, joined by the
RR features before a small dense head.

Every layer maps onto an int8 TFLite Micro operator the compiler supports: Conv1D ->
CONV_2D, MaxPool1D -> MAX_POOL_2D, GlobalAveragePooling1D -> MEAN, Dense ->
FULLY_CONNECTED, Concatenate -> CONCATENATION, softmax -> SOFTMAX, with ReLU fused into
the layer before it. The RR features pass through their own small Dense layer first so the
concatenation joins two tensors the converter can quantize freely (a model input joined
directly would need an extra requantize operator).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..data import aami, beats


# Input names sort in the order of the model inputs because the TFLite converter orders the
# flatbuffer's inputs by name: input 0 is the window, input 1 the RR features.
WINDOW_INPUT = "beat_window"
RR_INPUT = "rr_features"


@dataclass(frozen=True)
class ModelConfig:
    conv_filters: tuple[int, ...] = (8, 16, 16, 24, 32)
    conv_kernels: tuple[int, ...] = (7, 5, 5, 5, 3)
    rr_units: int = 8
    # Dense layers in the rhythm branch; a second one lets the network form thresholds on
    # combinations of the ratios (e.g. premature and followed by a pause) before the join
    rr_layers: int = 1
    dense_units: int = 32
    dropout: float = 0.2
    # Training-time only: probability of hiding the whole morphology summary of a beat, so the
    # head must also classify from rhythm alone (beat shapes differ more between patients than
    # RR ratios do). Off by default: on DS1 validation it helped patients 220/223 but made the
    # atrial-fibrillation beats of 201 look premature (many false S and V calls there).
    morphology_dropout: float = 0.0
    # Pool the last feature maps into this many equal stretches of the window instead of one
    # average over all of it. One average tells the head which shapes occur, not where: a wave
    # before the R peak (the P wave that sets atrial beats apart) and one after it (T) look alike.
    morphology_segments: int = 1
    # The RR features the network may use (names from beats.RR_FEATURES). The input keeps all
    # eight, as the firmware computes them; an unused feature gets zero weights throughout
    # training, so the int8 model ignores it exactly.
    rhythm_features: tuple[str, ...] = beats.RR_FEATURES

    def to_dict(self) -> dict:
        return asdict(self)

    def unused_rhythm_features(self) -> list[int]:
        unknown = set(self.rhythm_features) - set(beats.RR_FEATURES)
        if unknown:
            raise ValueError(f"unknown RR features {sorted(unknown)}; known: {list(beats.RR_FEATURES)}")
        return [i for i, name in enumerate(beats.RR_FEATURES) if name not in self.rhythm_features]


# Named configurations for `ecgcc train --model`: the deployable reference network, and a
# larger teacher for distillation (about 52k parameters: over the constrained board's 32 KB
# weight budget, so it teaches and is never deployed itself)
MODEL_PRESETS = {
    "reference": ModelConfig(),
    "teacher": ModelConfig(conv_filters=(16, 32, 48, 64, 96), conv_kernels=(7, 5, 5, 5, 3), rr_units=16,
                           rr_layers=2, dense_units=64),
}


def _model_inputs():
    """The two inputs every reference network takes, named so the converter keeps their order."""
    import keras

    return (keras.Input(shape=(beats.WINDOW_LENGTH, beats.WINDOW_CHANNELS), name=WINDOW_INPUT),
            keras.Input(shape=(len(beats.RR_FEATURES),), name=RR_INPUT))


def build_model(config: ModelConfig = ModelConfig()):
    import keras
    from keras import layers

    if len(config.conv_filters) != len(config.conv_kernels):
        raise ValueError("conv_filters and conv_kernels must have the same length")
    window, rr = _model_inputs()

    x = window
    last = len(config.conv_filters) - 1
    for depth, (filters, kernel) in enumerate(zip(config.conv_filters, config.conv_kernels)):
        x = layers.Conv1D(filters, kernel, padding="same", activation="relu", name=f"conv{depth}")(x)
        if depth < last:
            x = layers.MaxPool1D(2, name=f"pool{depth}")(x)
    if config.morphology_segments == 1:
        x = layers.GlobalAveragePooling1D(name="morphology")(x)
    else:
        length = x.shape[1]
        if config.morphology_segments < 1 or length % config.morphology_segments:
            raise ValueError(f"morphology_segments must divide the last feature map length {length}, "
                             f"got {config.morphology_segments}")
        x = layers.AveragePooling1D(length // config.morphology_segments, name="segments")(x)
        # One valid convolution spanning every stretch is a dense layer over them in order; it
        # keeps the shapes static (a Flatten or Reshape converts with run-time SHAPE operators)
        x = layers.Conv1D(x.shape[2], config.morphology_segments, activation="relu", name="placed")(x)
        x = layers.GlobalAveragePooling1D(name="morphology")(x)
    if config.morphology_dropout:
        # one draw per beat for the whole vector (identity at inference, absent from the int8 model)
        x = layers.Dropout(config.morphology_dropout, noise_shape=(None, 1), name="hide_morphology")(x)

    rhythm = rr
    for depth in range(config.rr_layers):
        name = "rhythm" if depth == 0 else f"rhythm{depth}"
        rhythm = layers.Dense(config.rr_units, activation="relu", name=name)(rhythm)
    joined = layers.Concatenate(name="join")([x, rhythm])
    hidden = layers.Dense(config.dense_units, activation="relu", name="head")(joined)
    if config.dropout:
        hidden = layers.Dropout(config.dropout, name="dropout")(hidden)
    output = layers.Dense(len(aami.CLASSES), activation="softmax", name="classes")(hidden)
    model = keras.Model(inputs=[window, rr], outputs=output, name="ecgcc_reference")
    unused = config.unused_rhythm_features()
    if unused:
        # Zero rows stay zero: training masks these inputs (see train.py), so their gradient is 0
        first = model.get_layer("rhythm")
        kernel, bias = first.get_weights()
        kernel[unused, :] = 0.0
        first.set_weights([kernel, bias])
    return model


def merge_members(members):
    """One network whose class logits are the mean of the members' (networks of build_model):
    their bodies side by side up to the hidden layer, then one final layer over all hidden units
    with the members' final weights stacked and divided by their count. The int8 model therefore
    still ends in one FULLY_CONNECTED and SOFTMAX, and its class decision keeps the finer logits."""
    import keras
    import numpy as np
    from keras import layers

    window, rr = _model_inputs()
    hidden = [keras.Model(member.inputs, member.get_layer("head").output, name=f"member{index}")([window, rr])
              for index, member in enumerate(members)]
    final = layers.Dense(len(aami.CLASSES), activation="softmax", name="classes")
    output = final(layers.Concatenate(name="members")(hidden))
    model = keras.Model(inputs=[window, rr], outputs=output, name="ecgcc_ensemble")
    finals = [member.get_layer("classes").get_weights() for member in members]
    final.set_weights([np.concatenate([kernel for kernel, _ in finals], axis=0) / len(members),
                       np.mean([bias for _, bias in finals], axis=0)])
    return model
