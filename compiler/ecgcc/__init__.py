"""ecgcc: compile ECG arrhythmia models to bit-exact int8 C and prove them on the device."""

__version__ = "0.1.0"


def compile_torch(module, example_input, representative, board=None, out="build/model", **options):
    """Compile a PyTorch nn.Module (see ecgcc.compile.compile_torch); torch is imported only when called."""
    from .compile import compile_torch as compile_module

    return compile_module(module, example_input, representative, board=board, out=out, **options)
