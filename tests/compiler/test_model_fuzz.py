"""A few hundred corrupted models (the reference model and a small CNN): each is refused with a UserError,
or compiles to C whose host build matches TFLite Micro byte for byte. `make fuzz-models` runs thousands."""
import pytest

from model_fuzz import CLEAN, DEFECTS, KernelLibrary, base_models, classify, tally, variants_for

SEED = 20261207
DAMAGED_PER_MODEL = 90


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    library = KernelLibrary()
    variants = variants_for(base_models(), SEED, DAMAGED_PER_MODEL)
    return variants, [classify(v, library, work) for v in variants]


def test_every_corrupted_model_is_refused_or_exact(outcomes):
    variants, results = outcomes
    counts = tally(results)
    print(f"\n{len(variants)} corrupted models: {counts}")
    defects = [f"{o.variant}: {o.kind}: {o.detail}" for o in results if o.kind in DEFECTS]
    assert not defects, f"{counts}\n" + "\n".join(defects[:20])
    assert counts["refused"] > 0 and counts["exact"] > 0, counts
    assert sum(counts[k] for k in CLEAN) == len(variants) >= 300


def test_each_rule_broken_on_purpose_is_refused_by_name(outcomes):
    from ecgcc.frontend.corrupt import RULES
    variants, results = outcomes
    refused = {o.variant.split("rule:")[1] for o in results if "rule:" in o.variant and o.kind == "refused"}
    assert refused == set(RULES), f"rules never refused: {sorted(set(RULES) - refused)}"
    for o in results:
        if "rule:" in o.variant:
            assert o.detail and "Traceback" not in o.detail, o


def test_hostile_names_compile_exactly(outcomes):
    _, results = outcomes
    named = [o for o in results if "/names:" in o.variant]
    assert named and all(o.kind == "exact" for o in named), [o for o in named if o.kind != "exact"]
