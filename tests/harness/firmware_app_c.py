"""Builds a test driver against firmware/app sources for the host, so Python and C can be compared."""
from __future__ import annotations

import subprocess
from pathlib import Path

from ecgcc.paths import project_root

APP = project_root() / "firmware" / "app"


def build_app_driver(folder: Path, driver_source: str, app_sources: list[str], name: str) -> Path:
    (folder / "driver.c").write_text(driver_source)
    exe = folder / name
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Werror", "-O2", f"-I{APP}", str(folder / "driver.c"),
                    *(str(APP / source) for source in app_sources), "-o", str(exe)], check=True)
    return exe
