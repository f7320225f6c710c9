"""The command line behaves like the tools its users know: --version with the commit, help on every
option, --board listing the boards, and one meaning per exit status across commands (docs/cli.md)."""
import argparse
import socket
import subprocess

import pytest

from ecgcc import cli
from ecgcc.boards import available_boards
from ecgcc.paths import project_root


def _commands(parser=None):
    parser = parser or cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def test_every_option_of_every_command_has_help():
    missing = [(name, action.option_strings or action.dest)
               for name, command in {"ecgcc": cli.build_parser(), **_commands()}.items()
               for action in command._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
               and not (action.help and action.help.strip())]
    assert missing == []


def test_board_help_lists_every_board_and_unknown_boards_are_refused(capsys):
    boards = available_boards()
    assert {"host", "qemu-m3", "qemu-m4"} <= set(boards)
    with_board = {name: command for name, command in _commands().items()
                  if any("--board" in a.option_strings for a in command._actions)}
    assert {"compile", "build", "flash", "hil", "demo", "stream", "layers"} <= set(with_board)
    for name, command in with_board.items():
        text = " ".join(command.format_help().split())
        assert all(board in text for board in boards), (name, text)
    with pytest.raises(SystemExit) as exited:
        cli.main(["hil", "--board", "qemu-m5"])
    assert exited.value.code == cli.EXIT_USAGE
    assert "invalid choice: 'qemu-m5'" in capsys.readouterr().err


def test_every_command_documents_its_exit_statuses():
    for name, command in {"ecgcc": cli.build_parser(), **_commands()}.items():
        assert "exit status" in (command.epilog or ""), name


def test_version_names_the_git_commit(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    printed = capsys.readouterr().out.strip()
    head = subprocess.run(["git", "-C", str(project_root()), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert printed.startswith("ecgcc 0.1.0 (git ") and head.stdout.strip()[:12] in printed
    else:
        assert "commit unknown" in printed


def _closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"socket://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("command", [["hil", "--random-vectors", "2", "--timeout", "1", "--reconnect-timeout", "1"],
                                     ["demo", "--vectors", "2"]])
def test_an_unreachable_device_exits_3(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = cli.main([*command, "--board", "host", "--port", _closed_port()]
                    + (["--json", str(tmp_path / "r.json")] if command[0] == "hil" else []))
    assert code == cli.EXIT_DEVICE == 3, capsys.readouterr().err


def test_a_bad_criteria_file_exits_2_with_error_and_hint(tmp_path, capsys):
    criteria = tmp_path / "c.toml"
    criteria.write_text('min_exact_int8_rate = { limit = 1.0, requirement = "two words" }\n')
    code = cli.main(["hil", "--board", "host", "--random-vectors", "2", "--criteria", str(criteria),
                     "--json", str(tmp_path / "r.json")])
    err = capsys.readouterr().err.splitlines()
    assert code == cli.EXIT_USAGE
    assert err[0].startswith("error: ") and "invalid requirement ID" in err[0]
    assert err[1].startswith("hint: ")


def test_demo_ends_with_one_line_saying_what_was_proven(tmp_path, capsys):
    code = cli.main(["demo", "--board", "host", "--vectors", "12", "--json", str(tmp_path / "demo.json")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert lines[-1] == ("PASS: on host, the compiled reference model's int8 outputs equal TFLite Micro's byte for "
                         "byte on 12 of 12 vectors")
    assert sum(line.startswith(("PASS", "FAIL")) for line in lines) == 1


def test_demo_failure_line_counts_the_differing_vectors():
    from ecgcc.demo import verdict_line

    line = verdict_line({"board": "qemu-m3", "exact": 197, "vectors": 200, "all_exact": False,
                         "first_mismatch": {"vector": 41}})
    assert line == "FAIL: on qemu-m3, 3 of 200 vectors differ from TFLite Micro or went unanswered (first at vector 41)"


def test_a_json_report_gets_its_folder_before_the_run_and_an_unwritable_one_is_refused(tmp_path, capsys):
    nested = tmp_path / "runs" / "today" / "r.json"
    code = cli.main(["hil", "--board", "host", "--port", _closed_port(), "--random-vectors", "2", "--timeout", "1",
                     "--reconnect-timeout", "1", "--json", str(nested)])
    assert code == cli.EXIT_DEVICE and nested.parent.is_dir()
    capsys.readouterr()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for target in (blocker / "r.json", tmp_path):
        code = cli.main(["hil", "--board", "host", "--random-vectors", "2", "--json", str(target)])
        err = capsys.readouterr().err.splitlines()
        assert code == cli.EXIT_USAGE and err[0].startswith(f"error: --json {target}") and err[1].startswith("hint: ")
