r"""Intervals and nulls for the experiments: bootstrap, permutations, effect sizes.

Every claim an experiment tests is reported as an *estimate* with an *interval*
against a *null or control*; these helpers keep that vocabulary in one place.

* :class:`Interval` -- ``estimate``, ``low``, ``high``, ``level``.
* :func:`bootstrap_interval` -- percentile bootstrap of a statistic of the rows of
  one or more aligned samples (resampled together).
* :func:`difference_interval` -- bootstrap of ``stat(a) - stat(b)`` for two
  independent samples.
* :func:`permutation_zscore` -- z-score and one-sided p-value (with the +1
  correction) of an observed statistic against null draws.
* :func:`cohens_d` -- standardised mean difference with the pooled standard deviation.

Randomness is explicit: each function takes a ``numpy.random.Generator``.

Examples
--------
>>> import numpy as np
>>> iv = bootstrap_interval(np.arange(10.0), np.mean, np.random.default_rng(0), n_boot=200)
>>> iv.estimate, iv.low < 4.5 < iv.high
(4.5, True)
>>> round(cohens_d(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])), 12)
1.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["Interval", "bootstrap_interval", "difference_interval", "permutation_zscore", "cohens_d"]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a ``level`` (e.g. 0.95) interval ``[low, high]``."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    def as_dict(self) -> dict:
        return asdict(self)

    def excludes(self, value: float) -> bool:
        """True when ``value`` lies outside ``[low, high]``."""
        return value < self.low or value > self.high


def _percentiles(draws: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1.0 - level) / 2.0
    lo, hi = np.nanquantile(draws, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def bootstrap_interval(sample, stat: Callable, rng: np.random.Generator, *, n_boot: int = 1000,
                       level: float = 0.95) -> Interval:
    """Percentile bootstrap of ``stat(sample)`` resampling the first axis.

    ``sample`` is an array or a tuple of arrays with the same first length (resampled
    with the same indices, and passed to ``stat`` as separate arguments).
    """
    parts = sample if isinstance(sample, tuple) else (sample,)
    parts = tuple(np.asarray(p) for p in parts)
    n = parts[0].shape[0]
    estimate = float(stat(*parts))
    draws = np.empty(n_boot)
    for r in range(n_boot):
        idx = rng.integers(0, n, size=n)
        draws[r] = stat(*(p[idx] for p in parts))
    return Interval(estimate, *_percentiles(draws, level), level)


def difference_interval(a, b, stat: Callable, rng: np.random.Generator, *, n_boot: int = 1000,
                        level: float = 0.95) -> Interval:
    """Percentile bootstrap of ``stat(a) - stat(b)`` for independent samples ``a``, ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    estimate = float(stat(a) - stat(b))
    draws = np.empty(n_boot)
    for r in range(n_boot):
        draws[r] = stat(a[rng.integers(0, a.shape[0], a.shape[0])]) - stat(b[rng.integers(0, b.shape[0], b.shape[0])])
    return Interval(estimate, *_percentiles(draws, level), level)


def permutation_zscore(observed: float, null_draws: np.ndarray, *, lower: bool = True) -> dict:
    """z-score of ``observed`` against ``null_draws`` and its one-sided permutation p-value.

    ``lower=True`` tests "observed is smaller than the null" (p = (1 + #{null <= obs}) / (1 + R)).

    >>> permutation_zscore(0.0, np.array([1.0, 2.0, 3.0]))["p_value"]
    0.25
    """
    null = np.asarray(null_draws, dtype=np.float64)
    sd = float(null.std(ddof=1)) if null.size > 1 else 0.0
    z = (observed - float(null.mean())) / sd if sd > 0 else 0.0
    hits = np.sum(null <= observed) if lower else np.sum(null >= observed)
    return {"observed": float(observed), "null_mean": float(null.mean()), "null_std": sd, "z": float(z),
            "p_value": float((1 + hits) / (1 + null.size)), "n_null": int(null.size),
            "null_interval_95": list(_percentiles(null, 0.95))}


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """``(mean a - mean b) / pooled sd`` (``ddof=1``); 0 when both samples are constant."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = a.size, b.size
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    return float((a.mean() - b.mean()) / np.sqrt(pooled)) if pooled > 0 else 0.0
