"""Weights laid out for the DSP twins' int16-pair dot products (firmware/kernels/include/ecg_pair_rows.h)."""
from __future__ import annotations

import numpy as np


def smlad_pairs(weights: np.ndarray) -> np.ndarray:
    """Rows of int8 weights (a multiple of four rows) as the DSP twin's dot product streams them: per block
    of four rows and per word of four inputs (the last word padded with zero weights), each row's weights
    as the int16 pairs (w0, w2), (w1, w3) that SMLAD takes against SXTB16 and SXTB16 ROR 8 of the inputs."""
    rows, depth = weights.shape
    words = -(-depth // 4)
    padded = np.zeros((rows, 4 * words), np.int16)
    padded[:, :depth] = weights
    by_word = padded.reshape(rows // 4, 4, words, 4)[..., [0, 2, 1, 3]]   # block, row in block, word, pair order
    return np.ascontiguousarray(by_word.transpose(0, 2, 1, 3)).reshape(-1)
