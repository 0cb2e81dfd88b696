r"""Intensive PCA (InPCA) of probabilistic models (seed 001, arXiv 2305.01604).

A model is represented by its predicted class probabilities on a probe set,
``P`` of shape ``(N, C)`` (row ``i`` is the distribution on sample ``i``).  The
*intensive Bhattacharyya distance* (not squared; a per-sample mean) is

.. math:: D(P, Q) = -\frac1N \sum_{i=1}^N \ln \sum_{c=1}^C \sqrt{p_{ic}\, q_{ic}} .

For ``M`` models with pairwise matrix ``D`` (symmetric, zero diagonal) InPCA
double-centres, :math:`W = -\tfrac12 L D L` with :math:`L = I - \tfrac1M 11^T`,
eigendecomposes :math:`W = \sum_k \sigma_k v_k v_k^T`, sorts by :math:`|\sigma_k|`
and uses coordinates :math:`x_{ak} = \sqrt{|\sigma_k|}\, v_{ak}` with signature
:math:`s_k = \operatorname{sign}\sigma_k` (a pseudo-Euclidean, "Minkowski" space).
Because ``D`` has a zero diagonal, the full signed embedding reproduces it exactly:
:math:`D_{ab} = W_{aa} + W_{bb} - 2W_{ab} = \sum_k s_k (x_{ak} - x_{bk})^2`.
The explained stress of the first ``k`` components is

.. math:: \chi_k = 1 - \sqrt{1 - \textstyle\sum_{i \le k} \sigma_i^2 / \lVert W \rVert_F^2}.

*Geodesic progress* is simtool's operationalisation of the paper's progress
toward the truth: per sample, the square roots :math:`\sqrt{p}` lie on the unit
sphere, the Bhattacharyya geodesic from the ignorant model :math:`p^0` to the truth
:math:`p^*` is a great-circle arc of angle :math:`\Theta`, and the progress of
:math:`p` is the angle of its projection onto that arc's plane divided by
:math:`\Theta` (0 at :math:`p^0`, 1 at :math:`p^*`, exact for points on the arc),
averaged over samples.

Public API
----------
``bhattacharyya_distance(P, Q)``, ``bhattacharyya_matrix(models)``,
``double_centre(D)``, ``InPCA`` (dataclass), ``inpca(D)``,
``explained_stress(eigenvalues)``, ``geodesic_progress(P, P0, Pstar)``,
``uniform_model(N, C)``, ``one_hot_model(labels, C)``.

Examples
--------
>>> import numpy as np
>>> truth = one_hot_model(np.array([0, 2]), 3)
>>> bool(bhattacharyya_distance(uniform_model(2, 3), truth) == 0.5 * np.log(3))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "bhattacharyya_distance",
    "bhattacharyya_matrix",
    "double_centre",
    "InPCA",
    "inpca",
    "explained_stress",
    "geodesic_progress",
    "uniform_model",
    "one_hot_model",
]

#: rows of sqrt-probabilities handled at once in ``bhattacharyya_matrix`` (bounds memory)
_ROW_BLOCK = 16


def uniform_model(n_samples: int, n_classes: int) -> np.ndarray:
    """The ignorant model: every sample gets the uniform distribution, ``(N, C)``."""
    return np.full((n_samples, n_classes), 1.0 / n_classes)


def one_hot_model(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """The truth: probability one on the label of each sample, ``(N, C)``."""
    labels = np.asarray(labels)
    out = np.zeros((labels.shape[0], n_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def bhattacharyya_distance(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    r"""Intensive Bhattacharyya distance :math:`D(P, Q)`; broadcasts over leading axes.

    ``P`` and ``Q`` have shape ``(..., N, C)``; returns shape ``(...)``.  Disjoint
    supports on some sample give ``inf`` (no clipping: the distance is infinite).

    >>> import numpy as np
    >>> P = np.array([[0.5, 0.5]]); Q = np.array([[1.0, 0.0]])
    >>> bool(abs(bhattacharyya_distance(P, Q) - 0.5 * np.log(2)) < 1e-15)
    True
    """
    overlap = np.sum(np.sqrt(np.asarray(P) * np.asarray(Q)), axis=-1)
    with np.errstate(divide="ignore"):
        return -np.mean(np.log(overlap), axis=-1)


def bhattacharyya_matrix(models: np.ndarray) -> np.ndarray:
    """Pairwise ``D`` of ``M`` models, ``models`` of shape ``(M, N, C)`` → ``(M, M)``.

    Symmetric with an exactly zero diagonal (the diagonal is set, since
    ``ln Σ_c p_c`` is only zero up to rounding).
    """
    root = np.sqrt(np.asarray(models, dtype=np.float64))
    m = root.shape[0]
    out = np.empty((m, m))
    for start in range(0, m, _ROW_BLOCK):
        block = root[start:start + _ROW_BLOCK]
        overlap = np.einsum("aic,bic->abi", block, root, optimize=True)
        with np.errstate(divide="ignore"):
            out[start:start + _ROW_BLOCK] = -np.log(overlap).mean(axis=-1)
    out = 0.5 * (out + out.T)
    np.fill_diagonal(out, 0.0)
    return out


def double_centre(D: np.ndarray) -> np.ndarray:
    r""":math:`W = -\tfrac12 L D L` with the centring matrix :math:`L = I - 11^T/M`.

    >>> import numpy as np
    >>> double_centre(np.array([[0.0, 2.0], [2.0, 0.0]])).tolist()
    [[0.5, -0.5], [-0.5, 0.5]]
    """
    D = np.asarray(D, dtype=np.float64)
    row = D.mean(axis=1, keepdims=True)
    col = D.mean(axis=0, keepdims=True)
    return -0.5 * (D - row - col + D.mean())


@dataclass(frozen=True)
class InPCA:
    """A signed InPCA embedding of ``M`` models.

    Attributes
    ----------
    eigenvalues : ndarray (K,)
        Eigenvalues :math:`\\sigma_k` of ``W``, sorted by decreasing ``|σ|``.
    coords : ndarray (M, K)
        :math:`x_{ak} = \\sqrt{|\\sigma_k|} v_{ak}`.
    signature : ndarray (K,)
        ``+1`` (space-like) or ``-1`` (time-like) per component.
    """

    eigenvalues: np.ndarray
    coords: np.ndarray
    signature: np.ndarray

    def distances(self, k: int | None = None) -> np.ndarray:
        r"""Reconstructed :math:`\sum_{j<k} s_j (x_{aj} - x_{bj})^2`, ``(M, M)``."""
        x = self.coords[:, :k]
        s = self.signature[:k]
        diff = x[:, None, :] - x[None, :, :]
        return np.einsum("abk,k->ab", diff * diff, s)

    def explained_stress(self) -> np.ndarray:
        """``χ_k`` for ``k = 1 … K`` (see :func:`explained_stress`)."""
        return explained_stress(self.eigenvalues)


def inpca(D: np.ndarray) -> InPCA:
    """Signed InPCA embedding of a symmetric, zero-diagonal distance matrix ``D``.

    ``M`` models give ``K = M - 1`` components: the centring direction ``1`` (an exact
    null vector of ``W``) is dropped.  Eigenvectors have the sign convention
    "largest-magnitude entry positive", so the embedding is a deterministic function of
    ``D`` (up to degenerate eigenvalues).
    """
    W = double_centre(D)
    W = 0.5 * (W + W.T)
    sigma, V = np.linalg.eigh(W)
    if W.shape[0] > 1:  # W 1 = 0 exactly: drop the centring direction (eigenvalue 0 up to rounding)
        keep = np.arange(sigma.size) != np.argmax(np.abs(V.sum(axis=0)))
        sigma, V = sigma[keep], V[:, keep]
    order = np.argsort(-np.abs(sigma), kind="stable")
    sigma, V = sigma[order], V[:, order]
    pivot = np.argmax(np.abs(V), axis=0)
    V = V * np.where(V[pivot, np.arange(V.shape[1])] < 0, -1.0, 1.0)
    return InPCA(sigma, V * np.sqrt(np.abs(sigma)), np.where(sigma < 0, -1.0, 1.0))


def explained_stress(eigenvalues: np.ndarray) -> np.ndarray:
    r""":math:`\chi_k = 1 - \sqrt{1 - \sum_{i\le k}\sigma_i^2/\lVert W\rVert_F^2}` for all ``k``.

    ``eigenvalues`` must be sorted by decreasing magnitude.  :math:`\lVert W\rVert_F^2`
    is taken as :math:`\sum_i \sigma_i^2` of the same eigenvalues, so that
    :math:`\chi_K = 1` holds exactly (a separate test compares it with the
    Frobenius norm).

    >>> explained_stress([2.0, -1.0, 0.0]).tolist()
    [0.5527864045000421, 1.0, 1.0]
    """
    sq = np.asarray(eigenvalues, dtype=np.float64) ** 2
    cum = np.cumsum(sq)
    total = cum[-1]
    if total == 0.0:
        return np.ones_like(cum)
    ratio = np.where(np.arange(cum.size) == cum.size - 1, 1.0, np.minimum(cum / total, 1.0))
    return 1.0 - np.sqrt(1.0 - ratio)


def geodesic_progress(P: np.ndarray, P0: np.ndarray, Pstar: np.ndarray) -> np.ndarray:
    r"""Mean per-sample progress of ``P`` along the geodesic from ``P0`` to ``Pstar``.

    ``P`` has shape ``(..., N, C)``; ``P0`` and ``Pstar`` ``(N, C)`` with
    ``P0 != Pstar`` on every sample.  Returns shape ``(...)``: 0 at ``P0``, 1 at
    ``Pstar``, ``t`` at the point of the geodesic a fraction ``t`` of the way.

    >>> import numpy as np
    >>> P0, Ps = uniform_model(1, 2), one_hot_model(np.array([0]), 2)
    >>> bool(abs(geodesic_progress(P0, P0, Ps)) < 1e-15), float(geodesic_progress(Ps, P0, Ps))
    (True, 1.0)
    """
    r = np.sqrt(np.asarray(P, dtype=np.float64))
    e1 = np.sqrt(np.asarray(P0, dtype=np.float64))
    rs = np.sqrt(np.asarray(Pstar, dtype=np.float64))
    cos_theta = np.clip(np.sum(e1 * rs, axis=-1), -1.0, 1.0)
    theta = np.arccos(cos_theta)
    e2 = (rs - cos_theta[:, None] * e1) / np.sin(theta)[:, None]
    a = np.sum(r * e1, axis=-1)
    b = np.sum(r * e2, axis=-1)
    return np.mean(np.arctan2(b, a) / theta, axis=-1)
