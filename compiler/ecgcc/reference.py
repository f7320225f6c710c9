"""The reference: the pip TFLite Micro interpreter (TFLM reference kernels) on the same int8 .tflite.

Used to prove generated C bit-exact, layer by layer, and to compare memory use with TFLM, and (with
decide_classes) as the host twin of the generated code's class decision.
"""
from __future__ import annotations

import ctypes
import os
import re
import tempfile
from pathlib import Path

import numpy as np


def _interpreter_module():
    from tflite_micro.python.tflite_micro import runtime
    return runtime


def _capture_native_output(fn) -> str:
    """Run fn while the process's own stdout/stderr (the C++ side) go to a temporary file."""
    libc = ctypes.CDLL(None)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        libc.fflush(None)
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            fn()
            libc.fflush(None)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
        sink.seek(0)
        return sink.read().decode(errors="replace")


# The interpreter's own guess (ten times the flatbuffer) suits models whose weights outweigh their activations;
# a model like one ADD of two large tensors needs more, so on failure the arena grows from an upper bound.
_ARENA_OVERHEAD_BYTES = 16 * 1024
_ARENA_LIMIT_BYTES = 1 << 30
# What TFLM prints when the arena is what ran out (e.g. "Failed to resize buffer. Requested: 49152, available
# 9056, missing: 40096"); the pip interpreter raises the same error for every allocation failure.
_ARENA_TOO_SMALL = re.compile(r"Failed to resize buffer|missing: \d+|[Aa]rena size is too small")


def _arena_sizes(model_bytes: bytes, graph):
    """Arena sizes to try in turn, each larger than the last: the interpreter's default, then every activation
    held at once (or twice the default, if more), doubling."""
    default = len(model_bytes) * 10
    yield default
    size = max(sum(t.nbytes for t in graph.tensors if not t.is_const) + _ARENA_OVERHEAD_BYTES, 2 * default)
    while size <= _ARENA_LIMIT_BYTES:
        yield size
        size *= 2


def _interpreter_with_enough_arena(runtime, model_bytes: bytes, graph, config):
    """(interpreter, arena size): the first size in _arena_sizes at which TFLM allocates every tensor."""
    from ecgcc.errors import InvalidModelError

    detail = ""
    for size in _arena_sizes(model_bytes, graph):
        made, failed = [], []

        def attempt():
            try:
                made.append(runtime.Interpreter.from_bytes(model_bytes, arena_size=size, intrepreter_config=config))
            except RuntimeError as error:
                failed.append(error)

        detail = _capture_native_output(attempt)
        if made:
            return made[0], size
        if "allocate" not in str(failed[0]):
            raise failed[0]
        if not _ARENA_TOO_SMALL.search(detail):   # any other failure would fail at every size
            break
    last_line = detail.strip().splitlines()[-1] if detail.strip() else ""
    raise InvalidModelError(f"TensorFlow Lite Micro could not allocate the model's tensors (arena of {size} bytes: "
                            f"{last_line[:200]})", hint="check that the model runs in TensorFlow Lite Micro")


def sized_interpreter(model_bytes: bytes):
    """A pip TFLite Micro interpreter of the model (default mode) with an arena that fits its tensors."""
    from ecgcc.frontend import parse_tflite

    runtime = _interpreter_module()
    model_bytes = bytes(model_bytes)
    return _interpreter_with_enough_arena(runtime, model_bytes, parse_tflite(model_bytes),
                                          runtime.InterpreterConfig.kAllocationRecording)[0]


class Reference:
    def __init__(self, model, keep_all_tensors: bool = False, arena_size: int | None = None,
                 decide_classes: bool = False):
        """model: .tflite bytes or path. keep_all_tensors lets tensor() read every intermediate result after
        run() (TFLM then skips its arena recording, so arena_used_bytes() needs the default mode).
        decide_classes: run_and_decide() also gives each output's class (it keeps the tensors it needs)."""
        from ecgcc.frontend import parse_tflite
        from ecgcc.passes.decision import find_decision

        runtime = _interpreter_module()
        self.model_bytes = Path(model).read_bytes() if isinstance(model, (str, os.PathLike)) else bytes(model)
        graph = parse_tflite(self.model_bytes)
        self.num_inputs, self.num_outputs = len(graph.inputs), len(graph.outputs)
        self.decisions = []
        if decide_classes:
            self.decisions = [find_decision(graph, i) for i in range(len(graph.outputs))]
            keep_all_tensors = keep_all_tensors or any(d is not None for d in self.decisions)
        config = (runtime.InterpreterConfig.kPreserveAllTensors if keep_all_tensors
                  else runtime.InterpreterConfig.kAllocationRecording)
        self.keep_all_tensors = keep_all_tensors
        self.arena_size = arena_size
        if arena_size is not None:
            self._interp = runtime.Interpreter.from_bytes(self.model_bytes, arena_size=arena_size,
                                                          intrepreter_config=config)
        else:
            self._interp, self.arena_size = _interpreter_with_enough_arena(runtime, self.model_bytes, graph, config)
        self.has_state = any(t.is_variable for t in graph.tensors)
        if self.has_state:   # the variables start as TFLM's reset sets them, as the generated code's state does
            self.reset_state()

    def reset_state(self) -> None:
        """Variable tensors (SVDF and LSTM state) back to their start; they otherwise carry over between runs."""
        self._interp.reset()

    def input_shape(self, index: int) -> tuple[int, ...]:
        return tuple(int(d) for d in self._interp.get_input_details(index)["shape"])

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        if len(inputs) != self.num_inputs:
            raise ValueError(f"the model has {self.num_inputs} inputs, got {len(inputs)}")
        for i, x in enumerate(inputs):
            details = self._interp.get_input_details(i)
            shape, dtype = tuple(details["shape"]), np.dtype(details["dtype"])
            self._interp.set_input(np.ascontiguousarray(np.asarray(x).astype(dtype, copy=False).reshape(shape)), i)
        self._interp.invoke()
        return [np.array(self._interp.get_output(i)) for i in range(self.num_outputs)]

    def run_and_decide(self, inputs: list[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
        """(outputs, the class of each output) as model_output_class() of the generated code decides it."""
        from ecgcc.passes.decision import decide, decision_logits

        if not self.decisions:
            raise RuntimeError("construct Reference(..., decide_classes=True) to decide classes")
        outputs = self.run(inputs)
        classes = [int(decide(decision_logits(d, self.tensor(d.input_tensor)))[0]) if d is not None
                   else int(decide(np.asarray(o).reshape(1, -1))[0]) for d, o in zip(self.decisions, outputs)]
        return outputs, classes

    def tensor(self, index: int) -> np.ndarray:
        """Any tensor of the model after run(), by its .tflite tensor index (needs keep_all_tensors)."""
        if not self.keep_all_tensors:
            raise RuntimeError("construct Reference(..., keep_all_tensors=True) to read intermediate tensors")
        return np.array(self._interp.GetTensor(index, 0)["tensor_data"])

    def arena_allocations(self) -> dict[str, int]:
        """TFLM's RecordingMicroAllocator summary: total, head (activations and scratch) and tail bytes."""
        if self.keep_all_tensors:
            raise RuntimeError("arena recording is only available without keep_all_tensors")
        text = _capture_native_output(self._interp.print_allocations)
        found = dict(re.findall(r"Arena allocation (total|head|tail) (\d+) bytes", text))
        if "total" not in found:
            raise RuntimeError(f"could not read TFLM arena usage from: {text[:400]!r}")
        return {k: int(v) for k, v in found.items()}

    def arena_used_bytes(self) -> int:
        return self.arena_allocations()["total"]


def run_reference(model, inputs: list[np.ndarray]) -> list[np.ndarray]:
    return Reference(model).run(inputs)
