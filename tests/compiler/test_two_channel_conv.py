"""The DSP CONV_2D's pooled path for two input channels (ecg_conv_2d_pooled_two_channels, dsp/conv_2d.c): seeded
random layers of one kernel row on two channels with their column pairs pooled, against the reference kernel's
unpooled output pooled here in numpy, on the host (the DSP twin emulated) and as its assembly on QEMU mps2-an386.

The shapes reach every part of the path: one to seven taps, padding on either side wider than the input reaches,
rows off the input (pad_h with stride_h), batches, more channels than one block of records, stretches of one to
twenty pooled outputs (several per row), odd convolution widths, zero points at both ends. Some cases leave the
path (activation bounds, channels that do not fold, a scratch too small for one stretch, none) and must still
give the same bytes through the reference."""
import shutil

import numpy as np
import pytest

from support import KERNELS, conv_driver_on_cortex_m4, conv_driver_on_host

DRIVER = KERNELS.parents[1] / "tests" / "compiler" / "two_channel_driver.c"
CASES = 64


def _c_array(ctype: str, name: str, values) -> str:
    body = ",".join(str(int(v)) for v in np.asarray(values).reshape(-1)) or "0"
    return f"static const {ctype} {name}[] __attribute__((aligned(8))) = {{{body}}};\n"


def random_case(rng: np.random.Generator) -> dict:
    k_w = int(rng.integers(1, 8))
    while True:
        in_w, pad_w = int(rng.integers(1, 48)), int(rng.integers(0, k_w + 2))
        out_w = in_w + 2 * pad_w - k_w + 1
        if out_w >= 2:
            break
    in_h, stride_h, pad_h = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(0, 2))
    out_h = (in_h + 2 * pad_h - 1) // stride_h + 1
    out_c = int(rng.choice([1, 2, 3, 5, 8, 8, 13, 16, 17, 24, 33]))
    folds = rng.random() < 0.85
    shift = rng.integers(-12, 0, out_c) if folds else rng.integers(-3, 3, out_c)
    bounded = rng.random() < 0.12
    stretch = int(rng.integers(1, 21))
    return dict(batches=int(rng.integers(1, 3)), in_h=in_h, in_w=in_w, in_c=2, out_h=out_h, out_w=out_w, out_c=out_c,
                k_h=1, k_w=k_w, stride_h=stride_h, stride_w=1, dilation_h=1, dilation_w=1, pad_h=pad_h, pad_w=pad_w,
                input_offset=int(rng.choice([-127, 128, *rng.integers(-127, 129, 4)])),
                output_offset=int(rng.integers(-128, 128)),
                act=sorted(int(v) for v in rng.integers(-128, 128, 2)) if bounded else [-128, 127],
                weights=rng.integers(-127, 128, (out_c, 1, k_w, 2)).astype(np.int8),
                bias=rng.integers(-5000, 5000, out_c).astype(np.int32) if rng.random() < 0.8 else None,
                multiplier=rng.integers(2**30, 2**31 - 1, out_c).astype(np.int32), shift=shift.astype(np.int32),
                stretch=stretch, scratch=rng.choice(["records", "records", "records", "staged", "staged", "short", "none"]))


def _params_of(c: dict) -> dict:
    from ecgcc.ops import ConstArray, folded_bias
    return dict(c, weights=ConstArray("weights", "int8_t", c["weights"]),
                multiplier=ConstArray("multiplier", "int32_t", c["multiplier"]),
                shift=ConstArray("shift", "int32_t", c["shift"]), act_min=c["act"][0], act_max=c["act"][1],
                folded_bias=ConstArray("folded_bias", "int32_t",
                                       folded_bias(c["weights"], c["bias"], c["input_offset"], False)))


def scratch_bytes(c: dict) -> int:
    """The compiler's records with their span ("records"), the kernel staging its own ("staged"), the compiler's
    records with one pooled output's pairs too few ("short"), or no scratch."""
    from ecgcc.ops.conv_2d import two_channel_scratch_bytes
    if c["scratch"] == "none":
        return 0
    planned = two_channel_scratch_bytes(_params_of(c), c["stretch"], staged=c["scratch"] == "staged")
    return planned - 12 if c["scratch"] == "short" else planned


def _folds(c: dict) -> bool:
    from ecgcc.ops.conv_2d import _all_channels_fold
    return _all_channels_fold(_params_of(c))


def takes_the_path(c: dict) -> bool:
    """The DSP twin runs the two-channel loop (the compiler would pick the entry for 5 to 7 taps only)."""
    from ecgcc.ops.conv_2d import _all_channels_fold
    return (c["scratch"] in ("records", "staged") and c["act"] == [-128, 127] and _all_channels_fold(_params_of(c)))


def cases_header(cases: list[dict]) -> str:
    from ecgcc.ops import folded_bias
    from ecgcc.ops.conv_2d import two_channel_records
    out = [f"#define CASES {len(cases)}\n"]
    scratch = max(scratch_bytes(c) for c in cases)
    out.append(f"static uint32_t case_scratch[{scratch // 4 + 1}];\n")
    structs, pooled_bytes, reference_bytes = [], [], []
    for i, c in enumerate(cases):
        x = np.random.default_rng(1000 + i).integers(-128, 128, c["batches"] * c["in_h"] * c["in_w"] * 2)
        c["input"] = x.astype(np.int8)
        out.append(_c_array("int8_t", f"input_{i}", c["input"]))
        out.append(_c_array("int8_t", f"weights_{i}", c["weights"]))
        out.append(_c_array("int32_t", f"folded_{i}", folded_bias(c["weights"], c["bias"], c["input_offset"], False)))
        out.append(_c_array("int32_t", f"multiplier_{i}", c["multiplier"]))
        out.append(_c_array("int32_t", f"shift_{i}", c["shift"]))
        if c["bias"] is not None:
            out.append(_c_array("int32_t", f"bias_{i}", c["bias"]))
        rows = c["batches"] * c["out_h"] * c["out_c"]
        reference_bytes.append(rows * c["out_w"])
        pooled_bytes.append(rows * (c["out_w"] // 2))
        fields = ", ".join(f".{k} = {c[k]}" for k in (
            "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
            "dilation_h", "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset"))
        size = scratch_bytes(c)
        records = "NULL"
        if c["scratch"] in ("records", "short") and _folds(c):   # the compiler lays them out where every channel folds
            out.append(_c_array("int32_t", f"records_{i}", two_channel_records(_params_of(c))))
            records = f"records_{i}"
        structs.append(f"{{{fields}, .act_min = {c['act'][0]}, .act_max = {c['act'][1]}, .weights = weights_{i}, "
                       f".bias = {f'bias_{i}' if c['bias'] is not None else 'NULL'}, .folded_bias = folded_{i}, "
                       f".multiplier = multiplier_{i}, .shift = shift_{i}, .max_pool_w = 2, .folded_requant = {records}, "
                       f".scratch = {'case_scratch' if size else 'NULL'}, .scratch_bytes = {size}}}")
    out.append(f"#define MAX_OUTPUT_BYTES {max(reference_bytes)}\n")
    out.append(f"static const int32_t case_output_bytes[] = {{{', '.join(map(str, pooled_bytes))}}};\n")
    out.append(f"static const int32_t case_reference_bytes[] = {{{', '.join(map(str, reference_bytes))}}};\n")
    out.append(f"static const int8_t *const case_inputs[] = {{{', '.join(f'input_{i}' for i in range(len(cases)))}}};\n")
    out.append("static const ecg_conv_2d_params_t case_params[] = {\n  " + ",\n  ".join(structs) + "};\n")
    return "".join(out)


def _write_cases(work) -> list[dict]:
    rng = np.random.default_rng(27)
    cases = [random_case(rng) for _ in range(CASES)]
    (work / "two_channel_cases.h").write_text(cases_header(cases))
    return cases


def _check(stdout: str, cases: list[dict], build: str) -> None:
    lines = [line.split() for line in stdout.splitlines() if line.startswith(("ref", "out"))]
    assert len(lines) == 2 * len(cases), f"{build}: {len(lines)} output lines"
    for n, c in enumerate(cases):
        (tag_r, *ref), (tag_o, *got) = lines[2 * n], lines[2 * n + 1]
        assert (tag_r, tag_o) == ("ref", "out")
        values = np.frombuffer(bytes.fromhex(ref[0] if ref else ""), np.int8)
        values = values.reshape(c["batches"] * c["out_h"], c["out_w"], c["out_c"])[:, :c["out_w"] // 2 * 2]
        want = values.reshape(values.shape[0], -1, 2, c["out_c"]).max(axis=2).astype(np.int8).tobytes().hex()
        assert want == (got[0] if got else ""), (
            f"{build}: case {n} differs from the pooled reference (in {c['batches']}x{c['in_h']}x{c['in_w']}x2, "
            f"{c['out_c']} channels of {c['k_w']} taps, pad {c['pad_h']},{c['pad_w']}, stride_h {c['stride_h']}, "
            f"stretch {c['stretch']}, scratch {c['scratch']}, act {c['act']})")


def test_cases_reach_every_part_of_the_path(tmp_path):
    cases = _write_cases(tmp_path)
    fast = [c for c in cases if takes_the_path(c)]
    assert len(fast) >= CASES // 3
    assert {c["k_w"] for c in fast} == set(range(1, 8))
    assert any(c["out_c"] > 16 for c in fast)                               # a second block of records
    assert any(c["out_w"] // 2 > c["stretch"] for c in fast)                # several stretches per row
    assert any(c["pad_w"] >= c["k_w"] for c in fast) and any(c["pad_w"] == 0 for c in fast)
    assert any((c["in_h"] + c["pad_h"] - 1) // c["stride_h"] < c["out_h"] - 1 or c["pad_h"] for c in fast)
    assert any(c["out_w"] % 2 for c in fast) and any(c["batches"] > 1 for c in fast)
    assert any(c["scratch"] == "records" for c in fast) and any(c["scratch"] == "staged" for c in fast)
    assert len(fast) < len(cases)                                          # and the fallbacks


def test_two_channel_path_matches_the_reference_on_the_host(tmp_path):
    cases = _write_cases(tmp_path)
    _check(conv_driver_on_host(DRIVER, tmp_path, "two_channel"), cases, "DSP twin (emulated)")


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="arm-none-eabi-gcc and qemu-system-arm needed")
def test_two_channel_path_matches_the_reference_on_cortex_m4(tmp_path):
    cases = _write_cases(tmp_path)
    _check(conv_driver_on_cortex_m4(DRIVER, tmp_path, "two_channel"), cases, "DSP twin on qemu-m4")
