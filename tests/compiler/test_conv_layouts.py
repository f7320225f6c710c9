"""The DSP CONV_2D on filters laid out at compile time (passes/smlad_layout.py), against the reference kernel
on the plain int8 filter, over seeded random shapes no converted model needs to produce: channel counts that
are not multiples of four (odd output counts end on a zero partner channel), odd window lengths, strides,
dilation, padding on every side, batches, and requantization constants that fold or do not.

Each case runs under four layouts: the int8 filter (the truth, on the reference kernel), the int8 pair layout,
the wide int16 one, and the int8 pair layout without scratch (the DSP twin's plain path). The DSP twin is
run emulated on the host and, where the tools are installed, as its assembly on QEMU mps2-an386; the
reference kernel also reads the pair layout (a model compiled for a DSP board and built with the reference
kernels). Every output byte must be equal. The unrolled rows (dsp/conv_2d.c, ecg_conv_2d_rows* and
ecg_conv_2d_pooled_rows*) run each case through the entry point the compiler would call for it."""
import shutil

import numpy as np
import pytest

from support import KERNELS, conv_driver_on_cortex_m4, conv_driver_on_host

DRIVER = KERNELS.parents[1] / "tests" / "compiler" / "conv_layouts_driver.c"
RANDOM_CASES = 60
OVERLAPPING_ROWS = [(step, out_w) for step in (16, 32, 48, 64) for out_w in (4, 5)]
CASES = RANDOM_CASES + len(OVERLAPPING_ROWS)
LAYOUTS = ("int8 filter", "pair layout", "wide pair layout", "pair layout, no scratch",
           "wide pair layout, rows unrolled")
# The same cases with a MAX_POOL_2D over pairs of output columns folded in (max_pool_w = 2): their truth is
# the unpooled reference output pooled here in numpy.
POOLED = ("int8 filter, pooled", "pair layout, pooled", "wide pair layout, pooled", "wide pair layout, pooled, no scratch",
          "wide pair layout, pooled rows", "wide pair layout, pooled rows unrolled")
# The layouts the driver runs through an entry point of their own (the others take ecg_conv_2d, or
# ecg_conv_2d_pooled / ecg_conv_2d_pooled_resident where pooled): the compiler's choice for the case.
UNROLLED = "wide pair layout, pooled rows unrolled"
PLAIN_UNROLLED = "wide pair layout, rows unrolled"
ALL_LAYOUTS = LAYOUTS + POOLED


def _c_array(ctype: str, name: str, values, align: int = 8) -> str:
    body = ",".join(str(int(v)) for v in np.asarray(values).reshape(-1)) or "0"
    return f"static const {ctype} {name}[] __attribute__((aligned({align}))) = {{{body}}};\n"


def random_case(rng: np.random.Generator) -> dict:
    """One CONV_2D call with a geometry that has at least one output pixel."""
    while True:
        k_h, k_w = int(rng.integers(1, 4)), int(rng.integers(1, 6))
        dil_h, dil_w = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        stride_h, stride_w = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        in_h, in_w = int(rng.integers(1, 6)), int(rng.integers(1, 14))
        pad_h, pad_w = int(rng.integers(0, k_h)), int(rng.integers(0, k_w))
        out_h = (in_h + 2 * pad_h - dil_h * (k_h - 1) - 1) // stride_h + 1
        out_w = (in_w + 2 * pad_w - dil_w * (k_w - 1) - 1) // stride_w + 1
        if out_h >= 1 and out_w >= 1:
            break
    in_c, out_c, batches = int(rng.integers(1, 14)), int(rng.integers(1, 21)), int(rng.integers(1, 3))
    if rng.random() < 0.4:   # one undilated kernel row on whole groups of four channels: the pooled rows path
        values = 8 * int(rng.integers(1, 5))                 # input values per pixel step: each of its four steps
        stride_w = int(rng.integers(1, 3)) if values % 8 == 0 and values // 2 % 4 == 0 else 1
        in_c, k_h, pad_h, dil_w = values // stride_w, 1, 0, 1
        in_h, in_w = int(rng.integers(1, 3)), int(rng.integers(k_w, 30))
        out_c = max(out_c, 2)
        out_h, out_w = (in_h - 1) // stride_h + 1, (in_w + 2 * pad_w - k_w) // stride_w + 1
    folds = rng.random() < 0.8
    shift = rng.integers(-12, 0, out_c) if folds else rng.integers(-3, 3, out_c)
    return dict(batches=batches, in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                k_h=k_h, k_w=k_w, stride_h=stride_h, stride_w=stride_w, dilation_h=dil_h, dilation_w=dil_w,
                pad_h=pad_h, pad_w=pad_w, input_offset=int(rng.integers(-127, 129)),
                output_offset=int(rng.integers(-128, 128)),
                act=sorted(int(v) for v in rng.integers(-128, 128, 2)) if rng.random() < 0.4 else [-128, 127],
                weights=rng.integers(-127, 128, (out_c, k_h, k_w, in_c)).astype(np.int8),
                bias=rng.integers(-5000, 5000, out_c).astype(np.int32) if rng.random() < 0.7 else None,
                multiplier=rng.integers(2**30, 2**31 - 1, out_c).astype(np.int32), shift=shift.astype(np.int32),
                input=rng.integers(-128, 128, batches * in_h * in_w * in_c).astype(np.int8))


def overlapping_rows_case(rng: np.random.Generator, step: int, out_w: int) -> dict:
    """A two-tap layer on the unpooled unrolled rows of one pixel step (stride one, step / 2 input channels):
    random cases rarely draw one whose windows overlap at the larger steps, and only those take the rows."""
    in_c, out_c, in_w = step // 2, 4, out_w + 1
    return dict(batches=1, in_h=1, in_w=in_w, in_c=in_c, out_h=1, out_w=out_w, out_c=out_c, k_h=1, k_w=2,
                stride_h=1, stride_w=1, dilation_h=1, dilation_w=1, pad_h=0, pad_w=0,
                input_offset=int(rng.integers(-127, 129)), output_offset=int(rng.integers(-128, 128)),
                act=[-128, 127], weights=rng.integers(-127, 128, (out_c, 1, 2, in_c)).astype(np.int8),
                bias=rng.integers(-5000, 5000, out_c).astype(np.int32),
                multiplier=rng.integers(2**30, 2**31 - 1, out_c).astype(np.int32),
                shift=rng.integers(-12, 0, out_c).astype(np.int32),
                input=rng.integers(-128, 128, in_w * in_c).astype(np.int8))


def _params_of(c: dict) -> dict:
    """A case as the compiler's params (ConstArray-valued where it has arrays)."""
    from ecgcc.ops import ConstArray, folded_bias
    return dict(c, k_h=c["k_h"], multiplier=ConstArray("multiplier", "int32_t", c["multiplier"]),
                shift=ConstArray("shift", "int32_t", c["shift"]),
                folded_bias=ConstArray("folded_bias", "int32_t",
                                       folded_bias(c["weights"], c["bias"], c["input_offset"], False)))


def _folds(c: dict) -> bool:
    from ecgcc.ops.conv_2d import _all_channels_fold
    return _all_channels_fold(_params_of(c))


def _requant_table(c: dict) -> np.ndarray:
    from ecgcc.ops.conv_2d import folded_requant_table
    return folded_requant_table(_params_of(c))


def _pooled_entry(c: dict) -> str:
    """The pooled entry point the compiler would call for the case in the wide layout (ops/conv_2d.py), the
    general ecg_conv_2d_pooled where it has none (a case whose channels do not fold)."""
    from ecgcc.ops.conv_2d import pooled_entry
    entry = pooled_entry(_params_of(c)) if _folds(c) else None
    return entry if entry and entry != "ecg_conv_2d_pooled_resident" else "ecg_conv_2d_pooled"


def _unpooled_entry(c: dict) -> str:
    """The entry point the compiler would call for the case without pooling in the wide layout."""
    from ecgcc.ops.conv_2d import unpooled_entry
    return unpooled_entry(_params_of(c))


def cases_header(cases: list[dict], pair_layout=None) -> str:
    """conv_cases.h: the cases' constants and, per layout, their params structs."""
    from ecgcc.ops import folded_bias
    from ecgcc.passes import smlad_layout
    pair_layout = pair_layout or smlad_layout.pair_layout
    out = ["#define CASES %d\n#define LAYOUTS %d\n" % (len(cases), len(ALL_LAYOUTS))]
    sizes, structs = {layout: [] for layout in ALL_LAYOUTS}, {layout: [] for layout in ALL_LAYOUTS}
    scratch = max(max(smlad_layout.paired_scratch_bytes(c["k_h"] * c["k_w"] * c["in_c"], pooled=True),
                      smlad_layout.row_span_bytes(_params_of(c), pooled=True)) for c in cases)
    len_scratch = scratch // 4 + 1   # the rows layout gets all of it: the kernel takes rows wherever they fit
    out.append(f"static uint32_t case_scratch[{len_scratch}];\n")
    for i, c in enumerate(cases):
        window = c["k_h"] * c["k_w"] * c["in_c"]
        out.append(_c_array("int8_t", f"input_{i}", c["input"]))
        out.append(_c_array("int8_t", f"weights_{i}", c["weights"]))
        out.append(_c_array("int8_t", f"pairs_{i}", pair_layout(c["weights"])))
        out.append(_c_array("int16_t", f"wide_{i}", smlad_layout.wide_pair_layout(c["weights"])))
        out.append(_c_array("int32_t", f"folded_{i}", folded_bias(c["weights"], c["bias"], c["input_offset"], False)))
        out.append(_c_array("int32_t", f"multiplier_{i}", c["multiplier"]))
        out.append(_c_array("int32_t", f"shift_{i}", c["shift"]))
        if c["bias"] is not None:
            out.append(_c_array("int32_t", f"bias_{i}", c["bias"]))
        for layout in ALL_LAYOUTS:
            sizes[layout].append(c["batches"] * c["out_h"] * (c["out_w"] // (2 if layout in POOLED else 1)) * c["out_c"])
        common = ", ".join(f".{k} = {c[k]}" for k in (
            "batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
            "dilation_h", "dilation_w", "pad_h", "pad_w", "input_offset", "output_offset"))
        common += (f", .act_min = {c['act'][0]}, .act_max = {c['act'][1]}, .bias = "
                   f"{f'bias_{i}' if c['bias'] is not None else 'NULL'}, .folded_bias = folded_{i}, "
                   f".multiplier = multiplier_{i}, .shift = shift_{i}, .packed_weights = NULL")
        scratch_fields = f".scratch = case_scratch, .scratch_bytes = {smlad_layout.paired_scratch_bytes(window)}"
        structs["int8 filter"].append(f"{{{common}, .weights = weights_{i}, .pair_weights = NULL, "
                                      f".wide_pair_weights = NULL, .scratch = NULL, .scratch_bytes = 0}}")
        structs["pair layout"].append(f"{{{common}, .weights = NULL, .pair_weights = pairs_{i}, "
                                      f".wide_pair_weights = NULL, {scratch_fields}}}")
        structs["wide pair layout"].append(f"{{{common}, .weights = NULL, .pair_weights = NULL, "
                                           f".wide_pair_weights = wide_{i}, {scratch_fields}}}")
        structs["pair layout, no scratch"].append(f"{{{common}, .weights = NULL, .pair_weights = pairs_{i}, "
                                                  f".wide_pair_weights = NULL, .scratch = NULL, .scratch_bytes = 0}}")
        pooled_scratch = f".scratch = case_scratch, .scratch_bytes = {smlad_layout.paired_scratch_bytes(window, pooled=True)}"
        pooled = f"{common}, .max_pool_w = 2"
        structs["int8 filter, pooled"].append(f"{{{pooled}, .weights = weights_{i}, .pair_weights = NULL, "
                                              f".wide_pair_weights = NULL, .scratch = NULL, .scratch_bytes = 0}}")
        structs["pair layout, pooled"].append(f"{{{pooled}, .weights = NULL, .pair_weights = pairs_{i}, "
                                              f".wide_pair_weights = NULL, {pooled_scratch}}}")
        # the compiler's requantization table where every channel folds (the kernel reads it only then)
        table = "NULL"
        if _folds(c):
            out.append(_c_array("int32_t", f"requant_{i}", _requant_table(c)))
            table = f"requant_{i}"
        structs["wide pair layout, pooled"].append(f"{{{pooled}, .weights = NULL, .pair_weights = NULL, "
                                                   f".wide_pair_weights = wide_{i}, .folded_requant = {table}, "
                                                   f"{pooled_scratch}}}")
        structs["wide pair layout, pooled rows"].append(f"{{{pooled}, .weights = NULL, .pair_weights = NULL, "
                                                        f".wide_pair_weights = wide_{i}, .folded_requant = {table}, "
                                                        f".scratch = case_scratch, .scratch_bytes = {4 * len_scratch}}}")
        structs[UNROLLED].append(structs["wide pair layout, pooled rows"][-1])
        structs[PLAIN_UNROLLED].append(f"{{{common}, .weights = NULL, .pair_weights = NULL, "
                                       f".wide_pair_weights = wide_{i}, .folded_requant = {table}, "
                                       f".scratch = case_scratch, .scratch_bytes = {4 * len_scratch}}}")
        structs["wide pair layout, pooled, no scratch"].append(
            f"{{{pooled}, .weights = NULL, .pair_weights = NULL, .wide_pair_weights = wide_{i}, {scratch_fields}}}")
    entries = {layout: ["NULL"] * len(cases) for layout in ALL_LAYOUTS}
    for i, c in enumerate(cases):
        entries[UNROLLED][i] = _pooled_entry(c)
        entries[PLAIN_UNROLLED][i] = _unpooled_entry(c)
    out.append("typedef void (*case_entry_t)(const ecg_conv_2d_params_t *, const int8_t *, int8_t *);\n")
    out.append("static const case_entry_t case_entries[LAYOUTS][CASES] = {\n" + ",\n".join(
        "  {" + ", ".join(entries[layout]) + "}" for layout in ALL_LAYOUTS) + "};\n")
    out.append(f"#define MAX_OUTPUT_BYTES {max(max(v) for v in sizes.values())}\n")
    out.append("static const int32_t case_output_bytes[LAYOUTS][CASES] = {\n" + ",\n".join(
        "  {" + ", ".join(str(n) for n in sizes[layout]) + "}" for layout in ALL_LAYOUTS) + "};\n")
    out.append(f"static const int8_t *const case_inputs[] = {{{', '.join(f'input_{i}' for i in range(len(cases)))}}};\n")
    out.append("static const ecg_conv_2d_params_t case_params[LAYOUTS][CASES] = {\n" +
               ",\n".join("  {" + ",\n   ".join(structs[layout]) + "}" for layout in ALL_LAYOUTS) + "};\n")
    return "".join(out)


def _outputs(stdout: str) -> list[list[str]]:
    lines = [line.split()[1] if len(line.split()) > 1 else "" for line in stdout.splitlines()
             if line.startswith("out")]
    assert len(lines) == CASES * len(ALL_LAYOUTS), f"{len(lines)} output lines"
    return [lines[i * CASES:(i + 1) * CASES] for i in range(len(ALL_LAYOUTS))]


def _host_run(work, name: str, defines: list[str]) -> list[list[str]]:
    return _outputs(conv_driver_on_host(DRIVER, work, name, defines))


def _qemu_run(work) -> list[list[str]]:
    return _outputs(conv_driver_on_cortex_m4(DRIVER, work, "layouts"))


def _write_cases(work, pair_layout=None) -> list[dict]:
    rng = np.random.default_rng(16)
    cases = [random_case(rng) for _ in range(RANDOM_CASES)]
    cases += [overlapping_rows_case(rng, step, out_w) for step, out_w in OVERLAPPING_ROWS]
    (work / "conv_cases.h").write_text(cases_header(cases, pair_layout))
    return cases


def _assert_equal(truth: list[str], got: list[str], build: str, layout: str, cases: list[dict]) -> None:
    for n, (want, have) in enumerate(zip(truth, got)):
        c = cases[n]
        assert want == have, (f"{build}, {layout}: case {n} differs from the reference kernel on the int8 filter "
                              f"(in {c['batches']}x{c['in_h']}x{c['in_w']}x{c['in_c']}, filter {c['out_c']}x"
                              f"{c['k_h']}x{c['k_w']}, stride {c['stride_h']},{c['stride_w']}, dilation "
                              f"{c['dilation_h']},{c['dilation_w']}, pad {c['pad_h']},{c['pad_w']})")


def pooled_truth(truth: list[str], cases: list[dict]) -> list[str]:
    """The unpooled outputs with a MAX_POOL_2D over pairs of columns (VALID: an odd last column dropped),
    computed here: the pooled layouts must give these bytes."""
    out = []
    for line, c in zip(truth, cases):
        values = np.frombuffer(bytes.fromhex(line), np.int8).reshape(c["batches"] * c["out_h"], c["out_w"], c["out_c"])
        pairs = values[:, :c["out_w"] // 2 * 2].reshape(values.shape[0], c["out_w"] // 2, 2, c["out_c"])
        out.append(pairs.max(axis=2).astype(np.int8).tobytes().hex())
    return out


def _assert_all(outputs: list[list[str]], cases: list[dict], build: str) -> None:
    truth = outputs[0]
    pooled = pooled_truth(truth, cases)
    for layout, got in zip(ALL_LAYOUTS[1:], outputs[1:]):
        _assert_equal(pooled if layout in POOLED else truth, got, build, layout, cases)


def test_shapes_cover_what_the_layout_pads(tmp_path):
    cases = _write_cases(tmp_path)
    windows = [c["k_h"] * c["k_w"] * c["in_c"] for c in cases]
    assert any(w % 8 for w in windows) and any(w % 8 == 0 for w in windows)
    assert any(c["out_c"] % 2 for c in cases) and any(c["in_c"] % 4 for c in cases)
    assert any(c["dilation_w"] > 1 for c in cases) and any(c["stride_w"] > 1 for c in cases)
    assert any(c["pad_w"] > 0 for c in cases) and any(c["batches"] > 1 for c in cases)
    assert any(c["out_c"] > 16 for c in cases)   # more than one block of eight channel pairs


def test_dsp_layouts_match_the_reference_kernel_on_the_host(tmp_path):
    from ecgcc.passes import smlad_layout
    cases = _write_cases(tmp_path)
    reference = _host_run(tmp_path, "reference", [])
    truth = reference[0]
    assert len(set(truth)) > CASES // 2, "the random cases should not all give the same output"
    assert sum(c["out_w"] >= 2 for c in cases) > CASES // 2, "most cases should have a pooled output"
    assert sum(_folds(c) and c["out_w"] >= 2 for c in cases) > CASES // 3, "the pooled paths need folding cases"
    rows = [c for c in cases if _folds(c) and c["out_w"] >= 2 and smlad_layout.row_step(_params_of(c))]
    assert len(rows) >= 8, "the pooled rows path needs cases"
    assert any(c["out_w"] // 2 % 3 for c in rows) and any(c["stride_w"] > 1 for c in rows)
    for step in (16, 32, 48, 64):   # each step's assembly on a whole group of channel pairs, plain and unrolled
        assert any(smlad_layout.row_step(_params_of(c)) == step and c["out_w"] >= 6 and c["out_c"] >= 2
                   for c in rows), step
        assert any(_pooled_entry(c) == f"ecg_conv_2d_pooled_rows{step}" and c["out_w"] >= 6 for c in rows), step
        assert any(_unpooled_entry(c) == f"ecg_conv_2d_rows{step}" and c["out_w"] % 3 and c["out_w"] > 3
                   for c in rows), step
    # a last tile of one pixel takes its own loop, as does the second tile of a last group of two pooled outputs
    assert sum(_unpooled_entry(c).startswith("ecg_conv_2d_rows") and c["out_w"] % 3 == 1 for c in rows) >= 3
    assert sum(_pooled_entry(c).startswith("ecg_conv_2d_pooled_rows") and c["out_w"] // 2 % 3 == 2 for c in rows) >= 3
    # and one of two pixels, in both: a last tile of two, the one tile of a last group of one pooled output
    assert sum(_unpooled_entry(c).startswith("ecg_conv_2d_rows") and c["out_w"] % 3 == 2 for c in rows) >= 2
    assert sum(_pooled_entry(c).startswith("ecg_conv_2d_pooled_rows") and c["out_w"] // 2 % 3 == 1 for c in rows) >= 2
    _assert_all(reference, cases, "reference kernel")
    dsp = _host_run(tmp_path, "dsp", ["-DECGCC_DSP_EMULATE"])
    _assert_all([truth] + dsp[1:], cases, "DSP twin (emulated)")
    _assert_equal(truth, dsp[0], "DSP twin (emulated)", LAYOUTS[0], cases)


@pytest.mark.skipif(not (shutil.which("arm-none-eabi-gcc") and shutil.which("qemu-system-arm")),
                    reason="arm-none-eabi-gcc and qemu-system-arm needed")
def test_dsp_layouts_match_the_reference_kernel_on_cortex_m4(tmp_path):
    cases = _write_cases(tmp_path)
    truth = _host_run(tmp_path, "reference", [])[0]
    qemu = _qemu_run(tmp_path)
    _assert_all([truth] + qemu[1:], cases, "DSP twin on qemu-m4")
    _assert_equal(truth, qemu[0], "DSP twin on qemu-m4", LAYOUTS[0], cases)


def _model_with_both_conv_paths() -> bytes:
    from models import conv1d, single
    from support import quantized
    # five taps on eight channels and a dilated layer (paired path), a pointwise one on twelve (resident)
    build = single((48, 8), conv1d(15, 5, activation="relu"), conv1d(8, 3, dilation=2), conv1d(6, 1))
    return quantized("conv-layouts-v1", build, seed=16)


def test_the_compiler_lays_out_what_each_kernel_reads(tmp_path):
    """On a DSP board the paired layers carry their filter only in the chosen layout (the int8 filter is
    dropped: nothing reads it there), the resident layer keeps its int8 filter; other cores keep theirs."""
    from ecgcc.compile import compile_tflite
    from ecgcc.passes.smlad_layout import pair_layout, wide_pair_layout
    tflite = _model_with_both_conv_paths()
    wide = compile_tflite(tflite, "m", "qemu-m4", tmp_path / "wide")
    narrow = compile_tflite(tflite, "m", "qemu-m4", tmp_path / "int8", int8_conv_weights=True)
    m3 = compile_tflite(tflite, "m", "qemu-m3", tmp_path / "m3")
    for result, key, layout in ((wide, "wide_pair_weights", wide_pair_layout), (narrow, "pair_weights", pair_layout)):
        convs = [k.params for k in result.kernels
                 if k.function == "ecg_conv_2d" or k.function.startswith("ecg_conv_2d_rows")]
        assert len(convs) == 3
        for p in convs[:2]:
            assert p["weights"] is None and p[key] is not None
            other = "pair_weights" if key == "wide_pair_weights" else "wide_pair_weights"
            assert p[other] is None
        assert convs[2]["weights"] is not None and convs[2]["pair_weights"] is convs[2]["wide_pair_weights"] is None
        weights_c = result.files["model_weights.c"].read_text()
        assert weights_c.count(f"_{key}[") == 2 and weights_c.count("_weights[") - weights_c.count("pair_weights[") == 1
    # the first layer (five taps on eight channels) takes the unrolled rows in the wide layout only
    assert [k.function for k in wide.kernels][0] == "ecg_conv_2d_rows16"
    assert [k.function for k in narrow.kernels][0] == "ecg_conv_2d"
    # the layout is the filter's, value for value (its padding is zeros)
    first = [k for k in narrow.kernels if k.function == "ecg_conv_2d"][0].params
    filters = [t for t in narrow.graph.tensors if t.is_const and t.dtype == "int8" and len(t.shape) == 4]
    match = [t for t in filters if np.array_equal(pair_layout(t.data), first["pair_weights"].values)]
    assert len(match) == 1 and np.array_equal(wide_pair_layout(match[0].data),
                                              [k for k in wide.kernels if k.function.startswith("ecg_conv_2d")][0]
                                              .params["wide_pair_weights"].values)
    assert wide.report["total"]["weight_bytes"] > narrow.report["total"]["weight_bytes"]
    m3_convs = [k.params for k in m3.kernels if k.function == "ecg_conv_2d"]
    assert all(p["weights"] is not None and p["pair_weights"] is None and p["wide_pair_weights"] is None
               for p in m3_convs)


def test_pair_layout_order():
    """Two channels of a 5-value window: per chunk the first channel's four values, then the second's; the
    window padded to eight; an odd channel count gets a zero partner. The wide layout splits each word as
    SXTB16 and SXTB16 ROR #8 would: (v0, v2) then (v1, v3)."""
    from ecgcc.passes.smlad_layout import pair_layout, wide_pair_layout
    w = np.arange(1, 16, dtype=np.int8).reshape(3, 1, 1, 5)   # channels 1..5, 6..10, 11..15
    assert pair_layout(w).tolist() == [1, 2, 3, 4, 6, 7, 8, 9, 5, 0, 0, 0, 10, 0, 0, 0,
                                       11, 12, 13, 14, 0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0]
    assert wide_pair_layout(w)[:8].tolist() == [1, 3, 2, 4, 6, 8, 7, 9]
