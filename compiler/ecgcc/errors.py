"""Errors a user can fix: bad input files, wrong options, a board that is not there.

The CLI prints these as one ``error:`` line (and a ``hint:`` line when there is one)
and exits with status 2. Anything else reaching the CLI is a defect of ecgcc itself.
"""
from __future__ import annotations

import sys


class UserError(Exception):
    """An input or option the user can correct; ``hint`` says how."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


def print_user_error(error: UserError) -> int:
    """What a `python -m ecgcc...` tool prints for a user error, as the ecgcc command does: one `error:` line and,
    where there is one, a `hint:` line on stderr. Returns the exit status, 2."""
    print(f"error: {' '.join(error.message.split())}", file=sys.stderr)
    if error.hint:
        print(f"hint: {' '.join(error.hint.split())}", file=sys.stderr)
    return 2


class InvalidModelError(UserError, ValueError):
    """A model file that breaks a structural or semantic rule (names operator, tensor and rule)."""


class InvalidRecordError(UserError, ValueError):
    """A recording or annotation file that cannot be scored (names the file and the rule)."""


class DeviceProblem(RuntimeError):
    """The board could not be reached, stopped answering, answered wrongly or runs another model: the
    command line prints one ``error:`` line and exits with status 3 (the input may be fine)."""
