"""Keeps TensorFlow's start-up log off the terminal unless --verbose.

TensorFlow's C++ runtime writes informational lines straight to file descriptor 2 while its package is
imported ("All log messages before absl::InitializeLog() ...", "oneDNN custom operations are on ...");
TF_CPP_MIN_LOG_LEVEL does not reach all of them. An import hook runs that one import with descriptor 2
sent to a temporary file and then passes on every line that is not such an informational line, so
warnings of substance and errors still show."""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import tempfile
from contextlib import contextmanager

NOISY_PACKAGES = ("tensorflow",)
START_UP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\] .*)$")


@contextmanager
def filtered_native_stderr(noise: re.Pattern = START_UP_NOISE):
    """Runs the body with descriptor 2 captured; afterwards writes back the lines that are not noise (all of
    them if the body raised, so nothing that explains a failure is lost)."""
    sys.stderr.flush()
    saved = os.dup(2)
    failed = False
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if failed or not noise.match(line.rstrip("\r\n"))]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


class _QuietLoader(importlib.abc.Loader):
    """The package's own loader, executing the package with descriptor 2 filtered."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with filtered_native_stderr():
            self._loader.exec_module(module)

    def __getattr__(self, name):  # resource readers and the like come from the real loader
        return getattr(self._loader, name)


class _QuietFinder(importlib.abc.MetaPathFinder):
    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_start_up(names: tuple[str, ...] = NOISY_PACKAGES) -> None:
    """Filters the start-up log of these packages when they are first imported (idempotent)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not any(isinstance(finder, _QuietFinder) and finder.names == names for finder in sys.meta_path):
        sys.meta_path.insert(0, _QuietFinder(names))
