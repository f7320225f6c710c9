"""Corrupted variants of a .tflite model, to prove the frontend refuses what it cannot compile correctly.

Three families:
  * damage: truncations, random bit flips, and flips or overwrites of the bytes the flatbuffer reader
    follows (offsets, vtables, vector lengths), found by walking the file;
  * broken rules: one validator rule broken on purpose per variant, by editing the model with the TFLite
    schema's object API (each of these must be refused);
  * hostile names: tensor names holding C comment, string, trigraph and line-splice tricks (each of these
    must compile, and its C must behave exactly as the model).

Every variant is a Variant(name, data, must_refuse). The generator is deterministic for a seed.
"""
from __future__ import annotations

import copy
import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .flatbuffer_check import _Walk


@dataclass(frozen=True)
class Variant:
    name: str
    data: bytes
    must_refuse: bool        # a rule was broken on purpose: compiling it would be a defect


# Names that try to leave a C string or comment: closers, a line splice by backslash-newline and by the
# trigraph ??/, quotes, NUL, preprocessor lines, non-ASCII and terminal escapes, and a very long one.
HOSTILE_NAMES = (
    b"*/ int injected_after_comment = 1; /*",
    b"*\\\n/ int injected_after_splice = 1; /*",
    b"??/\n#define INJECTED_TRIGRAPH 1\n",
    b"??=define INJECTED_HASH_TRIGRAPH 1",
    b"\"; int injected_after_string = 1; static const char *rest = \"",
    b"\\",
    b"name\\",
    b"a\x00b */ int injected_after_nul;",
    b"\n#define INJECTED_NEWLINE 1\n",
    b"\r\n#include \"/etc/passwd\"\r\n",
    b"\x01" + b"777 then digits after an escape",
    b"\xff\xfe invalid utf-8 \xc3",
    "\u00e9\u4e2d\u6587 \x1b[2J\x7f".encode(),
    b"%n%s%x%p",
    b"'\\'' ??' ??( ??) ??! ??< ??> ??-",
    b"long " + b"x" * 20000,
)


@functools.lru_cache(maxsize=1)
def schema():
    """TensorFlow's generated TFLite schema with the object API (ModelT ... Pack), loaded on its own: the
    module only needs `flatbuffers`, and importing it through `tensorflow` would load all of TensorFlow."""
    spec = importlib.util.find_spec("tensorflow")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the TFLite object API comes with tensorflow, which is not installed")
    path = Path(list(spec.submodule_search_locations)[0]) / "lite" / "python" / "schema_py_generated.py"
    loader = importlib.util.spec_from_file_location("ecgcc_tflite_schema", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def unpack(data: bytes):
    s = schema()
    return s.ModelT.InitFromObj(s.Model.GetRootAs(bytearray(data), 0))


def pack(model) -> bytes:
    import flatbuffers
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


class _ReadRecorder(_Walk):
    """The bounds-checking walk, noting every byte position it reads a structural field from."""

    def __init__(self, buf: bytes):
        super().__init__(buf)
        self.read: set[int] = set()

    def u16(self, pos: int) -> int:
        self.read.add(pos)
        return super().u16(pos)

    def u32(self, pos: int) -> int:
        self.read.add(pos)
        return super().u32(pos)


def structural_positions(data: bytes) -> list[int]:
    """Byte positions of the offsets, vtable entries and lengths of a valid model, sorted."""
    walk = _ReadRecorder(data)
    walk.read.add(0)
    walk.table("Model", walk.follow(0, "root"), "Model", 0)
    return sorted(walk.read)


def damaged(data: bytes, rng: np.random.Generator, count: int) -> Iterator[Variant]:
    """count variants: a third truncations, a third random bit flips, a third hits on structural bytes."""
    positions = structural_positions(data)
    replacements = (0x00, 0xFF, 0x7F, 0x80, 0x01)
    for i in range(count):
        family = i % 3
        buf = bytearray(data)
        if family == 0:
            cut = int(rng.integers(0, len(data))) if i % 2 else int(rng.choice(positions))
            yield Variant(f"truncate@{cut}", bytes(buf[:cut]), False)
        elif family == 1:
            flips = []
            for _ in range(int(rng.integers(1, 5))):
                pos, bit = int(rng.integers(0, len(buf))), int(rng.integers(0, 8))
                buf[pos] ^= 1 << bit
                flips.append(f"{pos}.{bit}")
            yield Variant("flip@" + ",".join(flips), bytes(buf), False)
        else:
            pos = int(rng.choice(positions)) + int(rng.integers(0, 4))
            pos = min(pos, len(buf) - 1)
            if rng.random() < 0.5:
                bit = int(rng.integers(0, 8))
                buf[pos] ^= 1 << bit
                yield Variant(f"structural-flip@{pos}.{bit}", bytes(buf), False)
            else:
                value = replacements[int(rng.integers(0, len(replacements)))]
                buf[pos] = value
                yield Variant(f"structural-set@{pos}={value:#04x}", bytes(buf), False)


# --- one rule broken on purpose -------------------------------------------------------------------------

def _ops_of(model, code: int):
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    return [op for op in model.subgraphs[0].operators if codes[op.opcodeIndex] == code]


def _first(items):
    if not items:
        raise LookupError("the model has no such element")
    return items[0]


def _activation(model):
    """A tensor an operator makes (not a model output)."""
    sg = model.subgraphs[0]
    return sg.tensors[_first([op.outputs[0] for op in sg.operators if op.outputs[0] not in sg.outputs])]


def _const(model, per_channel: bool = False):
    sg = model.subgraphs[0]
    return _first([t for t in sg.tensors if t.buffer and model.buffers[t.buffer].data is not None
                   and len(model.buffers[t.buffer].data) and (not per_channel or (
                       t.quantization is not None and t.quantization.scale is not None
                       and len(t.quantization.scale) > 1))])


def _builtin(name: str) -> int:
    return getattr(schema().BuiltinOperator, name)


def _options(model, *op_names: str):
    return _first([op.builtinOptions for name in op_names for op in _ops_of(model, _builtin(name))
                   if op.builtinOptions is not None])


def _set(obj, field: str, value):
    setattr(obj, field, value)


def _rule_edits() -> dict[str, Callable]:
    """rule name -> an edit of a ModelT that breaks exactly that rule."""
    s = schema()

    def reorder(m):
        ops = m.subgraphs[0].operators
        ops[0], ops[1] = ops[1], ops[0]

    def reverse(m):
        m.subgraphs[0].operators.reverse()

    def twice(m):
        ops = m.subgraphs[0].operators
        ops[1].outputs = list(ops[0].outputs)

    def write_const(m):
        ops = m.subgraphs[0].operators
        ops[-1].outputs = [m.subgraphs[0].tensors.index(_const(m))]

    def write_input(m):
        m.subgraphs[0].operators[-1].outputs = [m.subgraphs[0].inputs[0]]

    def drop_producer(m):
        sg = m.subgraphs[0]
        last = sg.operators.pop()
        sg.outputs = list(last.outputs)

    def per_channel_count(m):
        q = _const(m, per_channel=True).quantization
        q.scale, q.zeroPoint = list(q.scale)[:-1], list(q.zeroPoint)[:-1]

    def no_quantization(m):
        _activation(m).quantization = None

    def cut_data(m):
        buffer = m.buffers[_const(m).buffer]
        buffer.data = buffer.data[:-1]

    def two_subgraphs(m):
        m.subgraphs.append(copy.deepcopy(m.subgraphs[0]))

    def sparse(m):
        _const(m).sparsity = s.SparsityParametersT()

    def unknown_opcode(m):
        m.operatorCodes[0].builtinCode = 250
        m.operatorCodes[0].deprecatedBuiltinCode = 127

    def custom_opcode(m):
        m.operatorCodes[0].builtinCode = _builtin("CUSTOM")
        m.operatorCodes[0].deprecatedBuiltinCode = _builtin("CUSTOM")
        m.operatorCodes[0].customCode = b"*/ evil \xff"

    def opcode_copies_disagree(m):
        code = _first([c for c in m.operatorCodes if c.builtinCode < 126])
        code.builtinCode = code.deprecatedBuiltinCode + 1

    def missing_options(m):
        op = _first([op for name in ("CONV_2D", "FULLY_CONNECTED", "MAX_POOL_2D", "SOFTMAX")
                     for op in _ops_of(m, _builtin(name))])
        op.builtinOptionsType, op.builtinOptions = 0, None

    def wrong_options(m):
        op = _first([op for op in _ops_of(m, _builtin("CONV_2D")) + _ops_of(m, _builtin("FULLY_CONNECTED"))])
        op.builtinOptionsType, op.builtinOptions = s.BuiltinOptions.Pool2DOptions, s.Pool2DOptionsT()

    def first_op(m):
        return m.subgraphs[0].operators[0]

    def edit_tensor(field, value):
        return lambda m: _set(_activation(m), field, value)

    def edit_quant(field, value):
        return lambda m: _set(_activation(m).quantization, field, value)

    def edit_options(op_names, field, value):
        return lambda m: _set(_options(m, *op_names), field, value)

    conv_like = ("CONV_2D", "DEPTHWISE_CONV_2D")
    pools = ("MAX_POOL_2D", "AVERAGE_POOL_2D")
    return {
        "shape-negative-dim": lambda m: _set(_activation(m), "shape", [1, -5] + list(_activation(m).shape[2:])),
        "shape-zero-dim": lambda m: _set(_activation(m), "shape", [0] + list(_activation(m).shape[1:])),
        "shape-rank-6": lambda m: _set(_activation(m), "shape", [1] * (6 - len(_activation(m).shape))
                                       + list(_activation(m).shape)),
        "shape-over-int32": lambda m: _set(_activation(m), "shape", [65536, 65536]),
        "tensor-type-unknown": edit_tensor("type", 99),
        "buffer-index-out-of-range": lambda m: _set(_const(m), "buffer", len(m.buffers) + 3),
        "buffer-size-not-shape": cut_data,
        "scale-nan": edit_quant("scale", [math.nan]),
        "scale-inf": edit_quant("scale", [math.inf]),
        "scale-zero": edit_quant("scale", [0.0]),
        "scale-negative": edit_quant("scale", [-0.5]),
        "zero-point-out-of-range": edit_quant("zeroPoint", [300]),
        "zero-point-count": edit_quant("zeroPoint", [0, 0]),
        "per-channel-count": per_channel_count,
        "per-channel-axis": lambda m: _set(_const(m, per_channel=True).quantization, "quantizedDimension", 7),
        "int8-without-quantization": no_quantization,
        "opcode-index-out-of-range": lambda m: _set(first_op(m), "opcodeIndex", len(m.operatorCodes) + 1),
        "input-index-out-of-range": lambda m: _set(first_op(m), "inputs",
                                                   [len(m.subgraphs[0].tensors) + 9] + list(first_op(m).inputs[1:])),
        "input-index-negative": lambda m: _set(first_op(m), "inputs", [-7] + list(first_op(m).inputs[1:])),
        "required-input-absent": lambda m: _set(first_op(m), "inputs", [-1] + list(first_op(m).inputs[1:])),
        "output-index-minus-one": lambda m: _set(first_op(m), "outputs", [-1]),
        "output-index-out-of-range": lambda m: _set(first_op(m), "outputs", [len(m.subgraphs[0].tensors)]),
        "no-outputs": lambda m: _set(first_op(m), "outputs", []),
        "graph-input-minus-one": lambda m: _set(m.subgraphs[0], "inputs", [-1]),
        "graph-output-minus-one": lambda m: _set(m.subgraphs[0], "outputs", [-1]),
        "graph-output-out-of-range": lambda m: _set(m.subgraphs[0], "outputs", [len(m.subgraphs[0].tensors) + 1]),
        "graph-input-twice": lambda m: _set(m.subgraphs[0], "inputs", [m.subgraphs[0].inputs[0]] * 2),
        "graph-without-inputs": lambda m: _set(m.subgraphs[0], "inputs", []),
        "operators-swapped": reorder,
        "operators-reversed": reverse,
        "tensor-made-twice": twice,
        "operator-writes-constant": write_const,
        "operator-writes-model-input": write_input,
        "output-made-by-nothing": drop_producer,
        "stride-zero": edit_options(conv_like + pools, "strideW", 0),
        "stride-negative": edit_options(conv_like + pools, "strideH", -2),
        "dilation-zero": edit_options(conv_like, "dilationWFactor", 0),
        "filter-zero": edit_options(pools, "filterWidth", 0),
        "padding-unknown": edit_options(conv_like + pools, "padding", 7),
        "activation-unknown": edit_options(conv_like + ("FULLY_CONNECTED",), "fusedActivationFunction", 9),
        "options-missing": missing_options,
        "options-wrong-type": wrong_options,
        "two-subgraphs": two_subgraphs,
        "no-subgraph": lambda m: _set(m, "subgraphs", []),
        "sparse-weights": sparse,
        "unknown-builtin-operator": unknown_opcode,
        "custom-operator": custom_opcode,
        "opcode-copies-disagree": opcode_copies_disagree,
    }


RULES = tuple(_rule_edits().keys()) if importlib.util.find_spec("tensorflow") else ()


def broken_rules(data: bytes) -> Iterator[Variant]:
    """One variant per rule that applies to this model (a rule needing, say, a pooling layer the model
    lacks is skipped)."""
    base = unpack(data)
    for rule, edit in _rule_edits().items():
        model = copy.deepcopy(base)
        try:
            edit(model)
        except (LookupError, IndexError):
            continue
        yield Variant(f"rule:{rule}", pack(model), True)


def hostile_names(data: bytes) -> Iterator[Variant]:
    """The model with every tensor, the subgraph and the description renamed to one hostile name each."""
    base = unpack(data)
    for i, hostile in enumerate(HOSTILE_NAMES):
        model = copy.deepcopy(base)
        for t, tensor in enumerate(model.subgraphs[0].tensors):
            tensor.name = hostile + str(t).encode()      # distinct per tensor, as TFLite expects
        model.subgraphs[0].name = hostile
        model.description = hostile
        yield Variant(f"names:{i}", pack(model), False)


def all_variants(data: bytes, seed: int, damaged_count: int) -> list[Variant]:
    rng = np.random.default_rng(seed)
    return [*broken_rules(data), *hostile_names(data), *damaged(data, rng, damaged_count)]
