"""Optional converters: a missing one is a user error that says which extra to install."""
from __future__ import annotations

import importlib

from ..errors import UserError


def require(module: str, extra: str, purpose: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module.split(".")[0]:
            raise
        raise UserError(f"{purpose} needs the Python package '{module.split('.')[0]}', which is not installed",
                        f"pip install 'ecgcc[{extra}]' (or `make setup`, which installs it)") from error
