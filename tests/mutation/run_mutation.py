"""`make mutation`: mutation testing of the proof chain's comparison and scoring code with mutmut.

Each mutant is a small change to one function (a flipped comparison, a changed constant, a dropped
statement). A mutant the selected tests do not catch "survives": the tests would not notice that
bug. The functions listed in TARGETS decide every "exact", "equal" and scored figure the project
reports, so a survivor there is a gap in the proof.

mutmut wants the package at the top of the tree it copies, so the run works on a copy of the
project laid out that way in .build/mutation (the working tree is never changed). Prints, per target
function, the mutants killed and surviving, writes .build/mutation/report.json, and exits 1 when any
mutant of a target function survives.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".build" / "mutation"

# module file (inside compiler/) -> functions whose mutants must all be killed ("Class.method" for a method)
TARGETS = {
    "ecgcc/harness/hil.py": ["outputs_equal", "_first_difference", "record_reply"],
    "ecgcc/harness/stream.py": ["twin_comparison", "pooled_twin_verdict", "qrs_agreement"],
    "ecgcc/evaluation/ec57_beats.py": ["BeatCounts.add", "BeatCounts.total", "BeatCounts.qrs", "BeatCounts.veb",
                                       "BeatCounts.sveb", "compare_beats"],
    "ecgcc/evaluation/ec57_episodes.py": ["_overlap", "_one_side"],
}
TESTS = ["tests/harness/test_roundtrip.py", "tests/harness/test_twin_comparison.py",
         "tests/evaluation/test_ec57_scorer.py", "tests/evaluation/test_ec57_counting.py",
         # of test_roundtrip only its fast comparison tests; every test of the other files
         "-k", "not test_roundtrip or wrong_reply or differently or counted"]
COPIED = ["tests", "templates", "firmware", "boards", "platformio.ini"]
# Mutants that cannot change behaviour: numpy's reshape treats every negative size as "infer"
EQUIVALENT = [re.compile(r"\.reshape\(-2\)")]


def prepare() -> None:
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".build")
    shutil.copytree(ROOT / "compiler" / "ecgcc", WORK / "ecgcc", ignore=ignore)
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree(source, WORK / name, ignore=ignore) if source.is_dir() else shutil.copy(source, WORK / name))
    config = ROOT / "pyproject.toml"
    pytest_section = config.read_text().split("[tool.pytest.ini_options]", 1)[1]
    (WORK / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        f"source_paths = {json.dumps(sorted(TARGETS))}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(TESTS)}\n"
        f"also_copy = {json.dumps(['ecgcc', *COPIED])}\n\n"
        "[tool.pytest.ini_options]" + pytest_section)
    # mutmut writes the mutated package here; it must exist before Python starts, or the import system
    # remembers the folder as missing and the tests would import the unmutated package
    (WORK / "mutants").mkdir()


def mutmut(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(WORK / "mutants"))
    done = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=WORK, env=env, capture_output=True,
                          text=True)
    return done.stdout + done.stderr


def diff_of(name: str) -> str:
    return "\n".join(line for line in mutmut("show", name).splitlines()
                     if line.startswith(("+", "-")) and not line.startswith(("+++", "---")))


def main() -> int:
    prepare()
    mutmut("run")
    outcomes = re.findall(r"^\s*(\S+): (\S.*)$", mutmut("results", "--all", "true"), re.M)
    report, surviving = {}, 0
    for module, functions in TARGETS.items():
        dotted = module[:-3].replace("/", ".")
        for function in functions:
            owner, _, name = function.rpartition(".")
            key = f"{dotted}.xǁ{owner}ǁ{name}__mutmut_" if owner else f"{dotted}.x_{name}__mutmut_"
            mine = [(name, status) for name, status in outcomes if name.startswith(key)]
            survivors = []
            for name, status in mine:
                if status != "survived":
                    continue
                diff = diff_of(name)
                if not any(pattern.search(diff) for pattern in EQUIVALENT):
                    survivors.append({"mutant": name, "diff": diff})
            killed = sum(1 for _, status in mine if status == "killed")
            report[f"{module}:{function}"] = {"mutants": len(mine), "killed": killed, "surviving": survivors}
            surviving += len(survivors)
            print(f"{module}:{function}: {len(mine)} mutants, {killed} killed, {len(survivors)} surviving")
            for survivor in survivors:
                print("    " + survivor["diff"].replace("\n", "\n    "))
    (WORK / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if not any(entry["killed"] or entry["surviving"] for entry in report.values()):
        print("error: no mutant of the target functions was checked (do the selected tests pass?)", file=sys.stderr)
        return 2
    return 1 if surviving else 0


if __name__ == "__main__":
    sys.exit(main())
