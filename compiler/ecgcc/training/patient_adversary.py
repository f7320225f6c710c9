"""Training against a patient discriminator (domain-adversarial training over patients).

The reference network learns the beat shapes of the few DS1 patients who carry S beats, and
new patients' S beats do not look like theirs. Here a small head reads the network's
morphology summary and learns to tell which training patient a beat comes from, while a
gradient-reversal layer between the two hands the summary the opposite of that head's
gradient: the convolutions are pushed towards shape features that do not say who the
patient is, and the class head has to rely on what the patients share.

The head exists only while training. ``adversarial_trainer`` wraps the classifier built by
``model.build_model`` without changing it: the classifier keeps its own inputs, layers and
output, so the float model that is saved, converted to int8 and compiled is the same graph
with the same operators as without the option.

``reversal`` (``--patient-adversary W``) is the factor of the reversal: the summary receives
-W times the gradient of the patient loss, while the patient head itself learns from that
loss at full weight (the summed training loss is class loss + patient loss).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UserError

# where the discriminator reads: the morphology summary, where the patients' beat shapes live.
# The rhythm branch is left alone: its ratios are already relative to the patient's own RR.
FEATURE_LAYER = "morphology"
CLASS_OUTPUT = "classes"
PATIENT_OUTPUT = "patient"
HIDDEN_UNITS = 32


def check_reversal(reversal: float) -> float:
    if not math.isfinite(reversal) or reversal < 0:
        raise UserError(f"--patient-adversary {reversal}: the reversal factor must be a finite number >= 0",
                        hint="0 trains without the patient discriminator; try 0.1 to 1")
    return float(reversal)


def patient_indices(records: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(index of each beat's patient in the sorted list of patients, that list)."""
    names, index = np.unique(np.asarray(records).astype(str), return_inverse=True)
    return index.astype(np.int32), [str(name) for name in names]


def require_patients(names: list[str]) -> None:
    if len(names) < 2:
        raise UserError(f"--patient-adversary needs beats of at least 2 training patients, got {names}",
                        hint="train on more records (--records, --extra-data) or leave the option out")


def gradient_reversal_layer(reversal: float, name: str = "patient_reversal"):
    """A layer whose output equals its input and whose gradient is -``reversal`` times the
    gradient arriving from above."""
    import keras
    from keras import ops

    class GradientReversal(keras.layers.Layer):
        def __init__(self, factor: float, **kwargs):
            super().__init__(**kwargs)
            self.factor = float(factor)

        def call(self, inputs):
            # value: -f x + (1 + f) x = x; gradient: only the first term is differentiated
            return ops.stop_gradient((1.0 + self.factor) * inputs) - self.factor * inputs

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    return GradientReversal(reversal, name=name)


def adversarial_trainer(classifier, patients: int, reversal: float):
    """A training model with the classifier's inputs and two outputs, ``classes`` (the
    classifier's own) and ``patient`` (the discriminator's probabilities over ``patients``).
    Its layers up to the class output are the classifier's, so fitting it fits the classifier."""
    import keras
    from keras import layers

    features = classifier.get_layer(FEATURE_LAYER).output
    hidden = gradient_reversal_layer(reversal)(features)
    hidden = layers.Dense(HIDDEN_UNITS, activation="relu", name="patient_hidden")(hidden)
    patient = layers.Dense(patients, activation="softmax", name=PATIENT_OUTPUT)(hidden)
    return keras.Model(inputs=classifier.inputs, outputs={CLASS_OUTPUT: classifier.output, PATIENT_OUTPUT: patient},
                       name="ecgcc_patient_adversarial")


def adversary_layers(trainer, classifier) -> list[str]:
    """Names of the layers the trainer adds to the classifier (the ones never exported)."""
    own = {layer.name for layer in classifier.layers}
    return [layer.name for layer in trainer.layers if layer.name not in own]
