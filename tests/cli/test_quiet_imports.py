"""TensorFlow's start-up lines are filtered from stderr unless --verbose; other output stays."""
import os
import subprocess
import sys
import textwrap

import pytest

from ecgcc.paths import project_root

NOISY_MODULE = textwrap.dedent("""
    import os
    os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
    os.write(2, b"I0000 00:00:1796623817.202527   24402 port.cc:153] oneDNN custom operations are on.\\n")
    os.write(2, b"E0000 00:00:1796623817.202527   24402 cuda.cc:12] a real error\\n")
    os.write(2, b"plain text the user must see\\n")
    """)


def _run(code: str, tmp_path, *extra_paths) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(project_root() / "compiler"), *map(str, extra_paths)])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=path), cwd=tmp_path)


def test_start_up_lines_are_filtered_and_the_rest_kept(tmp_path):
    (tmp_path / "noisy_native.py").write_text(NOISY_MODULE)
    quiet = _run("from ecgcc.quiet_imports import quiet_start_up; quiet_start_up(('noisy_native',)); "
                 "import noisy_native; import sys; print('imported', file=sys.stderr)", tmp_path, tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "absl::InitializeLog" not in quiet.stderr and "oneDNN" not in quiet.stderr
    assert "a real error" in quiet.stderr and "plain text the user must see" in quiet.stderr
    assert quiet.stderr.rstrip().endswith("imported")
    loud = _run("import noisy_native", tmp_path, tmp_path)
    assert "absl::InitializeLog" in loud.stderr and "oneDNN" in loud.stderr


def test_a_failing_import_shows_everything(tmp_path):
    (tmp_path / "broken_native.py").write_text(NOISY_MODULE + "raise ImportError('broken on purpose')\n")
    done = _run("from ecgcc.quiet_imports import quiet_start_up; quiet_start_up(('broken_native',)); "
                "import broken_native", tmp_path, tmp_path)
    assert done.returncode != 0
    assert "oneDNN" in done.stderr and "broken on purpose" in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_tensorflow_start_up_through_the_command_line(tmp_path, verbose):
    """The real package, through cli.main's choice (about 30 s per import on a small machine)."""
    code = ("import sys; from ecgcc import cli; cli.configure_logging(sys.argv[1:]); import tensorflow; "
            "print('tensorflow', tensorflow.__version__, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *(["--verbose"] if verbose else [])], capture_output=True,
                          text=True, timeout=900, cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(project_root() / "compiler")))
    assert done.returncode == 0, done.stderr
    assert "tensorflow" in done.stderr
    assert ("oneDNN" in done.stderr) == verbose, done.stderr
