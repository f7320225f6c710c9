"""Coverage-guided fuzzing of the firmware's receive path (``firmware/fuzz/``) on the host.

The firmware's frame decoding and command dispatch are built with clang's libFuzzer, AddressSanitizer
and UndefinedBehaviorSanitizer together with a generated model, and run from a seed corpus of valid
requests made by the harness's own frame encoder. Any crash, sanitizer report or invalid reply (the
fuzz board checks every frame the firmware sends) fails the run.

    python -m ecgcc.harness.firmware_fuzz --seconds 600        # make fuzz-firmware
"""

from __future__ import annotations

import argparse
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..paths import project_root

SANITIZERS = "fuzzer,address,undefined"
RAW, FRAMED = 0, 1  # the first input byte's lowest bit, as fuzz_protocol.c reads it


def clang_path() -> str | None:
    return shutil.which("clang") or shutil.which("clang-14")


def fuzzer_sources(model_dir: Path) -> list[Path]:
    root = project_root()
    firmware = root / "firmware"
    app = [firmware / "app" / name for name in ("protocol.c", "cobs.c", "crc16.c", "commands.c", "stream_command.c",
                                                   "memory_record.c")]
    return (app + sorted((firmware / "monitor").glob("*.c")) + sorted((firmware / "kernels").rglob("*.c"))
            + sorted((firmware / "fuzz").glob("*.c")) + sorted(Path(model_dir).glob("*.c")))


def build_fuzzer(model_dir: Path, out: Path, *, extra_flags: tuple[str, ...] = ()) -> Path:
    """The fuzzer executable for the model compiled in ``model_dir``."""
    clang = clang_path()
    if clang is None:
        raise UserError("clang is not installed", hint="run `make system-packages` (installs clang)")
    firmware = project_root() / "firmware"
    out.mkdir(parents=True, exist_ok=True)
    exe = out / "fuzz_protocol"
    # the host board's configuration: the fuzzed firmware is the one the host build runs
    includes = [firmware / "app", firmware / "kernels" / "include", firmware / "monitor", firmware / "fuzz", model_dir,
                project_root() / "boards" / "host"]
    command = [clang, "-std=c11", "-g", "-O1", f"-fsanitize={SANITIZERS}", "-fno-sanitize-recover=undefined",
               "-fno-omit-frame-pointer", "-Wall", *extra_flags, *[f"-I{path}" for path in includes],
               *map(str, fuzzer_sources(model_dir)), "-lm", "-o", str(exe)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"fuzzer build failed:\n{done.stderr[-4000:]}")
    return exe


def _request(command: int, payload: bytes) -> bytes:
    return struct.pack("<BH", command, len(payload)) + payload


def seed_corpus(folder: Path, model_info: dict) -> int:
    """Valid requests of every command, raw and as request lists; returns the number of files written."""
    from .protocol import Command, Frame

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    input_bytes = int(model_info["input_bytes"])
    inputs = rng.integers(-128, 128, input_bytes, dtype=np.int8).tobytes()
    # a few seconds of ECG-like ADC samples (spikes at 75 per minute) for STREAM
    t = np.arange(1500)
    ecg = (1024 + 240 * np.exp(-0.5 * (((t % 288) - 100) / 4.0) ** 2)).astype("<i2")
    stream = [bytes([flags]) + struct.pack("<H", len(part)) + part.tobytes()
              for flags, part in ((1, ecg[:600]), (0, ecg[600:1200]), (2, ecg[1200:]))]
    # two leads (STREAM flag 0x08): pairs interleaved, plain and delta-coded, and a lead change mid-record
    from .stream import FLAG_DELTA, FLAG_TWO_LEADS, encode_delta_frame, interleaved

    pairs = interleaved(ecg, (2048 - ecg).astype("<i2"))
    two_leads = [bytes([flags | FLAG_TWO_LEADS]) + struct.pack("<H", len(part)) + part.tobytes()
                 for flags, part in ((1, pairs[:300]), (0, pairs[300:600]), (2, pairs[600:900]))]
    coded, coded_count = encode_delta_frame(pairs[900:1500], 1200)
    two_leads_delta = bytes([1 | 2 | FLAG_DELTA | FLAG_TWO_LEADS]) + struct.pack("<H", coded_count) + coded
    requests = {
        "info": [(Command.INFO, b"")],
        "status": [(Command.STATUS, b"")],
        "infer": [(Command.INFER, inputs)],
        "trace": [(Command.TRACE, inputs)],
        "infer_short": [(Command.INFER, inputs[:-1])],
        "stream": [(Command.STREAM, payload) for payload in stream],
        "mixed": [(Command.INFO, b""), (Command.INFER, inputs), (Command.STATUS, b""), (Command.STREAM, stream[0])],
        "stream_two_leads": [(Command.STREAM, payload) for payload in two_leads],
        "stream_two_leads_delta": [(Command.STREAM, two_leads_delta)],
        "stream_lead_change": [(Command.STREAM, two_leads[0]), (Command.STREAM, stream[1]), (Command.STREAM, stream[0]),
                               (Command.STREAM, two_leads[1])],
        "play_memory_two_leads": [(Command.PLAY_MEMORY, struct.pack("<IB", 100, 2))],
        # each refused with its own message: short head, half a pair, count against payload, unescaped lead start
        "stream_two_leads_malformed": [(Command.STREAM, bytes([FLAG_TWO_LEADS, 1])),
                                       (Command.STREAM, two_leads[0][:-2]),
                                       (Command.STREAM, two_leads[0][:3] + two_leads[0][7:]),
                                       (Command.STREAM, two_leads_delta[:3] + bytes([0x80, 0, 4, 3]))],
    }
    written = 0
    for name, items in requests.items():
        (folder / f"framed_{name}").write_bytes(bytes([FRAMED]) + b"".join(_request(c, p) for c, p in items))
        wire = b"".join(Frame(command, index, payload).encode() for index, (command, payload) in enumerate(items))
        (folder / f"raw_{name}").write_bytes(bytes([RAW]) + wire)
        written += 2
    (folder / "raw_garbage").write_bytes(bytes([RAW]) + rng.integers(0, 256, 600, dtype=np.uint8).tobytes())
    return written + 1


@dataclass
class FuzzRun:
    seconds: int
    runs: int
    returncode: int
    crashed: bool
    coverage: int | None
    log: str

    def summary(self) -> str:
        if self.crashed:
            return f"CRASH (exit status {self.returncode}); see the log"
        return f"clean: {self.runs} inputs in {self.seconds} s, coverage {self.coverage} edges"


def run_fuzzer(exe: Path, corpus: Path, seconds: int, artifacts: Path, *, max_len: int = 4096) -> FuzzRun:
    artifacts.mkdir(parents=True, exist_ok=True)
    # libFuzzer reads its RSS as the peak Linux keeps across fork and exec, so a fuzzer started from a big
    # process (a test session with TensorFlow loaded) starts "over" a 1 GB RSS limit it never used. The
    # firmware allocates nothing, so any large allocation is a finding: that limit stays at 1 GB.
    command = [str(exe), str(corpus), f"-max_total_time={seconds}", f"-max_len={max_len}", "-timeout=10",
               "-rss_limit_mb=8192", "-malloc_limit_mb=1024", f"-artifact_prefix={artifacts}/", "-print_final_stats=1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 300)
    log = done.stderr
    runs = re.search(r"Done (\d+) runs in (\d+) second", log)
    coverage = re.findall(r"cov: (\d+)", log)
    crashed = done.returncode != 0 or "ERROR: AddressSanitizer" in log or "runtime error:" in log
    return FuzzRun(int(runs.group(2)) if runs else seconds, int(runs.group(1)) if runs else 0, done.returncode,
                   crashed, int(coverage[-1]) if coverage else None, log)


def prepare(work: Path, model_dir: Path | None = None) -> tuple[Path, Path]:
    """(fuzzer, corpus) for the model in ``model_dir`` (default: the reference model, compiled here)."""
    from ..compile import compile_model

    if model_dir is None:
        from .. import reference_model

        model_dir = work / "model"
        compile_model(reference_model.INT8_MODEL, board="host", out_dir=model_dir)
    model_dir = Path(model_dir)
    info = _model_info(model_dir)
    corpus = work / "corpus"
    seed_corpus(corpus, info)
    return build_fuzzer(model_dir, work / "bin"), corpus


def _model_info(model_dir: Path) -> dict:
    header = (model_dir / "model.h").read_text()
    found = re.search(r"#define MODEL_INPUT_BYTES_TOTAL (\d+)", header)
    if found is None:
        raise UserError(f"{model_dir / 'model.h'} does not define MODEL_INPUT_BYTES_TOTAL",
                        hint="run `ecgcc compile` for this folder again")
    return {"input_bytes": int(found.group(1))}


def main(argv: list[str] | None = None) -> int:
    from ..data.location import build_dir

    parser = argparse.ArgumentParser(prog="python -m ecgcc.harness.firmware_fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--model", help="compiled model folder (default: the reference model)")
    parser.add_argument("--work", help="build and corpus folder (default: .build/fuzz-firmware)")
    args = parser.parse_args(argv)
    work = Path(args.work) if args.work else build_dir() / "fuzz-firmware"
    exe, corpus = prepare(work, Path(args.model) if args.model else None)
    result = run_fuzzer(exe, corpus, args.seconds, work / "artifacts")
    (work / "last-run.log").write_text(result.log)
    print(result.summary())
    if result.crashed:
        print(result.log[-6000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
