"""Boards reached through labgrid: a coordinator and an exporter on 127.0.0.1 publish two emulated
boards as places; HIL vectors and streamed records run through those places give what local boards give."""
import pytest

pytest.importorskip("labgrid")

from ecgcc.harness.hil import run_hil  # noqa: E402
from ecgcc.harness.labgrid_local import labgrid_client as _client  # noqa: E402
from ecgcc.harness.labgrid_local import local_lab  # noqa: E402
from ecgcc.harness.labgrid_places import place_urls  # noqa: E402
from ecgcc.harness.stream import comparable_entry, stream_records  # noqa: E402

pytestmark = pytest.mark.hil
BOARD = "qemu-m4"


@pytest.fixture(scope="module")
def lab(tmp_path_factory, image):
    """(coordinator address, place names): two emulated boards behind a labgrid exporter."""
    with local_lab(BOARD, image, 2, tmp_path_factory.mktemp("labgrid")) as found:
        yield found


def test_places_resolve_to_the_boards_serial_ports_and_are_released(lab):
    coordinator, places = lab
    with place_urls(places, coordinator) as urls:
        assert len(urls) == 2 and all(url.startswith("socket://127.0.0.1:") for url in urls)
        assert "acquired: " in _client(coordinator, "-p", places[0], "show")
    assert "acquired: None" in _client(coordinator, "-p", places[0], "show")


def test_hil_through_labgrid_equals_a_local_board(lab, model_dir):
    coordinator, places = lab
    local = run_hil(BOARD, model_dir, count=24, seed=5)
    with place_urls(places, coordinator) as urls:
        remote = run_hil(BOARD, model_dir, port=",".join(urls), count=24, seed=5, jobs=2)
    assert local.exact == local.planned == 24
    assert remote.device_classes.tolist() == local.device_classes.tolist()
    assert [o.tolist() for o in remote.device_outputs] == [o.tolist() for o in local.device_outputs]
    assert (remote.planned, remote.received, remote.exact, remote.mismatched) == (24, 24, 24, [])


@pytest.mark.slow
def test_stream_through_labgrid_equals_local_boards(lab, model_dir, image):
    coordinator, places = lab
    names = ["100", "208"]
    local = stream_records(BOARD, model_dir, names, image=image, jobs=1, seconds=30)
    with place_urls(places, coordinator) as urls:
        remote = stream_records(BOARD, model_dir, names, ports=tuple(urls), jobs=2, seconds=30)
    assert [e["transport"] for e in local] == ["memory"] * 2 and all(e["transport"].startswith("serial") for e in remote)

    def result_of(entry):  # how the samples travelled is not part of the result
        return {k: v for k, v in comparable_entry(entry).items() if k != "transport"}

    assert all(e["events_equal_twin"] and e["samples_accounted"] for e in remote)
    assert [result_of(e) for e in remote] == [result_of(e) for e in local]


def test_environment_file_targets_resolve_to_their_places(lab, tmp_path):
    from ecgcc.harness.labgrid_places import environment_urls

    coordinator, places = lab
    env = tmp_path / "env.yaml"
    env.write_text(f"options:\n  coordinator_address: '{coordinator}'\ntargets:\n"
                   + "".join(f"  board{i}:\n    resources:\n      RemotePlace:\n        name: {place}\n"
                             for i, place in enumerate(places)))
    for place in places:  # an environment file uses places its user has acquired
        _client(coordinator, "-p", place, "acquire")
    try:
        urls = environment_urls(str(env))
    finally:
        for place in places:
            _client(coordinator, "-p", place, "release")
    assert len(urls) == 2 and len(set(urls)) == 2 and all(url.startswith("socket://127.0.0.1:") for url in urls)


PLUGIN_TEST = '''
import os

from ecgcc.harness.device import Device
from ecgcc.harness.labgrid_local import labgrid_client


def test_the_worker_gets_its_place(device_port, request):
    assert device_port == os.environ["EXPECTED_URL"]
    coordinator = request.config.getoption("lg_coordinator")
    assert "acquired: None" not in labgrid_client(coordinator, "-p", os.environ["EXPECTED_PLACE"], "show")
    with Device(device_port) as device:
        assert device.info().supports_stream
'''


def _run_plugin(tmp_path, *options, env=()):
    import os
    import subprocess
    import sys

    (tmp_path / "test_on_place.py").write_text(PLUGIN_TEST)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_on_place.py", *options],
                          cwd=tmp_path, env={**os.environ, **dict(env)}, capture_output=True, text=True, timeout=300)


def test_pytest_plugin_takes_a_labgrid_place_per_xdist_worker(lab, tmp_path):
    coordinator, places = lab
    with place_urls(places, coordinator) as urls:  # where each place's board is (released at once)
        pass
    worker = {"PYTEST_XDIST_WORKER": "gw1", "PYTEST_XDIST_WORKER_COUNT": "2",
              "EXPECTED_PLACE": places[1], "EXPECTED_URL": urls[1]}
    done = _run_plugin(tmp_path, "--lg-coordinator", coordinator, "--lg-place", ",".join(places), env=worker)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "acquired: None" in _client(coordinator, "-p", places[1], "show")  # released after the session
    assert "acquired: None" in _client(coordinator, "-p", places[0], "show")  # never taken by this worker
    # a wrong expectation fails, so the check inside is real
    wrong = {**worker, "EXPECTED_URL": urls[0]}
    assert _run_plugin(tmp_path, "--lg-coordinator", coordinator, "--lg-place", ",".join(places),
                       env=wrong).returncode == 1
