"""Render the lowered model to C from the Jinja templates in templates/ (deterministic output)."""
from __future__ import annotations

from pathlib import Path

import jinja2
import numpy as np

from ..ops import ArenaScratch, ConstArray, StateArray
from ..safe_text import c_string_literal  # noqa: F401  (the one way a name enters C)

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
FILES = ("model.h", "model.c", "model_weights.c")


def c_int(v: int) -> str:
    v = int(v)
    return "(-2147483647 - 1)" if v == -2**31 else str(v)


def array_body(values: np.ndarray, per_line: int) -> str:
    flat = [c_int(v) for v in values.reshape(-1)]
    lines = [", ".join(flat[i:i + per_line]) for i in range(0, len(flat), per_line)]
    return ",\n".join("  " + line for line in lines)


def c_value(value, arrays_by_id: dict[int, str], scratch_offset: int | None = None) -> str:
    """The C initializer of one params field; scratch_offset: where the plan put this layer's scratch."""
    if value is None:
        return "NULL"
    if isinstance(value, ArenaScratch):
        if scratch_offset is None:
            raise ValueError("a layer declares scratch but the memory plan placed none")
        return f"model_arena + {scratch_offset + value.skip}"   # an address constant: valid in a static initializer
    if isinstance(value, (ConstArray, StateArray)):
        return arrays_by_id[id(value)]
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(c_int(v) for v in value) + "}"
    return c_int(value)


def render(context: dict) -> dict[str, str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=False, lstrip_blocks=False)
    return {name: env.get_template(name + ".j2").render(**context) for name in FILES}
