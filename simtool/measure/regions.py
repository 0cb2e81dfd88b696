r"""Linear regions, activation patterns and forgetting (seed 000 operationalisation).

A piecewise-linear network (ReLU) is affine on each region of constant *activation
pattern* (the signs of all hidden pre-activations).  Along an input segment
:math:`x(s) = x_0 + s (x_1 - x_0)`, :math:`s \in [0, 1]`, the number of linear
regions crossed is one plus the number of pattern changes.  Sampling the segment
at ``S`` points gives a lower bound that is exact once the grid resolves every
region; for one hidden layer the exact count is one plus the number of distinct
crossings :math:`s_k = -(w_k\cdot x_0 + b_k)/(w_k\cdot(x_1 - x_0)) \in (0, 1)`
(:func:`crossings_one_layer`, the oracle of the sampled count).

*Pattern churn* between two checkpoints is the fraction of (sample, unit) entries
whose sign flipped.  A *forgetting event* (Toneva et al. 2019) of sample ``i`` is a
checkpoint transition from correctly to incorrectly classified.  *Prediction flips*
are the fraction of samples whose predicted class changed between checkpoints.

Public API
----------
``segment_points(x0, x1, n_points)``, ``count_pattern_changes(patterns)``,
``crossings_one_layer(W, b, x0, x1)``, ``pattern_churn(A, B)``,
``forgetting_events(correct)``, ``prediction_flips(pred_a, pred_b)``.

Examples
--------
>>> import numpy as np
>>> patterns = np.array([[1, 0], [1, 0], [1, 1], [0, 1]], dtype=bool)
>>> int(count_pattern_changes(patterns))
3
>>> forgetting_events(np.array([[1, 0], [0, 0], [1, 1], [0, 1]], dtype=bool)).tolist()
[2, 0]
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "segment_points",
    "count_pattern_changes",
    "crossings_one_layer",
    "pattern_churn",
    "forgetting_events",
    "prediction_flips",
]


def segment_points(x0: np.ndarray, x1: np.ndarray, n_points: int) -> np.ndarray:
    """``n_points`` equally spaced points of the segment ``x0 → x1`` (ends included), ``(..., S, d)``.

    ``x0``, ``x1`` of shape ``(..., d)`` give one segment per leading index.
    """
    s = np.linspace(0.0, 1.0, n_points)
    x0, x1 = np.asarray(x0, dtype=np.float64), np.asarray(x1, dtype=np.float64)
    return x0[..., None, :] + s[:, None] * (x1 - x0)[..., None, :]


def count_pattern_changes(patterns: np.ndarray) -> np.ndarray:
    """Regions crossed: 1 + number of consecutive pattern changes; ``(..., S, U)`` → ``(...)``."""
    p = np.asarray(patterns, dtype=bool)
    changed = np.any(p[..., 1:, :] != p[..., :-1, :], axis=-1)
    return 1 + changed.sum(axis=-1)


def crossings_one_layer(W: np.ndarray, b: np.ndarray, x0: np.ndarray, x1: np.ndarray) -> int:
    """Exact regions crossed on ``x0 → x1`` by one hidden layer ``W x + b`` (``W`` ``(U, d)``).

    >>> import numpy as np
    >>> crossings_one_layer(np.array([[1.0], [1.0], [-2.0]]), np.array([-0.5, -0.5, 0.5]),
    ...                     np.array([0.0]), np.array([1.0]))
    3
    """
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    start = W @ np.asarray(x0, dtype=np.float64) + b
    slope = W @ (np.asarray(x1, dtype=np.float64) - np.asarray(x0, dtype=np.float64))
    moving = slope != 0
    s = -start[moving] / slope[moving]
    inside = s[(s > 0) & (s < 1)]
    return 1 + np.unique(inside).size


def pattern_churn(A: np.ndarray, B: np.ndarray) -> float:
    """Fraction of entries of two boolean pattern arrays that differ.

    >>> pattern_churn(np.array([True, False, True, True]), np.array([True, True, True, False]))
    0.5
    """
    return float(np.mean(np.asarray(A, dtype=bool) != np.asarray(B, dtype=bool)))


def forgetting_events(correct: np.ndarray) -> np.ndarray:
    """Per-sample count of correct → incorrect transitions; ``correct`` ``(T, n)`` → ``(n,)``."""
    c = np.asarray(correct, dtype=bool)
    return np.sum(c[:-1] & ~c[1:], axis=0)


def prediction_flips(pred_a: np.ndarray, pred_b: np.ndarray) -> float:
    """Fraction of samples whose predicted class differs, ``(n,)`` each.

    >>> prediction_flips(np.array([0, 1, 2, 3]), np.array([0, 1, 1, 3]))
    0.25
    """
    return float(np.mean(np.asarray(pred_a) != np.asarray(pred_b)))
