"""Helpers for compiler tests: quantize small Keras models (cached), build generated C for the host, run it."""
from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
KERNELS = ROOT / "firmware" / "kernels"
DRIVER = Path(__file__).with_name("host_driver.c")
CACHE = Path(os.environ.get("ECGCC_TEST_CACHE", ROOT / ".build" / "test-cache" / "models"))
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]


def quantized(key: str, build_model, input_shapes=None, seed: int = 0, samples: int = 64,
              dynamic_batch: bool = False) -> bytes:
    """int8 .tflite bytes for the Keras model built by build_model(), cached on disk by key.
    dynamic_batch keeps the Keras batch dimension unknown, as a plain TFLiteConverter run would."""
    key += "-dynamic" if dynamic_batch else ""
    path = CACHE / (hashlib.sha256(key.encode()).hexdigest()[:20] + ".tflite")
    if path.exists():
        return path.read_bytes()
    import tensorflow as tf
    from ecgcc.frontend import quantize
    tf.keras.utils.set_random_seed(seed)
    model = build_model()
    input_shapes = input_shapes or [tuple(t.shape[1:]) for t in model.inputs]
    rng = np.random.default_rng(seed)
    data = [rng.standard_normal((samples,) + tuple(s)).astype(np.float32) for s in input_shapes]

    def representative():
        for i in range(samples):
            yield [d[i:i + 1] for d in data]
    if dynamic_batch:
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        tflite = quantize._convert(converter, input_shapes, representative)
    else:
        tflite = quantize.quantize_keras_model(model, representative)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")   # atomic: other test processes may read the cache
    partial.write_bytes(tflite)
    partial.replace(path)
    return tflite


def kernel_sources() -> list[Path]:
    return [source for kind in ("reference", "dsp", "m3") for source in sorted((KERNELS / kind).glob("*.c"))]


_KERNEL_OBJECTS: dict[tuple[str, ...], list[Path]] = {}


def kernel_objects(compiler: str, flags: list[str]) -> list[Path]:
    """Every kernel source compiled with `compiler` and `flags`, once per test process: the kernels include
    only their own headers, never a model's, so each model built with the same flags links the same objects
    (compiling them was most of a model build's time)."""
    key = (compiler, *flags)
    if key not in _KERNEL_OBJECTS:
        folder = Path(tempfile.mkdtemp(prefix="ecgcc-kernels-"))
        atexit.register(shutil.rmtree, folder, True)
        objects = []
        for source in kernel_sources():
            obj = folder / f"{source.parent.name}_{source.stem}.o"
            subprocess.run([compiler, *flags, f"-I{KERNELS / 'include'}", "-c", str(source), "-o", str(obj)],
                           check=True, capture_output=True, text=True)
            objects.append(obj)
        _KERNEL_OBJECTS[key] = objects
    return _KERNEL_OBJECTS[key]


def build_host(model_dir: Path, exe: Path, defines: tuple[str, ...] = ()) -> Path:
    flags = [*CFLAGS, *[f"-D{d}" for d in defines]]
    cmd = ["gcc", *flags, f"-I{KERNELS / 'include'}", f"-I{model_dir}", str(model_dir / "model.c"),
           str(model_dir / "model_weights.c"), str(DRIVER), *map(str, kernel_objects("gcc", flags)), "-o", str(exe)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def run_host(exe: Path, records: list[list[np.ndarray]], output_sizes: list[int], trace_sizes: list[int] = ()):
    """Returns per record (layer outputs if traced, model outputs) as flat int8 arrays."""
    payload = struct.pack("<I", len(records)) + b"".join(record_bytes(x) for rec in records for x in rec)
    args = [str(exe)] + (["--trace"] if trace_sizes else [])
    done = subprocess.run(args, input=payload, capture_output=True, check=True)
    raw = np.frombuffer(done.stdout, np.int8)
    sizes = list(trace_sizes) + list(output_sizes)
    per = sum(sizes)
    assert raw.size == per * len(records), f"driver wrote {raw.size} bytes, expected {per * len(records)}"
    results = []
    for r in range(len(records)):
        chunk, pieces, at = raw[r * per:(r + 1) * per], [], 0
        for s in sizes:
            pieces.append(chunk[at:at + s])
            at += s
        results.append((pieces[:len(trace_sizes)], pieces[len(trace_sizes):]))
    return results


def run_host_classes(exe: Path, records: list[list[np.ndarray]], output_sizes: list[int], with_logits: list[bool]):
    """Per record: (each output's class, each output's finer logits or None), from model_output_class()
    and model_output_logits() of the generated code."""
    payload = struct.pack("<I", len(records)) + b"".join(
        np.ascontiguousarray(x, np.int8).tobytes() for rec in records for x in rec)
    raw = subprocess.run([str(exe), "--classes"], input=payload, capture_output=True, check=True).stdout
    per = sum(output_sizes) + sum(4 + (4 * n if logits else 0) for n, logits in zip(output_sizes, with_logits))
    assert len(raw) == per * len(records), f"driver wrote {len(raw)} bytes, expected {per * len(records)}"
    results = []
    for r in range(len(records)):
        at = r * per + sum(output_sizes)
        classes, logits = [], []
        for n, has in zip(output_sizes, with_logits):
            classes.append(struct.unpack_from("<i", raw, at)[0])
            at += 4
            logits.append(np.frombuffer(raw, "<i4", n, at) if has else None)
            at += 4 * n if has else 0
        results.append((classes, logits))
    return results


def assert_classes_match(exe: Path, tflite: bytes, records, output_sizes: list[int], flags=()) -> None:
    """The generated code's class decision equals the host twin's (Reference.run_and_decide), logits too."""
    from ecgcc.passes.decision import decision_logits
    from ecgcc.reference import Reference

    twin = Reference(tflite, decide_classes=True)
    with_logits = [d is not None for d in twin.decisions]
    for i, (rec, (classes, logits)) in enumerate(zip(records, run_host_classes(exe, records, output_sizes,
                                                                                 with_logits))):
        _, expected = twin.run_and_decide(rec)
        assert classes == expected, f"record {i}: classes {classes}, host twin {expected} ({flags or 'default'})"
        for o, (d, got) in enumerate(zip(twin.decisions, logits)):
            if d is not None:
                want = decision_logits(d, twin.tensor(d.input_tensor)).reshape(-1)
                assert np.array_equal(got, want), f"record {i} output {o}: logits {got.tolist()} != {want.tolist()}"


def record_bytes(x: np.ndarray) -> bytes:
    """An input as the generated code reads it: int8 unless the array is int16 (models with int16 inputs)."""
    x = np.asarray(x)
    return np.ascontiguousarray(x, np.int16 if x.dtype == np.int16 else np.int8).tobytes()


def random_records(graph, count: int, seed: int) -> list[list[np.ndarray]]:
    """Random inputs over each input's whole type (int8 or int16), plus the extremes that stress saturation
    and padding."""
    rng = np.random.default_rng(seed)
    specs = [(graph.tensors[t].shape, np.dtype(graph.tensors[t].dtype)) for t in graph.inputs]
    records = [[np.full(s, np.iinfo(d).min, d) for s, d in specs], [np.full(s, np.iinfo(d).max, d) for s, d in specs]]
    records += [[rng.integers(np.iinfo(d).min, np.iinfo(d).max + 1, s, dtype=d) for s, d in specs]
                for _ in range(count)]
    return records


def first_divergence(result, reference_model, record, layer_outputs) -> str:
    """Name the first layer whose output differs from TFLM's tensor, for a readable failure."""
    from ecgcc.reference import Reference
    ref = Reference(reference_model, keep_all_tensors=True)
    ref.run(record)
    for layer, tensor, got in zip(result.report["layers"], result.layer_tensors, layer_outputs):
        want = ref.tensor(tensor).reshape(-1)
        if not np.array_equal(want, got):
            bad = np.flatnonzero(want != got)
            return (f"first diverging layer {layer['name']}: {bad.size} of {want.size} bytes differ, e.g. at "
                    f"{bad[0]} TFLM={want[bad[0]]} ours={got[bad[0]]}")
    return "no layer diverges in the traced run"


def assert_bit_exact(tflite: bytes, work: Path, count: int = 100, seed: int = 0, defines=((),), board="host"):
    """Compile, build for the host (once per set of defines), run `count` random inputs (+ extremes) and
    require byte-identical outputs to the TFLite Micro interpreter."""
    from ecgcc.compile import compile_tflite
    from ecgcc.reference import Reference
    result = compile_tflite(tflite, "model_under_test", board, work / "model")
    g = result.graph
    records = random_records(g, count, seed)
    ref = Reference(tflite)
    expected = [ref.run(rec) for rec in records]
    out_sizes = [g.tensors[t].nbytes for t in g.outputs]
    for n, flags in enumerate(defines):
        exe = build_host(work / "model", work / f"driver{n}", tuple(flags))
        for i, (rec, (_, outs)) in enumerate(zip(records, run_host(exe, records, out_sizes))):
            for o, (want, got) in enumerate(zip(expected[i], outs)):
                if not np.array_equal(want.reshape(-1), got):
                    traced = run_host(exe, [rec], out_sizes, [g.tensors[k.output].nbytes for k in result.kernels])
                    raise AssertionError(f"record {i} output {o} differs from TFLM with {flags or 'default'} kernels: "
                                         + first_divergence(result, tflite, rec, traced[0][0]))
        assert_classes_match(exe, tflite, records, out_sizes, flags)
    return result


QEMU_M4_DIR = Path(__file__).with_name("qemu_m4")
ARM_M4_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
INSTRUCTIONS_PER_SYSTICK_AN386 = 40   # mps2-an386 SysTick under -icount shift=0 (see test_qemu_m4 calibration)


def build_qemu_m4(model_dir: Path, records, work: Path, defines=(), opt: str = "-O2",
                  runner: Path = QEMU_M4_DIR / "runner.c") -> Path:
    """A bare-metal mps2-an386 image of the generated model with `records` compiled in."""
    work.mkdir(parents=True, exist_ok=True)
    flat = b"".join(np.ascontiguousarray(x, np.int8).tobytes() for rec in records for x in rec)
    body = ",".join(str(v) for v in np.frombuffer(flat, np.int8))
    (work / "vectors.h").write_text(f"#define VECTOR_COUNT {len(records)}u\n"
                                    f"static const int8_t vector_inputs[] = {{{body}}};\n")
    elf = work / "runner.elf"
    flags = ["-std=c99", opt, "-Wall", "-Wextra", "-Werror", *ARM_M4_FLAGS, *[f"-D{d}" for d in defines],
             "-ffunction-sections", "-fdata-sections"]
    cmd = ["arm-none-eabi-gcc", *flags, "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
           "-Wl,--gc-sections", f"-T{QEMU_M4_DIR / 'link.ld'}", f"-I{KERNELS / 'include'}", f"-I{model_dir}",
           f"-I{work}", str(runner), str(model_dir / "model.c"), str(model_dir / "model_weights.c"),
           *map(str, kernel_objects("arm-none-eabi-gcc", flags)), "-o", str(elf)]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return elf


def qemu_m4_console(elf: Path, timeout: int = 120) -> str:
    """What a bare-metal mps2-an386 image prints (the semihosting console is stderr) until it exits."""
    done = subprocess.run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
                           "-icount", "shift=0,sleep=off", "-semihosting-config", "enable=on,target=native",
                           "-kernel", str(elf)], capture_output=True, text=True, timeout=timeout, check=True)
    return done.stdout + done.stderr


def conv_driver_on_host(driver: Path, work: Path, name: str, defines=("-DECGCC_DSP_EMULATE",),
                        dsp_source: Path | None = None) -> str:
    """The output of a CONV_2D test driver built on the host with the reference and DSP kernel files (its cases in
    headers under `work`): the DSP twin's portable C under ECGCC_DSP_EMULATE, the reference alone without it."""
    exe = work / name
    subprocess.run(["gcc", *CFLAGS, *defines, f"-I{KERNELS / 'include'}", f"-I{work}", str(driver),
                    str(KERNELS / "reference" / "conv_2d.c"), str(dsp_source or KERNELS / "dsp" / "conv_2d.c"),
                    "-o", str(exe)], check=True, capture_output=True, text=True)
    return subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout


def conv_driver_on_cortex_m4(driver: Path, work: Path, name: str, dsp_source: Path | None = None) -> str:
    """The same driver as a bare-metal qemu-m4 image, the DSP kernel's assembly in, and what it prints."""
    elf = work / f"{name}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", *ARM_M4_FLAGS,
                    "-ffunction-sections", "-Wl,--gc-sections", "-nostartfiles", "--specs=nano.specs",
                    "--specs=nosys.specs", f"-T{QEMU_M4_DIR / 'link.ld'}", f"-I{KERNELS / 'include'}", f"-I{work}",
                    str(driver), str(KERNELS / "reference" / "conv_2d.c"),
                    str(dsp_source or KERNELS / "dsp" / "conv_2d.c"), "-o", str(elf)],
                   check=True, capture_output=True, text=True)
    return qemu_m4_console(elf)


def run_qemu_m4(elf: Path, timeout: int = 120) -> tuple[list[list[np.ndarray]], list[int]]:
    """(outputs per record, SysTick ticks per inference) printed by the runner."""
    outputs, ticks = [], []
    for line in qemu_m4_console(elf, timeout).splitlines():
        if line.startswith("ticks "):
            ticks.append(int(line.split()[1]))
            outputs.append([])
        elif line.startswith("out "):
            outputs[-1].append(np.frombuffer(bytes.fromhex(line.split()[1]), np.int8))
    return outputs, ticks
