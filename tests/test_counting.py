"""Exact counts: OEIS golden values, recurrences vs enumeration, classes vs orbits."""

from __future__ import annotations

import math

import pytest
import sympy

from simtool.symbolic.counting import count_classes, count_elements, integer_partitions, partition_numbers
from simtool.symbolic.structure import Kind, enumerate_structures

# OEIS A000110 (Bell numbers), offset 0
A000110 = [1, 1, 2, 5, 15, 52, 203, 877, 4140, 21147, 115975, 678570, 4213597]
# OEIS A007405 (Dowling numbers), offset 0
A007405 = [1, 2, 6, 24, 116, 648, 4088, 28640, 219920, 1832224, 16430176]
# OEIS A000041 (partitions), A000070 (partial sums), A000712 (self-convolution)
A000041 = [1, 1, 2, 3, 5, 7, 11, 15, 22, 30, 42, 56, 77]
A000070 = [1, 2, 4, 7, 12, 19, 30, 45, 67, 97, 139]
A000712 = [1, 2, 5, 10, 20, 36, 65, 110, 185, 300, 481]


def test_bell_golden():
    assert [count_elements("perm", m) for m in range(1, 13)] == A000110[1:13]


def test_dowling_golden():
    assert [count_elements("odd", m) for m in range(1, 11)] == A007405[1:11]


def test_class_counts_golden():
    assert [count_classes("perm", m) for m in range(1, 13)] == A000041[1:13]
    assert [count_classes("odd", m) for m in range(1, 11)] == A000070[1:11]
    assert [count_classes("even", m) for m in range(1, 11)] == A000712[1:11]


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("m", range(1, 7))
def test_recurrence_matches_enumeration(kind, m):
    structures = enumerate_structures(m, kind)
    assert len(structures) == count_elements(kind.value, m)
    assert len(set(structures)) == len(structures)
    keys = {s.class_key for s in structures}
    assert len(keys) == count_classes(kind.value, m)
    # orbit sizes from the formula add up to the count and match the class populations
    by_key: dict = {}
    for s in structures:
        by_key[s.class_key] = by_key.get(s.class_key, 0) + 1
    for key, n in by_key.items():
        assert structures[0].__class__  # noqa: B018 - keep structure import used
        from simtool.symbolic.structure import orbit_size

        assert orbit_size(m, kind, *key) == n


def _exp_egf(c, m):
    """Coefficients ``a(n)`` of ``exp(Σ c_n x^n/n!)`` by the standard recurrence
    ``a(n+1) = Σ_k C(n, k) c_{k+1} a(n−k)``: an independent oracle for the triangles."""
    a = [1]
    for n in range(m):
        a.append(sum(math.comb(n, k) * c(k + 1) * a[n - k] for k in range(n + 1)))
    return a


def test_large_counts_against_generating_functions():
    """EGFs exp(e^x − 1), exp(x + (e^{2x} − 1)/2), exp(e^x − 1 + (e^{2x} − 1)/2) at m = 120."""
    m = 120
    assert count_elements("perm", m) == _exp_egf(lambda n: 1, m)[m] == int(sympy.bell(m))
    assert count_elements("odd", m) == _exp_egf(lambda n: (1 if n == 1 else 0) + 2 ** (n - 1), m)[m]
    assert count_elements("even", m) == _exp_egf(lambda n: 1 + 2 ** (n - 1), m)[m]


def test_partitions():
    assert list(partition_numbers(12)) == A000041
    assert all(len(list(integer_partitions(n))) == A000041[n] for n in range(12))
