"""InPCA identities (issue 11 bars) and hand-computed small cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simtool.measure import (
    bhattacharyya_distance,
    bhattacharyya_matrix,
    double_centre,
    explained_stress,
    geodesic_progress,
    inpca,
    one_hot_model,
    uniform_model,
)
from tests.tolerances import INPCA_RECONSTRUCTION, MEASURE_ROUNDOFF


def _models(seed: int, m: int = 7, n: int = 5, c: int = 4) -> np.ndarray:
    logits = np.random.default_rng(seed).normal(size=(m, n, c)) * 2.0
    p = np.exp(logits)
    return p / p.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("c", [2, 3, 10, 17])
def test_uniform_to_one_hot_is_half_log_c(c):
    labels = np.arange(11) % c
    d = bhattacharyya_distance(uniform_model(11, c), one_hot_model(labels, c))
    # exact in real arithmetic; float64 rounds sqrt(1/C) and the log: a few ulps
    assert abs(d - 0.5 * np.log(c)) < MEASURE_ROUNDOFF


def test_uniform_to_one_hot_symbolically():
    import sympy

    C = sympy.Symbol("C", positive=True)
    # the per-sample term of D: -ln(sum_c sqrt(p_c q_c)) with p uniform, q one-hot
    assert sympy.simplify(-sympy.log(sympy.sqrt(1 / C)) - sympy.log(C) / 2) == 0


def test_hand_computed_distance():
    # sample 1: sqrt(.5*.5)+sqrt(.5*.5) = 1 -> 0; sample 2: sqrt(1*.25) = .5 -> ln 2
    P = np.array([[0.5, 0.5], [1.0, 0.0]])
    Q = np.array([[0.5, 0.5], [0.25, 0.75]])
    assert abs(bhattacharyya_distance(P, Q) - 0.5 * np.log(2.0)) < MEASURE_ROUNDOFF


def test_disjoint_support_is_infinite():
    assert bhattacharyya_distance(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])) == np.inf


def test_matrix_matches_pairwise_oracle():
    models = _models(0, m=20)  # more than one row block
    D = bhattacharyya_matrix(models)
    oracle = np.array([[bhattacharyya_distance(a, b) for b in models] for a in models])
    np.fill_diagonal(oracle, 0.0)
    assert np.max(np.abs(D - oracle)) < MEASURE_ROUNDOFF
    assert np.all(np.diag(D) == 0.0) and np.array_equal(D, D.T)


def test_double_centre_hand_case():
    D = np.array([[0.0, 1.0, 4.0], [1.0, 0.0, 1.0], [4.0, 1.0, 0.0]])  # points 0, 1, 2 on a line (squared)
    W = double_centre(D)
    x = np.array([-1.0, 0.0, 1.0])
    assert np.max(np.abs(W - np.outer(x, x))) < MEASURE_ROUNDOFF


@given(st.integers(0, 10_000))
def test_full_signed_embedding_reproduces_distances(seed):
    D = bhattacharyya_matrix(_models(seed))
    emb = inpca(D)
    assert np.max(np.abs(emb.distances() - D)) < INPCA_RECONSTRUCTION


def test_some_bhattacharyya_embedding_has_negative_directions():
    # the Minkowski signature is real, not hypothetical: a random ensemble has σ < 0
    D = bhattacharyya_matrix(_models(3, m=30))
    emb = inpca(D)
    assert np.any(emb.signature < 0) and np.any(emb.signature > 0)
    # ... and the reconstruction needs it: dropping the signs breaks it
    unsigned = np.sum((emb.coords[:, None] - emb.coords[None]) ** 2, axis=-1)
    assert np.max(np.abs(unsigned - D)) > INPCA_RECONSTRUCTION
    assert np.max(np.abs(emb.distances() - D)) < INPCA_RECONSTRUCTION


@given(st.integers(0, 10_000))
def test_chi_all_is_one_and_monotone(seed):
    emb = inpca(bhattacharyya_matrix(_models(seed)))
    chi = emb.explained_stress()
    assert chi[-1] == 1.0
    assert np.all(np.diff(chi) >= 0)
    W = double_centre(bhattacharyya_matrix(_models(seed)))
    assert abs(np.sum(emb.eigenvalues ** 2) - np.linalg.norm(W) ** 2) < MEASURE_ROUNDOFF * np.linalg.norm(W) ** 2


def test_chi_hand_case():
    assert explained_stress(np.array([3.0, 0.0, -4.0]))[0] == 1.0 - np.sqrt(1.0 - 9.0 / 25.0)


@given(st.integers(0, 10_000))
def test_permuting_models_permutes_embedding(seed):
    D = bhattacharyya_matrix(_models(seed))
    perm = np.random.default_rng(seed + 1).permutation(D.shape[0])
    a, b = inpca(D), inpca(D[np.ix_(perm, perm)])
    assert np.max(np.abs(a.eigenvalues - b.eigenvalues)) < MEASURE_ROUNDOFF
    # eigenvectors are defined up to sign: compare with each column's sign aligned
    sign = np.sign(np.sum(a.coords[perm] * b.coords, axis=0))
    assert np.max(np.abs(a.coords[perm] - b.coords * sign)) < INPCA_RECONSTRUCTION
    assert np.max(np.abs(b.distances() - D[np.ix_(perm, perm)])) < INPCA_RECONSTRUCTION


def test_geodesic_progress_on_the_geodesic_is_t():
    labels = np.array([0, 1, 2, 1])
    P0, Ps = uniform_model(4, 3), one_hot_model(labels, 3)
    r0, rs = np.sqrt(P0), np.sqrt(Ps)
    theta = np.arccos(np.sum(r0 * rs, axis=-1))[:, None]
    for t in (0.0, 0.25, 0.5, 0.9, 1.0):
        r = (np.sin((1 - t) * theta) * r0 + np.sin(t * theta) * rs) / np.sin(theta)
        assert abs(geodesic_progress(r ** 2, P0, Ps) - t) < MEASURE_ROUNDOFF


def test_geodesic_progress_of_the_wrong_answer_is_negative():
    # all mass on a wrong class moves away from the truth
    P0, Ps = uniform_model(1, 3), one_hot_model(np.array([0]), 3)
    assert geodesic_progress(one_hot_model(np.array([1]), 3), P0, Ps) < 0
