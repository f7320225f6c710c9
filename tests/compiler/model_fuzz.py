"""Run corrupted models (ecgcc.frontend.corrupt) through the compiler and sort every outcome.

A variant must end in one of two ways: a UserError (a clean refusal: InvalidModelError,
UnsupportedModelError, BudgetError ...) or generated C that, built for the host, gives byte for byte the
outputs of the TFLite Micro interpreter on the same file (which must then also accept the file). Anything
else is counted as a defect: a traceback (any other exception), a hang, a crash, a model TFLM refuses that
ecgcc accepted, outputs that differ, or a variant built to break a rule that was compiled anyway.

As a script (`make fuzz-models`) it runs the variants in child processes, so that a crash in native code
is counted and the run goes on:
    python tests/compiler/model_fuzz.py --damaged 1500 --seed 1 --json .build/fuzz-models.json
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import CFLAGS, DRIVER, KERNELS, ROOT, kernel_objects, random_records  # noqa: E402

CLEAN = ("refused", "exact")
DEFECTS = ("traceback", "hang", "crash", "tflm-refused", "different", "designed-accepted")
REFERENCE_MODEL = ROOT / "compiler" / "ecgcc" / "reference_model" / "model_int8.tflite"


@dataclass
class Outcome:
    variant: str
    kind: str            # one of CLEAN or DEFECTS
    detail: str = ""


def small_model() -> bytes:
    """A small 1-D CNN with the layers the reference model lacks (depthwise, average pooling)."""
    from models import conv1d, dense, depthwise1d, layer, single
    from support import quantized
    build = single((48, 2), conv1d(6, 5, 1, "same", 1, "relu"), depthwise1d(3, 1, "same", 2),
                   layer("AveragePooling1D", 2), layer("Flatten"), dense(4), layer("Softmax"))
    return quantized("fuzz-small-cnn-v1", build, seed=3)


def base_models() -> dict[str, bytes]:
    return {"reference": REFERENCE_MODEL.read_bytes(), "small": small_model()}


class KernelLibrary:
    """The kernels compiled once; each variant then compiles only its own model and the host driver."""

    def __init__(self):
        self.objects = kernel_objects("gcc", CFLAGS)

    def build(self, model_dir: Path, exe: Path) -> None:
        cmd = ["gcc", *CFLAGS, f"-I{KERNELS / 'include'}", f"-I{model_dir}", str(model_dir / "model.c"),
               str(model_dir / "model_weights.c"), str(DRIVER), *map(str, self.objects), "-o", str(exe)]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run_host(exe: Path, records, out_sizes: list[int]) -> list[list[np.ndarray]] | str:
    import struct
    payload = struct.pack("<I", len(records)) + b"".join(
        np.ascontiguousarray(x, np.int8).tobytes() for rec in records for x in rec)
    done = subprocess.run([str(exe)], input=payload, capture_output=True, timeout=60)
    if done.returncode != 0:
        return f"host build exited with {done.returncode}"
    raw, per = np.frombuffer(done.stdout, np.int8), sum(out_sizes)
    if raw.size != per * len(records):
        return f"host build wrote {raw.size} bytes, expected {per * len(records)}"
    outputs = []
    for r in range(len(records)):
        at, pieces = r * per, []
        for size in out_sizes:
            pieces.append(raw[at:at + size])
            at += size
        outputs.append(pieces)
    return outputs


def classify(variant, library: KernelLibrary, work: Path, records: int = 4, timeout: int = 60) -> Outcome:
    """Compile one variant and, if ecgcc accepts it, compare its host build with TFLite Micro."""
    from ecgcc.compile import compile_tflite
    from ecgcc.errors import UserError
    from ecgcc.reference import Reference

    out = work / "model"
    try:
        with time_limit(timeout):
            try:
                result = compile_tflite(variant.data, "fuzz", "host", out)
            except UserError as error:
                return Outcome(variant.name, "refused", str(error)[:200])
    except TimeoutError as error:
        return Outcome(variant.name, "hang", str(error))
    except Exception:     # noqa: BLE001  any other exception is what this run looks for
        return Outcome(variant.name, "traceback", traceback.format_exc(limit=-3)[-1500:])
    if variant.must_refuse:
        return Outcome(variant.name, "designed-accepted", "a rule broken on purpose was compiled")
    graph = result.graph
    inputs = random_records(graph, records, seed=len(variant.data))
    try:
        reference = Reference(variant.data)
        expected = [reference.run(rec) for rec in inputs]
    except Exception as error:      # noqa: BLE001  TFLM refusing what ecgcc compiled is a defect
        return Outcome(variant.name, "tflm-refused", f"{type(error).__name__}: {str(error)[:300]}")
    exe = work / "driver"
    try:
        library.build(out, exe)
        got = _run_host(exe, inputs, [graph.tensors[t].nbytes for t in graph.outputs])
    except subprocess.SubprocessError as error:
        return Outcome(variant.name, "crash", f"host build or run failed: {str(error)[:300]}")
    if isinstance(got, str):
        return Outcome(variant.name, "crash", got)
    for r, (want, have) in enumerate(zip(expected, got)):
        for o, (w, h) in enumerate(zip(want, have)):
            if not np.array_equal(np.asarray(w).reshape(-1), h):
                return Outcome(variant.name, "different", f"record {r} output {o} differs from TFLite Micro")
    return Outcome(variant.name, "exact")


def variants_for(models: dict[str, bytes], seed: int, damaged: int):
    from ecgcc.frontend.corrupt import Variant, all_variants
    found = []
    for model_name, data in models.items():
        for v in all_variants(data, seed, damaged):
            found.append(Variant(f"{model_name}/{v.name}", v.data, v.must_refuse))
    return found


def tally(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {k: 0 for k in (*CLEAN, *DEFECTS)}
    for o in outcomes:
        counts[o.kind] += 1
    return counts


# --- the script: children run slices of the variants; a child killed by a signal is a crash ------------

def _child(args) -> int:
    variants = variants_for(base_models(), args.seed, args.damaged)
    with tempfile.TemporaryDirectory(prefix="ecgcc-fuzz-") as tmp:
        library = KernelLibrary()
        with open(args.log, "a") as log:
            for index in range(args.start, min(args.stop, len(variants))):
                log.write(json.dumps({"start": index}) + "\n")
                log.flush()
                outcome = classify(variants[index], library, Path(tmp))
                log.write(json.dumps({"done": index, **outcome.__dict__}) + "\n")
                log.flush()
    return 0


def _parent(args) -> int:
    variants = variants_for(base_models(), args.seed, args.damaged)
    total, outcomes, index = len(variants), [], 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ecgcc-fuzz-log-") as tmp:
        log = Path(tmp) / "log.jsonl"
        while index < total:
            log.write_text("")
            stop = min(total, index + args.chunk)
            child = subprocess.run([sys.executable, __file__, "--child", "--seed", str(args.seed), "--damaged",
                                    str(args.damaged), "--start", str(index), "--stop", str(stop),
                                    "--log", str(log)], timeout=args.chunk * 120)
            last_started = None
            for line in log.read_text().splitlines():
                entry = json.loads(line)
                if "done" in entry:
                    outcomes.append(Outcome(entry["variant"], entry["kind"], entry["detail"]))
                    index = entry["done"] + 1
                else:
                    last_started = entry["start"]
            if child.returncode != 0:
                crashed = last_started if last_started is not None else index
                outcomes.append(Outcome(variants[crashed].name, "crash", f"child exited with {child.returncode}"))
                index = crashed + 1
            print(f"{index}/{total} variants, {tally(outcomes)}", flush=True)
    counts = tally(outcomes)
    report = dict(seed=args.seed, damaged_per_model=args.damaged, variants=total, counts=counts,
                  seconds=round(time.monotonic() - started), defects=[o.__dict__ for o in outcomes
                                                                       if o.kind in DEFECTS])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("seed", "variants", "counts", "seconds")}))
    return 1 if any(counts[k] for k in DEFECTS) else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--damaged", type=int, default=1500, help="damaged variants per base model")
    parser.add_argument("--chunk", type=int, default=200, help="variants per child process")
    parser.add_argument("--json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--stop", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return _child(args) if args.child else _parent(args)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
