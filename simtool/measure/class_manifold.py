r"""Class manifolds of hidden representations (seed 004, arXiv 2303.05161).

Hidden vectors :math:`h_i` are first projected on the unit sphere,
:math:`\hat h_i = h_i / \lVert h_i \rVert`.  The class manifold :math:`M_s` is the set
of :math:`\hat h_i` with label ``s``; its centroid is :math:`\mu_s` and its
*gyration radius*

.. math:: R_s = \Big(\frac1{|M_s|}\sum_{i \in M_s} \lVert \hat h_i - \mu_s \rVert^2\Big)^{1/2},

and the *centroid distance* of two classes is :math:`D = \lVert \mu_0 - \mu_1 \rVert`.

The *inversion epoch* :math:`t^*` is the first epoch after a burn-in at which
:math:`R_0` stops decreasing (a local minimum ``R[t-1] > R[t] <= R[t+1]``); *stragglers* are the training
points still misclassified at :math:`t^*`.  The stability of straggler sets across
independent runs is scored against the hypergeometric null: two independent
random subsets of sizes ``a`` and ``b`` of ``n`` points overlap in ``k`` points with
mean :math:`ab/n` and variance :math:`ab(n-a)(n-b)/(n^2(n-1))`.

Public API
----------
``normalise_rows(H)``, ``gyration_radius(H, labels, cls, mask=None)``,
``centroid_distance(H, labels, cls_a=0, cls_b=1, mask=None)``, ``inversion_epoch(R, burn_in=20)``,
``straggler_set(correct)``, ``OverlapScore``, ``overlap_zscore(A, B, n)``.

Examples
--------
>>> import numpy as np
>>> H = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
>>> labels = np.array([0, 0, 1])
>>> bool(abs(gyration_radius(H, labels, 0) - np.sqrt(0.5)) < 1e-15)
True
>>> float(centroid_distance(H, labels))
1.5811388300841898
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "normalise_rows",
    "gyration_radius",
    "centroid_distance",
    "inversion_epoch",
    "straggler_set",
    "OverlapScore",
    "overlap_zscore",
]


def normalise_rows(H: np.ndarray) -> np.ndarray:
    """Project each row (last axis) onto the unit sphere; zero rows stay zero."""
    H = np.asarray(H, dtype=np.float64)
    norm = np.linalg.norm(H, axis=-1, keepdims=True)
    return np.divide(H, norm, out=np.zeros_like(H), where=norm > 0)


def _class_weights(labels: np.ndarray, cls, mask) -> np.ndarray:
    w = np.asarray(labels) == cls
    if mask is not None:
        w = w & np.asarray(mask, dtype=bool)
    if not np.all(np.any(w, axis=-1)):
        raise ValueError(f"class {cls!r} has no samples")
    return w.astype(np.float64)


def _centroid(Hn: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.einsum("...n,...nh->...h", w, Hn) / w.sum(axis=-1)[..., None]


def gyration_radius(H: np.ndarray, labels: np.ndarray, cls, mask=None) -> np.ndarray:
    """Gyration radius of class ``cls`` on L2-normalised rows; ``H`` ``(..., n, h)`` → ``(...)``.

    ``mask`` (``(n,)`` or ``(..., n)``, bool) keeps only some samples (per leading index).
    """
    Hn = normalise_rows(H)
    w = np.broadcast_to(_class_weights(labels, cls, mask), Hn.shape[:-1])
    sq = np.sum((Hn - _centroid(Hn, w)[..., None, :]) ** 2, axis=-1)
    return np.sqrt(np.sum(w * sq, axis=-1) / w.sum(axis=-1))


def centroid_distance(H: np.ndarray, labels: np.ndarray, cls_a=0, cls_b=1, mask=None) -> np.ndarray:
    """Distance of the two class centroids of the L2-normalised rows, ``(...)`` (``mask`` as above)."""
    Hn = normalise_rows(H)
    wa = np.broadcast_to(_class_weights(labels, cls_a, mask), Hn.shape[:-1])
    wb = np.broadcast_to(_class_weights(labels, cls_b, mask), Hn.shape[:-1])
    return np.linalg.norm(_centroid(Hn, wa) - _centroid(Hn, wb), axis=-1)


def inversion_epoch(R: np.ndarray, burn_in: int = 20) -> int | None:
    """First epoch ``t >= burn_in`` where ``R`` stops decreasing: ``R[t-1] > R[t] <= R[t+1]``.

    ``None`` when there is no such local minimum (``R`` monotone, or only rising and
    then falling after the burn-in).

    >>> inversion_epoch([5, 4, 3, 2, 2.5, 3], burn_in=1)
    3
    >>> inversion_epoch([5, 4, 3, 2], burn_in=1) is None
    True
    >>> inversion_epoch([1, 2, 3, 2, 1], burn_in=1) is None
    True
    """
    R = np.asarray(R, dtype=np.float64)
    for t in range(max(burn_in, 1), R.shape[0] - 1):
        if R[t - 1] > R[t] <= R[t + 1]:
            return t
    return None


def straggler_set(correct: np.ndarray) -> np.ndarray:
    """Indices of the points misclassified (``correct`` false), sorted."""
    return np.flatnonzero(~np.asarray(correct, dtype=bool))


@dataclass(frozen=True)
class OverlapScore:
    """Overlap ``k`` of two sets of sizes ``a``, ``b`` among ``n`` against the hypergeometric null."""

    overlap: int
    expected: float
    std: float
    z: float
    p_value: float  # one-sided P(K >= k) under the null


def overlap_zscore(A, B, n: int) -> OverlapScore:
    """z-score (and exact one-sided p-value) of ``|A ∩ B|`` under the hypergeometric null.

    >>> s = overlap_zscore([0, 1], [1, 2], 4)
    >>> s.overlap, s.expected, round(s.std, 12) == round((1 / 3) ** 0.5, 12)
    (1, 1.0, True)
    """
    from scipy.stats import hypergeom

    A, B = set(np.asarray(A).tolist()), set(np.asarray(B).tolist())
    a, b, k = len(A), len(B), len(A & B)
    mean = a * b / n
    var = a * b * (n - a) * (n - b) / (n * n * (n - 1)) if n > 1 else 0.0
    std = float(np.sqrt(var))
    z = (k - mean) / std if std > 0 else 0.0
    p = float(hypergeom.sf(k - 1, n, a, b))
    return OverlapScore(k, float(mean), std, float(z), p)
