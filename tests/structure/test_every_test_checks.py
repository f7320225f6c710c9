"""The test suite's own honesty, read from its source: every test module opens with a docstring saying what
it covers, and every test function checks something, so that none can pass by merely running. A test
checks when its body holds an `assert`, a `raise`, pytest.raises / fail / warns, an assert_* call (numpy's
testing helpers), a subprocess call with check=True, or a call of a function of the tests folder that does
one of these itself (followed through helpers of helpers, by name). Also: a skip fails the run in CI."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CHECK_CALLS = {"raises", "fail", "warns", "deprecated_call"}


def _called_name(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _checks_directly(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, (ast.Assert, ast.Raise)):
            return True
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name in CHECK_CALLS or name.startswith("assert"):
                return True
            if any(k.arg == "check" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in node.keywords):
                return True
    return False


def _calls(function: ast.AST) -> set[str]:
    return {_called_name(node) for node in ast.walk(function) if isinstance(node, ast.Call)} - {""}


def functions_of(sources: dict[str, str]) -> dict[str, list[ast.AST]]:
    """Every function and method of the given modules, by name (a name may have several definitions)."""
    found: dict[str, list[ast.AST]] = {}
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.setdefault(node.name, []).append(node)
    return found


def checking_names(functions: dict[str, list[ast.AST]]) -> set[str]:
    """Names of which some definition checks, directly or through the functions it calls."""
    checking = {name for name, defs in functions.items() if any(_checks_directly(d) for d in defs)}
    calls = {name: set().union(*(_calls(d) for d in defs)) for name, defs in functions.items()}
    while True:
        more = {name for name in functions if name not in checking and calls[name] & checking}
        if not more:
            return checking
        checking |= more


def unchecked_tests(sources: dict[str, str]) -> list[str]:
    """'module:line name' of every test function in test_* modules that checks nothing."""
    functions = functions_of(sources)
    checking = checking_names(functions)
    missing = []
    for module, source in sources.items():
        if not Path(module).name.startswith("test_"):
            continue
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
                    and not _checks_directly(node) and not (_calls(node) & checking)):
                missing.append(f"{module}:{node.lineno} {node.name}")
    return missing


def suite_sources() -> dict[str, str]:
    return {str(path.relative_to(TESTS.parent)): path.read_text() for path in sorted(TESTS.rglob("*.py"))}


def test_every_test_module_says_what_it_covers():
    sources = suite_sources()
    modules = [name for name in sources if Path(name).name.startswith("test_")]
    assert len(modules) > 50
    assert [name for name in modules if not ast.get_docstring(ast.parse(sources[name]))] == []


def test_every_test_function_checks_something():
    sources = suite_sources()
    assert sum(source.count("\ndef test") for source in sources.values()) > 300  # the scan sees the suite
    assert unchecked_tests(sources) == []


def test_the_scan_finds_a_test_that_only_runs_code():
    helpers = ("def compare(a, b):\n    assert a == b\n\n"
               "def run_twice(x):\n    compare(x, x)\n\n"
               "def just_print(x):\n    print(x)\n")
    tests = ("def test_prints():\n    just_print(1)\n\n"
             "def test_through_two_helpers():\n    run_twice(1)\n\n"
             "def test_asserts():\n    assert 1\n\n"
             "def test_subprocess_checked(tmp_path):\n    run(['true'], check=True)\n\n"
             "def test_subprocess_unchecked(tmp_path):\n    run(['true'], check=False)\n\n"
             "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n")
    found = unchecked_tests({"tests/helpers.py": helpers, "tests/test_fake.py": tests})
    assert found == ["tests/test_fake.py:1 test_prints", "tests/test_fake.py:13 test_subprocess_unchecked"]


def test_a_skip_fails_in_ci_and_an_expected_failure_does_not(monkeypatch):
    """tests/conftest.py turns every skip into a failure when ECGCC_NO_MISSING_SKIPS is set (.ci/run sets it)."""
    from types import SimpleNamespace

    from tests.conftest import skip_fails_in_ci

    skipped, xfailed = SimpleNamespace(skipped=True), SimpleNamespace(skipped=True, wasxfail="measured")
    passed = SimpleNamespace(skipped=False)
    monkeypatch.delenv("ECGCC_NO_MISSING_SKIPS", raising=False)
    assert not skip_fails_in_ci(skipped)
    monkeypatch.setenv("ECGCC_NO_MISSING_SKIPS", "1")
    assert skip_fails_in_ci(skipped)
    assert not skip_fails_in_ci(xfailed) and not skip_fails_in_ci(passed)
