"""Helpers for compiler tests: quantize small Keras models (cached), build generated C for the host, run it."""
from __future__ import annotations

import hashlib
import os
import struct
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "firmware" / "kernels"
DRIVER = Path(__file__).with_name("host_driver.c")
CACHE = Path(os.environ.get("ECGCC_TEST_CACHE", ROOT / ".build" / "test-cache" / "models"))
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]


def quantized(key: str, build_model, input_shapes, seed: int = 0, samples: int = 64) -> bytes:
    """int8 .tflite bytes for the Keras model built by build_model(), cached on disk by key."""
    path = CACHE / (hashlib.sha256(key.encode()).hexdigest()[:20] + ".tflite")
    if path.exists():
        return path.read_bytes()
    import tensorflow as tf
    from ecgcc.frontend import quantize_keras_model
    tf.keras.utils.set_random_seed(seed)
    model = build_model()
    rng = np.random.default_rng(seed)
    data = [rng.standard_normal((samples,) + tuple(s)).astype(np.float32) for s in input_shapes]

    def representative():
        for i in range(samples):
            yield [d[i:i + 1] for d in data]
    tflite = quantize_keras_model(model, representative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tflite)
    return tflite


def kernel_sources() -> list[Path]:
    return sorted((KERNELS / "reference").glob("*.c")) + sorted((KERNELS / "dsp").glob("*.c"))


def build_host(model_dir: Path, exe: Path, defines: tuple[str, ...] = ()) -> Path:
    cmd = ["gcc", *CFLAGS, *[f"-D{d}" for d in defines], f"-I{KERNELS / 'include'}", f"-I{model_dir}",
           str(model_dir / "model.c"), str(model_dir / "model_weights.c"), *map(str, kernel_sources()),
           str(DRIVER), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def run_host(exe: Path, records: list[list[np.ndarray]], output_sizes: list[int], trace_sizes: list[int] = ()):
    """Returns per record (layer outputs if traced, model outputs) as flat int8 arrays."""
    payload = struct.pack("<I", len(records)) + b"".join(
        np.ascontiguousarray(x, np.int8).tobytes() for rec in records for x in rec)
    args = [str(exe)] + (["--trace"] if trace_sizes else [])
    done = subprocess.run(args, input=payload, capture_output=True, check=True)
    raw = np.frombuffer(done.stdout, np.int8)
    sizes = list(trace_sizes) + list(output_sizes)
    per = sum(sizes)
    assert raw.size == per * len(records), f"driver wrote {raw.size} bytes, expected {per * len(records)}"
    results = []
    for r in range(len(records)):
        chunk, pieces, at = raw[r * per:(r + 1) * per], [], 0
        for s in sizes:
            pieces.append(chunk[at:at + s])
            at += s
        results.append((pieces[:len(trace_sizes)], pieces[len(trace_sizes):]))
    return results


def random_records(graph, count: int, seed: int) -> list[list[np.ndarray]]:
    """Random int8 inputs, plus the extremes that stress saturation and padding."""
    rng = np.random.default_rng(seed)
    shapes = [graph.tensors[t].shape for t in graph.inputs]
    records = [[np.full(s, -128, np.int8) for s in shapes], [np.full(s, 127, np.int8) for s in shapes]]
    records += [[rng.integers(-128, 128, s, dtype=np.int8) for s in shapes] for _ in range(count)]
    return records
