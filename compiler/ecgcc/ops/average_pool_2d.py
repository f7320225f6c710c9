"""AVERAGE_POOL_2D (int8, same quantization in and out)."""
from ._pool_common import lower_pool

KINDS = ("AVERAGE_POOL_2D",)


def lower(graph, op):
    return lower_pool(graph, op, "ecg_average_pool_2d")
