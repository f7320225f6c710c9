"""Names from a model are data: whatever a tensor or model name holds, the generated C defines the same
macros and symbols as for plain names, compiles under -trigraphs with every warning an error, and holds
each name byte for byte (cut to 64 bytes) as a string."""
import re
import subprocess

import pytest

from model_fuzz import KernelLibrary, small_model
from support import KERNELS

C11_STRICT = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-Wtrigraphs", "-trigraphs", "-Wno-unused-parameter"]
NAME_BYTES = 64

PRINT_NAMES = r"""
#include <stdio.h>
#include "model.h"
static void show(const char *label, const char *text) {
  printf("%s ", label);
  for (const unsigned char *c = (const unsigned char *)text; *c; ++c) printf("%02x", *c);
  printf("\n");
}
int main(void) {
  show("model", MODEL_NAME);
  for (int i = 0; i < MODEL_NUM_INPUTS; ++i) show("input", model_input_info[i].name);
  for (int i = 0; i < MODEL_NUM_OUTPUTS; ++i) show("output", model_output_info[i].name);
  return 0;
}
"""


def _compile(tflite: bytes, name: str, out):
    from ecgcc.compile import compile_tflite
    return compile_tflite(tflite, name, "host", out)


def _objects(model_dir, work):
    objects = []
    for source in ("model.c", "model_weights.c"):
        obj = work / (source + ".o")
        done = subprocess.run(["gcc", *C11_STRICT, "-c", f"-I{KERNELS / 'include'}", f"-I{model_dir}",
                               str(model_dir / source), "-o", str(obj)], capture_output=True, text=True)
        assert done.returncode == 0, f"{source} does not compile cleanly:\n{done.stderr[-3000:]}"
        objects.append(obj)
    return objects


def _macros(model_dir) -> set[str]:
    done = subprocess.run(["gcc", "-std=c11", "-trigraphs", "-E", "-dM", f"-I{KERNELS / 'include'}",
                           f"-I{model_dir}", str(model_dir / "model.c")], capture_output=True, text=True, check=True)
    return {line.split()[1].split("(")[0] for line in done.stdout.splitlines() if line.startswith("#define ")}


def _symbols(objects) -> set[str]:
    done = subprocess.run(["nm", "--defined-only", *map(str, objects)], capture_output=True, text=True, check=True)
    return {line.split()[-1] for line in done.stdout.splitlines() if re.match(r"^[0-9a-f]+ \w ", line)}


def _names_in_binary(model_dir, objects, kernels: KernelLibrary, work) -> dict[str, list[bytes]]:
    (work / "print_names.c").write_text(PRINT_NAMES)
    exe = work / "print_names"
    subprocess.run(["gcc", *C11_STRICT, f"-I{model_dir}", f"-I{KERNELS / 'include'}", str(work / "print_names.c"),
                    *map(str, objects), *map(str, kernels.objects), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    found: dict[str, list[bytes]] = {}
    for line in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.splitlines():
        label, _, text = line.partition(" ")
        found.setdefault(label, []).append(bytes.fromhex(text))
    return found


def _as_stored(raw: bytes) -> bytes:
    """What a name must read as in C: cut to 64 bytes ending in '...', and up to a NUL it holds."""
    kept = raw if len(raw) <= NAME_BYTES else raw[:NAME_BYTES - 3] + b"..."
    return kept.split(b"\0")[0]


@pytest.fixture(scope="module")
def kernels():
    return KernelLibrary()


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    work = tmp_path_factory.mktemp("plain")
    _compile(small_model(), "plain", work / "model")
    objects = _objects(work / "model", work)
    return _macros(work / "model"), _symbols(objects)


def _hostile_variants():
    from ecgcc.frontend.corrupt import HOSTILE_NAMES
    return list(range(len(HOSTILE_NAMES)))


@pytest.mark.parametrize("which", _hostile_variants())
def test_hostile_names_stay_strings(which, plain, kernels, tmp_path):
    from ecgcc.frontend import parse_tflite
    from ecgcc.frontend.corrupt import HOSTILE_NAMES, hostile_names
    variant = list(hostile_names(small_model()))[which]
    hostile = HOSTILE_NAMES[which]
    model_name = hostile.decode("utf-8", "replace")
    _compile(variant.data, model_name, tmp_path / "model")
    for source in ("model.c", "model.h", "model_weights.c"):
        comments = re.findall(r"/\*.*?\*/", (tmp_path / "model" / source).read_text(), re.S)
        assert not any("injected" in c.lower() or "?" in c for c in comments), f"a name in a comment of {source}"
    objects = _objects(tmp_path / "model", tmp_path)
    plain_macros, plain_symbols = plain
    assert _macros(tmp_path / "model") == plain_macros
    assert _symbols(objects) == plain_symbols
    graph = parse_tflite(variant.data)
    names = _names_in_binary(tmp_path / "model", objects, kernels, tmp_path)
    assert names["model"] == [_as_stored(model_name.encode("utf-8", "replace"))]
    stored = lambda t: _as_stored(graph.tensors[t].name.encode("utf-8", "replace"))  # noqa: E731
    assert names["input"] == [stored(t) for t in graph.inputs]
    assert names["output"] == [stored(t) for t in graph.outputs]


def test_c_string_literal_escapes_what_c_would_read():
    from ecgcc.safe_text import c_string_literal
    literal = c_string_literal("a??/\n\"\\*/\x00" + "\u00e9" + "1")
    assert literal == '"a\\077\\077/\\012\\042\\134\\052/\\000\\303\\2511"'
    assert c_string_literal("x" * 100).endswith('..."') and len(c_string_literal("x" * 100)) == NAME_BYTES + 2
