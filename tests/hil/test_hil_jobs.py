"""`ecgcc hil --jobs`: vectors spread over several emulated boards give the result of one board."""
import numpy as np
import pytest

from ecgcc.harness.hil import DeviceEvent, HilResult, run_hil
from ecgcc.harness.hil_pool import join_results, make_shards, shard_bounds

BOARD = "qemu-m4"
# Measurements that legitimately differ between runs: wall time, the URL of each emulated board, and the
# instruction counts, which take in any SysTick interrupt that lands inside an inference.
MEASURED = ("elapsed_s", "url", "instructions_per_inference", "instructions_per_mac")


def comparable(result: HilResult) -> dict:
    summary = {k: v for k, v in result.to_json().items() if k not in MEASURED}
    arrays = {name: getattr(result, name).tolist() for name in ("device_classes", "reference_classes", "received_mask")}
    outputs = [o.tolist() for o in result.device_outputs]
    return {"summary": summary, "arrays": arrays, "outputs": outputs}


def test_shards_cover_every_vector_once_in_order():
    assert shard_bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert shard_bounds(2, 5) == [(0, 1), (1, 2)]
    inputs = list(range(11))
    expected = [np.arange(11) * 2]
    shards = make_shards(inputs, expected, 4)
    assert sum((s.inputs for s in shards), []) == inputs
    assert np.concatenate([s.expected[0] for s in shards]).tolist() == expected[0].tolist()


def _part(planned, mismatched, first, events):
    part = HilResult(board=BOARD, url="u", info={}, planned=planned, sent=planned, received=planned,
                     exact=planned - len(mismatched), mismatched=mismatched, first_mismatch=first, events=events,
                     instructions=[5] * planned)
    part.received_mask = np.ones(planned, bool)
    part.device_classes = np.zeros((planned, 1), np.int32)
    part.reference_classes = np.zeros((planned, 1), np.int32)
    part.instructions_per_vector = np.full(planned, 5, np.int64)
    part.device_outputs = [np.zeros((planned, 5), np.int8)]
    return part


def test_join_shifts_vector_numbers_by_each_shard_start():
    a = _part(3, [], None, [])
    b = _part(4, [1, 3], {"vector": 1, "output": 0}, [DeviceEvent(2, "reset", "x")])
    joined = join_results([a, b], [0, 3], 1.0)
    assert (joined.planned, joined.exact, joined.mismatched) == (7, 5, [4, 6])
    assert joined.first_mismatch["vector"] == 4
    assert [e.vector for e in joined.events] == [5]
    assert joined.device_outputs[0].shape == (7, 5) and joined.received_mask.all()


@pytest.mark.hil
def test_jobs_1_and_2_give_the_same_result(compile_for, small_model_path):
    model_dir = compile_for(small_model_path, BOARD)
    one = run_hil(BOARD, model_dir, count=30, seed=11, jobs=1)
    two = run_hil(BOARD, model_dir, count=30, seed=11, jobs=2)
    assert one.exact == one.planned == 30
    assert comparable(one) == comparable(two)
