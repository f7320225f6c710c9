"""What exactly ran: the project's version down to the git commit, and file digests.

Outside a git checkout (an installed package, a source archive) the commit is unknown and said to be so;
nothing here raises."""
from __future__ import annotations

import datetime as _dt
import hashlib
import shutil
import subprocess
import uuid
from pathlib import Path

from . import __version__


def _git(root: Path, *arguments: str) -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _checkout_root() -> Path | None:
    from .paths import project_root

    try:
        root = project_root()
    except RuntimeError:
        return None
    top = _git(root, "rev-parse", "--show-toplevel")
    return Path(top.strip()) if top and top.strip() else None


def project_version() -> dict:
    """{"version", "commit", "dirty", "label"}: commit and dirty are None outside a git checkout. Dirty means
    a tracked file differs from the commit or a file git does not ignore is untracked (build output is
    ignored, so it does not count)."""
    root = _checkout_root()
    commit = dirty = None
    if root is not None:
        head = _git(root, "rev-parse", "--verify", "HEAD")
        commit = head.strip() if head and head.strip() else None
        status = _git(root, "status", "--porcelain")
        dirty = None if status is None or commit is None else bool(status.strip())
    if commit is None:
        label = f"{__version__} (not a git checkout: commit unknown)"
    else:
        label = f"{__version__} (git {commit[:12]}{', dirty' if dirty else ''})"
    return {"version": __version__, "commit": commit, "dirty": dirty, "label": label}


def file_sha256(path: str | Path | None) -> str | None:
    """SHA-256 of a file's bytes, or None when there is no such file."""
    if not path:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def new_report_id(created: _dt.datetime) -> str:
    """Unique and sortable: the UTC creation time and 48 random bits."""
    return f"HIL-{created.astimezone(_dt.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:12].upper()}"
