"""Memory an int8 model needs on a microcontroller: constant data and tensor arena.

``weights_bytes`` counts every constant tensor stored in the flatbuffer (weights, biases
and small shape operands); ``arena_bytes`` is what the TFLite Micro interpreter reports
allocating from its arena (activations in the head, interpreter bookkeeping in the tail).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

import numpy as np

_ARENA_LINE = re.compile(r"Arena allocation (total|head|tail) (\d+) bytes")


def weights_bytes(flatbuffer: bytes) -> int:
    import tflite

    model = tflite.Model.GetRootAsModel(bytearray(flatbuffer), 0)
    total = 0
    for s in range(model.SubgraphsLength()):
        subgraph = model.Subgraphs(s)
        for t in range(subgraph.TensorsLength()):
            buffer = model.Buffers(subgraph.Tensors(t).Buffer())
            if buffer is not None and buffer.DataLength() > 0:
                total += buffer.DataLength()
            elif buffer is not None and buffer.Size() > 0:
                total += buffer.Size()  # data stored outside the flatbuffer table (>2 GB format)
    return total


def _zero_inputs(interpreter, count: int) -> None:
    for index in range(count):
        detail = interpreter.get_input_details(index)
        interpreter.set_input(np.zeros(tuple(detail["shape"]), dtype=detail["dtype"]), index)


def arena_usage(flatbuffer: bytes, n_inputs: int = 2) -> dict[str, int]:
    """{"total", "head", "tail"} bytes, from the interpreter's allocation record."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_bytes(bytes(flatbuffer))
    _zero_inputs(interpreter, n_inputs)
    interpreter.invoke()
    # the recording allocator prints from C++ straight to file descriptor 2
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            interpreter.print_allocations()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        text = capture.read().decode(errors="replace")
    usage = {kind: int(value) for kind, value in _ARENA_LINE.findall(text)}
    if "total" not in usage:
        raise RuntimeError(f"could not read the arena usage from TFLite Micro: {text[:200]!r}")
    return usage


def model_footprint(flatbuffer: bytes) -> dict[str, int]:
    usage = arena_usage(flatbuffer)
    return {
        "weights_bytes": weights_bytes(flatbuffer),
        "arena_bytes": usage["total"],
        "arena_activation_bytes": usage.get("head", 0),
        "arena_interpreter_bytes": usage.get("tail", 0),
        "flatbuffer_bytes": len(flatbuffer),
    }
