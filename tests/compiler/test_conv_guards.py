"""The DSP CONV_2D's newest entries stay inside their buffers: ecg_conv_2d_pooled_two_channels and the unrolled rows
ecg_conv_2d_rows{16,32,48,64} / ecg_conv_2d_pooled_rows{16,32,48,64} (dsp/conv_2d.c), run on QEMU mps2-an386 as
their assembly (and on the host, the DSP twin emulated) with every buffer between guard regions
(conv_guards_driver.c describes the arena).

For seeded random shapes biased to the edges (outputs one or two pixels wide, last tiles of one and two pixels,
last pooled groups of one and two, odd output channel counts and more than one block of them, padding wider than
the input reaches, stride two, the largest window of the rows, twenty chunks) each call must
- give the reference kernel's bytes (pooled here in numpy) with the guards around its input and constants in two
  complementary patterns, with its buffers starting on 8 bytes, ending on 8 bytes, and its input one byte off a
  word (the rows' word-aligned LDM split and their bytewise one): a read past either end that reaches the
  arithmetic changes the output;
- leave its input, its constants, the guards around them, and the guards before and after its output and its
  scratch unchanged;
- on qemu-m4, also with its buffers starting, then ending, on 64 bytes and the guard on that side a no-access MPU
  region: any access past that end faults, read or write, whether or not it reaches the output;
- write its scratch at all (it took its own path, not the reference fallback) and no further than the bytes the
  compiler plans for it (ops/conv_2d.py scratch_bytes, through the same Kernel the compiler builds);
and an unpooled layer the planner declares in place (ops/_in_place.py) must give the same bytes with its output
`shift` bytes before its input in one buffer."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from support import KERNELS, conv_driver_on_cortex_m4, conv_driver_on_host

DRIVER = KERNELS.parents[1] / "tests" / "compiler" / "conv_guards_driver.c"
STEPS = (16, 32, 48, 64)
ROWS_CASES = 72      # half pooled, half not, every step
TWO_CHANNEL_CASES = 24
GUARD = 64           # the driver's guard bytes per side
BLOBS = ("weights", "wide", "requant", "folded", "bias", "multiplier", "shift")
PLACEMENTS = ("buffers start on 8 bytes", "buffers end on 8 bytes", "input one byte past a word",
              "buffers start on 64 bytes, the guards before them fenced by the MPU",
              "buffers end on 64 bytes, the guards after them fenced by the MPU")
HOST_PLACEMENTS, M4_PLACEMENTS = 3, 5
BAD_BITS = {1: "a constant or its guard changed", 2: "the input or its guard changed",
            4: "the guard before the output changed", 8: "the guard after the output changed",
            16: "the guard before the scratch changed", 32: "the guard after the scratch changed"}


def _c_array(ctype: str, name: str, values) -> str:
    body = ",".join(str(int(v)) for v in np.asarray(values).reshape(-1)) or "0"
    return f"static const {ctype} {name}[] __attribute__((aligned(8))) = {{{body}}};\n"


def _edge(rng: np.random.Generator, low: int, high: int) -> int:
    """An integer in [low, high], half the time one of the ends."""
    if rng.random() < 0.5:
        return int(rng.choice([low, high]))
    return int(rng.integers(low, high + 1))


def _requant(rng: np.random.Generator, out_c: int) -> dict:
    """Constants every channel folds (the entries take their paths only then)."""
    return dict(multiplier=rng.integers(2**30, 2**31 - 1, out_c).astype(np.int32),
                shift=rng.integers(-12, 0, out_c).astype(np.int32),
                input_offset=int(rng.choice([-127, 128, *rng.integers(-127, 129, 2)])),
                output_offset=int(rng.integers(-128, 128)))


def rows_case(rng: np.random.Generator, step: int, pooled: bool) -> dict:
    """One kernel row on step / (2 * stride) channels: the rows of `step`, up to their largest window."""
    stride = int(rng.integers(1, 3))
    in_c = step // (2 * stride)
    most_taps = 80 // in_c
    while True:
        k_w = _edge(rng, 1 if pooled else stride + 1, most_taps)
        if not pooled and k_w <= stride:
            continue
        pad_w = _edge(rng, 0, k_w - 1)
        # widths that end on every tail: outputs 1..2 (pooled 2..5) and a few more
        out_w = int(rng.choice([2, 3, 4, 5, 6, 7, 8, 11]) if pooled else rng.choice([1, 2, 3, 4, 5, 7, 8, 10]))
        in_w = (out_w - 1) * stride + k_w - 2 * pad_w
        if in_w >= 1 and (in_w + 2 * pad_w - k_w) // stride + 1 == out_w:
            break
    out_c = int(rng.choice([1, 2, 3, 5, 7, 8, 16, 17, 19, 33]))
    in_h, stride_h = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    return dict(batches=int(rng.integers(1, 3)), in_h=in_h, in_w=in_w, in_c=in_c, out_h=(in_h - 1) // stride_h + 1,
                out_w=out_w, out_c=out_c, k_h=1, k_w=k_w, stride_h=stride_h, stride_w=stride, dilation_h=1,
                dilation_w=1, pad_h=0, pad_w=pad_w, act=[-128, 127] if rng.random() < 0.7 else
                sorted(int(v) for v in rng.integers(-128, 128, 2)),
                weights=rng.integers(-127, 128, (out_c, 1, k_w, in_c)).astype(np.int8),
                bias=rng.integers(-5000, 5000, out_c).astype(np.int32) if rng.random() < 0.8 else None,
                pooled=pooled, **_requant(rng, out_c))


def two_channel_case(rng: np.random.Generator) -> dict:
    """Five to seven taps on two channels, pooled: stretches of the planned 32 pooled outputs and their tails."""
    k_w = int(rng.integers(5, 8))
    while True:
        pad_w = _edge(rng, 0, k_w + 1)
        out_w = int(rng.choice([2, 3, 4, 5, 63, 64, 65, 66, 67, 130, *rng.integers(2, 140, 2)]))
        in_w = out_w + k_w - 1 - 2 * pad_w
        if in_w >= 1:
            break
    out_c = int(rng.choice([1, 2, 3, 15, 16, 17, 31, 33]))
    in_h, stride_h, pad_h = int(rng.integers(1, 3)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    return dict(batches=int(rng.integers(1, 3)), in_h=in_h, in_w=in_w, in_c=2,
                out_h=(in_h + 2 * pad_h - 1) // stride_h + 1, out_w=out_w, out_c=out_c, k_h=1, k_w=k_w,
                stride_h=stride_h, stride_w=1, dilation_h=1, dilation_w=1, pad_h=pad_h, pad_w=pad_w, act=[-128, 127],
                weights=rng.integers(-127, 128, (out_c, 1, k_w, 2)).astype(np.int8),
                bias=rng.integers(-5000, 5000, out_c).astype(np.int32) if rng.random() < 0.8 else None,
                pooled=True, **_requant(rng, out_c))


def params_of(c: dict) -> dict:
    from ecgcc.ops import ConstArray, folded_bias
    return dict(c, weights=ConstArray("weights", "int8_t", c["weights"]),
                multiplier=ConstArray("multiplier", "int32_t", c["multiplier"]),
                shift=ConstArray("shift", "int32_t", c["shift"]), act_min=c["act"][0], act_max=c["act"][1],
                max_pool_w=2 if c["pooled"] else 0,
                bias=None if c["bias"] is None else ConstArray("bias", "int32_t", c["bias"]),
                folded_bias=ConstArray("folded_bias", "int32_t",
                                       folded_bias(c["weights"], c["bias"], c["input_offset"], False)))


def compiled(c: dict):
    """The kernel as the compiler builds it for a DSP board in the wide layout: its entry, the constants it lays
    out, the scratch it plans and the in-place shift it declares."""
    from ecgcc.ops import Kernel, Target
    from ecgcc.ops import conv_2d
    p = params_of(c)
    entry = conv_2d.pooled_entry(p) if c["pooled"] else conv_2d.unpooled_entry(p)
    kernel = Kernel(function=entry, params_type="ecg_conv_2d_params_t", params=p, inputs=[0], output=1, macs=0)
    target = Target()
    kernel.params.update(conv_2d.target_params(kernel, target))
    planned = conv_2d.scratch_bytes(kernel, target)
    shift = conv_2d.in_place(kernel, target)
    return SimpleNamespace(entry=entry, params=kernel.params, scratch=max(planned),
                           shift=-1 if shift is None else shift[0])


def stage_own_records(c: dict) -> None:
    """The two-channel entry without the compiler's records: it stages a block of them at the start of its scratch,
    sized by two_channel_scratch_bytes(staged=True) (no compiler path calls it so; the kernel supports it)."""
    from ecgcc.ops.conv_2d import two_channel_scratch_bytes
    c["compiled"].params = dict(c["compiled"].params, folded_requant=None)
    c["compiled"].scratch = two_channel_scratch_bytes(c["compiled"].params, staged=True)
    c["staged"] = True


def make_cases() -> list[dict]:
    rng = np.random.default_rng(1616)
    cases = []
    for n in range(ROWS_CASES):
        step, pooled = STEPS[n % 4], n % 8 >= 4
        while True:
            c = rows_case(rng, step, pooled)
            c["compiled"] = compiled(c)
            want = f"ecg_conv_2d_pooled_rows{step}" if pooled else f"ecg_conv_2d_rows{step}"
            if c["compiled"].entry == want:
                break
        cases.append(c)
    for n in range(TWO_CHANNEL_CASES):
        c = two_channel_case(rng)
        c["compiled"] = compiled(c)
        assert c["compiled"].entry == "ecg_conv_2d_pooled_two_channels"
        if n % 4 == 3:
            stage_own_records(c)
        cases.append(c)
    for i, c in enumerate(cases):
        c["input"] = np.random.default_rng(2000 + i).integers(
            -128, 128, c["batches"] * c["in_h"] * c["in_w"] * c["in_c"]).astype(np.int8)
    return cases


def _blobs(c: dict) -> dict:
    """The constant arrays the entry is given, as (C type, values), None where it gets none."""
    p = c["compiled"].params
    wide, requant = p.get("wide_pair_weights"), p.get("folded_requant")
    weights = p.get("weights")
    return {"weights": ("int8_t", weights.values) if weights is not None else None,
            "wide": ("int16_t", wide.values) if wide is not None else None,
            "requant": ("int32_t", requant.values) if requant is not None else None,
            "folded": ("int32_t", p["folded_bias"].values), "bias": None if c["bias"] is None else ("int32_t", c["bias"]),
            "multiplier": ("int32_t", c["multiplier"]), "shift": ("int32_t", c["shift"])}


def output_bytes(c: dict) -> int:
    return c["batches"] * c["out_h"] * (c["out_w"] // 2 if c["pooled"] else c["out_w"]) * c["out_c"]


def cases_header(cases: list[dict]) -> str:
    from ecgcc.ops import folded_bias
    out = [f"#define CASES {len(cases)}\n#define BLOBS {len(BLOBS)}\n"]
    out += [f"#define BLOB_{name.upper()} {i}\n" for i, name in enumerate(BLOBS)]
    out.append("typedef struct { const void *data; int32_t bytes; } blob_t;\n")
    arena, blob_rows, params, references, entries = 0, [], [], [], []
    for i, c in enumerate(cases):
        out.append(_c_array("int8_t", f"input_{i}", c["input"]))
        out.append(_c_array("int8_t", f"weights_{i}", c["weights"]))
        out.append(_c_array("int32_t", f"reference_folded_{i}",
                            folded_bias(c["weights"], c["bias"], c["input_offset"], False)))
        row, used = [], 0
        for name in BLOBS:
            blob = _blobs(c)[name]
            if blob is None:
                row.append("{NULL, 0}")
                continue
            ctype, values = blob
            out.append(_c_array(ctype, f"{name}_blob_{i}", values))
            size = np.asarray(values).size * {"int8_t": 1, "int16_t": 2, "int32_t": 4}[ctype]
            row.append(f"{{{name}_blob_{i}, {size}}}")
            used += size + 2 * GUARD + 16
        blob_rows.append("{" + ", ".join(row) + "}")
        used += len(c["input"]) + output_bytes(c) + c["compiled"].scratch + 6 * GUARD + 64
        shared = max(c["compiled"].shift + len(c["input"]), output_bytes(c)) + c["compiled"].scratch + 4 * GUARD + 32
        arena = max(arena, used, shared)
        geometry = ", ".join(f".{k} = {c[k]}" for k in (
            "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
            "dilation_h", "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset"))
        geometry += f", .act_min = {c['act'][0]}, .act_max = {c['act'][1]}"
        params.append(f"{{{geometry}, .max_pool_w = {2 if c['pooled'] else 0}, "
                      f".scratch_bytes = {c['compiled'].scratch}}}")
        references.append(f"{{{geometry}, .weights = weights_{i}, "
                          f".bias = {f'bias_blob_{i}' if c['bias'] is not None else 'NULL'}, "
                          f".folded_bias = reference_folded_{i}, .multiplier = multiplier_blob_{i}, .shift = shift_blob_{i}}}")
        entries.append(c["compiled"].entry)
    out.append(f"#define ARENA_BYTES {arena + 24 * GUARD}\n")   # room for the 64-byte placements
    out.append(f"#define MAX_REFERENCE_BYTES {max(c['batches'] * c['out_h'] * c['out_w'] * c['out_c'] for c in cases)}\n")
    out.append("static const blob_t case_blobs[CASES][BLOBS] = {\n  " + ",\n  ".join(blob_rows) + "};\n")
    out.append("static const ecg_conv_2d_params_t case_params[] = {\n  " + ",\n  ".join(params) + "};\n")
    out.append("static const ecg_conv_2d_params_t case_reference_params[] = {\n  " + ",\n  ".join(references) + "};\n")
    out.append("typedef void (*case_entry_t)(const ecg_conv_2d_params_t *, const int8_t *, int8_t *);\n")
    out.append(f"static const case_entry_t case_entries[] = {{{', '.join(entries)}}};\n")
    out.append(f"static const int8_t *const case_inputs[] = {{{', '.join(f'input_{i}' for i in range(len(cases)))}}};\n")
    for name, values in (("input_bytes", [len(c["input"]) for c in cases]),
                         ("output_bytes", [output_bytes(c) for c in cases]),
                         ("reference_bytes", [c["batches"] * c["out_h"] * c["out_w"] * c["out_c"] for c in cases]),
                         ("in_place_shift", [c["compiled"].shift for c in cases])):
        out.append(f"static const int32_t case_{name}[] = {{{', '.join(map(str, values))}}};\n")
    return "".join(out)


def truth(ref_hex: str, c: dict) -> str:
    values = np.frombuffer(bytes.fromhex(ref_hex), np.int8).reshape(c["batches"] * c["out_h"], c["out_w"], c["out_c"])
    if not c["pooled"]:
        return values.tobytes().hex()
    pairs = values[:, :c["out_w"] // 2 * 2].reshape(values.shape[0], c["out_w"] // 2, 2, c["out_c"])
    return pairs.max(axis=2).astype(np.int8).tobytes().hex()


def describe(c: dict) -> str:
    return (f"{c['compiled'].entry}: in {c['batches']}x{c['in_h']}x{c['in_w']}x{c['in_c']}, {c['out_c']} channels "
            f"of {c['k_w']} taps, stride {c['stride_h']},{c['stride_w']}, pad {c['pad_h']},{c['pad_w']}, out_w "
            f"{c['out_w']}, planned scratch {c['compiled'].scratch}")


def check(stdout: str, cases: list[dict], build: str, placements: int) -> dict:
    """Every line of the driver against the reference and the guards; the scratch each case wrote at most."""
    lines = [line.split() for line in stdout.splitlines() if line.startswith(("ref ", "run ", "inplace ", "fault "))]
    for f in lines:
        if f[0] == "fault":
            n, placement, buffer, offset = map(int, f[1:5])
            names = (*BLOBS, "input", "output", "scratch")
            raise AssertionError(f"{build}: case {n} ({describe(cases[n])}), {PLACEMENTS[placement]}: the call touched "
                                 f"the fenced guard of its {names[buffer] if buffer >= 0 else 'unknown buffer'} "
                                 f"(arena offset {offset})")
    refs = {int(f[1]): (f[2] if len(f) > 2 else "") for f in lines if f[0] == "ref"}
    assert sorted(refs) == list(range(len(cases))), f"{build}: {len(refs)} reference lines"
    runs = [f for f in lines if f[0] == "run"]
    assert len(runs) == 2 * placements * len(cases), f"{build}: {len(runs)} guarded runs"
    highest = {}
    for f in runs:
        n, run, placement, bad, low, high = map(int, f[1:7])
        got, c = (f[7] if len(f) > 7 else ""), cases[n]
        where = f"{build}: case {n} ({describe(c)}), pattern {run}, {PLACEMENTS[placement]}"
        assert bad == 0, f"{where}: " + "; ".join(text for bit, text in BAD_BITS.items() if bad & bit)
        assert got == truth(refs[n], c), f"{where}: output differs from the reference"
        assert high > 0, f"{where}: the scratch was not written (the entry fell back to the reference)"
        assert high <= c["compiled"].scratch
        highest[n] = max(highest.get(n, 0), high)
    in_place = [f for f in lines if f[0] == "inplace"]
    assert len(in_place) == sum(c["compiled"].shift >= 0 for c in cases), f"{build}: {len(in_place)} in-place runs"
    for f in in_place:
        n, c = int(f[1]), cases[int(f[1])]
        assert f[2] == "0", f"{build}: case {n} in place ({describe(c)}): a guard changed"
        assert (f[3] if len(f) > 3 else "") == truth(refs[n], c), (
            f"{build}: case {n} ({describe(c)}) in place with shift {c['compiled'].shift} differs from the reference")
    return highest


def _write_cases(work) -> list[dict]:
    cases = make_cases()
    (work / "conv_guards_cases.h").write_text(cases_header(cases))
    return cases


def test_cases_reach_every_entry_and_tail(tmp_path):
    cases = _write_cases(tmp_path)
    entries = {c["compiled"].entry for c in cases}
    assert entries == {"ecg_conv_2d_pooled_two_channels", *(f"ecg_conv_2d_rows{s}" for s in STEPS),
                       *(f"ecg_conv_2d_pooled_rows{s}" for s in STEPS)}
    rows = [c for c in cases if "rows" in c["compiled"].entry]
    plain = [c for c in rows if not c["pooled"]]
    pooled = [c for c in rows if c["pooled"]]
    for tail in (1, 2):   # last tiles of one and two pixels, last pooled groups of one and two outputs
        assert sum(c["out_w"] % 3 == tail for c in plain) >= 3
        assert sum(c["out_w"] // 2 % 3 == tail for c in pooled) >= 3
    assert any(c["out_w"] == 1 for c in plain) and any(c["out_w"] == 2 for c in plain)
    assert any(c["out_w"] // 2 == 1 for c in pooled)
    from ecgcc.passes.smlad_layout import padded_window
    assert any(padded_window(c["k_w"] * c["in_c"]) // 4 == 20 for c in plain)
    assert any(padded_window(c["k_w"] * c["in_c"]) // 4 == 20 for c in pooled)
    assert any(c["stride_w"] == 2 for c in plain) and any(c["stride_w"] == 2 for c in pooled)
    assert any(c["pad_w"] == c["k_w"] - 1 > 0 for c in rows) and any(c["pad_w"] == 0 for c in rows)
    assert any(c["out_c"] % 2 for c in rows) and any(c["out_c"] > 16 for c in rows)
    assert any(len(c["input"]) % 4 for c in cases)   # an input that ends off a word boundary
    two = [c for c in cases if c["compiled"].entry == "ecg_conv_2d_pooled_two_channels"]
    assert {c["k_w"] for c in two} == {5, 6, 7} and any(c["out_w"] % 2 for c in two)
    assert any(c["out_w"] // 2 > 32 for c in two) and any(c["pad_w"] >= c["k_w"] for c in two)
    assert any(c["out_c"] > 16 for c in two) and any(c["pad_h"] for c in two)
    assert any(c.get("staged") and c["out_c"] > 16 for c in two) and sum(not c.get("staged") for c in two) >= 16
    assert sum(c["compiled"].shift >= 0 for c in plain) >= 10   # the planner's in-place claims run


def test_guards_hold_on_the_host(tmp_path):
    cases = _write_cases(tmp_path)
    check(conv_driver_on_host(DRIVER, tmp_path, "guards"), cases, "DSP twin (emulated)",
          HOST_PLACEMENTS)


def run_on_cortex_m4(work, kernel_source=None) -> str:
    return conv_driver_on_cortex_m4(DRIVER, work, "guards", kernel_source)


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="arm-none-eabi-gcc and qemu-system-arm needed")
def test_guards_hold_on_cortex_m4(tmp_path):
    cases = _write_cases(tmp_path)
    check(run_on_cortex_m4(tmp_path), cases, "DSP twin on qemu-m4", M4_PLACEMENTS)


# Errors planted in a copy of the kernel (the text it replaces, and the replacement): each must make the check fail.
PLANTED = {
    "two-channel: one byte written past the output": (
        "    conv_two_channel(p, input, output, stretch);\n",
        "    conv_two_channel(p, input, output, stretch);\n"
        "    output[p->batches * p->out_h * (p->out_w / 2) * p->out_c] = 0;\n"),
    "two-channel: reads, and drops, the byte after its input": (
        "    conv_two_channel(p, input, output, stretch);\n",
        "    conv_two_channel(p, input, output, stretch);\n"
        "    (void)*(volatile const int8_t *)(input + p->batches * p->in_h * p->in_w * 2);\n"),
    "two-channel: the span reads one column past the row": (
        "int32_t inside = row ? (in_w - first < count ? in_w - first : count) - left : 0;",
        "int32_t inside = row ? (in_w + 1 - first < count ? in_w + 1 - first : count) - left : 0;"),
    "two-channel: a stretch one pooled output longer than the scratch holds": (
        "  const int32_t pooled = (free_words - (TWO_CHANNEL_TAPS - 1)) / 2;",
        "  const int32_t pooled = (free_words + 2 - (TWO_CHANNEL_TAPS - 1)) / 2;"),
    "rows: one byte written past the output": (
        "    conv_rows_plain_unrolled(p, &g, input, output, step, tile_sums_of);\n",
        "    conv_rows_plain_unrolled(p, &g, input, output, step, tile_sums_of);\n"
        "    output[p->batches * p->out_h * p->out_w * p->out_c] = 0;\n"),
    "rows: reads, and drops, the byte before the input": (
        "    conv_rows_plain_unrolled(p, &g, input, output, step, tile_sums_of);\n",
        "    conv_rows_plain_unrolled(p, &g, input, output, step, tile_sums_of);\n"
        "    (void)*(volatile const int8_t *)(input - 1);\n"),
    "rows: the split stretch takes one chunk past the row": (
        "  const int32_t lead = p->pad_w * p->in_c / 4, inside = in_y >= 0 && in_y < p->in_h ? p->in_w * p->in_c / 4 : 0;\n"
        "  int32_t c0 = lead - first, c1 = lead + inside - first;   /* chunks [c0, c1) of the stretch",
        "  const int32_t lead = p->pad_w * p->in_c / 4, inside = in_y >= 0 && in_y < p->in_h ? p->in_w * p->in_c / 4 + 1 : 0;\n"
        "  int32_t c0 = lead - first, c1 = lead + inside - first;   /* chunks [c0, c1) of the stretch"),
    "pooled rows: reads, and drops, the word after the filter": (
        "    conv_rows_unrolled(p, &g, input, output, step, tile_sums_of);\n",
        "    conv_rows_unrolled(p, &g, input, output, step, tile_sums_of);\n"
        "    (void)*(volatile const int32_t *)((const uint8_t *)p->wide_pair_weights + 16 * g.chunks * ((p->out_c + 1) / 2));\n"),
}


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="arm-none-eabi-gcc and qemu-system-arm needed")
@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_guards_catch_a_planted_kernel_error(tmp_path, planted):
    old, new = PLANTED[planted]
    source = (KERNELS / "dsp" / "conv_2d.c").read_text()
    assert source.count(old) == 1, f"the kernel changed: update the planted error {planted!r}"
    kernel = tmp_path / "conv_2d.c"
    kernel.write_text(source.replace(old, new))
    cases = _write_cases(tmp_path)
    with pytest.raises(AssertionError):
        check(run_on_cortex_m4(tmp_path, kernel), cases, "planted", M4_PLACEMENTS)


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="arm-none-eabi-gcc and qemu-system-arm needed")
def test_guards_catch_a_short_plan(tmp_path, monkeypatch):
    """The rows' span planned 4 bytes short: the kernel declines its path, which the check sees; and an in-place
    shift of 0: the output over the input differs."""
    from ecgcc.ops import conv_2d
    span = conv_2d.row_span_bytes
    monkeypatch.setattr(conv_2d, "row_span_bytes", lambda p, pooled=False: max(0, span(p, pooled) - 4))
    cases = _write_cases(tmp_path)
    with pytest.raises(AssertionError, match="not written"):
        check(run_on_cortex_m4(tmp_path), cases, "planted", M4_PLACEMENTS)
    monkeypatch.setattr(conv_2d, "row_span_bytes", span)
    monkeypatch.setattr(conv_2d, "conv_shift", lambda p: 0)
    cases = _write_cases(tmp_path)
    with pytest.raises(AssertionError, match="in place"):
        check(run_on_cortex_m4(tmp_path), cases, "planted", M4_PLACEMENTS)
