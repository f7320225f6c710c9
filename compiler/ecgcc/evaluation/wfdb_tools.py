"""PhysioNet's own EC57 scorers (WFDB `bxb`, `epicmp`, `sumstats`, with `wrann` to write the files)
as an independent check of the project's scorer.

The tools are built from the WFDB source kit (default `../shared/tools/wfdb` beside the project,
or `$ECGCC_WFDB_TOOLS`) out of tree into the project's build folder, since the kit may be read-only.
Test annotations are written with the tools' own `wrann`; the reference is the database's own
annotation file (or, for constructed records, one written the same way). Each tool's per-record
line and `sumstats`' Gross and Average rows are parsed, and `disagreements` lists every figure
where the project's scorer says something else.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from ..paths import build_root, project_root

TOOLS_ENV = "ECGCC_WFDB_TOOLS"
TOOLS = ("bxb", "epicmp", "sumstats", "wrann")


def tools_source_dir() -> Path:
    configured = os.environ.get(TOOLS_ENV)
    return Path(configured) if configured else (project_root() / ".." / "shared" / "tools" / "wfdb").resolve()


def tools_bin_dir() -> Path:
    return build_root() / "wfdb-tools" / "install" / "bin"


def ensure_tools() -> Path:
    """The folder holding the built tools, building them first when one is missing."""
    bin_dir = tools_bin_dir()
    if all((bin_dir / tool).is_file() for tool in TOOLS):
        return bin_dir
    source = tools_source_dir()
    if not (source / "build.sh").is_file():
        raise UserError(f"no WFDB tool kit at {source} (build.sh missing)",
                        hint=f"set ${TOOLS_ENV} to the folder holding WFDB's build.sh")
    root = bin_dir.parent.parent
    root.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["sh", str(source / "build.sh"), str(root / "install")], capture_output=True, text=True,
                            env={**os.environ, "BUILD_DIR": str(root / "obj")})
    if result.returncode != 0:
        raise RuntimeError(f"building the WFDB tools failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return bin_dir


def write_annotation_file(bin_dir: Path, directory: Path, record: str, extension: str, annotations) -> None:
    """Writes an annotation file with WFDB's wrann from its text form (time, sample, label, subtype, chan, num, aux)."""
    lines = []
    for a in annotations:
        # rdann's fixed columns: wrann skips the 12-character time field by position
        line = f"{'0:00.000':>12} {a.sample:8d} {a.symbol:>5}{a.subtype:5d}{0:5d}{0:5d}"
        lines.append(f"{line}\t{a.aux}" if a.aux else line)
    # no blank line for an empty list: wrann crashes on one
    subprocess.run([str(bin_dir / "wrann"), "-r", record, "-a", extension],
                   input="".join(f"{line}\n" for line in lines), text=True, cwd=directory, check=True,
                   capture_output=True, env=_wfdb_env(directory, directory))


def write_header(directory: Path, record: str, fs: float, length: int) -> None:
    """A header without signals: all bxb and epicmp need are the sampling rate and the length."""
    (directory / f"{record}.hea").write_text(f"{record} 0 {fs:g} {length}\n")


def _wfdb_env(work_dir: Path, data_dir: Path) -> dict:
    return {**os.environ, "WFDB": f"{work_dir} {data_dir}"}


@dataclass
class ToolRecord:
    """One record for the tools: reference in data_dir (its `atr` file), test annotations to write."""

    name: str
    data_dir: Path
    test: list


def _run(bin_dir, tool, args, work_dir, data_dir) -> str:
    result = subprocess.run([str(bin_dir / tool), *args], capture_output=True, text=True, cwd=work_dir,
                            env=_wfdb_env(work_dir, data_dir))
    if result.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def _seconds(text: str) -> float:
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


EPISODE_LINE = re.compile(r"(Episode|Duration) (sensitivity|positive predictivity):\s+(?:-|\d+%)\s+\(([^/]+)/([^)]+)\)")


def _parse_epicmp_report(text: str) -> dict:
    """Exact counts and times of epicmp's standard report, per kind (AF, VF)."""
    parsed, kind = {}, None
    for line in text.splitlines():
        if "episode-by-episode comparison results" in line:
            kind = line.split()[0]
            parsed[kind] = {}
        match = EPISODE_LINE.search(line)
        if match and kind:
            what, side, num, den = match.groups()
            if what == "Episode":
                parsed[kind][f"episode_{side.split()[0]}"] = (int(num), int(den))
            else:
                parsed[kind][f"duration_{side.split()[0]}"] = (_seconds(num), _seconds(den))
    return parsed


def _sumstats_rows(text: str) -> dict:
    rows = {}
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] in ("Gross", "Average"):
            rows[fields[0].lower()] = [None if f == "-" else float(f) for f in fields[1:]]
    return rows


def run_tools(records: list[ToolRecord], work_dir: Path, bin_dir: Path | None = None) -> dict:
    """Runs bxb (-L and -l), epicmp (-A -V, standard and line form) and sumstats over the records."""
    bin_dir = bin_dir or ensure_tools()
    work_dir = Path(work_dir)
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    per_record = {}
    for record in records:
        data_dir = Path(record.data_dir).resolve()
        write_annotation_file(bin_dir, work_dir, record.name, "tst", record.test)
        _run(bin_dir, "bxb", ["-r", record.name, "-a", "atr", "tst", "-L", "bxbS.out", "sdS.out"], work_dir, data_dir)
        _run(bin_dir, "bxb", ["-r", record.name, "-a", "atr", "tst", "-l", "bxb.out", "sd.out"], work_dir, data_dir)
        _run(bin_dir, "epicmp", ["-r", record.name, "-a", "atr", "tst", "-L", "-A", "af.out", "-V", "vf.out"],
             work_dir, data_dir)
        report = _run(bin_dir, "epicmp", ["-r", record.name, "-a", "atr", "tst", "-A", "-", "-V", "-"],
                      work_dir, data_dir)
        per_record[record.name] = {"episodes": _parse_epicmp_report(report)}
    for line in (work_dir / "bxbS.out").read_text().splitlines()[1:]:
        fields = line.split()
        per_record[fields[0]]["bxb_L"] = [int(f) for f in fields[1:20]]
    for line in (work_dir / "bxb.out").read_text().splitlines()[1:]:
        fields = line.split()
        per_record[fields[0]]["bxb_l"] = [int(f) for f in fields[1:12]]
    summary = {name: _sumstats_rows(_run(bin_dir, "sumstats", [name], work_dir, work_dir))
               for name in ("bxbS.out", "bxb.out", "af.out", "vf.out")}
    return {"records": per_record, "sumstats": summary}


def bxb_line_columns(beats) -> list[int]:
    """The project's confusion matrix grouped as bxb's -L line (Nn' Sn' Vn' Fn' On' ... Vo' Fo')."""
    p = beats.pairs

    def s(cells):
        return sum(p[c[0], c[1]] for c in cells.split())

    return [s("NN NF NQ"), s("SN SF SQ"), s("VN VF VQ"), s("FN FF FQ QN QF QQ"), s("ON OF OQ XN XF XQ"),
            p["N", "S"], p["S", "S"], p["V", "S"], s("FS QS"), s("OS XS"),
            p["N", "V"], p["S", "V"], p["V", "V"], s("FV QV"), s("OV XV"),
            s("NO NX"), s("SO SX"), s("VO VX"), s("FO FX QO QX")]


def bxb_l_columns(beats) -> list[int]:
    """The same grouped as bxb's -l line, where S labels count as N (Nn' Vn' Fn' On' Nv Vv Fv' Ov' No' Vo' Fo')."""
    c = bxb_line_columns(beats)
    nn, sn, vn, fn, on, ns, ss, vs, fs, os_, nv, sv, vv, fv, ov, no, so, vo, fo = c
    return [nn + sn + ns + ss, vn + vs, fn + fs, on + os_, nv + sv, vv, fv, ov, no + so, vo, fo]


def sumstats_sveb_ppv(beats) -> float | None:
    """SVEB +P as sumstats computes it from a -L line: its Fs' column pools reference F and Q beats
    called S, and it leaves that column out of the false positives, whereas bxb counts a reference F
    called S as one. The project's figures follow bxb; this is only to check sumstats' own column."""
    c = bxb_line_columns(beats)
    ns, ss, vs, os_ = c[5], c[6], c[7], c[9]
    return ss / (ns + ss + vs + os_) if ns + ss + vs + os_ else None


def _close(mine, theirs, tolerance) -> bool:
    if mine is None or theirs is None:
        return mine is None and theirs is None
    return abs(100 * mine - theirs) <= tolerance


def disagreements(scores, gross: dict, average: dict, tools: dict) -> list[str]:
    """Every count and figure where the project's scorer and the WFDB tools differ (empty: they agree).

    Counts and episode times are compared exactly (times to epicmp's millisecond print); sumstats'
    beat figures to their printed 0.01 % (its SVEB +P by its own formula, see sumstats_sveb_ppv); its
    episode figures are whole percent, and its gross and average duration figures are built from each
    record's rounded percentage, hence 1 % there."""
    found = []
    for score in scores:
        theirs = tools["records"].get(score.name)
        if theirs is None:
            found.append(f"{score.name}: no tool output")
            continue
        if bxb_line_columns(score.beats) != theirs["bxb_L"]:
            found.append(f"{score.name}: bxb -L {theirs['bxb_L']} != ours {bxb_line_columns(score.beats)}")
        if bxb_l_columns(score.beats) != theirs["bxb_l"]:
            found.append(f"{score.name}: bxb -l {theirs['bxb_l']} != ours {bxb_l_columns(score.beats)}")
        for kind, counts in (("AF", score.af), ("VF", score.vf)):
            report = theirs["episodes"].get(kind, {})
            ref, test, fs = counts.reference, counts.test, counts.fs
            expected = {"episode_sensitivity": (ref.matched, ref.matched + ref.unmatched),
                        "episode_positive": (test.matched, test.matched + test.unmatched)}
            for key, value in expected.items():
                if report.get(key) != value:
                    found.append(f"{score.name} {kind} {key}: epicmp {report.get(key)} != ours {value}")
            for key, (num, den) in {"duration_sensitivity": (ref.overlap, ref.duration),
                                    "duration_positive": (test.overlap, test.duration)}.items():
                got = report.get(key)
                if got is None or abs(got[0] - num / fs) > 0.0015 or abs(got[1] - den / fs) > 0.0015:
                    found.append(f"{score.name} {kind} {key}: epicmp {got} != ours {(num / fs, den / fs)}")
    rows = tools["sumstats"]
    total = scores[0].beats if scores else None
    for score in scores[1:]:
        total = total + score.beats
    per_record = [sumstats_sveb_ppv(s.beats) for s in scores if sumstats_sveb_ppv(s.beats) is not None]
    sumstats_sveb = {"gross": sumstats_sveb_ppv(total) if total else None,
                     "average": sum(per_record) / len(per_record) if per_record else None}
    beat_columns = [("qrs", "se"), ("qrs", "ppv"), ("veb", "se"), ("veb", "ppv"), ("sveb", "se"), ("sveb", "ppv")]
    for row in ("gross", "average"):
        ours = gross if row == "gross" else average
        values = rows["bxbS.out"].get(row, [])
        for (group, key), theirs in zip(beat_columns, values):
            mine = sumstats_sveb[row] if (group, key) == ("sveb", "ppv") else ours[group][key]
            if not _close(mine, theirs, 0.0051):
                found.append(f"sumstats {row} {group} {key}: {theirs} != ours {mine}")
        fpr = rows["bxb.out"].get(row, [None] * 5)[4]
        if not _close(ours["veb"]["fpr"], fpr, 0.00051):
            found.append(f"sumstats {row} veb fpr: {fpr} != ours {ours['veb']['fpr']}")
        for kind, name in (("af", "af.out"), ("vf", "vf.out")):
            values = rows[name].get(row, [])
            keys = ("episode_se", "episode_ppv", "duration_se", "duration_ppv")
            for key, theirs in zip(keys, values):
                if not _close(ours[kind][key], theirs, 0.51 if key.startswith("episode") else 1.0):
                    found.append(f"sumstats {row} {kind} {key}: {theirs} != ours {ours[kind][key]}")
    return found


def write_constructed_record(bin_dir: Path, directory: Path, record: str, fs: float, length: int, reference) -> Path:
    """A signal-less record (header and `atr` reference) for scoring constructed annotations."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_header(directory, record, fs, length)
    write_annotation_file(bin_dir, directory, record, "atr", reference)
    return directory
