from __future__ import annotations

import pytest

from ecgcc.data.location import default_data_dir


@pytest.fixture(scope="session")
def mitdb_dir():
    directory = default_data_dir()
    if not (directory / "100.hea").is_file():
        pytest.skip(f"MIT-BIH not found in {directory} (set ECGCC_DATA_DIR)")
    return directory
