"""`make hil` itself, with its output sent to a file as a CI log would have it, shows progress lines.

The target is run through make with the command line the Makefile writes; only what make would otherwise set up
is taken from the environment running the tests: the `ecgcc` script beside this Python (`BIN`) and the `setup`
step (`-o setup`: the packages are already installed, and the test must not reinstall a shared environment)."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ecgcc.paths import project_root

COUNT = 40
PROGRESS_LINE = re.compile(r"^vectors:\s+\d+%\|[#. 0-9]*\|\s*(\d+)/(\d+)", re.M)


@pytest.mark.slow
def test_make_hil_writes_progress_lines_to_a_log_file(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    scripts = Path(sys.executable).parent
    assert (scripts / "ecgcc").exists(), f"no ecgcc script beside {sys.executable}: install the project first"
    environment = dict(os.environ, ECGCC_PROGRESS_INTERVAL="0.02",
                       PYTHONPATH=os.pathsep.join([str(project_root() / "compiler"), os.environ.get("PYTHONPATH", "")]))
    log = tmp_path / "make-hil.log"
    with open(log, "w") as output:
        code = subprocess.run(["make", "-s", "-o", "setup", "hil", "BOARD=host", f"COUNT={COUNT}",
                               f"BIN={scripts}", f"HIL_DIR={tmp_path}"],
                              cwd=project_root(), stdout=output, stderr=subprocess.STDOUT, env=environment,
                              timeout=900).returncode
    text = log.read_text()
    assert code == 0, text[-3000:]
    counts = [(int(done), int(total)) for done, total in PROGRESS_LINE.findall(text)]
    assert counts, "no progress line in the log of make hil:\n" + text[-3000:]
    assert all(total == COUNT for _done, total in counts), counts
    assert counts[-1][0] == COUNT, "the last progress line shows every vector done"
    assert len({done for done, _ in counts}) >= 3, f"progress shown only at {counts}"
    assert "\r" not in text, "a log gets whole lines, not in-place redraws"
    # the run the lines describe is the one the target reported on
    report = json.loads((tmp_path / "hil-host.json").read_text())
    assert report["verdict"]["passed"] is True
    assert (tmp_path / "hil-host.pdf").stat().st_size > 0
    assert f"reports: {tmp_path / 'hil-host.json'}" in text
