"""FULLY_CONNECTED's weights in the order the loops of each kernel set consume them (the same bytes, reordered:
no extra flash). The layouts and their C names are described in firmware/kernels/include/ecg_kernels.h
(ecg_fc_layout_t); the reference kernel reads each of them through ecg_fc_weight()."""
from __future__ import annotations

import numpy as np

ROWS, SMLAD_BLOCKS, M3_LANES = 0, 1, 2
BLOCK_ROWS = 4
# Byte of each row of a block within an M3 lane word: rows 0 and 2 land in the low lane of a masked word
# (offset by +128, which the kernel takes back with the input sum), rows 1 and 3 in its signed top byte.
M3_BYTE_OF_ROW = (0, 3, 2, 1)
M3_LANE_BITS = 24
M3_MAX_CHUNK = 256   # inputs per lane accumulation: the low lane's sum stays within +-2^23


def _blocks(weights: np.ndarray):
    """(first row, rows) of each block of BLOCK_ROWS rows, the last possibly shorter."""
    out_depth = weights.shape[0]
    return [(o, min(BLOCK_ROWS, out_depth - o)) for o in range(0, out_depth, BLOCK_ROWS)]


def smlad_blocks(weights: np.ndarray) -> np.ndarray:
    """Per block, per word of four inputs, each row's four weights; then each row's last depth % 4."""
    weights = np.asarray(weights, np.int8)
    depth = weights.shape[1]
    whole = depth - depth % 4
    parts = []
    for o, rows in _blocks(weights):
        block = weights[o:o + rows]
        words = block[:, :whole].reshape(rows, whole // 4, 4).transpose(1, 0, 2)   # [word][row][4]
        parts += [words.reshape(-1), block[:, whole:].reshape(-1)]
    return np.concatenate(parts).astype(np.int8) if parts else weights.reshape(-1)


def m3_lanes(weights: np.ndarray) -> np.ndarray:
    """Per whole block, per input, one word of the four rows' weights at M3_BYTE_OF_ROW, rows 0 and 2 with
    their sign bit flipped (w + 128 read as a byte); a last partial block as plain rows."""
    weights = np.asarray(weights, np.int8)
    parts = []
    for o, rows in _blocks(weights):
        block = weights[o:o + rows]
        if rows < BLOCK_ROWS:
            parts.append(block.reshape(-1))
            continue
        words = np.empty((block.shape[1], 4), np.uint8)
        for row, byte in enumerate(M3_BYTE_OF_ROW):
            words[:, byte] = block[row].view(np.uint8) ^ (0x80 if row % 2 == 0 else 0)
        parts.append(words.view(np.int8).reshape(-1))
    return np.concatenate(parts).astype(np.int8) if parts else weights.reshape(-1)


def weight_matrix(values: np.ndarray, layout: int, out_depth: int, in_depth: int) -> np.ndarray:
    """[out_depth][in_depth] back from a layout, read the way ecg_fc_weight() reads it."""
    values = np.asarray(values, np.int8).reshape(-1)
    matrix = np.empty((out_depth, in_depth), np.int8)
    whole = in_depth - in_depth % 4
    for o in range(out_depth):
        block, j = divmod(o, BLOCK_ROWS)
        rows = min(BLOCK_ROWS, out_depth - block * BLOCK_ROWS)
        base = block * BLOCK_ROWS * in_depth
        for i in range(in_depth):
            if layout == SMLAD_BLOCKS:
                at = (i // 4) * 4 * rows + 4 * j + i % 4 if i < whole else \
                    rows * whole + j * (in_depth - whole) + i - whole
                matrix[o, i] = values[base + at]
            elif layout == M3_LANES and rows == BLOCK_ROWS:
                stored = int(values[base + 4 * i + M3_BYTE_OF_ROW[j]])
                matrix[o, i] = np.int8(np.uint8((stored & 0xFF) ^ 0x80)) if j % 2 == 0 else stored
            elif layout == M3_LANES:
                matrix[o, i] = values[base + j * in_depth + i]
            else:
                matrix[o, i] = values[o * in_depth + i]
    return matrix


def lay_out(weights: np.ndarray, layout: int) -> np.ndarray:
    return {ROWS: lambda w: np.asarray(w, np.int8).reshape(-1), SMLAD_BLOCKS: smlad_blocks,
            M3_LANES: m3_lanes}[layout](weights)
