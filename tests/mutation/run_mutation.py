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
    "ecgcc/harness/hil_check.py": ["outputs_equal", "_first_difference", "record_reply"],
    "ecgcc/harness/stream.py": ["twin_comparison", "pooled_twin_verdict", "qrs_agreement"],
    "ecgcc/evaluation/ec57_beats.py": ["_BeatReader.advance", "_BeatReader.in_vf", "_BeatReader.in_shutdown",
                                       "BeatCounts.add", "BeatCounts.total", "BeatCounts.qrs", "BeatCounts.veb",
                                       "BeatCounts.sveb", "BeatCounts.as_dict", "wfdb_samples", "compare_beats"],
    "ecgcc/evaluation/ec57_episodes.py": ["_is_onset", "_is_end", "_EpisodeReader.__init__", "_EpisodeReader.advance",
                                          "EpisodeCounts.as_dict", "_overlap", "_scored_episodes", "_one_side",
                                          "compare_episodes", "reference_episodes"],
}
TESTS = ["tests/harness/test_roundtrip.py", "tests/harness/test_twin_comparison.py",
         "tests/evaluation/test_ec57_scorer.py", "tests/evaluation/test_ec57_counting.py",
         "tests/evaluation/test_ec57_bxb_edges.py", "tests/evaluation/test_ec57_epicmp_edges.py",
         # of test_roundtrip only its fast comparison tests; every test of the other files
         "-k", "not test_roundtrip or wrong_reply or differently or counted"]
COPIED = ["tests", "templates", "firmware", "boards", "platformio.ini"]
# Mutants that cannot change behaviour: numpy's reshape treats every negative size as "infer"; and
# qrs_agreement's dtype=np.int64 dropped: its inputs are Python ints (sample indices), which numpy
# already stores as int64 on the 64-bit hosts the harness runs on.
EQUIVALENT = [re.compile(r"\.reshape\(-2\)"),
              re.compile(r"^\+.*np\.asarray\((reference_samples|sorted\(beat_positions\)), (dtype=None)?\)", re.M),
              # the test reader's is_reference flag as None: it is only tested for truth, and None is false
              # like False (the flag itself matters: test_ec57_bxb_edges' shutdowns left open)
              re.compile(r"^\+.*_BeatReader\(test, match_dt, is_reference=None\)", re.M),
              # the reader's "no previous episode" is -1 and sample times are never negative, so a previous
              # episode from -1 to -1 contains no beat whether or not it is tested for -1 (-2 in the mutant);
              # and a single shutdown mark's start taken from the flutter end when that end equals the current
              # beat's time (>= for >) is the same sum either way
              re.compile(r"^\+            or \(self\.prev_(vf|sd)_on != -2 and", re.M),
              re.compile(r"^\+                self\.sd_on = \(self\.vf_off if self\.vf_off >= self\.time else", re.M),
              # epicmp's boundaries in _overlap where both readings add a zero-length overlap and leave the
              # other reader on the same episode: an episode of the other list ending exactly where the window
              # starts (< or <=), starting exactly where it ends (> or >=, < or <=), ending exactly where it
              # ends (the next episode then starts at or after the end, so advancing early changes nothing);
              # and 0 against 1 as "no episode", where an episode can only end at sample 1 or a second episode
              # start at sample 1 if the first began at sample 0, which the reader takes as no episode at all
              re.compile(r"^\+    while other\.end <= start:$", re.M),
              re.compile(r"^\+    if other\.start >= end:$", re.M),
              re.compile(r"^\+        if other\.end > end:$", re.M),
              re.compile(r"^\+        if not \((1 < other\.start < end|0 < other\.start <= end)\):$", re.M),
              re.compile(r"^\+    if other\.end == 1:$", re.M),
              # _scored_episodes: end_time is the record length or -1, never 0, so ">= 0" reads as "> 0"
              re.compile(r"^\+        if end_time >= 0:$", re.M),
              # an unknown record length as end time -2 instead of epicmp's -1: any negative end time scores no
              # episode (no start is before it) and leaves an open episode's end at its last annotation
              re.compile(r"^\+.*length if length > 0 else -2\b", re.M),
              # compare_beats: the same for its end time (length or -1, never 0; 1 only for a one-sample record,
              # whose every beat lies after its end either way)
              re.compile(r"^\+    while \(\(end_time (>= 0|> 1) and", re.M)]


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
    # The copy has no ../shared beside it: the bxb tests find WFDB's kit through the environment, and a
    # test skipped for a missing tool fails instead (else every mutant it should catch would survive).
    kit = os.environ.get("ECGCC_WFDB_TOOLS") or str((ROOT.parent / "shared" / "tools" / "wfdb").resolve())
    env = dict(os.environ, PYTHONPATH=str(WORK / "mutants"), ECGCC_WFDB_TOOLS=kit, ECGCC_NO_MISSING_SKIPS="1")
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
            survivors, equivalent = [], 0
            for name, status in mine:
                if status != "survived":
                    continue
                diff = diff_of(name)
                if any(pattern.search(diff) for pattern in EQUIVALENT):
                    equivalent += 1
                else:
                    survivors.append({"mutant": name, "diff": diff})
            killed = sum(1 for _, status in mine if status == "killed")
            timeout = sum(1 for _, status in mine if status == "timeout")
            report[f"{module}:{function}"] = {"mutants": len(mine), "killed": killed, "equivalent": equivalent,
                                              "timeout": timeout, "surviving": survivors}
            surviving += len(survivors)
            print(f"{module}:{function}: {len(mine)} mutants, {killed} killed, {equivalent} equivalent, "
                  f"{timeout} timeout, {len(survivors)} surviving")
            for survivor in survivors:
                print("    " + survivor["diff"].replace("\n", "\n    "))
    (WORK / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    if not any(entry["killed"] or entry["surviving"] for entry in report.values()):
        print("error: no mutant of the target functions was checked (do the selected tests pass?)", file=sys.stderr)
        return 2
    return 1 if surviving else 0


if __name__ == "__main__":
    sys.exit(main())
