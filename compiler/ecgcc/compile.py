"""compile_model: model file -> int8 graph -> validated kernels -> static memory plan -> C files + report."""
from __future__ import annotations

import hashlib
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from .boards import Board, load_board
from .errors import UserError
from .codegen import FILES, array_body, c_string_literal, c_value, render
from .codegen.optimization import size_first_sources
from .codegen.report import format_table
from .frontend import Representative, load_int8_tflite, parse_tflite
from .ir import Graph, UnsupportedModelError
from .ir.validate import check_graph_structure, check_operator_kinds, validate
from .ops.conv_2d import pooled_entry, unpooled_entry
from .ops.fully_connected import decision_function
from .ops import (C_TYPE_BYTES, REGISTRY, ConstArray, Kernel, StateArray, Target, declare_in_place,
                  declare_scratch, declare_target_params, settle_scratch)
from .passes.decision import LOGIT_FRACTION_BITS, Decision, find_decision
from .passes.depthwise_as_conv import depthwise_on_one_channel_as_conv
from .passes.dilation import FOLDED_KINDS, fuse_padding_and_dilation
from .passes.fusion import DEFAULT_MAX_CHUNKS, fuse_conv_pools, lone_call_budget
from .passes.conv_entries import choose_conv_entries
from .passes.pool_into_conv import fold_max_pools
from .passes.memory import MemoryPlan, plan_memory, plan_problems
from .passes.residual import fuse_residual_blocks
from .passes.views import fold_views, resolve

PARAM_FIELD_BYTES = 4   # every params struct field is an int32 or a 32-bit pointer on the targets


class BudgetError(UserError, ValueError):
    """The model does not fit the board's flash or RAM share."""


@dataclass
class CompileResult:
    out_dir: Path
    files: dict[str, Path]
    report: dict
    table: str
    graph: Graph
    kernels: list[Kernel]
    plan: MemoryPlan
    tflite_bytes: bytes
    root: dict

    @property
    def layer_tensors(self) -> list[int]:
        """For each layer, a tensor of the original .tflite holding the same bytes as its output (for diffing)."""
        original = self.report["model"]["tflite_tensors"]
        found = []
        for k in self.kernels:
            root = resolve(self.root, k.output)
            same = [t for t in range(original) if resolve(self.root, t) == root]
            found.append(k.output if k.output < original else (same[0] if same else -1))
        return found

    @property
    def arena_bytes(self) -> int:
        return self.plan.arena_bytes

    @property
    def identity(self) -> str:
        return self.report["model"]["identity"]


@dataclass
class Lowered:
    graph: Graph
    kernels: list[Kernel]
    layer_ops: list[list]      # per kernel, the operators it computes (several when fused)
    root: dict[int, int]
    plan: MemoryPlan
    decisions: list[Decision | None]   # per output: from which layer's logits it is decided; None: its int8 bytes

    def layer_name(self, step: int) -> str:
        return "+".join(f"{op.index}:{op.kind}" for op in self.layer_ops[step])

    def decided_at(self, position: int, step: int) -> bool:
        decision = self.decisions[position]
        return decision is not None and decision.operator == self.layer_ops[step][0].index


def _plan(graph: Graph, root: dict[int, int], kernels: list[Kernel]) -> MemoryPlan:
    steps = [([resolve(root, t) for t in k.inputs], resolve(root, k.output)) for k in kernels]
    roots = {t for ins, out in steps for t in [*ins, out]} | {resolve(root, t) for t in graph.inputs + graph.outputs}
    sizes = {t: graph.tensors[t].nbytes for t in roots}
    in_place = [None if k.in_place_shift is None else
                (resolve(root, k.inputs[0]), k.in_place_shift, k.in_place_min_scratch) for k in kernels]
    plan = plan_memory(steps, sizes, [resolve(root, t) for t in graph.inputs],
                       [resolve(root, t) for t in graph.outputs], scratch=[k.scratch_options for k in kernels],
                       in_place=in_place)
    problems = plan_problems(plan)
    if problems:   # a planner defect, never the model's: refuse to write code that would corrupt activations
        raise AssertionError("memory plan: " + "; ".join(problems[:3]))
    return plan


def _ram_and_arena(plan: MemoryPlan, kernels: list[Kernel]) -> tuple[int, int, list[bool]]:
    """(the arena plus the largest stack a kernel takes where it was planned no scratch, the arena, per kernel
    whether it got less scratch than it prefers: a kernel that can work in less runs slower there)."""
    stack = max((k.stack_without_scratch for step, k in enumerate(kernels) if not plan.scratch_bytes(step)), default=0)
    slowed = [bool(k.scratch_options) and plan.scratch_bytes(step) < k.scratch_options[0]
              for step, k in enumerate(kernels)]
    return plan.arena_bytes + stack, plan.arena_bytes, slowed


def supported_operators() -> tuple[list[str], list[str]]:
    """(operators with a kernel of their own, operators accepted only where a pass folds them into a neighbour:
    the SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND pair around a dilated convolution)."""
    return sorted(REGISTRY), sorted(FOLDED_KINDS)


def lower_graph(graph: Graph, board: Board | None = None, max_chunks: int = DEFAULT_MAX_CHUNKS,
                int8_conv_weights: bool = False) -> Lowered:
    """Everything that can fail on an unsupported model happens here, before a file is written. The board
    decides which kernels may run, hence the scratch memory they need. max_chunks: a convolution may pool
    its output in up to that many chunks where that lowers the arena (passes/fusion.py); 1: never."""
    check_operator_kinds(graph, {*REGISTRY.keys(), *FOLDED_KINDS})
    check_graph_structure(graph)
    target = Target.of_board(board, wide_conv_weights=not int8_conv_weights)
    graph = fuse_padding_and_dilation(graph)
    if target.dsp_kernels:   # the reference depthwise kernel beats the reference convolution on such layers
        graph = depthwise_on_one_channel_as_conv(graph)
    validate(graph, REGISTRY.keys())
    ops, root = fold_views(graph, REGISTRY)
    kernels = [REGISTRY[op.kind].lower(graph, op) for op in ops]
    if not kernels:
        raise UnsupportedModelError("the model has no computing operator (only reshapes)")
    model_inputs = frozenset(resolve(root, t) for t in graph.inputs)
    model_outputs = {resolve(root, t) for t in graph.outputs}
    folded = [[i] for i in range(len(kernels))]
    if target.dsp_kernels and max_chunks > 1:   # --no-fuse keeps every layer's output whole, for tracing
        kernels, folded = fold_max_pools(kernels, lambda p: pooled_entry(p, target.wide_conv_weights),
                                         lambda t: resolve(root, t), model_outputs)
    if target.dsp_kernels:
        kernels = choose_conv_entries(kernels, lambda p: unpooled_entry(p, target.wide_conv_weights),
                                      lambda t: resolve(root, t))
    modules = [REGISTRY[ops[group[0]].kind] for group in folded]
    kernels = [declare_in_place(module, declare_scratch(module, declare_target_params(module, k, target), target),
                                target)
               for module, k in zip(modules, kernels)]
    cost_of = lambda ks: _ram_and_arena(_plan(graph, root, ks), ks)   # noqa: E731
    macs = sum(k.macs for k in kernels)
    kernels, blocks = fuse_residual_blocks(kernels, cost_of, lambda t: resolve(root, t), set(model_inputs),
                                           model_outputs, max_chunks)
    kernels, fused = fuse_conv_pools(kernels, cost_of, lambda t: resolve(root, t), model_outputs, max_chunks,
                                     model_inputs, lone_call_budget(macs))
    groups = [[op for block in group for layer in blocks[block] for op in folded[layer]] for group in fused]
    plan = _plan(graph, root, kernels)
    for step, k in enumerate(kernels):
        settle_scratch(k, plan.scratch_bytes(step))
    layer_ops = [[ops[i] for i in g] for g in groups]
    layer_starts = {group[0].index for group in layer_ops}
    decisions = [find_decision(graph, position) for position in range(len(graph.outputs))]
    decisions = [d if d is not None and d.operator in layer_starts else None for d in decisions]
    return Lowered(graph, kernels, layer_ops, root, plan, decisions)


def _tensor_info(graph: Graph, index: int, offset: int) -> dict:
    t = graph.tensors[index]
    dims = list(t.shape)[:5]
    return dict(name=c_string_literal(t.name), rank=len(t.shape), dims=dims + [0] * (5 - len(dims)), bytes=t.nbytes,
                element_type=t.dtype, elements=t.size,
                scale_bits=f"{struct.unpack('<I', struct.pack('<f', float(t.scale)))[0]:08X}",
                zero_point=t.zero_point, offset=offset)


def build_report(low: Lowered, name: str, identity: str, board: Board | None) -> dict:
    g, plan = low.graph, low.plan
    layers = []
    for step, (ops, k) in enumerate(zip(low.layer_ops, low.kernels)):
        out = g.tensors[k.output]
        calls = k.calls()
        structs = {id(c.params): len(c.params) for c in calls}   # calls may share one params struct
        layers.append(dict(name=low.layer_name(step), kind="+".join(op.kind for op in ops),
                           operator_index=ops[0].index, output_operator_index=ops[-1].index,
                           output_shape=list(out.shape), output_bytes=out.nbytes,
                           macs=int(k.macs), weight_bytes=k.const_bytes, state_bytes=k.state_bytes,
                           params_bytes=sum(structs.values()) * PARAM_FIELD_BYTES, calls=len(calls),
                           arena_live_bytes=plan.live_bytes(step), scratch_bytes=plan.scratch_bytes(step),
                           scratch_offset=plan.scratch_offset(step),
                           arena_offset=plan.offset(resolve(low.root, k.output))))
    weight_bytes = sum(l["weight_bytes"] for l in layers)
    flash = weight_bytes + sum(l["params_bytes"] for l in layers)
    buffers = [dict(tensor=None, name=f"scratch of {layers[b.scratch_of]['name']}", offset=b.offset, bytes=b.size,
                    first_layer=b.first, last_layer=b.last, scratch=True) if b.is_scratch else
               dict(tensor=b.tensor, name=g.tensors[b.tensor].name, offset=b.offset, bytes=b.size,
                    first_layer=b.first, last_layer=b.last)
               for b in sorted(plan.all_buffers(), key=lambda b: (b.offset, b.first))]
    report = dict(model=dict(name=name, identity=identity, compiler=f"ecgcc {__version__}"),
                  layers=layers, memory_plan=dict(arena_bytes=plan.arena_bytes, alignment=16, buffers=buffers),
                  total=dict(layers=len(layers), macs=sum(l["macs"] for l in layers), weight_bytes=weight_bytes,
                             state_bytes=sum(l["state_bytes"] for l in layers),
                             flash_bytes=flash, arena_bytes=plan.arena_bytes))
    if g.notes:
        report["notes"] = list(g.notes)
    if board is not None:
        from .board_fit import fit_summary, kernel_set

        report["board"] = dict(name=board.name, model_flash_bytes=board.model_flash_bytes,
                               model_ram_bytes=board.model_ram_bytes, flash_bytes=board.flash_bytes,
                               ram_bytes=board.ram_bytes, core=board.info.get("core"),
                               clock_mhz=board.info.get("clock_mhz"), kernels=kernel_set(board),
                               fit=fit_summary(report["total"], board))
        if "source" in board.info:
            report["board"]["description_file"] = board.info["source"]
    return report


def describe_decisions(low: Lowered) -> list[dict]:
    """How model_output_class() decides each output, for the report."""
    described = []
    for position in range(len(low.graph.outputs)):
        step = next((i for i in range(len(low.kernels)) if low.decided_at(position, i)), None)
        described.append(dict(output=position, decided_on="int8 output") if step is None else
                         dict(output=position, decided_on="finer logits", layer=low.layer_name(step),
                              fraction_bits=LOGIT_FRACTION_BITS))
    return described


def check_budget(report: dict, board: Board) -> None:
    total, layers = report["total"], report["layers"]
    problems = []
    if total["flash_bytes"] > board.model_flash_bytes:
        top = sorted(layers, key=lambda l: -l["weight_bytes"])[:3]
        problems.append(f"flash: the model needs {total['flash_bytes']} bytes of constants but board '{board.name}' "
                        f"allows model_flash_bytes={board.model_flash_bytes} "
                        f"(over by {total['flash_bytes'] - board.model_flash_bytes} bytes); largest layers: "
                        + ", ".join(f"{l['name']} {l['weight_bytes']} B" for l in top))
    if total["arena_bytes"] + total.get("state_bytes", 0) > board.model_ram_bytes:
        top = sorted(layers, key=lambda l: -l["arena_live_bytes"])[:3]
        state = f" and {total['state_bytes']} bytes of state" if total.get("state_bytes") else ""
        needed = total["arena_bytes"] + total.get("state_bytes", 0)
        problems.append(f"RAM: the model needs an arena of {total['arena_bytes']} bytes{state} but board '{board.name}' "
                        f"allows model_ram_bytes={board.model_ram_bytes} "
                        f"(over by {needed - board.model_ram_bytes} bytes); largest layers (live arena bytes): "
                        + ", ".join(f"{l['name']} {l['arena_live_bytes']} B" for l in top))
    if problems:
        raise BudgetError("model does not fit: " + "; ".join(problems),
                          "pick a board with more memory (--board), shrink the model, or for RAM let a convolution "
                          "pool in more chunks (--fuse-chunks)")


_COMMENT_SAFE = re.compile(r"[A-Za-z0-9_ :+\-\[\],>.]*")


def _shape_only(t) -> str:
    """A tensor as comments show it: index, type and shape, never its name (names are data)."""
    return f"tensor {t.index} {t.dtype}{list(t.shape)}"


def _comment_text(text: str) -> str:
    """Generated comments hold only compiler-made text; anything else here is a defect, not a model error."""
    if not _COMMENT_SAFE.fullmatch(text):
        raise AssertionError(f"refusing to write {text!r} into a C comment")
    return text


def render_sources(low: Lowered, name: str, identity: str, source: str) -> dict[str, str]:
    g, plan, root = low.graph, low.plan, low.root
    arrays, states, ids, layers = [], [], {}, []
    for step, k in enumerate(low.kernels):
        cname = f"layer_{low.layer_ops[step][0].index}"
        scratch = plan.scratch_offset(step)

        def address(ref) -> str:
            base = scratch if ref.tensor is None else plan.offset(resolve(root, ref.tensor))
            return f"model_arena + {base + ref.skip}"
        structs, calls, first_input = {}, [], None
        for call in k.calls():
            for field, value in call.params.items():
                if isinstance(value, ConstArray) and id(value) not in ids:
                    ids[id(value)] = f"{cname}_{value.suffix}"
                    arrays.append(dict(comment=_comment_text(f"{low.layer_name(step)} {value.suffix}"), ctype=value.ctype,
                                       cname=ids[id(value)], count=int(value.values.size),
                                       body=array_body(value.values, 16 if value.ctype == "int8_t" else 8)))
                if isinstance(value, StateArray) and id(value) not in ids:
                    ids[id(value)] = f"{cname}_{value.suffix}"
                    states.append(dict(comment=_comment_text(f"{low.layer_name(step)} {value.suffix}"),
                                       ctype=value.ctype, cname=ids[id(value)], count=value.size,
                                       initial=value.initial))
            fields = tuple((f, c_value(v, ids, scratch)) for f, v in call.params.items())
            inputs = [address(r) for r in call.inputs]
            first_input = first_input or inputs[0]
            key = (call.params_type, fields, tuple(inputs) if call.inputs_as_array else ())
            if key not in structs:   # chunks of a fused layer often share their constants
                struct = cname + "_params" + (f"_{len(structs)}" if structs else "")
                structs[key] = dict(cname=struct, params_type=call.params_type, fields=list(fields),
                                    inputs_array=call.inputs_as_array, inputs=inputs)
            struct = structs[key]["cname"]
            args = f"{struct}_inputs" if call.inputs_as_array else ", ".join(inputs)
            calls.append(dict(function=call.function, args=f"&{struct}, {args}, {address(call.output)}"))
        # the decided outputs' logits are taken before the layer runs, while its input is surely whole
        first, decision_calls = next(iter(structs.values())), []
        for position in range(len(g.outputs)):
            if low.decided_at(position, step):
                decision_calls.append(dict(function=decision_function(k),
                                           args=f"&{first['cname']}, {first_input}, MODEL_LOGIT_FRACTION_BITS, "
                                                f"output_logits_{position}"))
        out = g.tensors[k.output]
        ins = " + ".join(_shape_only(g.tensors[t]) for t in k.inputs)
        layers.append(dict(name=c_string_literal(low.layer_name(step)),
                           comment=_comment_text(f"{low.layer_name(step)}: {ins} -> {_shape_only(out)}"),
                           structs=list(structs.values()), calls=decision_calls + calls,
                           output_offset=plan.offset(resolve(root, k.output)), output_bytes=out.nbytes))
    inputs = [_tensor_info(g, t, plan.offset(resolve(root, t))) for t in g.inputs]
    outputs = [_tensor_info(g, t, plan.offset(resolve(root, t))) | dict(position=i, classes=d.classes if d else 0)
               for i, (t, d) in enumerate(zip(g.outputs, low.decisions))]
    context = dict(version=__version__, source=c_string_literal(source), name=c_string_literal(name),
                   identity=identity,
                   logit_fraction_bits=LOGIT_FRACTION_BITS, inputs=inputs, outputs=outputs, layers=layers, arrays=arrays, states=states, arena_bytes=plan.arena_bytes,
                   input_bytes_total=sum(t["bytes"] for t in inputs),
                   output_bytes_total=sum(t["bytes"] for t in outputs),
                   max_layer_output_bytes=max(l["output_bytes"] for l in layers),
                   weight_bytes=sum(a["count"] * C_TYPE_BYTES[a["ctype"]] for a in arrays),
                   state_bytes=sum(st["count"] * C_TYPE_BYTES[st["ctype"]] for st in states),
                   total_macs=sum(k.macs for k in low.kernels))
    return render(context)


def model_identity(tflite_bytes: bytes) -> str:
    return hashlib.sha256(tflite_bytes).hexdigest()[:16]


def compile_tflite(tflite_bytes: bytes, name: str, board: str | None, out_dir, source: str | None = None,
                   max_chunks: int = DEFAULT_MAX_CHUNKS, int8_conv_weights: bool = False) -> CompileResult:
    """Compile int8 .tflite bytes; nothing is written unless the whole model is supported and fits.
    max_chunks=1 keeps every layer's output whole (each can then be traced against TFLM's tensors).
    int8_conv_weights: the DSP convolution's filters as int8 pairs it splits itself (half their flash, more
    instructions) rather than as int16 pairs (passes/smlad_layout.py)."""
    graph = parse_tflite(tflite_bytes, name)
    board_info = load_board(board) if board else None
    low = lower_graph(graph, board_info, max_chunks, int8_conv_weights)
    identity = model_identity(tflite_bytes)
    report = build_report(low, name, identity, board_info)
    report["model"]["tflite_tensors"] = len(graph.tensors)
    report["class_decision"] = describe_decisions(low)
    report["kernel_build"] = {"size_first": size_first_sources(low.kernels, lambda k: low.graph.tensors[k.output].nbytes)}
    if board_info is not None:
        check_budget(report, board_info)
    sources = render_sources(low, name, identity, source or f"{name}.tflite")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for fname in FILES:
        files[fname] = out / fname
        files[fname].write_text(sources[fname])
    files["model.tflite"] = out / "model.tflite"
    files["model.tflite"].write_bytes(tflite_bytes)
    table = format_table(report)
    files["report.json"] = out / "report.json"
    files["report.json"].write_text(json.dumps(report, indent=2) + "\n")
    files["report.txt"] = out / "report.txt"
    files["report.txt"].write_text(table + "\n")
    return CompileResult(out_dir=out, files=files, report=report, table=table, graph=low.graph, kernels=low.kernels,
                         plan=low.plan, tflite_bytes=tflite_bytes, root=low.root)


def compile_model(model_path, board: str | None, out_dir, representative: Representative = None,
                  max_chunks: int = DEFAULT_MAX_CHUNKS, int8_conv_weights: bool = False) -> CompileResult:
    """Keras (.keras/.h5), SavedModel folder, ONNX, PyTorch .pt2 or int8 .tflite -> C sources, report.json and
    report.txt in out_dir."""
    path = Path(model_path)
    tflite_bytes = load_int8_tflite(path, representative)
    return compile_tflite(tflite_bytes, path.stem if path.suffix else path.name, board, out_dir, source=path.name,
                          max_chunks=max_chunks, int8_conv_weights=int8_conv_weights)


def compile_torch(module, example_input, representative: Representative, board: str | None = None,
                  out="build/model", max_chunks: int = DEFAULT_MAX_CHUNKS) -> CompileResult:
    """A PyTorch nn.Module -> ONNX (PyTorch's exporter, here) -> int8 .tflite (onnx2tf and TensorFlow's converter,
    in a child process) -> C. example_input: a tensor, or a tuple with one tensor per input, in the module's own
    layout (channels first); representative: calibration samples in that same layout."""
    import tempfile

    from .frontend.torch_route import export_onnx

    example = tuple(example_input) if isinstance(example_input, (tuple, list)) else (example_input,)
    name = re.sub(r"[^A-Za-z0-9_]", "_", type(module).__name__) or "model"
    with tempfile.TemporaryDirectory(prefix="ecgcc-torch-") as folder:
        onnx_path = export_onnx(module.eval(), example, Path(folder) / f"{name}.onnx")
        return compile_model(onnx_path, board, out, representative, max_chunks)
