"""Layer-by-layer debugging: the device's intermediate tensors against the reference interpreter's."""
import pytest

from ecgcc import firmware
from ecgcc.harness.device import Device
from ecgcc.harness.emulator import EmulatedBoard
from ecgcc.harness.hil import CompiledModel, random_vectors
from ecgcc.harness.layers import diff_layers

pytestmark = pytest.mark.hil


@pytest.fixture(scope="module")
def other_model_path(tmp_path_factory):
    from tests.conftest import small_ecg_classifier_tflite

    path = tmp_path_factory.mktemp("other") / "other.tflite"
    path.write_bytes(small_ecg_classifier_tflite(seed=5))
    return path


def run_diff(firmware_model_dir, checked_model_dir):
    image = firmware.build("host", firmware_model_dir)
    checked = CompiledModel.load(checked_model_dir)
    with EmulatedBoard("host", image.path) as session, Device(session.url) as device:
        return diff_layers(device, checked, random_vectors(checked, 4, seed=11)[3])


def test_every_layer_equals_the_reference(compile_for, small_model_path):
    model_dir = compile_for(small_model_path, "host")
    result = run_diff(model_dir, model_dir)
    assert result["first_difference"] is None
    assert [row["status"] for row in result["layers"]] == ["equal"] * len(result["layers"])
    assert len(result["layers"]) == len(CompiledModel.load(model_dir).report["layers"])


def test_first_differing_layer_and_element_are_named(compile_for, small_model_path, other_model_path):
    """Same architecture, other weights: the very first layer must be the one reported."""
    first = run_diff(compile_for(small_model_path, "host"), compile_for(other_model_path, "host"))["first_difference"]
    assert first is not None
    assert first["layer"] == CompiledModel.load(compile_for(other_model_path, "host")).report["layers"][0]["name"]
    assert first["device"] != first["reference"] and first["differing_elements"] > 0
