r"""Shape of a training-loss curve: time to a fraction of the decrease, plateaus, completion.

These are simtool's operationalisations of the "hidden bottleneck" and "completion"
language of seed 000 (arXiv 2409.17592); the paper gives no formulas.

* :func:`time_to_fraction`: first recorded step at which the loss has made a fraction
  ``q`` of its total decrease, :math:`L(t) \le L_0 - q (L_0 - L_T)`.
* :func:`plateau_fraction`: fraction of checkpoint intervals in which the loss fell
  by less than ``rel`` of its value (checkpoints log-spaced, so each interval is a
  multiplicative step in time).
* :func:`completion_step`: first checkpoint after which the fraction of changed
  predictions stays below ``tol`` for ``patience`` consecutive intervals.

Public API
----------
``time_to_fraction(steps, loss, q=0.9)``, ``plateau_fraction(loss, rel=0.01)``,
``completion_step(steps, flips, tol=1e-3, patience=3)``.

Examples
--------
>>> import numpy as np
>>> int(time_to_fraction(np.array([0, 1, 2, 3]), np.array([1.0, 0.5, 0.15, 0.0])))
3
>>> plateau_fraction(np.array([1.0, 0.5, 0.499, 0.2]))
0.3333333333333333
"""

from __future__ import annotations

import numpy as np

__all__ = ["time_to_fraction", "plateau_fraction", "completion_step"]


def time_to_fraction(steps: np.ndarray, loss: np.ndarray, q: float = 0.9):
    """First step with ``L <= L_0 - q (L_0 - L_T)`` (the last step at worst)."""
    loss = np.asarray(loss, dtype=np.float64)
    target = loss[0] - q * (loss[0] - loss[-1])
    return np.asarray(steps)[int(np.argmax(loss <= target))].item()


def plateau_fraction(loss: np.ndarray, rel: float = 0.01) -> float:
    """Fraction of intervals with relative decrease ``(L_t - L_{t+1}) / L_t < rel``."""
    loss = np.asarray(loss, dtype=np.float64)
    drop = (loss[:-1] - loss[1:]) / np.where(loss[:-1] > 0, loss[:-1], 1.0)
    return float(np.mean(drop < rel))


def completion_step(steps: np.ndarray, flips: np.ndarray, tol: float = 1e-3, patience: int = 3):
    """First ``steps[t]`` after which ``flips[t:t+patience] <= tol``; ``None`` if never.

    ``flips[t]`` is the fraction of changed predictions from checkpoint ``t`` to ``t+1``.

    >>> completion_step([0, 1, 2, 3, 4, 5], [0.5, 0.1, 0.0, 0.0, 0.0], patience=3)
    2
    """
    flips = np.asarray(flips, dtype=np.float64)
    for t in range(0, flips.shape[0] - patience + 1):
        if np.all(flips[t:t + patience] <= tol):
            return np.asarray(steps)[t].item()
    return None
