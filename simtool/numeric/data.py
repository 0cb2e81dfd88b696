r"""Data sets for the gradient-flow checks: a registry plus user arrays.

The risk :math:`R(\theta) = \frac1n \sum_i \ell(f(\theta, x_i), y_i)` of math.md §2
needs inputs ``x`` of shape ``(n, d)`` and scalar targets ``y`` of shape ``(n,)``.
A SIM is invariant *for every data set*, so the checks take any of these:

``teacher``
    Gaussian inputs :math:`x \sim N(0, I_d)`, targets from a random teacher
    two-layer net of the same activation (width :data:`TEACHER_WIDTH`, all
    parameters :math:`N(0, 1)`).
``gaussian``
    Gaussian inputs, independent Gaussian targets (nothing to learn).
``digits``
    scikit-learn's bundled ``load_digits`` (8×8 images, no network access ever):
    a random subset of ``n`` images, projected on the top ``d`` principal components
    when ``d < 64`` and standardised; the target is the digit's parity, ``+1`` odd,
    ``-1`` even.
a file ``PATH.npz``
    arrays ``x`` (shape ``(n,)`` or ``(n, d)``) and ``y`` (shape ``(n,)`` or
    ``(n, 1)``).
a file ``PATH.csv``
    comma-separated numbers, one sample per line.  Without a header the last column
    is ``y`` and the others are ``x``; with a header, the columns named ``x…``
    (``x``, ``x1``, ``x_2``, …, in file order) are the inputs and the column ``y`` is
    the target.

Everything is float64 and seeded by an explicit :class:`numpy.random.Generator`
(never global state).  Invalid data raise :class:`~simtool.errors.DataError` quoting
the bad value.

Examples
--------
>>> import numpy as np
>>> ds = make_dataset("gaussian", n_samples=5, input_dim=2, rng=np.random.default_rng(0))
>>> ds.x.shape, ds.y.shape, ds.x.dtype
((5, 2), (5,), dtype('float64'))
>>> make_dataset("mnist", n_samples=5, input_dim=1, rng=np.random.default_rng(0))
Traceback (most recent call last):
...
simtool.errors.DataError: unknown data set 'mnist'; choose one of teacher, gaussian, digits, ...
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import DataError

__all__ = [
    "Dataset",
    "DataSource",
    "DATASETS",
    "TEACHER_WIDTH",
    "DEFAULT_SAMPLES",
    "make_dataset",
    "validate_arrays",
    "load_arrays",
]

#: hidden width of the random teacher network of the ``teacher`` data set
TEACHER_WIDTH = 2
#: number of samples when none is asked for (synthetic sets and ``digits``)
DEFAULT_SAMPLES = 32


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs ``x`` (n, d) and scalar targets ``y`` (n,), float64 and read-only.

    ``info`` records where the data came from (name, file, seed-relevant choices), so
    a report can state it.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def input_dim(self) -> int:
        return int(self.x.shape[1])

    def tensors(self, device: Any = "cpu"):
        """``(X, y)`` as float64 torch tensors on ``device`` (imports torch)."""
        import torch

        return (
            torch.tensor(self.x, dtype=torch.float64, device=device),
            torch.tensor(self.y, dtype=torch.float64, device=device),
        )

    def describe(self) -> str:
        return f"{self.name} (n = {self.n_samples}, d = {self.input_dim})"


@dataclass(frozen=True)
class DataSource:
    """A registry entry: ``make(n_samples, input_dim, rng, activation) -> Dataset``."""

    name: str
    summary: str
    make: Callable[..., Dataset]


def validate_arrays(
    x: Any, y: Any, *, input_dim: int | None = None, source: str = "data"
) -> tuple[np.ndarray, np.ndarray]:
    """Check and normalise user arrays: float64, ``x`` (n, d), ``y`` (n,), finite.

    >>> x, y = validate_arrays([1.0, 2.0], [[0.5], [1.5]])
    >>> x.shape, y.shape
    ((2, 1), (2,))
    >>> validate_arrays([[1.0], [float("nan")]], [0.0, 1.0])
    Traceback (most recent call last):
    ...
    simtool.errors.DataError: data: x has a non-finite value nan at row 2 (rows counted from 1)
    """
    for label, raw in (("x", x), ("y", y)):
        kind = np.asarray(raw).dtype.kind
        if kind == "c":
            raise DataError(f"{source}: {label} is complex; simtool needs real data (take .real or "
                            "split real and imaginary parts into columns)")
        if kind not in "biuf":
            raise DataError(f"{source}: {label} must be numeric, got dtype {np.asarray(raw).dtype}")
    try:
        xa = np.array(x, dtype=np.float64)
        ya = np.array(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{source}: arrays must be numeric ({exc})") from None
    if xa.ndim == 1:
        xa = xa[:, None]
    if xa.ndim != 2:
        raise DataError(f"{source}: x must have shape (n,) or (n, d), got {xa.shape}")
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if ya.ndim != 1:
        raise DataError(
            f"{source}: y must have shape (n,) or (n, 1) (scalar output), got {ya.shape}"
        )
    if xa.shape[0] == 0 or xa.shape[1] == 0:
        raise DataError(f"{source}: empty data set, x has shape {xa.shape}")
    if ya.shape[0] != xa.shape[0]:
        raise DataError(f"{source}: x has {xa.shape[0]} samples but y has {ya.shape[0]}")
    for label, arr in (("x", xa), ("y", ya)):
        bad = np.argwhere(~np.isfinite(arr))
        if bad.size:
            row = int(bad[0][0]) + 1  # rows counted from 1, like the lines of a file
            raise DataError(
                f"{source}: {label} has a non-finite value {arr[tuple(bad[0])]} at row {row} "
                "(rows counted from 1)"
            )
    if input_dim is not None and xa.shape[1] != input_dim:
        raise DataError(
            f"{source}: inputs have dimension {xa.shape[1]} but --input-dim is {input_dim}"
        )
    return _freeze(xa), _freeze(ya)


def _freeze(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=np.float64)
    a.setflags(write=False)
    return a


def _subset(x: np.ndarray, y: np.ndarray, n: int | None, rng: np.random.Generator, source: str):
    if n is None or n == x.shape[0]:
        return x, y
    if n > x.shape[0]:
        raise DataError(f"{source}: asked for {n} samples but only {x.shape[0]} are available")
    idx = np.sort(rng.choice(x.shape[0], size=n, replace=False))
    return x[idx], y[idx]


def _check_n(n: int | None) -> int:
    n = DEFAULT_SAMPLES if n is None else n
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise DataError(f"number of samples must be a positive integer, got {n!r}")
    return int(n)


def _check_d(d: int | None) -> int:
    d = 1 if d is None else d
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise DataError(f"input dimension must be a positive integer, got {d!r}")
    return int(d)


# -- synthetic sets -----------------------------------------------------------------
def _gaussian(n_samples, input_dim, rng, activation=None) -> Dataset:
    n, d = _check_n(n_samples), _check_d(input_dim)
    x = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    x, y = validate_arrays(x, y, source="gaussian")
    return Dataset("gaussian", x, y, MappingProxyType({"targets": "N(0, 1)"}))


def _sigma_numpy(activation) -> Callable[[np.ndarray], np.ndarray]:
    """σ as a float64 function on numpy arrays, through :mod:`simtool.bridge`."""
    import torch

    from ..bridge import torch_activation

    act = torch_activation(activation)

    def sigma(z: np.ndarray) -> np.ndarray:
        return act.sigma(torch.from_numpy(np.ascontiguousarray(z, dtype=np.float64))).numpy()

    return sigma


def _teacher(n_samples, input_dim, rng, activation=None) -> Dataset:
    n, d = _check_n(n_samples), _check_d(input_dim)
    if activation is None:
        from ..symbolic.activation import get_activation

        activation = get_activation("tanh")
    sigma = _sigma_numpy(activation)
    x = rng.standard_normal((n, d))
    a = rng.standard_normal(TEACHER_WIDTH)
    w = rng.standard_normal((TEACHER_WIDTH, d))
    b = rng.standard_normal(TEACHER_WIDTH)
    with np.errstate(all="ignore"):
        y = np.asarray(sigma(x @ w.T + b), dtype=np.float64) @ a
    x, y = validate_arrays(x, np.broadcast_to(y, (n,)), source=f"teacher ({activation.name})")
    info = {"teacher_width": TEACHER_WIDTH, "activation": activation.name}
    return Dataset("teacher", x, y, MappingProxyType(info))


def _digits(n_samples, input_dim, rng, activation=None) -> Dataset:
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - depends on the environment
        raise DataError(
            "data set 'digits' needs scikit-learn: pip install 'simtool[data]'"
        ) from None
    n = _check_n(n_samples)
    raw = load_digits()
    x_all = np.asarray(raw.data, dtype=np.float64)
    d_full = x_all.shape[1]
    d = d_full if input_dim is None else _check_d(input_dim)
    if d > d_full:
        raise DataError(f"digits: --input-dim {d} exceeds the {d_full} pixels of the images")
    y_all = np.where(np.asarray(raw.target) % 2 == 1, 1.0, -1.0)
    x, y = _subset(x_all, y_all, n, rng, "digits")
    x = x - x.mean(axis=0)
    if d < d_full:  # top-d principal components of the subset (exact SVD, deterministic)
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        signs = np.sign(vt[:d].sum(axis=1))
        signs[signs == 0] = 1.0
        x = x @ (vt[:d].T * signs)
    scale = x.std(axis=0)
    x = x / np.where(scale > 0, scale, 1.0)
    x, y = validate_arrays(x, y, source="digits")
    info = {"target": "parity (+1 odd, -1 even)", "pca": d < d_full}
    return Dataset("digits", x, y, MappingProxyType(info))


DATASETS: Mapping[str, DataSource] = MappingProxyType(
    {
        "teacher": DataSource(
            "teacher", "Gaussian inputs, targets from a random teacher net", _teacher
        ),
        "gaussian": DataSource("gaussian", "Gaussian inputs, Gaussian random targets", _gaussian),
        "digits": DataSource("digits", "scikit-learn digits (offline), parity target ±1", _digits),
    }
)


# -- files --------------------------------------------------------------------------
def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _load_csv(path: str) -> tuple[np.ndarray, np.ndarray]:
    with open(path, newline="", encoding="utf-8-sig") as fh:  # a UTF-8 byte-order mark is allowed
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        raise DataError(f"{path}: empty file")
    header = None
    if not all(_is_number(c) for c in rows[0]):
        header, rows = [c.strip() for c in rows[0]], rows[1:]
    if not rows:
        raise DataError(f"{path}: no data rows after the header")
    width = len(rows[0])
    for i, r in enumerate(rows):
        line = i + 1 + (header is not None)
        if len(r) != width:
            raise DataError(f"{path}: line {line} has {len(r)} columns, expected {width}")
        for c in r:
            if not _is_number(c):
                raise DataError(f"{path}: line {line}: {c.strip()!r} is not a number")
    table = np.array([[float(c) for c in r] for r in rows], dtype=np.float64)
    if header is None:
        if width < 2:
            raise DataError(f"{path}: need at least two columns (x…, y), got {width}")
        return table[:, :-1], table[:, -1]
    if len(header) != width:
        raise DataError(f"{path}: header has {len(header)} names but rows have {width} columns")
    xs = [i for i, h in enumerate(header) if h.lower().startswith("x")]
    ys = [i for i, h in enumerate(header) if h.lower() == "y"]
    other = [h for h in header if not (h.lower().startswith("x") or h.lower() == "y")]
    if len(ys) != 1 or not xs or other:
        raise DataError(
            f"{path}: header {','.join(header)!r} must name input columns x… and one column y"
        )
    return table[:, xs], table[:, ys[0]]


def load_arrays(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read raw ``(x, y)`` from a ``.npz`` (arrays ``x``, ``y``) or ``.csv`` file."""
    if not os.path.isfile(path):
        raise DataError(f"data file {path!r} does not exist")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                missing = [k for k in ("x", "y") if k not in z.files]
                if missing:
                    raise DataError(
                        f"{path}: needs arrays 'x' and 'y', found {', '.join(z.files) or 'none'}"
                    )
                return np.asarray(z["x"]), np.asarray(z["y"])
        except (OSError, ValueError) as exc:
            raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    if ext == ".csv":
        try:
            return _load_csv(path)
        except UnicodeDecodeError:
            raise DataError(f"{path}: not a text .csv file") from None
    raise DataError(f"data file {path!r} must end in .npz or .csv")


def make_dataset(
    spec: str,
    *,
    n_samples: int | None = None,
    input_dim: int | None = None,
    rng: np.random.Generator,
    activation=None,
    binary: bool = False,
) -> Dataset:
    """Build the data set named ``spec`` (a registry name or a ``.npz``/``.csv`` path).

    Parameters
    ----------
    spec : str
        A name in :data:`DATASETS` or a path to a ``.npz``/``.csv`` file.
    n_samples : int, optional
        Number of samples; a random subset for files and ``digits`` (all rows of a
        file when omitted), :data:`DEFAULT_SAMPLES` for synthetic sets.
    input_dim : int, optional
        Input dimension ``d``.  Synthetic sets default to 1; ``digits`` to 64
        (fewer: principal components); for files it must match the file when given.
    rng : numpy.random.Generator
        The only source of randomness.
    activation : Activation, optional
        The teacher's activation (``teacher`` only; default tanh).
    binary : bool
        Replace the targets of the synthetic sets (``teacher``, ``gaussian``) by
        their signs ``±1`` (for the ``logistic`` loss).  ``digits`` is already ``±1``;
        file targets are never changed.

    >>> ds = make_dataset("gaussian", n_samples=4, rng=np.random.default_rng(1), binary=True)
    >>> sorted(set(ds.y.tolist())) <= [-1.0, 1.0]
    True
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    name = str(spec)
    if name in DATASETS:
        ds = DATASETS[name].make(n_samples, input_dim, rng, activation)
        if binary and name in ("teacher", "gaussian"):
            y = _freeze(np.where(ds.y > 0, 1.0, -1.0))
            ds = Dataset(ds.name, ds.x, y, MappingProxyType({**ds.info, "targets": "sign, ±1"}))
        return ds
    if name.lower().endswith((".npz", ".csv")):
        x, y = load_arrays(name)
        x, y = validate_arrays(x, y, input_dim=input_dim, source=name)
        if n_samples is not None:
            x, y = _subset(x, y, _check_n(n_samples), rng, name)
        x, y = _freeze(x), _freeze(y)
        return Dataset(
            os.path.basename(name), x, y, MappingProxyType({"file": os.path.abspath(name)})
        )
    raise DataError(
        f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}, or a .npz/.csv file"
    )
