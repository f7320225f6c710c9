"""Progress shows in logs: `ecgcc hil` with its output sent to a file (not a terminal) writes progress
lines as the vectors run, each a line of its own."""
import os
import re
import subprocess
import sys

import pytest

from ecgcc.paths import project_root

VECTORS = 40
PROGRESS_LINE = re.compile(r"^vectors:\s+\d+%\|[#. 0-9]*\|\s*(\d+)/(\d+)", re.M)


def test_hil_writes_progress_lines_to_a_log_file(tmp_path):
    log = tmp_path / "hil.log"
    environment = dict(os.environ, ECGCC_PROGRESS_INTERVAL="0.02",
                       PYTHONPATH=os.pathsep.join([str(project_root() / "compiler"), os.environ.get("PYTHONPATH", "")]))
    with open(log, "w") as output:
        code = subprocess.run([sys.executable, "-m", "ecgcc.cli", "hil", "--board", "host", "--random-vectors",
                               str(VECTORS), "--json", str(tmp_path / "r.json")], stdout=output,
                              stderr=subprocess.STDOUT, env=environment, timeout=600).returncode
    text = log.read_text()
    assert code == 0, text[-3000:]
    counts = [(int(done), int(total)) for done, total in PROGRESS_LINE.findall(text)]
    assert counts, "no progress line in the log:\n" + text[-3000:]
    assert all(total == VECTORS for _done, total in counts)
    assert counts[-1][0] == VECTORS, "the last progress line shows every vector done"
    assert len({done for done, _ in counts}) >= 3, f"progress shown only at {counts}"
    assert "\r" not in text, "a log gets whole lines, not in-place redraws"


def test_log_lines_are_spaced_by_the_interval():
    """With the default 5 s interval a quick loop of 1000 steps writes its first and last line only."""
    import io

    from ecgcc.progress import progress

    stream = io.StringIO()
    assert sum(progress(range(1000), label="steps", stream=stream)) == sum(range(1000))
    lines = stream.getvalue().splitlines()
    assert 1 <= len(lines) <= 3, lines
    assert lines[-1].startswith("steps: 100%") and "1000/1000" in lines[-1]


@pytest.mark.parametrize("interval, at_least", [("0", 50)])
def test_without_an_interval_every_step_is_a_line(monkeypatch, interval, at_least):
    import io

    from ecgcc.progress import progress_callback

    monkeypatch.setenv("ECGCC_PROGRESS_INTERVAL", interval)
    stream = io.StringIO()
    show = progress_callback("vectors", stream=stream)
    for done in range(1, 51):
        show(done, 50)
    counts = [int(done) for done, _ in PROGRESS_LINE.findall(stream.getvalue())]
    assert len(counts) >= at_least and counts[-1] == 50
