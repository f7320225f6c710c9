"""The spine end to end: compiled model -> PlatformIO firmware -> board over serial -> every output byte
equal to the TFLite Micro reference."""
import subprocess
import sys
from pathlib import Path

import pytest

from ecgcc import firmware
from ecgcc.harness.hil import run_hil

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3"])
def test_make_build_prints_sizes_and_links_no_heap(board, compile_for, small_model_path):
    model_dir = compile_for(small_model_path, board)
    done = subprocess.run(["make", "-s", "build", f"BOARD={board}", f"MODEL={model_dir}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "flash" in done.stdout and "RAM" in done.stdout
    elf = firmware.build_dir_for(board, Path(model_dir)) / board / "program.elf"
    assert elf.is_file()
    assert firmware.heap_symbols(elf) == set(), "the firmware must not link a heap allocator"
    image = firmware.measure(board, elf)
    limits = {"qemu-m3": (256 * 1024, 64 * 1024), "qemu-m4": (4 << 20, 4 << 20)}[board]
    assert 0 < image.flash_bytes <= limits[0] and 0 < image.ram_bytes <= limits[1]


@pytest.mark.hil
@pytest.mark.parametrize("board", ["qemu-m4", "qemu-m3", "host"])
def test_infer_round_trip_is_bit_exact(board, compile_for, small_model_path, device_port):
    if device_port:
        pytest.skip("emulated-board round trip; tests/hil covers an attached board")
    run = run_hil(board, compile_for(small_model_path, board), count=40, seed=7)
    # the class each device decided (model_output_class) is the host twin's, vector by vector
    assert run.device_classes.min() >= 0 and (run.device_classes == run.reference_classes).all()
    result = run.to_json()
    assert result["vectors"] == result["received"] == 40
    assert result["exact"] == 40, result["first_mismatch"]
    assert result["device"]["board"] == board
    ipi = result["instructions_per_inference"]
    assert 0 < ipi["min"] <= ipi["median"] <= ipi["max"]
    if board != "host":
        # Different inputs take different data-dependent paths (saturation, ReLU), so counts differ a little;
        # counts of code of known cost are checked to the counter's resolution in test_counter_paths.py.
        assert ipi["max"] - ipi["min"] < 0.2 * ipi["median"]


def test_hil_command_exits_nonzero_and_names_the_model_when_device_runs_another(compile_for, small_model_path,
                                                                                 tmp_path):
    """A device built from one model must not be validated against another."""
    from tests.conftest import small_ecg_classifier_tflite
    from ecgcc.harness.emulator import EmulatedBoard

    other = tmp_path / "other.tflite"
    other.write_bytes(small_ecg_classifier_tflite(seed=3))
    other_dir = compile_for(other, "host")
    image = firmware.build("host", compile_for(small_model_path, "host"))
    with EmulatedBoard("host", image.path) as session:
        done = subprocess.run([sys.executable, "-m", "ecgcc.cli", "hil", "--board", "host", "--port", session.url,
                               "--model", str(other_dir), "--random-vectors", "5"],
                              capture_output=True, text=True, cwd=ROOT)
    assert done.returncode != 0
    assert "does not run the compiled model" in done.stderr


def test_hil_command_json_has_the_keys_ci_scripts_read(compile_for, small_model_path, tmp_path):
    import json

    out = tmp_path / "result.json"
    done = subprocess.run([sys.executable, "-m", "ecgcc.cli", "hil", "--board", "host", "--model",
                           str(compile_for(small_model_path, "host")), "--random-vectors", "12", "--json", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["vectors"] == result["exact"] == 12
    assert set(result["instructions_per_inference"]) == {"min", "median", "max"}
    assert result["macs"] > 0 and result["flash_bytes"] > 0
    assert set(result["ram_bytes"]) == {"arena", "stack_high_water", "static"}


def test_a_class_the_device_decides_differently_is_a_mismatch():
    import numpy as np
    from ecgcc.harness.device import InferResult
    from ecgcc.harness.hil import HilResult, record_reply

    outputs = [np.array([[3, 3, -7]], np.int8)]
    result = HilResult(board="host", url="", info={})
    record_reply(result, 0, InferResult(outputs, 100, 10, [1]), outputs, [1])
    record_reply(result, 1, InferResult(outputs, 100, 10, [0]), outputs, [1])
    assert result.exact == 1 and result.mismatched == [1]
    assert result.first_mismatch == {"vector": 1, "class_device": [0], "class_reference": [1]}


def _filed(got_outputs, expected, got_classes=(1,), expected_classes=(1,)):
    from ecgcc.harness.device import InferResult
    from ecgcc.harness.hil import HilResult, record_reply

    result = HilResult(board="host", url="", info={})
    record_reply(result, 0, InferResult(list(got_outputs), 100, 10, list(got_classes)), list(expected),
                 list(expected_classes))
    return result


def test_the_byte_comparison_catches_every_kind_of_wrong_reply():
    """Each deliberately wrong device reply must be filed as a mismatch, with where it differs."""
    import numpy as np

    good = [np.array([[3, 3, -7, 100]], np.int8), np.array([[1, 2]], np.int8)]
    assert _filed(good, good).exact == 1

    flipped = [good[0].copy(), good[1]]
    flipped[0][0, 2] ^= 0x01
    result = _filed(flipped, good)
    assert result.exact == 0 and result.mismatched == [0]
    assert result.first_mismatch == {"vector": 0, "output": 0, "element": 2, "device": -8, "reference": -7,
                                     "differing_elements": 1}

    missing = _filed(good[:1], good)
    assert missing.exact == 0 and missing.first_mismatch == {"vector": 0, "outputs_device": 1, "outputs_reference": 2}

    extra = _filed(good + [np.zeros((1, 2), np.int8)], good)
    assert extra.exact == 0 and extra.first_mismatch["outputs_device"] == 3

    short = _filed([good[0][:, :3], good[1]], good)
    assert short.exact == 0 and short.first_mismatch == {"vector": 0, "output": 0, "elements_device": 3,
                                                         "elements_reference": 4}

    widened = _filed([g.astype(np.int16) for g in good], good)
    assert widened.exact == 0, "outputs of another element type are not the reference's bytes"

    # a reference that went missing must not let any reply pass as exact
    assert _filed(good, []).exact == 0
    assert _filed([], []).exact == 0


def test_every_reply_is_counted_and_stored_where_the_report_reads_it():
    """The report's received counts, per-vector instructions, device outputs and classes come from here."""
    import numpy as np
    from ecgcc.harness.device import InferResult
    from ecgcc.harness.hil import HilResult, record_reply

    expected = [np.array([[5, -3, 9], [1, 2, 3]], np.int8)]
    result = HilResult(board="host", url="", info={})
    result.received_mask = np.zeros(3, bool)
    result.instructions_per_vector = np.full(3, -1, np.int64)
    result.device_outputs = [np.zeros((3, 2, 3), np.int8)]
    result.device_classes = np.full((3, 1), -1, np.int32)
    result.reference_classes = np.full((3, 1), -1, np.int32)
    record_reply(result, 0, InferResult(expected, 1200, 64, [2]), expected, [2])
    wrong = [np.array([[5, -4, 9], [1, 2, 3]], np.int8)]
    record_reply(result, 2, InferResult(wrong, 1280, 96, [0]), expected, [2])
    assert result.received == 2 and result.exact == 1 and result.mismatched == [2]
    assert result.instructions == [1200, 1280] and result.stack_high_water == 96
    assert result.received_mask.tolist() == [True, False, True]
    assert result.instructions_per_vector.tolist() == [1200, -1, 1280]
    assert result.device_outputs[0][2].tolist() == [[5, -4, 9], [1, 2, 3]]
    assert not result.device_outputs[0][1].any()
    record_reply(result, 1, InferResult(expected, 1240, 64, []), expected, [2])   # a reply without its class
    assert result.mismatched == [2, 1] and result.device_classes[1, 0] == -1
    record_reply(result, 1, InferResult(expected, 1240, 64, [2]), expected, [2])
    assert result.exact == 2
    assert result.device_classes[:, 0].tolist() == [2, 2, 0]
    assert result.reference_classes[:, 0].tolist() == [2, 2, 2]
