"""Coverage-guided fuzzing of the model frontend and validator with atheris (libFuzzer for Python).

Every input is parsed, validated and lowered as `ecgcc compile` would do before writing C. A UserError is
a clean refusal; any other exception is a finding, and atheris stops and writes the input as crash-*.
    python tests/compiler/atheris_frontend.py CORPUS_DIR -max_total_time=300 -timeout=10
The corpus is seeded with the reference model and the corrupted variants of ecgcc.frontend.corrupt.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["ecgcc"]):
    from ecgcc.compile import lower_graph
    from ecgcc.errors import UserError
    from ecgcc.frontend import parse_tflite

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "compiler" / "ecgcc" / "reference_model" / "model_int8.tflite"


def test_one_input(data: bytes) -> None:
    try:
        lower_graph(parse_tflite(data))
    except UserError:
        pass


def seed_corpus(folder: Path) -> None:
    """The reference model, its rule-breaking variants and a few damaged ones, once."""
    if any(folder.iterdir()):
        return
    from ecgcc.frontend.corrupt import broken_rules, damaged
    import numpy as np
    data = REFERENCE.read_bytes()
    (folder / "reference.tflite").write_bytes(data)
    for i, variant in enumerate([*broken_rules(data), *damaged(data, np.random.default_rng(0), 30)]):
        (folder / f"seed-{i:03d}").write_bytes(variant.data)


def main() -> None:
    corpus = next((Path(a) for a in sys.argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        corpus.mkdir(parents=True, exist_ok=True)
        seed_corpus(corpus)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
