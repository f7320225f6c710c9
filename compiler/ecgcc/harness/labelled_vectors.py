"""HIL vectors from the user's own labelled examples (`ecgcc hil --labelled FILE`): every example becomes a
labelled vector, so the HIL report gives per-class Se and +P of the float model, TFLite Micro and the device."""
from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from .. import __version__
from ..data.labelled import load_labelled
from .model_io import ReferenceRunner, sha256_hex
from .vector_generation import float_model_outputs, runtime_versions
from .vectors import FORMAT_NAME, FORMAT_VERSION, VectorSet


def labelled_vector_set(path: str | Path, tflite_bytes: bytes, float_model: str | Path | None = None,
                        classes: list[str] | None = None, progress=None) -> VectorSet:
    """The class scores are the model's first output, as the HIL report reads them."""
    runner = ReferenceRunner(tflite_bytes)
    specs_in, specs_out = runner.inputs, runner.outputs
    data = load_labelled(path, specs_in, specs_out[0].elements, classes)
    count = len(data)
    inputs = [x.reshape((count, *spec.shape)) for x, spec in zip(data.int8_inputs(specs_in), specs_in)]
    reference = [np.zeros((count, *spec.shape), np.int8) for spec in specs_out]
    for index in range(count):
        for store, value in zip(reference, runner.run([x[index] for x in inputs])):
            store[index] = value
        if progress:
            progress(index + 1, count)
    float_outputs = float_name = float_digest = None
    if float_model is not None:
        float_bytes = Path(float_model).read_bytes()
        float_name, float_digest = Path(float_model).name, sha256_hex(float_bytes)
        float_outputs = float_model_outputs(float_bytes, specs_in, specs_out, inputs, Path(float_model).suffix)
    metadata = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "generator": f"ecgcc {__version__}", "seed": None,
        "model": {"int8_sha256": sha256_hex(tflite_bytes), "int8_identity": sha256_hex(tflite_bytes)[:16],
                  "int8_file": "", "float_sha256": float_digest, "float_file": float_name},
        "runtimes": runtime_versions(float_model is not None),
        "classes": list(data.classes),
        "inputs": [s.to_json() for s in specs_in], "outputs": [s.to_json() for s in specs_out],
        "dataset": {"description": f"labelled examples from {Path(path).name}",
                    "digest": sha256_hex(Path(path).read_bytes())[:16],
                    "available": {c: int((data.labels == i).sum()) for i, c in enumerate(data.classes)}},
        "counts": {"beat": count},
    }
    return VectorSet(inputs=inputs, reference=reference, float_outputs=float_outputs, labels=data.labels,
                     kinds=np.full(count, "beat", "<U32"), records=np.full(count, "", "<U32"),
                     samples=np.full(count, -1, np.int64), metadata=metadata)
