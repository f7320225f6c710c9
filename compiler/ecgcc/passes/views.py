"""Fold reshape-like operators into views: their output aliases their input's buffer."""
from __future__ import annotations

from ..ir import Graph, Operator


def fold_views(graph: Graph, registry) -> tuple[list[Operator], dict[int, int]]:
    """Returns (operators that need a kernel call, tensor -> root tensor that owns its bytes)."""
    root: dict[int, int] = {}
    kept = []
    for op in graph.operators:
        module = registry[op.kind]
        if getattr(module, "VIEW", False):
            source = module.view_source(graph, op)
            root[op.outputs[0]] = root.get(source, source)
        else:
            kept.append(op)
    return kept, root


def resolve(root: dict[int, int], tensor: int) -> int:
    return root.get(tensor, tensor)
