"""Rules on the fields of a bounds-checked .tflite model, checked before the parser builds the graph.

flatbuffer_check.py proves that every field can be read; these rules prove that what is read makes sense:
indices in range, shapes the kernels and the generated C can hold, constant data of the right size,
quantization parameters TFLite Micro would also accept, and the builtin options each operator needs.
Each refusal is an InvalidModelError naming the operator (index and type), the tensor (index and a
printable, cut name) and the rule.
"""
from __future__ import annotations

import math

import flatbuffers.number_types as number_types
import numpy as np
import tflite
from tflite.utils import BUILTIN_OPCODE2NAME

from ..errors import InvalidModelError, UserError
from ..safe_text import printable

MAX_RANK = 5                 # model_tensor_info_t.dims holds five; the kernels use at most four
INT32_MAX = 2**31 - 1
HINT = "the model file breaks a TensorFlow Lite rule; re-export it from the framework that trained it"

# element bytes of the tensor types a model may hold; other types are refused
TYPE_BYTES = {"float32": 4, "float16": 2, "int32": 4, "uint8": 1, "int64": 8, "int16": 2, "int8": 1, "bool": 1}
_TYPE_NAMES = {getattr(tflite.TensorType, n): n.lower() for n in dir(tflite.TensorType) if n.isupper()}
_ZERO_POINT_RANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767), "int32": (0, 0), "int64": (0, 0)}
_OPTION_TYPES = {getattr(tflite.BuiltinOptions, n): n for n in dir(tflite.BuiltinOptions) if not n.startswith("_")}

# builtin options table each operator the compiler lowers must carry (its fields decide the arithmetic)
REQUIRED_OPTIONS = {"CONV_2D": "Conv2DOptions", "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
                    "FULLY_CONNECTED": "FullyConnectedOptions", "AVERAGE_POOL_2D": "Pool2DOptions",
                    "MAX_POOL_2D": "Pool2DOptions", "SOFTMAX": "SoftmaxOptions",
                    "CONCATENATION": "ConcatenationOptions", "ADD": "AddOptions", "SUB": "SubOptions",
                    "MUL": "MulOptions", "LEAKY_RELU": "LeakyReluOptions", "MEAN": "ReducerOptions"}
# operators whose options table is optional, but must be of this type when present
OPTIONAL_OPTIONS = {"RESHAPE": "ReshapeOptions", "SQUEEZE": "SqueezeOptions", "EXPAND_DIMS": "ExpandDimsOptions",
                    "PAD": "PadOptions", "PADV2": "PadV2Options", "SPACE_TO_BATCH_ND": "SpaceToBatchNDOptions",
                    "BATCH_TO_SPACE_ND": "BatchToSpaceNDOptions"}


def _refuse(rule: str, operator: str | None = None, tensor: str | None = None) -> None:
    where = ": ".join(part for part in (operator, tensor) if part)
    raise InvalidModelError(f"{where + ': ' if where else ''}{rule}", HINT)


def _tensor_label(index: int, raw) -> str:
    name = raw.Name() if raw is not None else None
    return f"tensor {index} '{printable(name or b'')}'"


PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def builtin_codes(code) -> tuple[int, int]:
    """(builtin_code, deprecated_builtin_code) as stored. The `tflite` package's BuiltinCode() returns the
    deprecated field whenever the new one is below 127, whereas TFLite Micro takes the larger of the two:
    read the field itself so that ecgcc sees the operator TFLM runs."""
    at = code._tab.Offset(10)
    stored = code._tab.Get(number_types.Int32Flags, at + code._tab.Pos) if at else 0
    return int(stored), int(code.DeprecatedBuiltinCode())


def builtin_number(code) -> int:
    return max(builtin_codes(code))      # as TFLite Micro's GetBuiltinCode()


def operator_kind(model, opcode_index: int) -> str:
    code = model.OperatorCodes(opcode_index)
    number = builtin_number(code)
    if number == tflite.BuiltinOperator.CUSTOM:
        return "CUSTOM:" + (code.CustomCode() or b"?").decode("utf-8", "replace")
    return BUILTIN_OPCODE2NAME.get(number, f"BUILTIN_{number}")


def _check_operator_codes(model) -> None:
    """The schema stores an operator code twice (the old int8 field keeps min(code, 127)); files whose two
    copies disagree are read differently by different runtimes."""
    for i in range(model.OperatorCodesLength()):
        code, deprecated = builtin_codes(model.OperatorCodes(i))
        if code < 0 or deprecated < 0 or deprecated != min(max(code, deprecated), PLACEHOLDER_FOR_GREATER_OP_CODES):
            _refuse(f"operator code {i} stores builtin code {code} but deprecated code {deprecated}; they must agree")


def _vector(getter, length: int) -> list[int]:
    return [int(v) for v in getter()] if length else []


def _check_quantization(label: str, dtype: str, shape: list[int], q) -> None:
    if q is None:
        if dtype in ("int8", "int16"):
            _refuse(f"an {dtype} tensor without quantization parameters (scale and zero point)", tensor=label)
        return
    scales = q.ScaleAsNumpy() if q.ScaleLength() else np.zeros(0, np.float32)
    zero_points = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(0, np.int64)
    if dtype in ("int8", "int16") and len(scales) == 0:
        _refuse(f"an {dtype} tensor without a quantization scale", tensor=label)
    if len(scales) == 0:
        return
    if len(zero_points) != len(scales):
        _refuse(f"{len(scales)} quantization scales but {len(zero_points)} zero points", tensor=label)
    bad = [float(s) for s in scales if not (math.isfinite(float(s)) and float(s) > 0)]
    if bad:
        _refuse(f"quantization scale {bad[0]!r} is not a finite positive number", tensor=label)
    low, high = _ZERO_POINT_RANGE.get(dtype, (-2**31, INT32_MAX))
    outside = [int(z) for z in zero_points if not low <= int(z) <= high]
    if outside:
        _refuse(f"zero point {outside[0]} outside [{low}, {high}] for {dtype}", tensor=label)
    if len(scales) > 1:
        axis = q.QuantizedDimension()
        if len(shape) == 1 and 0 <= axis < 4:
            axis = 0   # converters copy the 4-D filter's channel axis into its rank-1 bias; that one axis is meant
        if not 0 <= axis < len(shape):
            _refuse(f"per-channel quantization along dimension {axis} of a rank-{len(shape)} tensor", tensor=label)
        if shape[axis] != len(scales):
            _refuse(f"{len(scales)} per-channel scales for {shape[axis]} channels (dimension {axis})", tensor=label)


def _first_users(model, sg) -> dict[int, str]:
    """For each tensor index, the first operator that reads or writes it, as error messages name it."""
    users: dict[int, str] = {}
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        known = 0 <= op.OpcodeIndex() < model.OperatorCodesLength()
        label = f"operator {i} ({printable(operator_kind(model, op.OpcodeIndex()))})" if known else f"operator {i}"
        for t in [*_vector(op.InputsAsNumpy, op.InputsLength()), *_vector(op.OutputsAsNumpy, op.OutputsLength())]:
            users.setdefault(t, label)
    return users


def _check_tensor(model, sg, index: int, users: dict[int, str]) -> None:
    raw = sg.Tensors(index)
    label = _tensor_label(index, raw)
    if index in users:
        label = f"{users[index]}: {label}"
    dtype = _TYPE_NAMES.get(raw.Type())
    if dtype not in TYPE_BYTES:
        _refuse(f"tensor type {dtype or raw.Type()} is not supported", tensor=label)
    shape = _vector(raw.ShapeAsNumpy, raw.ShapeLength())
    if len(shape) > MAX_RANK:
        _refuse(f"rank {len(shape)} exceeds the {MAX_RANK} dimensions supported", tensor=label)
    # an empty dimension is legal in the schema (recurrent operators keep empty intermediates); tensors that a
    # lowered operator reads or writes are held to positive dimensions in ir/validate.py
    if any(d < 0 for d in shape):
        _refuse(f"shape {shape} has a negative dimension", tensor=label)
    elements = math.prod(shape)
    if elements * TYPE_BYTES[dtype] > INT32_MAX:
        _refuse(f"shape {shape} holds {elements} elements, more bytes than int32 can count", tensor=label)
    if raw.Sparsity() is not None:
        raise UserError(f"{label}: sparse tensors are not supported", "store the weights dense")
    if not 0 <= raw.Buffer() < model.BuffersLength():
        _refuse(f"buffer index {raw.Buffer()} outside the model's {model.BuffersLength()} buffers", tensor=label)
    buffer = model.Buffers(raw.Buffer())
    if buffer.Offset() or buffer.Size():
        raise UserError(f"{label}: its data lies outside the flatbuffer (a model over 2 GB); not supported",
                        "the generated code keeps every weight in flash: the model is far too large anyway")
    if buffer.DataLength() and buffer.DataLength() != elements * TYPE_BYTES[dtype]:
        _refuse(f"constant data of {buffer.DataLength()} bytes, but shape {shape} x {dtype} needs "
                f"{elements * TYPE_BYTES[dtype]}", tensor=label)
    _check_quantization(label, dtype, shape, raw.Quantization())


def _check_operator(model, sg, index: int, tensor_count: int) -> None:
    op = sg.Operators(index)
    if not 0 <= op.OpcodeIndex() < model.OperatorCodesLength():
        _refuse(f"opcode index {op.OpcodeIndex()} outside the model's {model.OperatorCodesLength()} operator codes",
                operator=f"operator {index}")
    kind = operator_kind(model, op.OpcodeIndex())
    label = f"operator {index} ({printable(kind)})"
    inputs = _vector(op.InputsAsNumpy, op.InputsLength())
    outputs = _vector(op.OutputsAsNumpy, op.OutputsLength())
    if not outputs:
        _refuse("has no output tensor", operator=label)
    for role, indices, lowest in (("input", inputs, -1), ("output", outputs, 0)):
        for t in indices:
            if not lowest <= t < tensor_count:
                allowed = "-1 (absent) or " if lowest < 0 else ""
                _refuse(f"{role} tensor index {t}: must be {allowed}0 to {tensor_count - 1}", operator=label)
    options = _OPTION_TYPES.get(op.BuiltinOptionsType(), f"type {op.BuiltinOptionsType()}")
    present = op.BuiltinOptionsType() != 0 and op.BuiltinOptions() is not None
    expected = REQUIRED_OPTIONS.get(kind) or OPTIONAL_OPTIONS.get(kind)
    if kind in REQUIRED_OPTIONS and not present:
        _refuse(f"its builtin options ({expected}) are missing", operator=label)
    if expected and present and options != expected:
        _refuse(f"carries {options} where {expected} belong", operator=label)


def check_model_rules(model) -> None:
    """model: a tflite.Model over a buffer that passed check_flatbuffer()."""
    if model.SubgraphsLength() != 1:
        raise UserError(f"the model has {model.SubgraphsLength()} subgraphs; only one is supported",
                        "control flow operators (IF, WHILE, CALL_ONCE) cannot be compiled; export one graph")
    _check_operator_codes(model)
    sg = model.Subgraphs(0)
    tensor_count = sg.TensorsLength()
    users = _first_users(model, sg)
    for index in range(tensor_count):
        _check_tensor(model, sg, index, users)
    for index in range(sg.OperatorsLength()):
        _check_operator(model, sg, index, tensor_count)
    for role, indices in (("input", _vector(sg.InputsAsNumpy, sg.InputsLength())),
                          ("output", _vector(sg.OutputsAsNumpy, sg.OutputsLength()))):
        if not indices:
            _refuse(f"the model declares no {role} tensor")
        for t in indices:
            if not 0 <= t < tensor_count:
                _refuse(f"model {role} tensor index {t}: must be 0 to {tensor_count - 1}")
        if len(set(indices)) != len(indices):
            _refuse(f"a tensor is listed twice among the model's {role}s: {indices}")
