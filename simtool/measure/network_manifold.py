r"""The manifold of networks under diffusion geometry (seed 002, arXiv 2411.12626).

*Representation distance.*  Hidden units of two networks are not in correspondence
(permuting units is a symmetry), so networks are compared through the centred Gram
matrices of their representations of a common probe set, normalised in scale:
:math:`K = H H^T`, :math:`\bar K = L K L / \lVert L K L\rVert_F`, and
:math:`d(H_1, H_2) = \lVert \bar K_1 - \bar K_2 \rVert_F = \sqrt{2 - 2\,\mathrm{CKA}}`
(linear CKA).  It is invariant under orthogonal maps and rescaling of each ``H``.

*Diffusion operator.*  From a distance matrix, the α-decaying kernel with adaptive
bandwidth :math:`\varepsilon_i` = distance to the ``k``-th neighbour (as PHATE),
:math:`K_{ij} = \tfrac12 e^{-(d_{ij}/\varepsilon_i)^\alpha} + \tfrac12 e^{-(d_{ij}/\varepsilon_j)^\alpha}`,
row-normalised to a Markov matrix :math:`P = \mathrm{diag}(K1)^{-1} K`.

*Diffusion spectral entropy* (DSE) of ``P`` at time ``t``: with eigenvalues
:math:`\lambda_j` of ``P``, :math:`q_j = |\lambda_j|^t / \sum_l |\lambda_l|^t`,
:math:`\mathrm{DSE} = -\sum_j q_j \ln q_j` (``ln n`` for ``n`` disconnected points, 0
for the complete averaging operator).

*Dirichlet energy* of a signal ``f`` on a graph with symmetric weights ``w``:
:math:`E(f) = \tfrac12 \sum_{ij} w_{ij} (f_i - f_j)^2 = f^T (\mathrm{Deg} - w) f`.  A
smooth (low-frequency) signal has low energy compared with its permutations.

PHATE embeddings come from the ``phate`` package (``pip install 'simtool[experiments]'``),
imported lazily by :func:`phate_embedding`.

Public API
----------
``representation_distance(H1, H2)``, ``representation_distances(reps)``,
``diffusion_operator(D, knn=5, alpha=2.0)``, ``diffusion_spectral_entropy(P, t=1)``,
``knn_graph(D, k)``, ``dirichlet_energy(f, W)``, ``phate_embedding(D, ...)``.

Examples
--------
>>> import numpy as np
>>> H = np.random.default_rng(0).normal(size=(6, 3))
>>> Q = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))[0]
>>> bool(representation_distance(H, 2.5 * H @ Q) < 1e-12)
True
>>> float(dirichlet_energy(np.array([0.0, 1.0]), np.array([[0.0, 2.0], [2.0, 0.0]])))
2.0
"""

from __future__ import annotations

import numpy as np

from ..errors import SimtoolError

__all__ = [
    "representation_distance",
    "representation_distances",
    "diffusion_operator",
    "diffusion_spectral_entropy",
    "knn_graph",
    "dirichlet_energy",
    "phate_embedding",
]


def _normalised_gram(H: np.ndarray) -> np.ndarray:
    H = np.asarray(H, dtype=np.float64)
    Hc = H - H.mean(axis=0, keepdims=True)  # L H: centring the Gram matrix on both sides
    K = Hc @ Hc.T
    norm = np.linalg.norm(K)
    return K / norm if norm > 0 else K


def representation_distance(H1: np.ndarray, H2: np.ndarray) -> float:
    """``‖K̄1 - K̄2‖_F`` of the centred, normalised Gram matrices of ``(n, h1)``, ``(n, h2)``."""
    return float(np.linalg.norm(_normalised_gram(H1) - _normalised_gram(H2)))


def representation_distances(reps) -> np.ndarray:
    """Pairwise :func:`representation_distance` of a list of ``(n, h_a)`` arrays, ``(M, M)``."""
    G = np.stack([_normalised_gram(H).ravel() for H in reps])
    sq = np.sum(G * G, axis=1)
    D2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * G @ G.T, 0.0)
    D = np.sqrt(D2)
    np.fill_diagonal(D, 0.0)
    return 0.5 * (D + D.T)


def diffusion_operator(D: np.ndarray, knn: int = 5, alpha: float = 2.0) -> np.ndarray:
    """Row-stochastic α-decay diffusion operator of a distance matrix ``D`` ``(n, n)``.

    >>> import numpy as np
    >>> P = diffusion_operator(np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]]), knn=1)
    >>> np.allclose(P.sum(axis=1), 1.0)
    True
    """
    D = np.asarray(D, dtype=np.float64)
    n = D.shape[0]
    if not 1 <= knn < n:
        raise SimtoolError(f"knn must be in 1..{n - 1} for {n} points, got {knn}")
    eps = np.sort(D, axis=1)[:, knn]
    eps = np.where(eps > 0, eps, np.finfo(np.float64).tiny)
    K = 0.5 * np.exp(-((D / eps[:, None]) ** alpha)) + 0.5 * np.exp(-((D / eps[None, :]) ** alpha))
    return K / K.sum(axis=1, keepdims=True)


def diffusion_spectral_entropy(P: np.ndarray, t: int = 1) -> float:
    """Shannon entropy of the normalised ``|λ|^t`` spectrum of the diffusion operator ``P``.

    >>> import numpy as np
    >>> bool(abs(diffusion_spectral_entropy(np.eye(4)) - np.log(4)) < 1e-12)
    True
    >>> abs(diffusion_spectral_entropy(np.full((4, 4), 0.25))) < 1e-12
    True
    """
    lam = np.linalg.eigvals(np.asarray(P, dtype=np.float64))
    w = np.abs(lam) ** t
    q = w[w > 0] / w.sum()
    return float(-np.sum(q * np.log(q)))


def knn_graph(D: np.ndarray, k: int) -> np.ndarray:
    """Symmetric 0/1 adjacency: ``i ~ j`` if either is among the other's ``k`` nearest.

    >>> import numpy as np
    >>> knn_graph(np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 1.5], [3.0, 1.5, 0.0]]), 1).astype(int).tolist()
    [[0, 1, 0], [1, 0, 1], [0, 1, 0]]
    """
    D = np.asarray(D, dtype=np.float64)
    n = D.shape[0]
    if not 1 <= k < n:
        raise SimtoolError(f"k must be in 1..{n - 1} for {n} points, got {k}")
    masked = D + np.diag(np.full(n, np.inf))
    nearest = np.argsort(masked, axis=1, kind="stable")[:, :k]
    A = np.zeros((n, n), dtype=bool)
    A[np.repeat(np.arange(n), k), nearest.ravel()] = True
    return A | A.T


def dirichlet_energy(f: np.ndarray, W: np.ndarray) -> np.ndarray:
    r""":math:`\tfrac12\sum_{ij} w_{ij}(f_i - f_j)^2`; ``f`` ``(n,)`` or ``(r, n)`` (one per row)."""
    f = np.asarray(f, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    lap = np.diag(W.sum(axis=1)) - W
    return np.einsum("...i,ij,...j->...", f, lap, f)


def phate_embedding(D: np.ndarray, *, n_components: int = 2, knn: int = 5, decay: float = 40.0,
                    random_state: int = 0) -> np.ndarray:
    """PHATE embedding (the ``phate`` package) of points given by a distance matrix ``D``."""
    try:
        import phate
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SimtoolError("PHATE needs the 'phate' package: pip install 'simtool[experiments]'") from exc
    op = phate.PHATE(n_components=n_components, knn=knn, decay=decay, knn_dist="precomputed_distance",
                     mds_solver="smacof", verbose=0, n_jobs=1, random_state=random_state)
    return np.asarray(op.fit_transform(np.asarray(D, dtype=np.float64)))
