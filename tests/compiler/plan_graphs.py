"""Random layer graphs and a byte-overlap check for the arena plan's tests (test_memory_plan.py, test_scratch.py),
written here rather than taken from the planner, so that its tests do not lean on the code they check."""
from __future__ import annotations


def bytes_overlap(a, b) -> bool:
    """Whether two planned buffers share a byte of the arena (whatever their lifetimes)."""
    return a.offset < b.offset + b.size and b.offset < a.offset + a.size


def random_graph(rng, most_layers: int):
    """1 to most_layers - 1 layers, each reading one or two earlier tensors (tensor 0 is the model's input) and
    writing the next; tensor sizes 1 to 599 bytes. Returns (layers, sizes, steps) as plan_memory takes them."""
    layers = int(rng.integers(1, most_layers))
    sizes, steps, produced = {0: int(rng.integers(1, 600))}, [], [0]
    for i in range(layers):
        ins = sorted({int(t) for t in rng.choice(produced, size=min(len(produced), int(rng.integers(1, 3))))})
        sizes[i + 1] = int(rng.integers(1, 600))
        steps.append((ins, i + 1))
        produced.append(i + 1)
    return layers, sizes, steps
