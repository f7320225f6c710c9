"""Models from other frameworks, through the same int8 quantization and code: a small PyTorch 1-D ECG CNN
(ecgcc.compile_torch and `ecgcc compile model.pt2`) and an ONNX one written with onnx.helper (`ecgcc compile
model.onnx`). On qemu-m4 and qemu-m3 every output byte must equal TensorFlow Lite Micro's, and the dequantized
outputs must agree with the source framework's float outputs (PyTorch itself; onnxruntime for ONNX):

- top-1 agreement at least TOP1_AGREEMENT_MIN on the held-out beats,
- largest absolute error at most MAX_ERROR_FRACTION of the float outputs' range.
"""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from ecgcc.harness.hil import run_hil
from ecgcc.harness.model_io import tensor_specs

# Looked up, not imported: importing onnx2tf sets TF_USE_LEGACY_KERAS=1 in this process, which would turn every
# later tf.keras model of the session into a tf_keras one. The converters run in child processes.
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                       reason="torch is not installed (pip install 'ecgcc[torch]')"),
    pytest.mark.skipif(importlib.util.find_spec("onnx2tf") is None,
                       reason="onnx2tf is not installed (pip install 'ecgcc[onnx]', see the Makefile)"),
]

BOARDS = ("qemu-m4", "qemu-m3")
BEAT = 128                 # samples per beat window
CLASSES = 3
TOP1_AGREEMENT_MIN = 0.95
MAX_ERROR_FRACTION = 0.08
HELD_OUT = 60
LEADS = 2                  # of the ONNX model


def synthetic_beats(count: int, seed: int, leads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Beat-shaped windows (N, leads, BEAT) of three kinds: a narrow QRS, a wide one, a narrow one with an
    inverted T wave; random amplitude, position jitter, baseline and noise. A second lead sees the same beat
    smaller and with its own noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(BEAT, dtype=np.float32)
    labels = rng.integers(0, CLASSES, count)
    beats = np.empty((count, leads, BEAT), np.float32)
    for i, label in enumerate(labels):
        centre = BEAT / 2 + rng.normal(0, 3)
        width = 3.0 if label != 1 else 9.0
        wave = rng.uniform(0.7, 1.3) * np.exp(-0.5 * ((t - centre) / width) ** 2)
        if label == 2:
            wave -= 0.4 * np.exp(-0.5 * ((t - centre - 30) / 8) ** 2)
        for lead in range(leads):
            beats[i, lead] = (0.6 ** lead) * wave + rng.normal(0, 0.05, BEAT) + rng.uniform(-0.2, 0.2)
    return beats, labels


def train_torch_cnn(seed: int = 0):
    import torch
    from torch import nn

    class EcgBeatCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv1d(1, 8, 7, padding=3), nn.BatchNorm1d(8), nn.ReLU(),
                                          nn.MaxPool1d(2), nn.Conv1d(8, 16, 5, padding=2), nn.ReLU(),
                                          nn.MaxPool1d(2))
            self.classify = nn.Linear(16, CLASSES)

        def forward(self, x):
            return self.classify(self.features(x).mean(dim=2))

    torch.manual_seed(seed)
    torch.set_num_threads(1)     # a tiny model: threads would only contend with the emulated boards
    model = EcgBeatCnn()
    beats, labels = synthetic_beats(512, seed)
    x, y = torch.from_numpy(beats), torch.from_numpy(labels)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(60):
        batch = slice((step * 64) % 512, (step * 64) % 512 + 64)
        optimiser.zero_grad()
        nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
        optimiser.step()
    return model.eval(), beats


def onnx_cnn(path, seed: int = 1) -> None:
    """Conv-BatchNormalization-Relu-MaxPool-Conv-Relu-GlobalAveragePool-Flatten-Gemm-Softmax, written with
    onnx.helper (no PyTorch involved), random weights, two leads in: channels first, so the converted model
    starts with a TRANSPOSE into TensorFlow's channels-last layout."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)

    def weight(name, *shape, scale=0.5):
        return numpy_helper.from_array((rng.standard_normal(shape) * scale).astype(np.float32), name)
    weights = [weight("w1", 8, LEADS, 7), weight("b1", 8, scale=0.1), weight("gamma", 8, scale=0.2),
               weight("beta", 8, scale=0.1), weight("mean", 8, scale=0.1),
               numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "var"),
               weight("w2", 16, 8, 5, scale=0.3), weight("b2", 16, scale=0.1),
               weight("w3", CLASSES, 16, scale=1.0), weight("b3", CLASSES, scale=0.1)]
    nodes = [helper.make_node("Conv", ["ecg", "w1", "b1"], ["c1"], pads=[3, 3]),
             helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["n1"]),
             helper.make_node("Relu", ["n1"], ["r1"]),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2], strides=[2]),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], pads=[2, 2]),
             helper.make_node("Relu", ["c2"], ["r2"]),
             helper.make_node("GlobalAveragePool", ["r2"], ["g"]),
             helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "w3", "b3"], ["logits"], transB=1),
             helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1)]
    graph = helper.make_graph(nodes, "ecg_beat_onnx", [helper.make_tensor_value_info("ecg", TensorProto.FLOAT,
                                                                                     [1, LEADS, BEAT])],
                              [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, CLASSES])],
                              weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def quantize_inputs(tflite: bytes, beats: np.ndarray) -> list[list[np.ndarray]]:
    spec = tensor_specs(tflite)[0][0]
    q = np.clip(np.round(beats / spec.scale) + spec.zero_point, -128, 127).astype(np.int8)
    return [[v.reshape(spec.shape)] for v in q]


def dequantized_outputs(tflite: bytes, outputs: np.ndarray) -> np.ndarray:
    spec = tensor_specs(tflite)[1][0]
    return (outputs.astype(np.float32) - spec.zero_point) * spec.scale


def agreement(float_outputs: np.ndarray, device_outputs: np.ndarray) -> tuple[float, float]:
    """(top-1 agreement, largest absolute error as a fraction of the float outputs' range)."""
    top1 = float(np.mean(np.argmax(float_outputs, 1) == np.argmax(device_outputs, 1)))
    spread = float(float_outputs.max() - float_outputs.min())
    return top1, float(np.abs(float_outputs - device_outputs).max()) / spread


def assert_agrees(float_outputs: np.ndarray, device_outputs: np.ndarray, what: str) -> None:
    top1, error = agreement(float_outputs, device_outputs)
    print(f"{what}: top-1 agreement {top1:.3f}, max error {error:.4f} of the float range")
    assert top1 >= TOP1_AGREEMENT_MIN and error <= MAX_ERROR_FRACTION, (what, top1, error)


def run_byte_exact(board: str, model_dir, tflite: bytes, beats: np.ndarray) -> np.ndarray:
    """Held-out beats plus random int8 vectors on the emulated board; every output byte equals TFLM's.
    Returns the device's outputs for the beats."""
    from ecgcc.harness.hil_model import random_vectors
    from ecgcc.harness.hil import CompiledModel
    vectors = quantize_inputs(tflite, beats) + random_vectors(CompiledModel.load(model_dir), 20, seed=3)
    from ecgcc.reference import Reference
    result = run_hil(board, model_dir, vectors=vectors)
    assert result.planned == len(vectors) and result.exact == result.planned, result.first_mismatch
    tflm = Reference(tflite)
    expected = np.stack([tflm.run(v)[0] for v in vectors])
    assert np.array_equal(result.device_outputs[0].reshape(expected.shape), expected)
    return result.device_outputs[0][:len(beats)].reshape(len(beats), -1)


@pytest.fixture(scope="module")
def torch_compiled(tmp_path_factory):
    """The trained module compiled with ecgcc.compile_torch for qemu-m4; the same int8 model for qemu-m3."""
    import torch

    import ecgcc
    from ecgcc.compile import compile_tflite
    model, training_beats = train_torch_cnn()
    work = tmp_path_factory.mktemp("torch")
    m4 = ecgcc.compile_torch(model, torch.zeros(1, 1, BEAT), representative=training_beats,
                             board="qemu-m4", out=work / "qemu-m4")
    m3 = compile_tflite(m4.tflite_bytes, "EcgBeatCnn", "qemu-m3", work / "qemu-m3")
    beats, _ = synthetic_beats(HELD_OUT, seed=7)
    with torch.no_grad():
        expected = model(torch.from_numpy(beats)).numpy()
    return dict(model=model, results={"qemu-m4": m4, "qemu-m3": m3}, beats=beats, float_outputs=expected)


@pytest.fixture(scope="module")
def onnx_compiled(tmp_path_factory):
    """The ONNX model compiled through the command line for qemu-m4; the same int8 model for qemu-m3."""
    import onnxruntime

    from ecgcc.cli import main
    from ecgcc.compile import compile_tflite
    work = tmp_path_factory.mktemp("onnx")
    onnx_cnn(work / "beat.onnx")
    calibration, _ = synthetic_beats(128, seed=2, leads=LEADS)
    np.save(work / "calibration.npy", calibration)
    assert main(["compile", str(work / "beat.onnx"), "--representative", str(work / "calibration.npy"),
                 "--board", "qemu-m4", "--out", str(work / "qemu-m4")]) == 0
    tflite = (work / "qemu-m4" / "model.tflite").read_bytes()
    compile_tflite(tflite, "beat", "qemu-m3", work / "qemu-m3")
    beats, _ = synthetic_beats(HELD_OUT, seed=8, leads=LEADS)
    session = onnxruntime.InferenceSession(str(work / "beat.onnx"), providers=["CPUExecutionProvider"])
    expected = np.concatenate([session.run(None, {"ecg": b[None]})[0] for b in beats])
    return dict(folders={b: work / b for b in BOARDS}, tflite=tflite, beats=beats, float_outputs=expected)


@pytest.mark.hil
@pytest.mark.parametrize("board", BOARDS)
def test_pytorch_cnn_is_byte_exact_on_the_board_and_agrees_with_pytorch(torch_compiled, board):
    result = torch_compiled["results"][board]
    device = run_byte_exact(board, result.out_dir, result.tflite_bytes, torch_compiled["beats"])
    assert_agrees(torch_compiled["float_outputs"], dequantized_outputs(result.tflite_bytes, device),
                  f"PyTorch CNN on {board}")


@pytest.mark.hil
@pytest.mark.parametrize("board", BOARDS)
def test_onnx_cnn_is_byte_exact_on_the_board_and_agrees_with_onnxruntime(onnx_compiled, board):
    device = run_byte_exact(board, onnx_compiled["folders"][board], onnx_compiled["tflite"], onnx_compiled["beats"])
    assert_agrees(onnx_compiled["float_outputs"], dequantized_outputs(onnx_compiled["tflite"], device),
                  f"ONNX CNN on {board}")


def test_onnx_input_keeps_the_source_layout(onnx_compiled):
    """Calibration data and vectors take the ONNX layout (N, C, W): the compiled model's input is
    (1, LEADS, BEAT), and the transpose into channels-last is the first layer."""
    import json
    assert tuple(tensor_specs(onnx_compiled["tflite"])[0][0].shape) == (1, LEADS, BEAT)
    report = json.loads((onnx_compiled["folders"]["qemu-m4"] / "report.json").read_text())
    assert report["layers"][0]["kind"] == "TRANSPOSE", [layer["kind"] for layer in report["layers"]]


@pytest.mark.slow
def test_pt2_file_through_the_command_line(torch_compiled, tmp_path):
    """`ecgcc compile model.pt2` (torch.export.save) gives the same int8 model as compile_torch."""
    import torch

    from ecgcc.cli import main
    program = torch.export.export(torch_compiled["model"], (torch.zeros(1, 1, BEAT),))
    torch.export.save(program, str(tmp_path / "beat.pt2"))
    _, training_beats = train_torch_cnn()
    np.save(tmp_path / "calibration.npy", training_beats)
    assert main(["compile", str(tmp_path / "beat.pt2"), "--representative", str(tmp_path / "calibration.npy"),
                 "--board", "qemu-m4", "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "model.tflite").read_bytes() == torch_compiled["results"]["qemu-m4"].tflite_bytes


def test_agreement_check_fails_on_a_wrong_answer(torch_compiled):
    """The float comparison can fail: outputs of another input order disagree."""
    expected = torch_compiled["float_outputs"]
    with pytest.raises(AssertionError):
        assert_agrees(expected, expected[::-1], "reversed")
