"""A synthetic HIL run (no device, no model file) for testing metrics, reports and their rendering."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ecgcc.harness.hil import CompiledModel, DeviceEvent, HilResult
from ecgcc.harness.vectors import FORMAT_NAME, FORMAT_VERSION, EcgStrip, VectorSet

CLASSES = ["N", "S", "V", "F", "Q"]
OUTPUT_SCALE = 1.0 / 256.0
OUTPUT_ZERO = -128


def synthetic_ecg(fs: float, seconds: float, beat_samples: np.ndarray, start: int) -> np.ndarray:
    t = np.arange(int(fs * seconds)) + start
    signal = 0.05 * np.sin(2 * np.pi * 0.3 * t / fs)
    for peak in beat_samples:
        signal += 1.2 * np.exp(-0.5 * ((t - peak) / (0.012 * fs)) ** 2)
        signal -= 0.2 * np.exp(-0.5 * ((t - peak - 0.03 * fs) / (0.02 * fs)) ** 2)
        signal += 0.25 * np.exp(-0.5 * ((t - peak - 0.25 * fs) / (0.05 * fs)) ** 2)
    return signal.astype(np.float32)


def synthetic_vector_set(n_beats: int = 60, n_edge: int = 4, seed: int = 0) -> VectorSet:
    """Labelled beats whose float outputs are a softmax, int8 outputs its quantization (a few flipped)."""
    rng = np.random.default_rng(seed)
    n = n_edge + n_beats
    labels = np.concatenate([np.full(n_edge, -1), rng.integers(0, 5, n_beats)])
    logits = rng.normal(0, 1, (n, 5))
    logits[np.arange(n_edge, n), labels[n_edge:]] += 4.0
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    quantized = np.clip(np.round(probabilities / OUTPUT_SCALE) + OUTPUT_ZERO, -128, 127).astype(np.int8)
    kinds = np.array(["edge:all_zero", "edge:all_min", "edge:all_max", "edge:ramp"][:n_edge] + ["beat"] * n_beats)
    kinds[n_edge:n_edge + 12] = "strip"
    samples = np.full(n, -1)
    samples[n_edge:n_edge + 12] = 1000 + np.arange(12) * 300
    samples[n_edge + 12:] = rng.integers(0, 600000, n_beats - 12)
    fs = 360.0
    strip = EcgStrip("999", "MLII", fs, 800, synthetic_ecg(fs, 10.0, samples[n_edge:n_edge + 12], 800),
                     np.arange(n_edge, n_edge + 12))
    metadata = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "created_utc": "2025-01-01T00:00:00+00:00",
                "generator": "synthetic", "seed": seed, "classes": CLASSES,
                "model": {"int8_sha256": "0" * 64, "int8_identity": "0" * 16, "int8_file": "synthetic.tflite",
                          "float_sha256": "1" * 64, "float_file": "synthetic.keras"},
                "inputs": [{"shape": [1, 256, 1], "scale": 1 / 64, "zero_point": 0},
                           {"shape": [1, 5], "scale": 1 / 64, "zero_point": 0}],
                "outputs": [{"shape": [1, 5], "scale": OUTPUT_SCALE, "zero_point": OUTPUT_ZERO}],
                "dataset": {"description": "synthetic beats", "digest": "", "available": {}},
                "counts": {str(k): int(v) for k, v in zip(*np.unique(kinds, return_counts=True))}}
    return VectorSet(
        inputs=[rng.integers(-128, 128, (n, 1, 256, 1), dtype=np.int8), rng.integers(0, 128, (n, 1, 5), dtype=np.int8)],
        reference=[quantized.reshape(n, 1, 5)], float_outputs=[probabilities.astype(np.float32).reshape(n, 1, 5)],
        labels=labels, kinds=kinds, records=np.where(labels >= 0, "999", ""), samples=samples, metadata=metadata,
        strip=strip)


def synthetic_model(folder: Path) -> CompiledModel:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.tflite").write_bytes(b"synthetic int8 model")
    (folder / "model.c").write_text("/* generated */\n")
    (folder / "model.h").write_text("/* generated */\n")
    return CompiledModel.load(folder)


def synthetic_result(vector_set: VectorSet, model: CompiledModel, *, corrupt: int = 0, lost: int = 0,
                     resets: int = 0) -> HilResult:
    """A run whose device answered every vector with the reference bytes, except `corrupt` vectors changed
    by one LSB and `lost` vectors never answered."""
    n = len(vector_set)
    device = vector_set.reference[0].copy()
    mismatched = []
    for index in range(n - lost - corrupt, n - lost):
        device[index, 0, 0] = np.int8(max(-128, int(device[index, 0, 0]) - 1)) if device[index, 0, 0] > -128 \
            else np.int8(-127)
        mismatched.append(index)
    received = np.ones(n, bool)
    received[n - lost:] = False
    instructions = np.where(received, 1_500_000 + np.arange(n) % 7, -1)
    info = {"protocol_version": 2, "firmware_version": "0.1.0", "board": "qemu-m4", "model_name": "synthetic",
            "model_identity": model.identity, "arena_bytes": 4096, "stack_bytes": 8192, "counter_resolution": 1,
            "max_payload": 1024, "layers": 9, "capabilities": 3,
            "inputs": [{"dims": (1, 256, 1), "bytes": 256, "scale": 1 / 64, "zero_point": 0},
                       {"dims": (1, 5), "bytes": 5, "scale": 1 / 64, "zero_point": 0}],
            "outputs": [{"dims": (1, 5), "bytes": 5, "scale": OUTPUT_SCALE, "zero_point": OUTPUT_ZERO}]}
    result = HilResult(board="qemu-m4", url="socket://127.0.0.1:4321", info=info, planned=n,
                       sent=n + resets, received=int(received.sum()), exact=int(received.sum()) - corrupt,
                       mismatched=mismatched, instructions=[int(i) for i in instructions[received]],
                       stack_high_water=900, macs=290_000, elapsed_s=12.5, resent=resets,
                       reference_reproduced=int(received.sum()), reference_checked=int(received.sum()),
                       device_outputs=[device], received_mask=received, instructions_per_vector=instructions,
                       image={"flash_bytes": 60_000, "code_bytes": 20_000, "const_bytes": 40_000, "weights_bytes": 30_000,
                              "ram_bytes": 20_000, "static_ram_bytes": 12_000, "stack_bytes": 8192,
                              "sections": {".text": 20_000}, "path": "program.elf"})
    if mismatched:
        result.first_mismatch = {"vector": mismatched[0], "output": 0, "element": 0, "device": int(device[mismatched[0], 0, 0]),
                                 "reference": int(vector_set.reference[0][mismatched[0], 0, 0]), "differing_elements": 1}
    for r in range(resets):
        result.events.append(DeviceEvent(10 + r, "reset", f"device reset detected at vector {10 + r}"))
    return result
