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
def model_dir(compile_for):
    from ecgcc.demo import reference_model_file

    return compile_for(reference_model_file(), BOARD)


@pytest.fixture(scope="module")
def image(model_dir):
    from ecgcc import firmware

    return firmware.build(BOARD, model_dir).path


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
