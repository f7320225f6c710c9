"""Running the command line in-process and checking that a user error is one short `error:` line (plus hints),
exit status 2 and no traceback: the contract every refusal keeps."""
from __future__ import annotations

LONGEST_ERROR_LINE = 400


def run_cli(argv, capsys):
    """(exit status, stdout, stderr) of `ecgcc ARGV` run in this process."""
    from ecgcc.cli import main
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_error_line(status, err) -> str:
    """The single error line of a user error; fails on any other shape of failure."""
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert status == 2, err
    assert len(errors) == 1 and len(errors[0]) <= LONGEST_ERROR_LINE, err
    assert "Traceback" not in err and all(line.startswith(("error: ", "hint: ")) for line in lines), err
    return errors[0]
