"""SVDF (TFLite Micro's integer SVDF, state kept between inferences) and the int16/int32 QUANTIZE and int16
SOFTMAX around it, checked layer by layer against the pip TFLite Micro interpreter over consecutive
inferences: the state an inference leaves is what the next one starts from, on both sides."""
from __future__ import annotations

import numpy as np
import pytest

from support import build_host, run_host

SEQUENCE = 12   # consecutive inferences: longer than the models' memory of 8, so the state wraps fully


def keyword_model() -> bytes:
    from ecgcc.paths import tflm_dir
    path = tflm_dir() / "models" / "keyword_scrambled_8bit.tflite"
    if not path.exists():
        pytest.skip(f"no TensorFlow Lite Micro kit at {tflm_dir()} (set TFLM_DIR)")
    return path.read_bytes()


def _edited(tflite: bytes, edit) -> bytes:
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite, 0))
    edit(model, schema)
    builder = flatbuffers.Builder(len(tflite) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def with_small_biases(tflite: bytes) -> bytes:
    """keyword_scrambled's weights are scrambled and its int32 biases span the whole range, so every SVDF
    and FULLY_CONNECTED output saturates whatever the input; with the biases divided by 2^24 the outputs
    follow the input and the state, which the comparison needs to mean something."""
    def edit(model, schema):
        graph = model.subgraphs[0]
        for op in graph.operators:
            code = model.operatorCodes[op.opcodeIndex].builtinCode
            if code in (schema.BuiltinOperator.SVDF, schema.BuiltinOperator.FULLY_CONNECTED):
                buffer = model.buffers[graph.tensors[op.inputs[3 if code == schema.BuiltinOperator.SVDF else 2]].buffer]
                buffer.data = list((np.frombuffer(bytes(buffer.data), np.int32) >> 24).astype(np.int32).tobytes())
    return _edited(tflite, edit)


def with_int16_state(tflite: bytes) -> bytes:
    """keyword_scrambled with its first SVDF's time weights and state as int16 (TFLM's other integer SVDF):
    the same time weights widened (three times the values at a third of the scale), the state's zero point 0
    (what the int16 kernel assumes)."""
    def edit(model, schema):
        graph = model.subgraphs[0]
        svdf = next(op for op in graph.operators
                    if model.operatorCodes[op.opcodeIndex].builtinCode == schema.BuiltinOperator.SVDF)
        time, state = graph.tensors[svdf.inputs[2]], graph.tensors[svdf.inputs[4]]
        buffer = model.buffers[time.buffer]
        buffer.data = list((np.frombuffer(bytes(buffer.data), np.int8).astype(np.int16) * 3).tobytes())
        time.type = state.type = schema.TensorType.INT16
        time.quantization.scale = [time.quantization.scale[0] / 3]
        state.quantization.scale = [state.quantization.scale[0] * 3]   # the bias scale stays their product
        state.quantization.zeroPoint = [0]
    return _edited(tflite, edit)


def speech_like_inputs(count: int, seed: int) -> list[list[np.ndarray]]:
    """Non-negative int16 features (the model's first QUANTIZE maps 0 to its int8 zero point, -128)."""
    rng = np.random.default_rng(seed)
    return [[rng.integers(0, 8000, (1, 96)).astype(np.int16)] for _ in range(count)]


KERNEL_BUILDS = {"reference": (), "dsp": ("ECGCC_DSP_EMULATE",)}   # the DSP twins, emulated on the host


def traced_run(tflite: bytes, work, records, kernels: str = "reference"):
    """(compile result, per record the output of every layer viewed in its tensor's type), with the
    reference kernels or the DSP twins."""
    from ecgcc.compile import compile_tflite
    result = compile_tflite(tflite, "svdf_model", None, work / "model", max_chunks=1)
    graph = result.graph
    exe = build_host(result.out_dir, work / "driver", KERNEL_BUILDS[kernels])
    layer_types = [np.dtype(graph.tensors[k.output].dtype) for k in result.kernels]
    runs = run_host(exe, records, [graph.tensors[t].nbytes for t in graph.outputs],
                    [graph.tensors[k.output].nbytes for k in result.kernels])
    return result, [[piece.view(dtype) for piece, dtype in zip(layers, layer_types)] for layers, _ in runs]


def differing_layers(tflite: bytes, result, records, traced, reference) -> list[str]:
    """Every (inference, layer) whose output differs from TFLM's tensor, TFLM running the same sequence."""
    found = []
    for n, (record, layers) in enumerate(zip(records, traced)):
        reference.run(record)
        for layer, tensor, got in zip(result.report["layers"], result.layer_tensors, layers):
            want = reference.tensor(tensor).reshape(-1)
            if not np.array_equal(want, got):
                found.append(f"inference {n} layer {layer['name']}: {int(np.sum(want != got))} values differ")
    return found


@pytest.mark.parametrize("kernels", sorted(KERNEL_BUILDS))
@pytest.mark.parametrize("variant", ["int8 state", "int16 state"])
def test_svdf_model_equals_tflm_layer_by_layer_over_consecutive_inferences(variant, kernels, tmp_path):
    from ecgcc.reference import Reference
    tflite = with_small_biases(keyword_model())
    tflite = tflite if variant == "int8 state" else with_int16_state(tflite)
    records = speech_like_inputs(SEQUENCE, seed=5)
    result, traced = traced_run(tflite, tmp_path, records, kernels)
    kinds = [layer["kind"] for layer in result.report["layers"]]
    assert kinds.count("SVDF") == 7 and kinds[0] == "QUANTIZE" and kinds[-2:] == ["SOFTMAX", "QUANTIZE"]
    reference = Reference(tflite, keep_all_tensors=True)
    assert differing_layers(tflite, result, records, traced, reference) == []
    # the comparison means something: SVDF outputs vary, and the state changes what an inference gives
    first_svdf = kinds.index("SVDF")
    assert len({bytes(layers[first_svdf]) for layers in traced}) == SEQUENCE
    fresh = Reference(tflite, keep_all_tensors=True)
    fresh.run(records[-1])
    assert not np.array_equal(fresh.tensor(result.layer_tensors[first_svdf]).reshape(-1), traced[-1][first_svdf])


RESET_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "model.h"
/* Runs inputs A, B, then A again (after model_reset_state() when RESET is defined); writes layer 1's output. */
static void first_svdf(int layer, const int8_t *output, uint32_t bytes, void *context) {
  if (layer == 1) fwrite(output, 1, bytes, (FILE *)context);
}
int main(void) {
  static int8_t inputs[2][MODEL_INPUT_BYTES_TOTAL];
  if (fread(inputs, 1, sizeof inputs, stdin) != sizeof inputs) return 2;
  for (int run = 0; run < 3; ++run) {
#ifdef RESET
    if (run == 2) model_reset_state();
#endif
    memcpy(model_input(0), inputs[run == 1], MODEL_INPUT_BYTES_TOTAL);
    if (model_invoke_traced(first_svdf, stdout) != 0) return 3;
  }
  return 0;
}
"""


def test_model_reset_state_restarts_the_state(tmp_path):
    """The same input gives another result once the state has moved on, and the first result again after
    model_reset_state()."""
    import subprocess
    from ecgcc.compile import compile_tflite
    from support import CFLAGS, KERNELS, kernel_sources
    result = compile_tflite(with_small_biases(keyword_model()), "svdf_model", None, tmp_path / "model")
    assert result.report["layers"][1]["kind"] == "SVDF" and result.report["total"]["state_bytes"] > 0
    driver = tmp_path / "reset_driver.c"
    driver.write_text(RESET_DRIVER)
    payload = b"".join(x.tobytes() for [x] in speech_like_inputs(2, seed=7))
    runs = {}
    for reset in (False, True):
        exe = tmp_path / f"driver_{reset}"
        subprocess.run(["gcc", *CFLAGS, *(["-DRESET"] if reset else []), f"-I{KERNELS / 'include'}",
                        f"-I{result.out_dir}", str(result.out_dir / "model.c"), str(result.out_dir / "model_weights.c"),
                        *map(str, kernel_sources()), str(driver), "-o", str(exe)], check=True)
        out = subprocess.run([str(exe)], input=payload, capture_output=True, check=True).stdout
        runs[reset] = [out[i * 64:(i + 1) * 64] for i in range(3)]
    assert runs[True][2] == runs[True][0] and runs[False][2] != runs[False][0]


def test_svdf_comparison_fails_when_tflm_starts_from_another_state(tmp_path):
    """The wrong answer: TFLM given one extra inference first (so its state is ahead) must disagree."""
    from ecgcc.reference import Reference
    tflite = with_small_biases(keyword_model())
    records = speech_like_inputs(4, seed=9)
    result, traced = traced_run(tflite, tmp_path, records)
    reference = Reference(tflite, keep_all_tensors=True)
    reference.run(speech_like_inputs(1, seed=10)[0])
    assert differing_layers(tflite, result, records, traced, reference)


def test_quantize_between_integer_types_matches_tflm_on_every_int16_value(tmp_path):
    """The model's first layer, QUANTIZE int16 -> int8, over all 65,536 int16 inputs."""
    from ecgcc.reference import Reference
    tflite = keyword_model()
    values = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    records = [[chunk.reshape(1, 96)] for chunk in np.array_split(np.resize(values, 96 * 683), 683)]
    result, traced = traced_run(tflite, tmp_path, records)
    reference = Reference(tflite, keep_all_tensors=True)
    for record, layers in zip(records, traced):
        reference.run(record)
        assert np.array_equal(reference.tensor(result.layer_tensors[0]).reshape(-1), layers[0])


def test_svdf_without_variable_state_is_refused():
    from ecgcc.compile import lower_graph
    from ecgcc.frontend import parse_tflite
    from ecgcc.ir import InvalidModelError
    graph = parse_tflite(keyword_model())
    svdf = next(op for op in graph.operators if op.kind == "SVDF")
    graph.tensors[svdf.inputs[4]].is_variable = False
    with pytest.raises(InvalidModelError, match="nothing makes"):
        lower_graph(graph)
