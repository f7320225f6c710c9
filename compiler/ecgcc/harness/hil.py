"""Hardware-in-the-loop check: run vectors on a device (emulated or real) and compare every output
byte with the TFLite Micro reference interpreter on the same inputs."""
from __future__ import annotations

import hashlib
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import firmware
from ..paths import build_root
from .device import Device, DeviceInfo
from .emulator import EmulatedBoard


class ModelMismatch(RuntimeError):
    """The device runs a different model from the one being checked."""


@dataclass
class CompiledModel:
    """A folder written by `ecgcc compile`."""

    folder: Path
    tflite: bytes
    report: dict = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> "CompiledModel":
        folder = Path(folder)
        tflite_path = folder / "model.tflite"
        if not tflite_path.is_file():
            raise FileNotFoundError(f"{folder} has no model.tflite: is it an `ecgcc compile` output folder?")
        report_path = folder / "report.json"
        report = json.loads(report_path.read_text()) if report_path.is_file() else {}
        return cls(folder, tflite_path.read_bytes(), report)

    @property
    def identity(self) -> str:
        return hashlib.sha256(self.tflite).hexdigest()[:16]


def tensor_details(model: CompiledModel, which: str) -> list[tuple[tuple[int, ...], float, int]]:
    """(shape, scale, zero point) of the model's inputs or outputs, from the .tflite itself."""
    from ..frontend import parse_tflite

    graph = parse_tflite(model.tflite)
    tensors = [graph.tensors[i] for i in getattr(graph, which)]
    return [(tuple(t.shape), float(t.scale), int(t.zero_point)) for t in tensors]


def check_device_model(info: DeviceInfo, model: CompiledModel, reference) -> None:
    """Refuses to test when the device's INFO does not describe this model."""
    problems = []
    if info.model_identity != model.identity:
        problems.append(f"identity {info.model_identity} on the device, {model.identity} compiled")
    expected_inputs = tensor_details(model, "inputs")
    expected_outputs = tensor_details(model, "outputs")
    for kind, device_tensors, expected in (("input", info.inputs, expected_inputs),
                                           ("output", info.outputs, expected_outputs)):
        if len(device_tensors) != len(expected):
            problems.append(f"{len(device_tensors)} {kind}s on the device, {len(expected)} in the model")
            continue
        for index, (tensor, (shape, scale, zero_point)) in enumerate(zip(device_tensors, expected)):
            if tuple(tensor.dims) != tuple(shape):
                problems.append(f"{kind} {index} shape {tensor.dims} on the device, {tuple(shape)} in the model")
            if tensor.zero_point != zero_point or not np.isclose(tensor.scale, scale, rtol=1e-6):
                problems.append(f"{kind} {index} quantization ({tensor.scale}, {tensor.zero_point}) on the device, "
                                f"({scale}, {zero_point}) in the model")
    if problems:
        raise ModelMismatch("the device does not run the compiled model: " + "; ".join(problems)
                            + ". Flash the firmware built from this model (make flash) and retry.")


def random_vectors(model: CompiledModel, count: int, seed: int) -> list[list[np.ndarray]]:
    """Uniform int8 inputs plus the edges of the range: all -128, all 127, all zero point."""
    rng = np.random.default_rng(seed)
    details = tensor_details(model, "inputs")
    shapes = [shape for shape, _scale, _zero in details]
    zeros = [zero for _shape, _scale, zero in details]
    vectors = [[np.full(s, -128, np.int8) for s in shapes],
               [np.full(s, 127, np.int8) for s in shapes],
               [np.full(s, z, np.int8) for s, z in zip(shapes, zeros)]]
    while len(vectors) < count:
        vectors.append([rng.integers(-128, 128, size=s, dtype=np.int8) for s in shapes])
    return vectors[:count]


@dataclass
class HilResult:
    board: str
    url: str
    info: dict
    vectors: int = 0
    received: int = 0
    exact: int = 0
    first_mismatch: dict | None = None
    instructions: list[int] = field(default_factory=list)
    stack_high_water: int = 0
    image: dict | None = None
    macs: int | None = None
    elapsed_s: float = 0.0

    def to_json(self) -> dict:
        counts = self.instructions
        summary = ({"min": min(counts), "median": int(statistics.median(counts)), "max": max(counts)}
                   if counts else None)
        ram = None
        if self.image is not None:
            ram = {"arena": self.info.get("arena_bytes"), "stack_high_water": self.stack_high_water,
                   "stack_reserved": self.image["stack_bytes"], "static": self.image["static_ram_bytes"]}
        return {
            "board": self.board, "url": self.url, "device": self.info,
            "vectors": self.vectors, "received": self.received, "exact": self.exact,
            "all_exact": self.vectors > 0 and self.exact == self.vectors == self.received,
            "first_mismatch": self.first_mismatch,
            "instructions_per_inference": summary,
            "instructions_resolution": self.info.get("counter_resolution"),
            "macs": self.macs,
            "instructions_per_mac": (summary["median"] / self.macs) if summary and self.macs else None,
            "flash_bytes": None if self.image is None else {
                "total": self.image["flash_bytes"], "code": self.image["code_bytes"],
                "const": self.image["const_bytes"]},
            "ram_bytes": ram,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def run_vectors(device: Device, reference, vectors, result: HilResult, progress=None) -> None:
    for index, inputs in enumerate(vectors):
        result.vectors += 1
        got = device.infer(inputs)
        result.received += 1
        expected = reference.run(inputs)
        result.instructions.append(got.instructions)
        result.stack_high_water = max(result.stack_high_water, got.stack_high_water)
        if all(np.array_equal(g.reshape(-1), e.reshape(-1)) for g, e in zip(got.outputs, expected)):
            result.exact += 1
        elif result.first_mismatch is None:
            for out_index, (g, e) in enumerate(zip(got.outputs, expected)):
                diff = np.flatnonzero(g.reshape(-1) != e.reshape(-1))
                if diff.size:
                    at = int(diff[0])
                    result.first_mismatch = {"vector": index, "output": out_index, "element": at,
                                             "device": int(g.reshape(-1)[at]), "reference": int(e.reshape(-1)[at]),
                                             "differing_elements": int(diff.size)}
                    break
        if progress:
            progress(index + 1, len(vectors))


def run_hil(board: str, model_dir: str | Path, *, port: str | None = None, count: int = 200, seed: int = 0,
            vectors=None, progress=None) -> HilResult:
    from ..reference import Reference

    model = CompiledModel.load(model_dir)
    reference = Reference(model.tflite)
    vectors = vectors if vectors is not None else random_vectors(model, count, seed)
    image = None
    started = time.monotonic()
    if port:
        session = None
        url = port
    else:
        image = firmware.build(board, model.folder)
        session = EmulatedBoard(board, image.path).start()
        url = session.url
    try:
        with Device(url) as device:
            info = device.info()
            check_device_model(info, model, reference)
            result = HilResult(board=board, url=url, info=info.__dict__ | {
                "inputs": [t.__dict__ for t in info.inputs], "outputs": [t.__dict__ for t in info.outputs]})
            result.image = image.summary() if image else None
            result.macs = model.report.get("total", {}).get("macs") if model.report else None
            run_vectors(device, reference, vectors, result, progress)
    finally:
        if session is not None:
            session.stop()
    result.elapsed_s = time.monotonic() - started
    return result


def add_hil_arguments(parser) -> None:
    parser.add_argument("--board", default="qemu-m4")
    parser.add_argument("--port", help="serial port or URL of an attached board; without it the emulated board "
                                       "is built and started")
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    parser.add_argument("--random-vectors", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the result here")


def format_table(result: dict) -> str:
    ipi = result["instructions_per_inference"] or {}
    flash = result["flash_bytes"] or {}
    ram = result["ram_bytes"] or {}
    rows = [
        ("board", result["board"]),
        ("model", f"{result['device']['model_name']} ({result['device']['model_identity']})"),
        ("vectors run", result["vectors"]),
        ("exact matches", f"{result['exact']}/{result['vectors']}"),
        ("instructions/inference", f"min {ipi.get('min')}  median {ipi.get('median')}  max {ipi.get('max')}"
                                   f"  (resolution {result['instructions_resolution']})"),
    ]
    if result.get("instructions_per_mac"):
        rows.append(("instructions/MAC", f"{result['instructions_per_mac']:.2f} over {result['macs']} MACs"))
    if flash:
        rows.append(("flash", f"{flash['total']} bytes (code {flash['code']}, const+weights {flash['const']})"))
    if ram:
        rows.append(("RAM", f"arena {ram['arena']}, stack high-water {ram['stack_high_water']} of "
                            f"{ram['stack_reserved']}, static {ram['static']} bytes"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def hil_main(args) -> int:
    from ..demo import ensure_model

    model_dir = args.model or ensure_model(args.board)
    result = run_hil(args.board, model_dir, port=args.port, count=args.random_vectors, seed=args.seed).to_json()
    print(format_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if not result["all_exact"]:
        print(f"FAIL: {result['vectors'] - result['exact']} vectors differ from the TFLite Micro reference; "
              f"first: {result['first_mismatch']}", file=sys.stderr)
        return 1
    print("PASS: every output byte equals the TFLite Micro reference")
    return 0
