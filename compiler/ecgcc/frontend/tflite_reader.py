"""Parse an int8 .tflite flatbuffer (through the `tflite` schema package) into the ecgcc graph."""
from __future__ import annotations

import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

from ..ir import Graph, Operator, Tensor, UnsupportedModelError
from .flatbuffer_check import check_flatbuffer
from .model_rules import builtin_number, check_model_rules

_DTYPES = {getattr(tflite.TensorType, n): n.lower() for n in dir(tflite.TensorType) if n.isupper()}
_NUMPY_DTYPES = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "uint8": np.uint8,
                 "int64": np.int64, "int16": np.int16, "int8": np.int8, "bool": np.bool_}
_OPTION_CLASSES = {getattr(tflite.BuiltinOptions, n): n for n in dir(tflite.BuiltinOptions) if not n.startswith("_")}


def _read_options(op) -> dict:
    """Every scalar and vector field of the operator's builtin options, keyed by schema name."""
    kind = op.BuiltinOptionsType()
    table = op.BuiltinOptions()
    if kind == 0 or table is None:
        return {}
    cls = getattr(tflite, _OPTION_CLASSES[kind])
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    fields = {}
    for name in dir(cls):
        if not name[0].isupper() or name.startswith(("Init", "GetRootAs")) or name.endswith(("Length", "IsNone", "AsNumpy")):
            continue
        if hasattr(cls, name + "AsNumpy"):
            vec = getattr(opts, name + "AsNumpy")()
            fields[name] = [] if isinstance(vec, int) else [int(v) for v in vec]
        else:
            try:
                fields[name] = getattr(opts, name)()
            except TypeError:
                continue
    return fields


def _builtin_name(code) -> str:
    number = builtin_number(code)
    if number == tflite.BuiltinOperator.CUSTOM:
        return "CUSTOM:" + (code.CustomCode() or b"?").decode("utf-8", "replace")
    return BUILTIN_OPCODE2NAME.get(number, f"BUILTIN_{number}")


def _tensor_name(t) -> str:
    """Names are optional in the schema and carry no meaning for the code: absent is "", bad UTF-8 is replaced."""
    raw = t.Name()
    return raw.decode("utf-8", errors="replace") if raw else ""


def _read_tensor(model, subgraph, index: int) -> Tensor:
    t = subgraph.Tensors(index)
    name = _tensor_name(t)
    dtype = _DTYPES.get(t.Type(), f"type{t.Type()}")
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    q = t.Quantization()
    scales = np.asarray(q.ScaleAsNumpy(), np.float32) if q is not None and q.ScaleLength() else np.zeros(0, np.float32)
    zps = np.asarray(q.ZeroPointAsNumpy(), np.int64) if q is not None and q.ZeroPointLength() else np.zeros(0, np.int64)
    data = None
    is_variable = bool(t.IsVariable())
    buffer = model.Buffers(t.Buffer()) if t.Buffer() > 0 and not is_variable else None   # TFLM resets variables
    if buffer is not None and buffer.DataLength() > 0:
        if dtype not in _NUMPY_DTYPES:
            raise UnsupportedModelError(f"tensor {index} has unsupported constant type {dtype}")
        raw = buffer.DataAsNumpy().tobytes()
        data = np.frombuffer(raw, dtype=_NUMPY_DTYPES[dtype]).reshape(shape).copy()
    return Tensor(index=index, name=name, shape=shape, dtype=dtype, scales=scales, zero_points=zps,
                  quantized_dim=q.QuantizedDimension() if q is not None else 0, data=data,
                  is_variable=is_variable)


def parse_tflite(model_bytes: bytes, name: str = "model") -> Graph:
    """Every offset, index, shape and quantization field is checked before it is used (InvalidModelError)."""
    model_bytes = bytes(model_bytes)
    check_flatbuffer(model_bytes)
    model = tflite.Model.GetRootAsModel(model_bytes, 0)
    check_model_rules(model)
    sg = model.Subgraphs(0)
    tensors = [_read_tensor(model, sg, i) for i in range(sg.TensorsLength())]
    operators = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        kind = _builtin_name(model.OperatorCodes(op.OpcodeIndex()))
        inputs = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outputs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        operators.append(Operator(index=i, kind=kind, inputs=inputs, outputs=outputs, options=_read_options(op)))
    return Graph(tensors=tensors, operators=operators, inputs=[int(x) for x in sg.InputsAsNumpy()],
                 outputs=[int(x) for x in sg.OutputsAsNumpy()], name=name)
