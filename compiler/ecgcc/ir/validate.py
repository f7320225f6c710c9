"""Reject what the compiler cannot do, naming the operator and the tensor, before any C is written."""
from __future__ import annotations

import numpy as np

from ..errors import InvalidModelError
from ..safe_text import printable
from . import Graph, UnsupportedModelError


def check_operator_kinds(graph: Graph, supported_kinds) -> None:
    """The checks that need only each operator's type and its tensors' types, so they hold on any structure and
    run first: what they name is the one thing a user must change."""
    # float activations first: for a float or half-quantized model that is the one thing to change
    for op in graph.operators:
        for t in [*op.inputs, *op.outputs]:
            tensor = graph.tensor(t)
            if tensor is not None and tensor.dtype == "float32" and not tensor.is_const:
                raise UnsupportedModelError(f"{op.describe()}: {tensor.describe()} is float32 in the inference path; "
                                            "the model must be fully int8-quantized")
    _refuse_unsupported_kinds(graph, supported_kinds)


# int16 inputs and int32 outputs occur where a model quantizes at its edges (TFLM's keyword_scrambled_8bit);
# the operators next to them check that they can take them
MODEL_IO_DTYPES = {"input": ("int8", "int16"), "output": ("int8", "int16", "int32")}


def validate(graph: Graph, supported_kinds) -> None:
    check_operator_kinds(graph, supported_kinds)
    for t in [*graph.inputs, *graph.outputs]:
        tensor = graph.tensors[t]
        role = "input" if t in graph.inputs else "output"
        if tensor.dtype not in MODEL_IO_DTYPES[role]:
            raise UnsupportedModelError(f"model {role} {tensor.describe()} must be "
                                        f"{' or '.join(MODEL_IO_DTYPES[role])} (convert with int8 inference "
                                        "input/output types)")
    for op in graph.operators:
        for t in [*op.inputs, *op.outputs]:
            tensor = graph.tensor(t)
            if tensor is not None and any(d <= 0 for d in tensor.shape):
                raise UnsupportedModelError(f"{op.describe()}: {tensor.describe()} has an empty dimension; every "
                                            "tensor an operator computes with must hold data")
    produced = {t for op in graph.operators for t in op.outputs}
    for op in graph.operators:
        for t in op.inputs:
            tensor = graph.tensor(t)
            if (tensor is not None and not tensor.is_const and not tensor.is_variable and t not in produced
                    and t not in graph.inputs):
                raise UnsupportedModelError(f"{op.describe()} reads {tensor.describe()}, which nothing produces "
                                            "(variables and stateful models are not supported)")


def _refuse_unsupported_kinds(graph: Graph, supported_kinds) -> None:
    """One refusal listing each unsupported operator type once, with its count and its first occurrence."""
    supported = set(supported_kinds)
    unsupported = [op for op in graph.operators if op.kind not in supported]
    if not unsupported:
        return
    first: dict[str, object] = {}
    counts: dict[str, int] = {}
    for op in unsupported:
        first.setdefault(op.kind, op)
        counts[op.kind] = counts.get(op.kind, 0) + 1
    listed = ", ".join(f"{printable(kind, 32)} x{counts[kind]}" for kind in list(first)[:8])
    more = f" and {len(first) - 8} more types" if len(first) > 8 else ""
    op = unsupported[0]
    output = graph.tensor(op.outputs[0]) if op.outputs else None
    raise UnsupportedModelError(f"{len(unsupported)} unsupported operators: {listed}{more} (first: {op.describe()}"
                                + (f" writing {output.describe()})" if output else ")"),
                                "supported operators: " + ", ".join(sorted(supported)))


# (fewest, most) inputs of each operator the compiler reads; the fewest must all be present (not -1)
ARITY = {"CONV_2D": (2, 3), "DEPTHWISE_CONV_2D": (2, 3), "FULLY_CONNECTED": (2, 3), "AVERAGE_POOL_2D": (1, 1),
         "MAX_POOL_2D": (1, 1), "SOFTMAX": (1, 1), "CONCATENATION": (1, 1 << 16), "ADD": (2, 2), "SUB": (2, 2),
         "MUL": (2, 2), "LEAKY_RELU": (1, 1), "LOGISTIC": (1, 1), "TANH": (1, 1), "RELU": (1, 1), "RELU6": (1, 1),
         "HARD_SWISH": (1, 1), "QUANTIZE": (1, 1), "MEAN": (2, 2), "RESHAPE": (1, 2), "EXPAND_DIMS": (2, 2),
         "SQUEEZE": (1, 1), "PAD": (2, 2), "PADV2": (2, 3), "SPACE_TO_BATCH_ND": (3, 3),
         "BATCH_TO_SPACE_ND": (3, 3), "SVDF": (5, 5), "UNIDIRECTIONAL_SEQUENCE_LSTM": (1, 24)}
# the inputs through which an operator keeps its state between inferences: the only places a variable may be read
STATE_INPUTS = {"SVDF": (4,), "UNIDIRECTIONAL_SEQUENCE_LSTM": (18, 19)}
# operators whose activations, filters and outputs are NHWC tensors (the 1-D models use a height of 1)
FOUR_D = {"CONV_2D": (0, 1), "DEPTHWISE_CONV_2D": (0, 1), "AVERAGE_POOL_2D": (0,), "MAX_POOL_2D": (0,)}
AT_LEAST_ONE = ("StrideW", "StrideH", "DilationWFactor", "DilationHFactor", "FilterWidth", "FilterHeight")
PADDINGS = (0, 1)        # SAME, VALID
ACTIVATIONS = range(6)   # NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT


def _refuse(op, rule: str, tensor=None) -> None:
    raise InvalidModelError(f"{op.describe()}{': ' + tensor.describe() if tensor is not None else ''}: {rule}",
                            "the model file breaks a TensorFlow Lite rule; re-export it from the framework "
                            "that trained it")


def _check_operator_shape(op, graph: Graph) -> None:
    fewest, most = ARITY.get(op.kind, (0, 1 << 16))
    if not fewest <= len(op.inputs) <= most:
        _refuse(op, f"takes {fewest} to {most} inputs, the model gives {len(op.inputs)}")
    if any(t < 0 for t in op.inputs[:fewest]):
        _refuse(op, f"its first {fewest} inputs must be present (-1 marks an absent optional input)")
    if op.kind in ARITY and len(op.outputs) != 1:
        _refuse(op, f"has {len(op.outputs)} outputs, one expected")
    for position in FOUR_D.get(op.kind, ()):
        for t in (op.inputs[position], op.outputs[0]):
            if len(graph.tensors[t].shape) != 4:
                _refuse(op, f"needs rank-4 (NHWC) tensors, this one has rank {len(graph.tensors[t].shape)}",
                        graph.tensors[t])
    for field in AT_LEAST_ONE:
        if field in op.options and int(op.options[field]) < 1:
            _refuse(op, f"{field} is {op.options[field]}, must be at least 1")
    if "Padding" in op.options and op.options["Padding"] not in PADDINGS:
        _refuse(op, f"padding type {op.options['Padding']} is neither SAME nor VALID")
    if "FusedActivationFunction" in op.options and op.options["FusedActivationFunction"] not in ACTIVATIONS:
        _refuse(op, f"fused activation {op.options['FusedActivationFunction']} is not a TFLite activation")


SAME_SHAPE = ("SOFTMAX", "RELU", "RELU6", "LOGISTIC", "TANH", "LEAKY_RELU", "HARD_SWISH", "QUANTIZE")
BROADCAST = ("ADD", "SUB", "MUL")


def _size(shape) -> int:
    return int(np.prod(shape, dtype=np.int64)) if len(shape) else 1


def _check_output_shape(op, graph: Graph) -> None:
    """The output shape the model stores must be the one the operator computes: the generated code sizes
    its buffers from the stored shapes, so a wrong one means reading or writing past a buffer.
    (Convolutions, pooling, PAD, CONCATENATION and RESHAPE check their own geometry when lowered.)"""
    x, y = graph.tensors[op.inputs[0]], graph.tensors[op.outputs[0]]
    if op.kind in SAME_SHAPE and tuple(x.shape) != tuple(y.shape):
        _refuse(op, f"output shape {list(y.shape)} differs from input shape {list(x.shape)}", y)
    elif op.kind in BROADCAST:
        b = graph.tensors[op.inputs[1]]
        try:
            expected = tuple(np.broadcast_shapes(tuple(x.shape), tuple(b.shape)))
        except ValueError:
            _refuse(op, f"input shapes {list(x.shape)} and {list(b.shape)} do not broadcast", y)
        if tuple(y.shape) != expected:
            _refuse(op, f"output shape {list(y.shape)} is not the broadcast shape {list(expected)}", y)
    elif op.kind == "FULLY_CONNECTED":
        w = graph.tensors[op.inputs[1]]
        if len(w.shape) != 2:
            _refuse(op, f"weights of rank {len(w.shape)}, 2 expected", w)
        units, depth = w.shape
        if _size(x.shape) % depth or _size(y.shape) != _size(x.shape) // depth * units:
            _refuse(op, f"output of {_size(y.shape)} values, but input {list(x.shape)} through weights "
                        f"{list(w.shape)} gives {_size(x.shape) // depth * units}", y)
        bias = graph.tensor(op.inputs[2]) if len(op.inputs) > 2 else None
        if bias is not None and _size(bias.shape) != units:
            _refuse(op, f"bias of {_size(bias.shape)} values for {units} units", bias)
    elif op.kind == "EXPAND_DIMS":
        axis = graph.tensors[op.inputs[1]]
        if not axis.is_const or axis.data.size != 1:
            _refuse(op, "the axis must be a constant holding one value", axis)
        at = int(np.asarray(axis.data).reshape(-1)[0])
        at += len(x.shape) + 1 if at < 0 else 0
        if not 0 <= at <= len(x.shape):
            _refuse(op, f"axis {at} outside a rank-{len(x.shape)} input", axis)
        expected = (*x.shape[:at], 1, *x.shape[at:])
        if tuple(y.shape) != expected:
            _refuse(op, f"output shape {list(y.shape)} is not {list(expected)}", y)
    elif op.kind == "SQUEEZE":
        dims = {int(d) % len(x.shape) for d in op.options.get("SqueezeDims", [])} if x.shape else set()
        if any(x.shape[d] != 1 for d in dims):
            _refuse(op, f"squeezes a dimension of {list(x.shape)} that is not 1", x)
        expected = tuple(d for i, d in enumerate(x.shape) if (i not in dims if dims else d != 1))
        if tuple(y.shape) != expected:
            _refuse(op, f"output shape {list(y.shape)} is not {list(expected)}", y)
    elif op.kind == "MEAN":
        axes = graph.tensors[op.inputs[1]]
        if axes.is_const and x.shape:
            reduced = {int(a) % len(x.shape) for a in np.asarray(axes.data).reshape(-1)}
            kept = _size([d for i, d in enumerate(x.shape) if i not in reduced])
            if _size(y.shape) != kept:
                _refuse(op, f"output of {_size(y.shape)} values, the mean over axes {sorted(reduced)} of "
                            f"{list(x.shape)} gives {kept}", y)


def check_graph_structure(graph: Graph) -> None:
    """Rules every model must meet before any pass looks at it: operators in execution order (each input
    made by an earlier operator, a constant or a model input), each tensor made once, operators with the
    inputs, ranks and option values their kernels read."""
    available = set(graph.inputs) | {t.index for t in graph.tensors if t.is_const or t.is_variable}
    later = {t for op in graph.operators for t in op.outputs}
    for op in graph.operators:
        _check_operator_shape(op, graph)
        _check_output_shape(op, graph)
        for position, t in enumerate(op.inputs):
            if t >= 0 and graph.tensors[t].is_variable and position not in STATE_INPUTS.get(op.kind, ()):
                _refuse(op, f"reads a variable tensor as its input {position}; only the state inputs of "
                            f"{', '.join(sorted(STATE_INPUTS))} may be variables", graph.tensors[t])
            if t >= 0 and t not in available:
                if t in later:
                    _refuse(op, "reads a tensor that a later operator makes (operators out of execution order)",
                            graph.tensors[t])
                _refuse(op, "reads a tensor that nothing makes (variables and stateful models are not supported)",
                        graph.tensors[t])
        for t in op.outputs:
            tensor = graph.tensors[t]
            if tensor.is_const or tensor.is_variable or t in graph.inputs:
                _refuse(op, "writes a constant, a variable or a model input", tensor)
            if t in available:
                _refuse(op, "writes a tensor that an earlier operator already made", tensor)
            available.add(t)
    for t in graph.outputs:
        if t not in available or graph.tensors[t].is_const:
            raise InvalidModelError(f"model output {graph.tensors[t].describe()} is made by no operator",
                                    "the model file is damaged; re-export it")
