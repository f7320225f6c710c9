"""Operator plugins: one module per TFLite builtin operator.

Adding an operator is one module here, named like the C kernel it lowers to: `ops/<op>.py` pairs with
`firmware/kernels/reference/<op>.c` (and optionally `firmware/kernels/dsp/<op>.c`), whose entry point
`ecg_<op>(const ecg_<op>_params_t *, inputs..., output)` and its params struct are declared in
`firmware/kernels/include/ecg_kernels.h` (the one shared line-up of every kernel's C interface).

A module defines:
  KINDS: tuple of TFLite builtin names it handles, e.g. ("CONV_2D",)
  lower(graph, op) -> Kernel        validate the operator (raise UnsupportedModelError naming the
                                    operator and tensor) and compute every constant of the C call
  scratch_bytes(kernel, target) -> int | list[int]   optional: the working memory the kernel needs while
                                    it runs on that target, sized exactly for this layer (0 or []: none),
                                    or the sizes it can work with, the one it prefers first (a last 0:
                                    it can do without, on its stack); the memory plan picks one.
  stack_without_scratch(kernel, target) -> int   with a last 0 option: the stack bytes it then takes. The compiler then appends two params fields, `scratch`
                                    (the planned bytes in the arena, or NULL) and `scratch_bytes`, with
                                    which the C params struct must end.
  in_place(kernel, target) -> (shift, min_scratch) | None   optional: where every kernel set that may run
                                    the layer on that target can write its output starting `shift` bytes
                                    before its input (a multiple of 16), given at least `min_scratch` bytes
                                    of scratch; the memory plan then may place the two in one buffer.
A view operator (pure reshape of the same bytes) instead sets VIEW = True and defines
  view_source(graph, op) -> int     the tensor whose buffer the output aliases
Modules are found automatically; nothing else needs registering.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from ..passes.memory import scratch_options


C_TYPE_BYTES = {"int8_t": 1, "int16_t": 2, "int32_t": 4}


@dataclass
class ConstArray:
    """A constant array emitted into model_weights.c (flash)."""
    suffix: str          # the C name is <layer>_<suffix>
    ctype: str           # "int8_t", "int16_t" or "int32_t"
    values: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * C_TYPE_BYTES[self.ctype]


@dataclass
class StateArray:
    """A variable tensor of the model: state an operator keeps from one inference to the next, as a static
    array in RAM outside the arena (model.c), set to `initial` at start-up and by model_reset_state()."""
    suffix: str          # the C name is <layer>_<suffix>
    ctype: str
    size: int
    initial: int         # every element starts at this value, as TFLM's ResetVariableTensors sets it

    @property
    def nbytes(self) -> int:
        return self.size * C_TYPE_BYTES[self.ctype]


@dataclass
class Kernel:
    """One call in the generated straight-line code."""
    function: str                            # C entry point, e.g. "ecg_conv_2d"
    params_type: str                         # C struct type, e.g. "ecg_conv_2d_params_t"
    params: dict                             # struct field -> int | list[int] | ConstArray | ArenaScratch | None
    inputs: list[int]                        # activation tensors passed after the params, in order
    output: int
    macs: int = 0
    inputs_as_array: bool = False            # pass inputs as one `const int8_t *const[]` (variadic ops)
    notes: dict = field(default_factory=dict)
    scratch_options: tuple = ()              # scratch sizes the kernel can work in, preferred first
    scratch_bytes: int = 0                   # the one the memory plan gave it (arena bytes, its call only)
    stack_without_scratch: int = 0           # stack bytes the kernel takes instead where it is planned none
    # Where the kernel's order of reads and writes allows its output to start this many bytes before its first
    # input's bytes (a multiple of 16), the memory plan may put it there once that input is read by no later
    # layer (passes/memory.py); None: the output needs bytes of its own.
    in_place_shift: int | None = None
    # and the least scratch with which that order holds (a kernel that works in bands re-reads its input)
    in_place_min_scratch: int = 0

    @property
    def const_bytes(self) -> int:
        return sum(v.nbytes for v in self.params.values() if isinstance(v, ConstArray))

    @property
    def state_bytes(self) -> int:
        return sum(v.nbytes for v in self.params.values() if isinstance(v, StateArray))

    def calls(self) -> list[Call]:
        """The C calls that compute this layer: here its one kernel call."""
        return [Call(self.function, self.params_type, self.params, [ArenaRef(t) for t in self.inputs],
                     ArenaRef(self.output), self.inputs_as_array)]

    def settle_scratch(self, planned_bytes: int) -> None:
        if "scratch_bytes" in self.params:
            self.params["scratch"] = ArenaScratch() if planned_bytes else None
            self.params["scratch_bytes"] = planned_bytes


@dataclass(frozen=True)
class ArenaScratch:
    """The params value standing for the layer's scratch buffer: its address in the arena once planned
    (`skip` bytes into it, where a layer splits its scratch between several calls)."""
    skip: int = 0


@dataclass(frozen=True)
class ArenaRef:
    """An argument of a kernel call: `skip` bytes into a tensor's planned buffer, or into the layer's
    scratch when tensor is None."""
    tensor: int | None
    skip: int = 0


@dataclass
class Call:
    """One C call of the generated code."""
    function: str
    params_type: str
    params: dict
    inputs: list[ArenaRef]
    output: ArenaRef
    inputs_as_array: bool = False


@dataclass(frozen=True)
class Target:
    """What the compiler knows of the code the kernels will run as."""
    dsp_kernels: bool = True    # the Arm DSP twins (firmware/kernels/dsp/) may be the ones compiled
    m3_kernels: bool = False    # the twins for Armv7-M/v8-M mainline cores without DSP (firmware/kernels/m3/)
    # The DSP CONV_2D's filters as int16 pairs (twice their flash, fewer instructions) rather than int8
    # words it splits itself (passes/smlad_layout.py)
    wide_conv_weights: bool = True

    @classmethod
    def of_board(cls, board, wide_conv_weights: bool = True) -> "Target":
        """A board without the DSP extension runs the reference kernels, or the M3 twins where its core is
        an Armv7-M / Armv8-M mainline one. Without a board (or for the host, whose tests build the DSP twins
        emulated) the DSP twins may run, so their needs are planned."""
        if board is None:
            return cls(wide_conv_weights=wide_conv_weights)
        dsp = bool(board.info.get("dsp_extension", True))
        return cls(dsp_kernels=dsp, m3_kernels=not dsp and board.info.get("core") in M3_CLASS_CORES,
                   wide_conv_weights=wide_conv_weights)


# Cores that compile firmware/kernels/m3/ when built without the DSP extension (__ARM_ARCH_7M__ or
# __ARM_ARCH_8M_MAIN__): SMLAL is one instruction there.
M3_CLASS_CORES = ("cortex-m3", "cortex-m33", "cortex-m35p")


def declare_target_params(module: ModuleType, kernel: Kernel, target: Target) -> Kernel:
    """Add the params fields a kernel set of this target reads beyond the reference's (a layout of the
    weights its loops consume directly): the module's target_params(kernel, target), where it has one."""
    if hasattr(module, "target_params"):
        kernel.params.update(module.target_params(kernel, target))
    return kernel


def declare_scratch(module: ModuleType, kernel: Kernel, target: Target) -> Kernel:
    """Ask the operator's module for its kernel's scratch on this target and add the params fields that
    carry it (settle_scratch fills them in once the memory plan has chosen and placed the buffer)."""
    if not hasattr(module, "scratch_bytes"):
        return kernel
    try:
        options = scratch_options(module.scratch_bytes(kernel, target))
    except ValueError as error:
        raise ValueError(f"{module.__name__}: {error}") from None
    options = () if options == (0,) else options
    kernel.scratch_options = options
    if options and options[-1] == 0 and hasattr(module, "stack_without_scratch"):
        kernel.stack_without_scratch = int(module.stack_without_scratch(kernel, target))
    kernel.params["scratch"] = None
    kernel.params["scratch_bytes"] = 0
    return kernel


def declare_in_place(module: ModuleType, kernel: Kernel, target: Target) -> Kernel:
    """Ask the operator's module whether its kernels can write this layer's output over its input on this
    target (after declare_scratch: the answer may depend on the scratch sizes offered)."""
    if hasattr(module, "in_place"):
        declared = module.in_place(kernel, target)
        if declared is not None:
            kernel.in_place_shift, kernel.in_place_min_scratch = declared
    return kernel


def settle_scratch(kernel: Kernel, planned_bytes: int) -> Kernel:
    if planned_bytes not in kernel.scratch_options + (0,):
        raise ValueError(f"{kernel.function}: planned {planned_bytes} scratch bytes, not one of "
                         f"{kernel.scratch_options}")
    kernel.scratch_bytes = planned_bytes
    kernel.settle_scratch(planned_bytes)
    return kernel


def folded_bias(weights: np.ndarray, bias: np.ndarray | None, input_offset: int, channels_last: bool) -> np.ndarray:
    """bias + input_offset * sum(weights of each output channel), in int32 wrap-around arithmetic."""
    w = weights.astype(np.int64)
    sums = w.reshape(-1, w.shape[-1]).sum(axis=0) if channels_last else w.reshape(w.shape[0], -1).sum(axis=1)
    b = np.zeros(len(sums), np.int64) if bias is None else bias.astype(np.int64)
    return ((b + input_offset * sums + 2**31) % 2**32 - 2**31).astype(np.int32)


def _discover() -> dict[str, ModuleType]:
    registry: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for kind in getattr(module, "KINDS", ()):
            if kind in registry:
                raise RuntimeError(f"operator {kind} is claimed by both {registry[kind].__name__} and {module.__name__}")
            registry[kind] = module
    return registry


REGISTRY: dict[str, ModuleType] = _discover()


def module_for(kind: str) -> ModuleType | None:
    return REGISTRY.get(kind)
