"""Network-manifold measurements: invariances, hand cases, PHATE smoke."""

from __future__ import annotations

import numpy as np
import pytest

from simtool.errors import SimtoolError
from simtool.measure import (
    diffusion_operator,
    diffusion_spectral_entropy,
    dirichlet_energy,
    knn_graph,
    phate_embedding,
    representation_distance,
    representation_distances,
)
from tests.tolerances import MEASURE_ROUNDOFF


def test_distance_invariances_and_oracle():
    rng = np.random.default_rng(0)
    H1, H2 = rng.normal(size=(10, 4)), rng.normal(size=(10, 6))
    Q = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    assert abs(representation_distance(H1, H2) - representation_distance(H1 * 3.0 + 1.0, H2 @ Q)) < MEASURE_ROUNDOFF
    # units permuted: same network
    assert representation_distance(H2, H2[:, rng.permutation(6)]) < MEASURE_ROUNDOFF
    # oracle: sqrt(2 - 2 CKA) with CKA from its textbook definition
    def hsic(K, L):
        C = np.eye(10) - 1.0 / 10
        return np.trace(K @ C @ L @ C)
    K, L = H1 @ H1.T, H2 @ H2.T
    cka = hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))
    assert abs(representation_distance(H1, H2) - np.sqrt(2 - 2 * cka)) < MEASURE_ROUNDOFF
    reps = [H1, H2, H1 @ rng.normal(size=(4, 4))]
    D = representation_distances(reps)
    assert np.max(np.abs(D - [[representation_distance(a, b) for b in reps] for a in reps])) < 1e-7
    assert np.all(np.diag(D) == 0.0)


def test_diffusion_operator_hand_case():
    D = np.array([[0.0, 1.0], [1.0, 0.0]])
    P = diffusion_operator(D, knn=1, alpha=2.0)
    # eps = 1 for both: K = [[1, e^-1], [e^-1, 1]]
    e = np.exp(-1.0)
    assert np.max(np.abs(P - np.array([[1, e], [e, 1]]) / (1 + e))) < MEASURE_ROUNDOFF


def test_diffusion_operator_refuses_bad_knn():
    with pytest.raises(SimtoolError, match="knn"):
        diffusion_operator(np.zeros((3, 3)), knn=3)


def test_dse_of_two_state_chain():
    # P = [[1-a, a], [a, 1-a]] has eigenvalues 1 and 1 - 2a
    a = 0.2
    P = np.array([[1 - a, a], [a, 1 - a]])
    q = np.array([1.0, 0.6]) ** 2 / (1.0 + 0.36)
    assert abs(diffusion_spectral_entropy(P, t=2) + np.sum(q * np.log(q))) < MEASURE_ROUNDOFF


def test_dirichlet_energy_oracle_and_batch():
    rng = np.random.default_rng(2)
    W = rng.uniform(size=(6, 6))
    W = W + W.T
    np.fill_diagonal(W, 0.0)
    f = rng.normal(size=(3, 6))
    E = dirichlet_energy(f, W)
    brute = [0.5 * sum(W[i, j] * (g[i] - g[j]) ** 2 for i in range(6) for j in range(6)) for g in f]
    assert np.max(np.abs(E - brute)) < MEASURE_ROUNDOFF
    assert abs(dirichlet_energy(np.ones(6), W)) < MEASURE_ROUNDOFF  # constants are harmonic


def test_knn_graph_is_symmetric_and_covers_k():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(15, 2))
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    A = knn_graph(D, 3)
    assert np.array_equal(A, A.T) and not A.diagonal().any() and np.all(A.sum(axis=1) >= 3)


def test_phate_embedding_separates_two_clusters():
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.normal(size=(15, 3)), rng.normal(size=(15, 3)) + 3.0])
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    Y = phate_embedding(D, knn=10)
    assert Y.shape == (30, 2)
    within = max(np.ptp(Y[:15], axis=0).max(), np.ptp(Y[15:], axis=0).max())
    between = np.linalg.norm(Y[:15].mean(axis=0) - Y[15:].mean(axis=0))
    assert between > within
