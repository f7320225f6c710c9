"""Fixtures of the harness tests that run the reference model's firmware on an emulated board."""
from __future__ import annotations

import pytest

REFERENCE_BOARD = "qemu-m4"


@pytest.fixture(scope="module")
def model_dir(compile_for):
    """The reference ECG model compiled for qemu-m4 (a test module may override it with its own)."""
    from ecgcc.reference_model import reference_model_file

    return compile_for(reference_model_file(), REFERENCE_BOARD)


@pytest.fixture(scope="module")
def image(model_dir):
    """The qemu-m4 firmware built with model_dir."""
    from ecgcc import firmware

    return firmware.build(REFERENCE_BOARD, model_dir).path
