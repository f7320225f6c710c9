"""Boards reached through labgrid: a coordinator and an exporter on 127.0.0.1 publish two emulated
boards as places; HIL vectors and streamed records run through those places give what local boards give."""
import subprocess
import sys
import time

import pytest

pytest.importorskip("labgrid")

from ecgcc.harness.emulator import EmulatedBoard, _is_listening, free_tcp_port  # noqa: E402
from ecgcc.harness.hil import run_hil  # noqa: E402
from ecgcc.harness.labgrid_places import place_urls  # noqa: E402
from ecgcc.harness.stream import comparable_entry, stream_records  # noqa: E402

pytestmark = pytest.mark.hil
BOARD = "qemu-m4"
EXPORTER = "ecgcc-test"


@pytest.fixture(scope="module")
def model_dir(compile_for):
    from ecgcc.demo import reference_model_file

    return compile_for(reference_model_file(), BOARD)


@pytest.fixture(scope="module")
def image(model_dir):
    from ecgcc import firmware

    return firmware.build(BOARD, model_dir).path


def _client(coordinator, *args):
    return subprocess.run([sys.executable, "-m", "labgrid.remote.client", "-x", coordinator, *args],
                          capture_output=True, text=True, timeout=60, check=True).stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory, image):
    """(coordinator address, place names): two emulated boards behind a labgrid exporter."""
    folder = tmp_path_factory.mktemp("labgrid")
    boards = [EmulatedBoard(BOARD, image).start() for _ in range(2)]
    processes = []
    try:
        port = free_tcp_port()
        coordinator = f"127.0.0.1:{port}"
        processes.append(subprocess.Popen([sys.executable, "-m", "labgrid.remote.coordinator", "-l", coordinator],
                                          cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 30
        while not _is_listening(port):
            assert time.monotonic() < deadline, "labgrid coordinator did not start"
            time.sleep(0.1)
        config = folder / "exporter.yaml"
        config.write_text("".join(
            f"{BOARD}-{i}:\n  NetworkSerialPort:\n    host: 127.0.0.1\n    port: {board.port}\n"
            f"    speed: 115200\n    protocol: raw\n" for i, board in enumerate(boards)))
        processes.append(subprocess.Popen([sys.executable, "-m", "labgrid.remote.exporter", "-c", coordinator,
                                           "--name", EXPORTER, str(config)], cwd=folder,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        while _client(coordinator, "resources").count("NetworkSerialPort") < len(boards):
            assert time.monotonic() < deadline + 30, "labgrid exporter did not publish the boards"
            time.sleep(0.5)
        places = []
        for i in range(len(boards)):
            place = f"ecgcc-place-{i}"
            _client(coordinator, "-p", place, "create")
            _client(coordinator, "-p", place, "add-match", f"{EXPORTER}/{BOARD}-{i}/*")
            places.append(place)
        yield coordinator, places
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=10)
        for board in boards:
            board.stop()


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


def test_stream_through_labgrid_equals_local_boards(lab, model_dir, image):
    coordinator, places = lab
    names = ["100", "208"]
    local = stream_records(BOARD, model_dir, names, image=image, jobs=1, seconds=30)
    with place_urls(places, coordinator) as urls:
        remote = stream_records(BOARD, model_dir, names, ports=tuple(urls), jobs=2, seconds=30)
    assert [e["transport"] for e in local] == ["memory"] * 2 and [e["transport"] for e in remote] == ["serial"] * 2

    def result_of(entry):  # how the samples travelled is not part of the result
        return {k: v for k, v in comparable_entry(entry).items() if k != "transport"}

    assert all(e["events_equal_twin"] and e["samples_accounted"] for e in remote)
    assert [result_of(e) for e in remote] == [result_of(e) for e in local]
