"""Headless Chromium, as a reader's browser: dump the DOM after scripts ran, or take a screenshot."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    return next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)


def _run(arguments: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    binary = chromium()
    if binary is None:
        raise RuntimeError("no chromium found (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="ecgcc-chromium-") as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--hide-scrollbars", f"--user-data-dir={profile}", *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def dump_dom(page: Path, virtual_time_ms: int = 5000) -> str:
    """The DOM after load (virtual time lets load handlers finish before the dump)."""
    done = _run([f"--virtual-time-budget={virtual_time_ms}", "--dump-dom", page.resolve().as_uri()])
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium --dump-dom failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def screenshot(page: Path, out: Path, width: int = 1200, height: int = 3000) -> Path:
    done = _run([f"--window-size={width},{height}", f"--screenshot={out.resolve()}", page.resolve().as_uri()])
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"chromium --screenshot failed ({done.returncode}): {done.stderr[-2000:]}")
    return out
