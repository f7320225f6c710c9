from __future__ import annotations

import shutil

import pytest

from monitor_support import data_dir


@pytest.fixture(scope="session")
def driver_dir(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build the host driver")
    return tmp_path_factory.mktemp("monitor_driver")


@pytest.fixture(scope="session")
def mitdb():
    directory = data_dir()
    if not (directory / "100.hea").is_file():
        pytest.skip(f"MIT-BIH not found in {directory} (set ECGCC_DATA_DIR)")
    return directory
