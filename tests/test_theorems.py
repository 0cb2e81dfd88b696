"""Every theorem in theorems.ALL runs and gets the verdict the theory expects."""

import pytest

from theorems import ALL


@pytest.mark.parametrize("theorem", ALL, ids=lambda t: t.name)
def test_theorem_verdict(theorem):
    verdict = theorem.run()
    assert verdict.status == theorem.expected, verdict.evidence
    assert verdict.evidence
