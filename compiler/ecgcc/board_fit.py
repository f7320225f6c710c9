"""Whether, and by how much, a compiled model fits a board's flash and RAM: the figures and their report lines."""
from __future__ import annotations

from .boards import Board


def kernel_set(board: Board) -> str:
    """'dsp' where the core has the Arm DSP extension, else 'reference' (the portable C kernels)."""
    return "dsp" if board.info.get("dsp_extension", True) else "reference"


def _one(needed: int, budget: int, total: int) -> dict:
    margin = budget - needed
    return dict(needed_bytes=needed, budget_bytes=budget, chip_bytes=total, margin_bytes=margin,
                margin_percent=round(100.0 * margin / budget, 1), fits=margin >= 0,
                share_of_chip_percent=round(100.0 * needed / total, 1))


def fit_summary(total: dict, board: Board) -> dict:
    """total: the compile report's totals. The model's flash is its constants (weights and layer parameters);
    its RAM is the arena. Kernel code and the rest of the firmware come on top, which the budget leaves room for."""
    return dict(flash=_one(int(total["flash_bytes"]), board.model_flash_bytes, board.flash_bytes),
                ram=_one(int(total["arena_bytes"]), board.model_ram_bytes, board.ram_bytes))


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


def format_fit(board_report: dict) -> str:
    """Report lines for the compile table: the board, its kernels and one line per memory."""
    info = board_report
    core = info.get("core") or "core not stated"
    lines = [f"board {info['name']}: {core}, {info['kernels']} kernels"
             + (f", {info['clock_mhz']:g} MHz" if info.get("clock_mhz") else "")]
    for memory, label in (("flash", "flash (weights + parameters)"), ("ram", "RAM (arena)")):
        f = info["fit"][memory]
        verdict = (f"fits, margin {_kb(f['margin_bytes'])} ({f['margin_percent']:.1f} % of the budget)" if f["fits"]
                   else f"DOES NOT FIT, over by {_kb(-f['margin_bytes'])}")
        lines.append(f"  {label}: {f['needed_bytes']:,} B of a {f['budget_bytes']:,} B model budget "
                     f"({f['share_of_chip_percent']:.1f} % of the chip's {_kb(f['chip_bytes'])}): {verdict}")
    return "\n".join(lines)
