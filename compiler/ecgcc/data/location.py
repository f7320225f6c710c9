"""Where ECG databases live on disk, and how online users fetch MIT-BIH.

The data are never part of the repository. The directory comes, in order, from an explicit
argument (the ``--data`` option), the ``ECGCC_DATA_DIR`` environment variable, or
``<repo root>/../shared/data/mitdb``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "ECGCC_DATA_DIR"
MITDB_NAME = "mitdb"


def repo_root() -> Path:
    # compiler/ecgcc/data/location.py -> repository root is three levels above the package
    return Path(__file__).resolve().parents[3]


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return (repo_root() / ".." / "shared" / "data" / MITDB_NAME).resolve()


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    return Path(explicit).expanduser() if explicit else default_data_dir()


def build_dir() -> Path:
    return repo_root() / ".build"


def cache_dir() -> Path:
    return build_dir() / "cache"


def download_mitdb(target: str | os.PathLike) -> Path:
    """Fetch the MIT-BIH Arrhythmia Database from PhysioNet (needs internet access)."""
    import wfdb

    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    wfdb.dl_database(MITDB_NAME, str(target))
    return target


def ensure_data_dir(directory: Path, download: bool = False) -> Path:
    """Return ``directory`` if it holds WFDB headers; download MIT-BIH into it when asked."""
    if directory.is_dir() and any(directory.glob("*.hea")):
        return directory
    if download:
        return download_mitdb(directory)
    raise FileNotFoundError(
        f"no WFDB records (*.hea) in {directory}. Point --data or ${DATA_DIR_ENV} at a WFDB "
        f"directory, or add --download to fetch MIT-BIH from PhysioNet into it."
    )
