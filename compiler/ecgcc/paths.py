"""Where the project's files are: the firmware sources and PlatformIO project live beside the package."""
from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    override = os.environ.get("ECGCC_PROJECT_DIR")
    if override:
        return Path(override).resolve()
    for candidate in Path(__file__).resolve().parents:
        if (candidate / "platformio.ini").is_file() and (candidate / "firmware").is_dir():
            return candidate
    raise RuntimeError("cannot find the ecgcc project (platformio.ini); set ECGCC_PROJECT_DIR")


def build_root() -> Path:
    return Path(os.environ.get("ECGCC_BUILD_DIR", project_root() / ".build")).resolve()


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """ECG database folder: --data, then $ECGCC_DATA_DIR, then ../shared/data/mitdb beside the project."""
    from .data.location import resolve_data_dir

    return resolve_data_dir(explicit).resolve()


def tflm_dir() -> Path:
    """A TensorFlow Lite Micro kit (its example models in models/): $TFLM_DIR, else ../shared/tflm beside the
    project. It is not part of the project; callers check that it exists."""
    override = os.environ.get("TFLM_DIR")
    return Path(override).resolve() if override else (project_root().parent / "shared" / "tflm").resolve()
