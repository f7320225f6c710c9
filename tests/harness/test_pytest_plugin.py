"""The pytest plugin's choice of board: one per pytest-xdist worker, never two workers on one board."""
import pytest

from ecgcc.harness.pytest_plugin import board_for_worker, worker_index


def test_without_xdist_the_first_board_is_used(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert worker_index() == (0, 1)
    assert board_for_worker(["a", "b"], *worker_index()) == "a"


def test_each_xdist_worker_takes_its_own_board(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "3")
    chosen = []
    for n in range(3):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{n}")
        chosen.append(board_for_worker(["a", "b", "c"], *worker_index()))
    assert chosen == ["a", "b", "c"]


def test_more_workers_than_boards_is_refused():
    with pytest.raises(pytest.UsageError, match="3 xdist workers need 3 boards"):
        board_for_worker(["a", "b"], 2, 3)
