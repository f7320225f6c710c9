"""Compile a small Keras model with ecgcc, run the generated C on the host and compare every output byte
with the pip TFLite Micro interpreter on the same int8 .tflite."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from support import CACHE, build_host, random_records, run_host

ALL_BYTES = np.arange(-128, 128, dtype=np.int8)


def every_byte_records(graph) -> list[list[np.ndarray]]:
    """Records that together feed every int8 value to every input element (shifted per record), so a
    unary operator's whole table is exercised."""
    shapes = [graph.tensors[t].shape for t in graph.inputs]
    sizes = [int(np.prod(s)) for s in shapes]
    count = -(-256 // min(sizes)) if min(sizes) < 256 else 1
    records = []
    for r in range(max(count, 2)):
        records.append([np.resize(np.roll(ALL_BYTES, r * 37 + i), n).reshape(s)
                        for i, (n, s) in enumerate(zip(sizes, shapes))])
    return records


def tflite_model(key: str, build_model, spread: float = 1.0, seed: int = 0, samples: int = 64) -> bytes:
    """int8 .tflite of build_model(), calibrated on normal samples times `spread` (which sets the input
    tensors' quantization ranges); cached on disk by key."""
    path = CACHE / (hashlib.sha256(f"{key}-spread{spread}-seed{seed}".encode()).hexdigest()[:20] + ".tflite")
    if path.exists():
        return path.read_bytes()
    import tensorflow as tf
    from ecgcc.frontend import quantize_keras_model
    tf.keras.utils.set_random_seed(seed)
    model = build_model()
    rng = np.random.default_rng(seed)
    data = [(rng.standard_normal((samples,) + tuple(t.shape[1:])) * spread).astype(np.float32)
            for t in model.inputs]

    def representative():
        for i in range(samples):
            yield [d[i:i + 1] for d in data]
    tflite = quantize_keras_model(model, representative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tflite)
    return tflite


def compile_and_compare(tflite: bytes, work: Path, vectors: int = 40, seed: int = 1, every_byte: bool = True,
                        expect_ops=()) -> dict:
    """Returns {"vectors": n, "kinds": [...]} after asserting bit-exact outputs for every vector."""
    from ecgcc.compile import compile_model
    from ecgcc.reference import Reference

    work.mkdir(parents=True, exist_ok=True)
    model_path = work / "model.tflite"
    model_path.write_bytes(tflite)
    result = compile_model(model_path, board=None, out_dir=work / "generated")
    kinds = [op.kind for op in result.graph.operators]
    missing = [k for k in expect_ops if k not in kinds]
    assert not missing, f"the converted model has no {missing}: {kinds}"
    exe = build_host(result.out_dir, work / "model_host")
    records = random_records(result.graph, vectors, seed)
    if every_byte:
        records += every_byte_records(result.graph)
    output_sizes = [result.graph.tensors[t].nbytes for t in result.graph.outputs]
    produced = run_host(exe, records, output_sizes)
    reference = Reference(tflite)
    for n, (record, (_, outputs)) in enumerate(zip(records, produced)):
        expected = reference.run(record)
        for k, (got, want) in enumerate(zip(outputs, expected)):
            want = np.asarray(want).reshape(-1)
            got = got.view(want.dtype)   # the driver writes each output's bytes; int16/int32 outputs are wider
            if not np.array_equal(got, want):
                bad = np.flatnonzero(got != want)
                raise AssertionError(f"vector {n}, output {k}: {bad.size} of {want.size} bytes differ; first at "
                                     f"{bad[0]}: ecgcc {got[bad[0]]} vs TFLM {want[bad[0]]} (ops {kinds})")
    return {"vectors": len(records), "kinds": kinds}
