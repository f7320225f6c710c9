"""The interpolation points of TFLite Micro's int16 sigmoid and tanh, measured from TFLite Micro itself.

TFLM's int16 LOGISTIC and TANH (and so its integer LSTM's gates) interpolate linearly between 256 points of
sigmoid(i / 24) in units of 2^-16. The points are not a closed formula (they differ by one from rounding
65536 * sigmoid(i / 24) at several places), so the compiler does not guess them: it runs a one-operator int16
TANH model through the pip TFLite Micro interpreter once and solves for the points from its outputs.

With the input scale 2^-12, TFLM's int16 TANH reads input x as u = 3x, takes point h = u >> 8 and its
successor, and returns point[h] - 2^15 + ((u & 255) * (point[h + 1] - point[h]) + 128) >> 8. Each h is seen
through about 85 inputs; the one pair (point, step) that explains all of them is kept, and consecutive
pairs must agree (the step of h leads to the point of h + 1).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

POINTS = 256
PROBE_SCALE = 2.0 ** -12      # Q3.12: TFLM then takes the power-of-two path, input multiplier 3, no shift
OUTPUT_SCALE = 2.0 ** -15


def _tanh_model(size: int) -> bytes:
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    def tensor(index: int, scale: float):
        t = schema.TensorT()
        t.shape, t.type, t.buffer, t.name = [size], schema.TensorType.INT16, index + 1, f"t{index}".encode()
        t.quantization = schema.QuantizationParametersT()
        t.quantization.scale, t.quantization.zeroPoint = [scale], [0]
        return t

    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.TANH
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    graph = schema.SubGraphT()
    graph.tensors = [tensor(0, PROBE_SCALE), tensor(1, OUTPUT_SCALE)]
    graph.inputs, graph.outputs, graph.operators = [0], [1], [op]
    model = schema.ModelT()
    model.version, model.operatorCodes, model.subgraphs = 3, [code], [graph]
    model.buffers = [schema.BufferT() for _ in range(3)]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def _solve(steps: np.ndarray, seen: np.ndarray) -> tuple[int, int]:
    """(point, step to the next point) explaining every output `seen` at interpolation steps `steps`."""
    order = np.argsort(steps)
    steps, seen = steps[order], seen[order]
    guess = int(round((seen[-1] - seen[0]) * 256 / max(1, steps[-1] - steps[0])))
    found = []
    for step in range(max(0, guess - 32), guess + 33):
        base = seen - ((steps * step + 128) >> 8)
        if np.all(base == base[0]):
            found.append((int(base[0]), step))
    if len(found) != 1:
        raise RuntimeError(f"TFLM's int16 tanh outputs fit {len(found)} interpolation points, not one")
    return found[0]


@lru_cache(maxsize=1)
def sigmoid_points() -> tuple[int, ...]:
    """The 256 points (unsigned 16-bit) as TFLM's int16 sigmoid and tanh use them."""
    from ..reference import _interpreter_module

    largest = (255 * 256) // 3 + 1                   # the last input whose point is below the saturation
    x = np.arange(largest, dtype=np.int16)
    interpreter = _interpreter_module().Interpreter.from_bytes(_tanh_model(largest), arena_size=1 << 20)
    interpreter.set_input(x, 0)
    interpreter.invoke()
    seen = np.asarray(interpreter.get_output(0), np.int64) + (1 << 15)
    u = 3 * x.astype(np.int64)
    points, steps = [], []
    for h in range(POINTS - 1):
        at = (u >> 8) == h
        point, step = _solve(u[at] & 255, seen[at])
        points.append(point)
        steps.append(step)
    points.append(points[-1] + steps[-1])
    if any(points[h] + steps[h] != points[h + 1] for h in range(POINTS - 1)):
        raise RuntimeError("TFLM's int16 tanh outputs do not come from one table of interpolation points")
    return tuple(points)
