"""Exact subspaces: RREF against sympy, canonical keys, meet and containment."""

from __future__ import annotations

from fractions import Fraction

import sympy
from hypothesis import given
from hypothesis import strategies as st

from simtool.symbolic.structure import Kind, enumerate_structures
from simtool.symbolic.subspace import Subspace

small = st.integers(-3, 3)


def matrices(rows=st.integers(0, 4), cols=st.integers(1, 5)):
    return st.tuples(rows, cols).flatmap(
        lambda rc: st.lists(st.lists(small, min_size=rc[1], max_size=rc[1]), min_size=rc[0], max_size=rc[0]).map(
            lambda m: (rc[1], m)
        )
    )


@given(matrices())
def test_rref_matches_sympy(data):
    cols, rows = data
    s = Subspace.from_equations(cols, rows)
    if rows:
        r, _ = sympy.Matrix(rows).rref()
        expected = [tuple(Fraction(int(v.p), int(v.q)) for v in r.row(i)) for i in range(r.rows) if any(r.row(i))]
    else:
        expected = []
    got = [tuple(dict(row).get(c, Fraction(0)) for c in range(cols)) for row in s.equations]
    assert got == expected
    assert s.dim == cols - (sympy.Matrix(rows).rank() if rows else 0)


@given(matrices(), st.data())
def test_basis_satisfies_equations_and_key_is_canonical(data, draw):
    cols, rows = data
    s = Subspace.from_equations(cols, rows)
    for v in s.basis():
        assert s.contains_vector(v)
    # another equation list for the same subspace (row combinations) gives the same key
    shuffled = list(reversed(rows)) + [[a + b for a, b in zip(rows[0], rows[-1])]] if rows else []
    assert Subspace.from_equations(cols, shuffled) == s
    assert Subspace.span(cols, s.basis()) == s


same_ambient = st.integers(1, 5).flatmap(lambda n: st.tuples(matrices(cols=st.just(n)), matrices(cols=st.just(n))))


@given(same_ambient)
def test_meet_is_greatest_lower_bound(pair):
    a, b = pair  # one ambient dimension drawn once: no example is discarded
    s, t = Subspace.from_equations(a[0], a[1]), Subspace.from_equations(b[0], b[1])
    m = s & t
    assert s.contains(m) and t.contains(m)
    assert m == t & s
    for v in m.basis():
        assert s.contains_vector(v) and t.contains_vector(v)
    assert m.dim >= s.dim + t.dim - s.ambient


def test_direct_structure_rref_equals_generic_rref():
    for kind in Kind:
        for s in enumerate_structures(3, kind):
            direct = s.subspace(4, 1)
            generic = Subspace.from_equations(direct.ambient, [dict(r) for r in direct.equations[::-1]])
            assert direct == generic
