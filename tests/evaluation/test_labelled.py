"""Your own data: `ecgcc evaluate --labelled` and `ecgcc hil --labelled` score any model per class on a
labelled .npz or .csv. The figures are checked against confusion matrices the test makes itself from
TFLite Micro and Keras, and every malformed file is refused with one `error:` line and a hint."""
import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli_errors import one_error_line, run_cli

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "compiler" / "ecgcc" / "reference_model"
INT8 = REFERENCE_DIR / "model_int8.tflite"
FLOAT = REFERENCE_DIR / "model.keras"


def reference_inputs(count: int, seed: int = 0) -> list[np.ndarray]:
    """Float inputs for the reference model (beat window, RR features) in its int8 input order."""
    from ecgcc.harness.model_io import tensor_specs
    specs, _ = tensor_specs(INT8.read_bytes())
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.8, (count, *s.shape[1:])).astype(np.float32) for s in specs]


def independent_int8_classes(tflite: bytes, inputs: list[np.ndarray]) -> np.ndarray:
    """Quantize as the model's input scales say and let TFLite Micro decide each class (finer logits)."""
    from ecgcc.harness.model_io import tensor_specs
    from ecgcc.reference import Reference
    specs, _ = tensor_specs(tflite)
    quantized = [np.clip(np.round(x / s.scale) + s.zero_point, -128, 127).astype(np.int8) for x, s in zip(inputs, specs)]
    reference = Reference(tflite, decide_classes=True)
    return np.array([reference.run_and_decide([q[i].reshape(s.shape) for q, s in zip(quantized, specs)])[1][0]
                     for i in range(len(inputs[0]))])


def confusion(true, predicted, n) -> list:
    matrix = np.zeros((n, n), int)
    np.add.at(matrix, (true, predicted), 1)
    return matrix.tolist()


@pytest.fixture(scope="module")
def reference_file(tmp_path_factory):
    """60 labelled examples for the reference model, labels drawn at random over the five classes."""
    inputs = reference_inputs(60)
    labels = np.random.default_rng(1).integers(0, 5, 60)
    path = tmp_path_factory.mktemp("labelled") / "mine.npz"
    np.savez(path, labels=labels, **{f"input_{i}": x for i, x in enumerate(inputs)})
    return path, inputs, labels


def test_evaluate_labelled_npz_matches_tflm_and_keras(reference_file, tmp_path, capsys):
    import keras
    path, inputs, labels = reference_file
    status, out, err = run_cli(["evaluate", "--labelled", path, "--model", REFERENCE_DIR, "--json",
                                tmp_path / "r.json", "--quiet"], capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    int8 = independent_int8_classes(INT8.read_bytes(), inputs)
    model = keras.models.load_model(FLOAT, compile=False)
    feeds = [next(x for x in inputs if x.shape[1:] == tuple(t.shape[1:])) for t in model.inputs]
    floats = np.argmax(model.predict(feeds, verbose=0), axis=1)
    assert report["columns"] == ["float", "int8"]
    assert report["int8"]["confusion"] == confusion(labels, int8, 5)
    assert report["float"]["confusion"] == confusion(labels, floats, 5)
    for c in range(5):
        hits = int(((labels == c) & (int8 == c)).sum())
        se = report["int8"][str(c)]["se"]
        assert (se is None and not (labels == c).any()) or se == pytest.approx(hits / (labels == c).sum())
    assert "float/int8 agreement" in out and "|     float     |     int8" in out


def test_evaluate_labelled_csv_with_class_names_for_a_one_input_model(tmp_path, capsys, small_model_path):
    tflite = Path(small_model_path)
    inputs = [np.random.default_rng(2).normal(0, 1, (40, 64, 1)).astype(np.float32)]
    names = ["N", "S", "V", "F", "Q"]
    labels = np.random.default_rng(3).integers(0, 5, 40)
    rows = ["label," + ",".join(f"x{i}" for i in range(64))]
    rows += [names[y] + "," + ",".join(f"{v:.6f}" for v in x.reshape(-1)) for x, y in zip(inputs[0], labels)]
    (tmp_path / "beats.csv").write_text("\n".join(rows) + "\n")
    status, out, err = run_cli(["evaluate", "--labelled", tmp_path / "beats.csv", "--model", tflite, "--classes",
                                ",".join(names), "--json", tmp_path / "r.json", "--quiet"], capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    rounded = [np.round(inputs[0], 6)]   # what the CSV holds
    assert report["columns"] == ["int8"] and report["data"]["classes"] == names
    assert report["int8"]["confusion"] == confusion(labels, independent_int8_classes(tflite.read_bytes(), rounded), 5)


def _good_npz(path, **changes):
    inputs = reference_inputs(6)
    arrays = {"labels": np.arange(6) % 5, "input_0": inputs[0], "input_1": inputs[1], **changes}
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


BROKEN_NPZ = [
    (dict(labels=None), "no `labels` array"),
    (dict(input_1=None), "no `inputs` array"),
    (dict(input_0=np.zeros((6, 100, 2), np.float32)), "values per example"),
    (dict(labels=np.arange(5)), "5 labels for 6, 6 inputs"),
    (dict(labels=np.array([0, 1, 2, 3, 4, 5])), "label 5 is outside the model's classes 0 .. 4"),
    (dict(labels=np.array([0, 1, -1, 3, 4, 0])), "label -1 is outside"),
    (dict(labels=np.array([0, 1.5, 2, 3, 4, 0])), "whole class indices"),
    (dict(labels=np.array(["N", "S", "V", "F", "Q", "N"])), "class order of the model's output is not known"),
    (dict(input_1=np.full((6, 8), np.nan, np.float32)), "not finite"),
    (dict(labels=np.zeros((6, 2), int)), "one value per example"),
    (dict(input_0=np.zeros((6, 256, 2), np.int8)), "mixes int8"),
    (dict(labels=np.array([{"a": 1}] * 6, dtype=object)), "without pickle"),
]


@pytest.mark.parametrize("changes,rule", BROKEN_NPZ, ids=[r.split()[0] + str(i) for i, (_, r) in enumerate(BROKEN_NPZ)])
def test_malformed_npz_is_refused(tmp_path, capsys, changes, rule):
    path = _good_npz(tmp_path / "bad.npz", **changes)
    status, _, err = run_cli(["evaluate", "--labelled", path, "--model", INT8, "--quiet"], capsys)
    line = one_error_line(status, err)
    assert rule in line and "bad.npz" in line, line


def test_the_good_npz_of_the_refusal_tests_is_accepted(tmp_path, capsys):
    status, _, err = run_cli(["evaluate", "--labelled", _good_npz(tmp_path / "good.npz"), "--model", INT8,
                              "--json", tmp_path / "r.json", "--quiet"], capsys)
    assert status == 0, err


def _csv(rows):
    return "\n".join(rows) + "\n"


HEADER = "label," + ",".join(f"v{i}" for i in range(520))
ROW = "1," + ",".join(["0.5"] * 520)
BROKEN_CSV = [
    (_csv([HEADER]), "needs a header row and at least one example row"),
    (_csv(["x," + ",".join(f"v{i}" for i in range(520)), ROW]), "no `label` column"),
    (_csv([HEADER[:-5], ROW]), "input columns, the model's inputs take 520 values (512 + 8)"),
    (_csv([HEADER, ROW + ",1"]), "line 2 has 522 cells"),
    (_csv([HEADER, ROW.replace("0.5", "abc", 1)]), "line 2: 'abc' is not a number"),
    (_csv([HEADER, ROW.replace("0.5", "inf", 1)]), "not finite"),
    (_csv([HEADER, "7" + ROW[1:]]), "label 7 is outside"),
]


@pytest.mark.parametrize("text,rule", BROKEN_CSV, ids=[f"csv{i}" for i in range(len(BROKEN_CSV))])
def test_malformed_csv_is_refused(tmp_path, capsys, text, rule):
    (tmp_path / "bad.csv").write_text(text)
    status, _, err = run_cli(["evaluate", "--labelled", tmp_path / "bad.csv", "--model", INT8, "--quiet"], capsys)
    line = one_error_line(status, err)
    assert rule in line, line


def test_good_csv_and_other_refusals(tmp_path, capsys):
    (tmp_path / "good.csv").write_text(_csv([HEADER, ROW, ROW.replace("1,", "4,", 1)]))
    status, _, err = run_cli(["evaluate", "--labelled", tmp_path / "good.csv", "--model", INT8, "--json",
                              tmp_path / "r.json", "--quiet"], capsys)
    assert status == 0, err
    (tmp_path / "data.txt").write_text("1,2\n")
    for argv, rule in ([["--labelled", tmp_path / "data.txt"], "unsupported format '.txt'"],
                       [["--labelled", tmp_path / "none.npz"], "no such file"],
                       [["--labelled", tmp_path / "good.csv", "--classes", "A,B"], "names 2 classes"],
                       [["--labelled", tmp_path / "good.csv", "--output", "3"], "the model has 1 outputs"]):
        status, _, err = run_cli(["evaluate", *argv, "--model", INT8, "--quiet"], capsys)
        assert rule in one_error_line(status, err)


def test_hil_labelled_on_host_reports_float_tflm_and_device_per_class(reference_file, tmp_path, capsys):
    path, inputs, labels = reference_file
    status, out, err = run_cli(["hil", "--board", "host", "--labelled", path, "--float-model", FLOAT,
                                "--json", tmp_path / "r.json"], capsys)
    assert status in (0, 1), err     # 1: a float-agreement criterion may fail on random inputs; the run is whole
    report = json.loads((tmp_path / "r.json").read_text())
    classification = report["classification"]
    assert classification["available"] and classification["classes"] == ["0", "1", "2", "3", "4"]
    expected = confusion(labels, independent_int8_classes(INT8.read_bytes(), inputs), 5)
    assert classification["sources"]["tflite_micro"]["confusion"] == expected
    assert classification["sources"]["device"]["confusion"] == expected
    assert "float" in classification["sources"]
    assert "| tflite_micro  |    device" in out


def test_evaluate_labelled_with_a_board_adds_the_device_column(reference_file, tmp_path, capsys):
    path, inputs, labels = reference_file
    status, out, err = run_cli(["evaluate", "--labelled", path, "--model", INT8, "--board", "host", "--json",
                                tmp_path / "r.json", "--quiet"], capsys)
    assert status == 0, err
    report = json.loads((tmp_path / "r.json").read_text())
    expected = confusion(labels, independent_int8_classes(INT8.read_bytes(), inputs), 5)
    assert report["columns"] == ["int8", "device"]
    assert report["int8"]["confusion"] == report["device"]["confusion"] == expected
    assert report["device_run"]["exact"] == report["device_run"]["vectors"] == 60
    assert "60/60 outputs byte-exact" in out
