"""Faults during a HIL run, on the emulated board: a device reset mid-run, noise and corruption on the line,
a device that falls silent, and a device that runs another model. Each must end in a clear message and
a non-zero exit, with every vector accounted for in the report."""
import json

import numpy as np
import pytest

from ecgcc import cli, firmware
from ecgcc.harness import report
from ecgcc.harness.emulator import EmulatedBoard
from ecgcc.harness.hil import CompiledModel, HilRunner, ModelMismatch, RunAborted, random_vectors, run_hil
from ecgcc.harness.hil_cli import EXIT_DEVICE, EXIT_FAIL
from tests.conftest import small_ecg_classifier_tflite
from tests.hil.line_proxy import LineProxy

pytestmark = pytest.mark.hil
BOARD = "qemu-m4"


@pytest.fixture(scope="module")
def model_dir(compile_for, small_model_path):
    return compile_for(small_model_path, BOARD)


@pytest.fixture(scope="module")
def image(model_dir):
    return firmware.build(BOARD, model_dir)


@pytest.fixture
def board(image):
    with EmulatedBoard(BOARD, image.path) as session:
        yield session


@pytest.fixture
def proxy(board):
    line = LineProxy(board.url)
    yield line
    line.close()


def run_cli(*arguments) -> int:
    return cli.main(["hil", "--board", BOARD, *map(str, arguments)])


def test_reset_mid_run_is_detected_resumed_and_fails_the_run(model_dir):
    restarts = []

    def power_cycle(index, runner):
        if index == 17 and not restarts:
            restarts.append(runner.session.url)
            runner.session.restart()

    result = run_hil(BOARD, model_dir, count=40, seed=3, before_vector=power_cycle)
    assert restarts and result.url != restarts[0], "the board came back on a new port"
    assert result.planned == 40 and result.received == 40 and result.exact == 40
    assert result.resent >= 1 and result.sent == 40 + result.resent
    resets = [event for event in result.events if event.kind == "reset"]
    assert len(resets) == 1 and resets[0].vector == 17
    assert "valid frames counted" in resets[0].detail
    assert any(event.kind == "reconnected" for event in result.events)

    document = report.build_report(result, CompiledModel.load(model_dir), None)
    assert document["run"]["resets"] == 1
    assert document["verdict"]["status"] == "FAIL"
    assert any("max_device_resets" in failure for failure in document["verdict"]["failures"])
    tolerant = dict(report.default_criteria(), max_device_resets=1, max_line_errors=10)
    assert report.build_report(result, CompiledModel.load(model_dir), None, criteria=tolerant)["verdict"]["passed"]


class StatusOnly:
    """Stands in for a device whose STATUS counters are scripted."""

    def __init__(self, statuses):
        self.statuses = list(statuses)

    def status(self):
        return self.statuses.pop(0)


def test_a_reset_without_a_lost_connection_is_seen_in_the_status_counters(model_dir):
    model = CompiledModel.load(model_dir)
    runner = HilRunner(BOARD, model, None, [], url_of=lambda: "unused")
    runner.device = StatusOnly([{"frames_ok": 10, "uptime_ms": 4294967000}, {"frames_ok": 61, "uptime_ms": 900},
                                {"frames_ok": 8, "uptime_ms": 40}, {"frames_ok": 30, "uptime_ms": 400}])
    runner._check_status(0)
    runner.replies_since_status = 50
    runner._check_status(50)
    assert not runner.result.events, "frames counted forward: the uptime merely wrapped around 2**32 ms"
    runner.replies_since_status = 50
    runner._check_status(100)
    assert [e.kind for e in runner.result.events] == ["reset"] and runner.result.events[0].vector == 100
    runner.replies_since_status = 30
    runner._check_status(130)
    assert runner.result.resets == 2, "fewer valid frames than replies received means the device restarted"


def test_noise_between_frames_is_counted_and_fails_the_run(model_dir, image, proxy, tmp_path):
    proxy.noise_after = 6
    code = run_cli("--model", model_dir, "--port", proxy.url, "--random-vectors", 20, "--elf", image.path,
                   "--timeout", 2, "--json", tmp_path / "r.json")
    document = json.loads((tmp_path / "r.json").read_text())
    assert code == EXIT_FAIL
    assert document["run"]["received"] == document["run"]["planned"] == 20
    assert document["exactness"]["all"]["exact"] == 20
    assert document["run"]["line"]["garbage_frames"] >= 1
    assert [c["passed"] for c in document["criteria"] if c["name"] == "max_line_errors"] == [False]
    assert document["memory"]["measured"] and document["memory"]["flash_bytes"] == image.flash_bytes
    assert (tmp_path / "r.html").is_file()


def test_a_corrupted_reply_is_re_requested_and_every_vector_still_compared(model_dir, proxy, tmp_path):
    proxy.corrupt_after = 9
    code = run_cli("--model", model_dir, "--port", proxy.url, "--random-vectors", 20, "--timeout", 1,
                   "--json", tmp_path / "r.json")
    run = json.loads((tmp_path / "r.json").read_text())["run"]
    assert code == EXIT_FAIL
    assert run["line"]["garbage_frames"] >= 1
    assert any(event["kind"] in ("invalid_reply", "timeout") for event in run["events"])
    assert run["resent"] >= 1 and run["sent"] == 20 + run["resent"]
    assert run["reconnects"] == 0, "a corrupted reply is re-requested on the same line"
    assert run["received"] == run["exact"] == 20


def test_a_device_that_falls_silent_aborts_with_partial_counts(model_dir, proxy, tmp_path, capsys):
    proxy.silent_after = 24
    with pytest.raises(RunAborted) as aborted:
        run_hil(BOARD, model_dir, port=proxy.url, count=30, timeout=0.5, reconnect_timeout=2)
    result = aborted.value.result
    assert "did not come back" in str(aborted.value)
    assert 0 < result.received < 30 and result.timeouts >= 2
    document = report.build_report(result, CompiledModel.load(model_dir), None)
    assert document["verdict"]["status"] == "ABORTED"
    assert document["run"]["lost"] == 30 - result.received
    assert document["exactness"]["all"]["received"] == result.received


def test_silent_device_exits_with_error_and_writes_the_partial_report(model_dir, proxy, tmp_path, capsys):
    proxy.silent_after = 24
    code = run_cli("--model", model_dir, "--port", proxy.url, "--random-vectors", 30, "--timeout", 0.5,
                   "--reconnect-timeout", 2, "--json", tmp_path / "r.json")
    assert code == EXIT_DEVICE
    assert "run aborted" in capsys.readouterr().err
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["verdict"]["status"] == "ABORTED"
    assert document["run"]["planned"] == 30 and document["run"]["received"] < 30


def test_device_running_another_model_is_refused(model_dir, board, tmp_path, capsys):
    other = tmp_path / "other.tflite"
    other.write_bytes(small_ecg_classifier_tflite(seed=11))
    from ecgcc.compile import compile_model

    compile_model(other, board=BOARD, out_dir=tmp_path / "other")
    with pytest.raises(ModelMismatch, match="identity .* on the device"):
        run_hil(BOARD, tmp_path / "other", port=board.url, count=3)
    code = run_cli("--model", tmp_path / "other", "--port", board.url, "--random-vectors", 3,
                   "--json", tmp_path / "r.json")
    assert code == EXIT_DEVICE
    err = capsys.readouterr().err
    assert "REFUSED" in err and "does not run the compiled model" in err
    assert not (tmp_path / "r.json").exists(), "no report may suggest the other model was tested"


def test_random_vectors_cover_the_int8_extremes(model_dir):
    vectors = random_vectors(CompiledModel.load(model_dir), 5, seed=0)
    assert (vectors[0][0] == -128).all() and (vectors[1][0] == 127).all()
    assert len(vectors) == 5 and all(v[0].dtype == np.int8 for v in vectors)
