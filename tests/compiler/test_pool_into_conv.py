"""The MAX_POOL_2D over column pairs folded into the CONV_2D that feeds it (passes/pool_into_conv.py): which pairs
are folded, on which targets. Byte-exactness of folded layers is checked by test_conv_layouts.py (random shapes,
host and qemu-m4), test_fusion.py (models, host and qemu-m4) and the reference model's HIL tests."""
import pytest

CONV = dict(batches=1, in_h=1, in_w=64, in_c=8, out_h=1, out_w=64, out_c=16)
PAIRS = dict(batches=1, in_h=1, in_w=64, channels=16, out_h=1, out_w=32, filter_h=1, filter_w=2, stride_h=1,
             stride_w=2, pad_h=0, pad_w=0, act_min=-128, act_max=127)


@pytest.mark.parametrize("change", [   # each field alone, the others as a pool of pairs has them
    dict(filter_w=3), dict(stride_w=1), dict(stride_w=3), dict(pad_w=1), dict(pad_h=1), dict(filter_h=2),
    dict(stride_h=2), dict(channels=8), dict(out_w=31), dict(in_w=63), dict(out_h=2)])
def test_only_valid_pools_of_column_pairs_fold(change):
    from ecgcc.passes.pool_into_conv import pools_column_pairs
    assert pools_column_pairs(CONV, PAIRS)
    assert not pools_column_pairs(CONV, {**PAIRS, **change})


def test_odd_convolution_width_drops_its_last_column():
    from ecgcc.passes.pool_into_conv import pools_column_pairs
    assert pools_column_pairs({**CONV, "out_w": 65}, {**PAIRS, "in_w": 65, "out_w": 32})


def test_reference_model_folds_its_four_pools_on_dsp_targets_only(tmp_path):
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.reference_model import reference_model_file
    tflite = reference_model_file().read_bytes()
    dsp = lower_graph(parse_tflite(tflite, "m"), load_board("qemu-m4"))
    pooled = [k for k in dsp.kernels if k.function.startswith("ecg_conv_2d_pooled")]
    assert len(pooled) == 4 and all(k.params["max_pool_w"] == 2 and len(k.calls()) == 1 for k in pooled)
    # the first layer (seven taps on two leads) takes the two-channel path, the paired ones the unrolled rows of
    # their pixel step (8 and 16 input channels: 16 and 32 bytes)
    assert [k.function for k in pooled] == ["ecg_conv_2d_pooled_two_channels", "ecg_conv_2d_pooled_rows16",
                                            "ecg_conv_2d_pooled_rows32", "ecg_conv_2d_pooled_rows32"]
    assert not any(k.function == "ecg_max_pool_2d" for k in dsp.kernels)
    names = [dsp.layer_name(i) for i, k in enumerate(dsp.kernels) if k.function.startswith("ecg_conv_2d_pooled")]
    assert names == ["1:CONV_2D+4:MAX_POOL_2D", "7:CONV_2D+10:MAX_POOL_2D", "13:CONV_2D+16:MAX_POOL_2D",
                     "19:CONV_2D+22:MAX_POOL_2D"]
    # the paired layers carry the requantization table, the two-channel first layer its int8 filter
    assert all(k.params.get("folded_requant") is not None for k in pooled[1:])
    assert pooled[0].params["weights"] is not None
    for board, chunks in (("qemu-m3", 4), ("qemu-m4", 1)):   # no DSP twin; --no-fuse keeps outputs whole
        low = lower_graph(parse_tflite(tflite, "m"), load_board(board), max_chunks=chunks)
        assert not any(k.function.startswith("ecg_conv_2d_pooled") for k in low.kernels)


def test_unrolled_rows_need_the_wide_layout_and_a_short_window():
    """The rows read the wide layout only (--int8-conv-weights keeps the general pooled path; the first layer's
    two-channel path reads records of its own either way), and a window of more than DSP_UNROLLED_CHUNKS chunks
    takes the rows' loop."""
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ops.conv_2d import DSP_UNROLLED_CHUNKS, pooled_entry
    from ecgcc.reference_model import reference_model_file
    low = lower_graph(parse_tflite(reference_model_file().read_bytes(), "m"), load_board("qemu-m4"),
                      int8_conv_weights=True)
    pooled = [k.function for k in low.kernels if k.function.startswith("ecg_conv_2d_pooled")]
    assert pooled == ["ecg_conv_2d_pooled_two_channels"] + ["ecg_conv_2d_pooled"] * 3
    p = [k for k in lower_graph(parse_tflite(reference_model_file().read_bytes(), "m"), load_board("qemu-m4")).kernels
         if k.function == "ecg_conv_2d_pooled_rows32"][0].params
    assert pooled_entry({**p, "k_w": DSP_UNROLLED_CHUNKS * 4 // p["in_c"]}) == "ecg_conv_2d_pooled_rows32"
    assert pooled_entry({**p, "k_w": DSP_UNROLLED_CHUNKS * 4 // p["in_c"] + 1}) == "ecg_conv_2d_pooled"
    assert pooled_entry(p, wide_weights=False) == "ecg_conv_2d_pooled"


def test_pointwise_convolutions_keep_the_general_entry():
    """A window that does not overlap its neighbour's (k_w <= stride_w: a pointwise layer) gains nothing from a row
    split once, so it stays on ecg_conv_2d and a model of pointwise layers links no unrolled rows."""
    from ecgcc.boards import load_board
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ops.conv_2d import unpooled_entry
    from ecgcc.reference_model import reference_model_file
    last = [k for k in lower_graph(parse_tflite(reference_model_file().read_bytes(), "m"), load_board("qemu-m4")).kernels
            if k.function == "ecg_conv_2d_rows48"][0].params
    assert unpooled_entry(last) == "ecg_conv_2d_rows48"
    assert unpooled_entry({**last, "k_w": 1}) == "ecg_conv_2d"
    assert unpooled_entry({**last, "k_w": 2, "stride_w": 2}) == "ecg_conv_2d"
