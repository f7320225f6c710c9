"""The README's list of supported operators is the compiler's registry, no more and no less."""
from __future__ import annotations

import re

from ecgcc.compile import supported_operators
from ecgcc.paths import project_root


def readme_operator_list() -> set[str]:
    text = project_root().joinpath("README.md").read_text()
    block = text[text.index("Supported int8 operators"):text.index("Anything else is refused")]
    return set(re.findall(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b", block.split(":", 1)[1]))


def test_readme_lists_exactly_the_supported_operators():
    kernels, folded = supported_operators()
    assert readme_operator_list() == set(kernels) | set(folded)


def test_the_check_sees_a_missing_operator():
    kernels, folded = supported_operators()
    assert readme_operator_list() != set(kernels[1:]) | set(folded)
