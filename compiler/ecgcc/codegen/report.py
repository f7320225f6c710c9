"""Per-layer cost report: MACs, constant (flash) bytes, kernel scratch and live arena bytes."""
from __future__ import annotations


def format_table(report: dict) -> str:
    rows = [("layer", "output shape", "MACs", "weights B", "scratch B", "live arena B")]
    for layer in report["layers"]:
        scratch = layer.get("scratch_bytes", 0)
        rows.append((layer["name"], "x".join(str(d) for d in layer["output_shape"]), f"{layer['macs']:,}",
                     f"{layer['weight_bytes']:,}", f"{scratch:,} @{layer['scratch_offset']}" if scratch else "-",
                     f"{layer['arena_live_bytes']:,}"))
    t = report["total"]
    rows.append(("total", "", f"{t['macs']:,}", f"{t['weight_bytes']:,}", "", f"{t['arena_bytes']:,} (arena)"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    if "fit" in report.get("board", {}):
        from ..board_fit import format_fit

        lines.append(format_fit(report["board"]))
    return "\n".join(lines)
