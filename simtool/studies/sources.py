r"""Offline data for the companion experiments (no network access, ever).

* :func:`digits` -- scikit-learn's bundled ``load_digits`` (1797 × 64, 10 classes),
  pixels standardised; ``task="parity"`` gives the binary even/odd label.
* :func:`mnist1d` -- the ``mnist1d`` package's *generator*
  (``make_dataset(get_dataset_args())``), never its download path.  The generator
  reseeds numpy's and Python's global RNGs; both are saved and restored around it.
* :func:`sloppy` -- Gaussian inputs in :math:`\mathbb{R}^{d}` with covariance
  eigenvalues :math:`\lambda_k \propto e^{-c k}` (normalised to trace ``d``) and labels
  from a random tanh teacher ``d → 50 → C`` (argmax of its outputs).

Each returns a :class:`Split` of float64 inputs and integer labels.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np

from ..errors import DataError

__all__ = ["Split", "digits", "mnist1d", "sloppy"]


@dataclass(frozen=True)
class Split:
    """Train and test arrays of one task."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_test.max())) + 1

    def describe(self) -> dict:
        return {"name": self.name, "n_train": int(self.y_train.size), "n_test": int(self.y_test.size),
                "input_dim": int(self.x_train.shape[1]), "n_classes": self.n_classes}


def _split(name, x, y, n_train, rng) -> Split:
    order = rng.permutation(y.size)
    tr, te = order[:n_train], order[n_train:]
    mean, std = x[tr].mean(axis=0), x[tr].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    x = (x - mean) / std
    return Split(name, x[tr], y[tr], x[te], y[te])


def digits(task: str = "classes", n_train: int = 1200, seed: int = 0) -> Split:
    """Digits, 10 classes (``task="classes"``) or even/odd (``task="parity"``), standardised."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataError("digits needs scikit-learn: pip install 'simtool[experiments]'") from exc
    raw = load_digits()
    y = raw.target.astype(np.int64)
    if task == "parity":
        y = y % 2
    elif task != "classes":
        raise DataError(f"unknown digits task {task!r}; choose one of classes, parity")
    if not 1 <= n_train < y.size:
        raise DataError(f"n_train must be in 1..{y.size - 1}, got {n_train}")
    return _split(f"digits-{task}", raw.data.astype(np.float64), y, n_train, np.random.default_rng(seed))


@functools.lru_cache(maxsize=4)
def _mnist1d_arrays(num_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DataError("mnist1d needs the 'mnist1d' package: pip install 'simtool[experiments]'") from exc
    args = get_dataset_args()
    args.num_samples, args.seed = num_samples, seed
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(args)  # the generator: no download
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    x = np.concatenate([data["x"], data["x_test"]]).astype(np.float64)
    y = np.concatenate([data["y"], data["y_test"]]).astype(np.int64)
    return x, y


def mnist1d(task: str = "classes", num_samples: int = 4000, n_train: int = 3200, seed: int = 0) -> Split:
    """MNIST-1D generated offline (40 inputs, 10 classes or parity), standardised."""
    x, y = _mnist1d_arrays(int(num_samples), 42 + int(seed))
    if task == "parity":
        y = y % 2
    elif task != "classes":
        raise DataError(f"unknown mnist1d task {task!r}; choose one of classes, parity")
    return _split(f"mnist1d-{task}", x, y, n_train, np.random.default_rng(seed))


def sloppy(decay: float, n_samples: int = 1500, n_train: int = 1000, input_dim: int = 200,
           n_classes: int = 5, hidden: int = 50, seed: int = 0) -> Split:
    r"""Sloppy Gaussian inputs (:math:`\lambda_k \propto e^{-c k}`) labelled by a random tanh teacher."""
    rng = np.random.default_rng(seed)
    lam = np.exp(-decay * np.arange(input_dim))
    lam *= input_dim / lam.sum()
    x = rng.normal(size=(n_samples, input_dim)) * np.sqrt(lam)
    W1 = rng.normal(size=(hidden, input_dim)) / np.sqrt(input_dim)
    W2 = rng.normal(size=(n_classes, hidden)) / np.sqrt(hidden)
    y = np.argmax(np.tanh(x @ W1.T) @ W2.T, axis=1).astype(np.int64)
    return Split(f"sloppy-c{decay:g}", x[:n_train], y[:n_train], x[n_train:], y[n_train:])
