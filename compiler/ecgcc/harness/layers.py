"""`ecgcc layers`: layer-by-layer debugging and profiling on the device.

The device runs the model once through its TRACE command, returning every layer's output and the
instructions that layer took; the TFLite Micro reference runs the same input keeping every tensor.
The first layer and element that differ are named, so a mismatch points at one kernel, not a model."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ..boards import add_board_argument
from .device import Device
from .hil import CompiledModel, random_vectors


def diff_layers(device: Device, model: CompiledModel, inputs) -> dict:
    from ..frontend import parse_tflite
    from ..reference import Reference

    traced = device.trace(inputs)
    reference = Reference(model.tflite, keep_all_tensors=True)
    reference.run(inputs)
    graph = parse_tflite(model.tflite)
    operators = {op.index: op for op in graph.operators}
    layers, first = [], None
    for info, trace in zip(model.report.get("layers", []), traced.layers):
        # a layer of several operators (a convolution with its pooling folded in, a residual block) writes the
        # output of its last one; reports written before that field was added name one operator per layer
        tensor = operators[info.get("output_operator_index", info["operator_index"])].outputs[0]
        expected = reference.tensor(tensor)
        if expected.dtype not in (np.int16, np.int32):   # the layers at a model's edges may be wider than int8
            expected = expected.astype(np.int8)
        whole = len(trace.data) - len(trace.data) % expected.dtype.itemsize
        got = np.frombuffer(trace.data[:whole], dtype=expected.dtype)
        row = {"layer": info["name"], "instructions": trace.instructions, "macs": info["macs"],
               "instructions_per_mac": trace.instructions / info["macs"] if info["macs"] else None,
               "bytes": int(got.size)}
        if got.size != expected.size:
            row["status"] = f"not comparable: {got.size} bytes on the device, tensor {tensor} has {expected.size}"
        else:
            differing = np.flatnonzero(got != expected.reshape(-1))
            row["status"] = "equal" if differing.size == 0 else f"{differing.size} elements differ"
            if differing.size and first is None:
                at = int(differing[0])
                first = {"layer": info["name"], "tensor": tensor, "element": at,
                         "index": [int(i) for i in np.unravel_index(at, expected.shape)],
                         "device": int(got[at]), "reference": int(expected.reshape(-1)[at]),
                         "differing_elements": int(differing.size)}
        layers.append(row)
    if len(traced.layers) != len(model.report.get("layers", [])):
        first = first or {"layer": None, "problem": f"device traced {len(traced.layers)} layers, "
                                                   f"the compiled model has {len(model.report.get('layers', []))}"}
    return {"layers": layers, "first_difference": first, "total_instructions": traced.instructions}


def format_layers(result: dict) -> str:
    lines = [f"{'layer':<22}{'instructions':>14}{'MACs':>12}{'instr/MAC':>11}  check"]
    for row in result["layers"]:
        per_mac = f"{row['instructions_per_mac']:.2f}" if row["instructions_per_mac"] else "-"
        lines.append(f"{row['layer']:<22}{row['instructions']:>14,}{row['macs']:>12,}{per_mac:>11}  {row['status']}")
    lines.append(f"{'total':<22}{result['total_instructions']:>14,}")
    first = result["first_difference"]
    lines.append("all layers equal TFLite Micro" if first is None else f"FIRST DIFFERENCE: {first}")
    return "\n".join(lines)


def add_layers_arguments(parser) -> None:
    add_board_argument(parser)
    parser.add_argument("--port", help="serial port or URL of an attached board")
    parser.add_argument("--model", help="compiled model folder (default: the reference ECG model)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random input")
    parser.add_argument("--json", help="write the per-layer result here")


def layers_main(args) -> int:
    from .. import firmware
    from ..model_cache import ensure_model
    from .emulator import EmulatedBoard

    model_dir = args.model or ensure_model(args.board)
    model = CompiledModel.load(model_dir)
    inputs = random_vectors(model, 4, args.seed)[3]
    session = None
    url = args.port
    if not url:
        session = EmulatedBoard(args.board, firmware.build(args.board, model_dir).path).start()
        url = session.url
    try:
        with Device(url, timeout=30) as device:
            result = diff_layers(device, model, inputs)
    finally:
        if session is not None:
            session.stop()
    print(format_layers(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    if result["first_difference"] is not None:
        print("layer-by-layer check failed", file=sys.stderr)
        return 1
    return 0
