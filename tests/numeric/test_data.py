"""Data-set registry and validation of user data (simtool.numeric.data)."""

from __future__ import annotations

import numpy as np
import pytest

from simtool.errors import DataError
from simtool.numeric.data import DATASETS, make_dataset, validate_arrays
from tests.tolerances import KERNEL_VS_ORACLE


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_registry_shapes_dtype_and_determinism(name):
    a = make_dataset(name, n_samples=7, input_dim=2, rng=rng(1))
    b = make_dataset(name, n_samples=7, input_dim=2, rng=rng(1))
    assert a.x.shape == (7, 2) and a.y.shape == (7,)
    assert a.x.dtype == np.float64 and a.y.dtype == np.float64
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert np.isfinite(a.x).all() and np.isfinite(a.y).all()
    assert not a.x.flags.writeable
    c = make_dataset(name, n_samples=7, input_dim=2, rng=rng(2))
    assert not np.array_equal(a.x, c.x)


def test_teacher_uses_activation():
    from simtool.symbolic.activation import get_activation

    t = make_dataset(
        "teacher", n_samples=50, input_dim=1, rng=rng(), activation=get_activation("sin")
    )
    assert t.info["activation"] == "sin"
    assert np.abs(t.y).max() > 0


def test_digits_parity_and_pca():
    d = make_dataset("digits", n_samples=40, input_dim=3, rng=rng())
    assert set(np.unique(d.y)) <= {-1.0, 1.0}
    assert np.allclose(d.x.mean(axis=0), 0, atol=KERNEL_VS_ORACLE)
    assert np.allclose(d.x.std(axis=0), 1)
    full = make_dataset("digits", n_samples=10, rng=rng())
    assert full.input_dim == 64
    with pytest.raises(DataError, match="65"):
        make_dataset("digits", n_samples=10, input_dim=65, rng=rng())
    with pytest.raises(DataError, match="5000"):
        make_dataset("digits", n_samples=5000, rng=rng())


def test_unknown_name_lists_choices():
    with pytest.raises(DataError, match=r"unknown data set 'cifar'.*teacher, gaussian, digits"):
        make_dataset("cifar", rng=rng())


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        ([[1.0], [np.nan]], [0.0, 1.0], "non-finite value nan"),
        ([[1.0], [2.0]], [0.0, np.inf], "y has a non-finite value inf"),
        ([[1.0], [2.0]], [0.0, 1.0, 2.0], "2 samples but y has 3"),
        (np.zeros((0, 2)), np.zeros(0), "empty"),
        (np.zeros((2, 2, 2)), np.zeros(2), r"shape \(n,\) or \(n, d\)"),
        (np.zeros((2, 1)), np.zeros((2, 2)), "scalar output"),
        ([["a"], ["b"]], [0.0, 1.0], "numeric"),
    ],
)
def test_validation_errors(x, y, match):
    with pytest.raises(DataError, match=match):
        validate_arrays(x, y)


def test_input_dim_mismatch():
    with pytest.raises(DataError, match="dimension 2 but --input-dim is 3"):
        validate_arrays(np.zeros((4, 2)), np.zeros(4), input_dim=3)


def test_npz_roundtrip_and_errors(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, x=np.arange(6.0).reshape(3, 2), y=np.array([1.0, 2.0, 3.0]))
    ds = make_dataset(str(p), input_dim=2, rng=rng())
    assert ds.x.shape == (3, 2) and ds.y.tolist() == [1.0, 2.0, 3.0]
    assert make_dataset(str(p), n_samples=2, rng=rng()).n_samples == 2
    with pytest.raises(DataError, match="--input-dim is 1"):
        make_dataset(str(p), input_dim=1, rng=rng())
    q = tmp_path / "bad.npz"
    np.savez(q, inputs=np.zeros(3))
    with pytest.raises(DataError, match="needs arrays 'x' and 'y', found inputs"):
        make_dataset(str(q), rng=rng())
    with pytest.raises(DataError, match="does not exist"):
        make_dataset(str(tmp_path / "nope.npz"), rng=rng())
    r = tmp_path / "nan.npz"
    np.savez(r, x=np.array([1.0, np.nan]), y=np.zeros(2))
    with pytest.raises(DataError, match="non-finite"):
        make_dataset(str(r), rng=rng())


def test_csv_plain_and_header(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("1,2,3\n4,5,6\n")
    ds = make_dataset(str(p), rng=rng())
    assert ds.x.tolist() == [[1, 2], [4, 5]] and ds.y.tolist() == [3, 6]
    h = tmp_path / "header.csv"
    h.write_text("y,x1,x2\n3,1,2\n6,4,5\n")
    dh = make_dataset(str(h), rng=rng())
    assert dh.x.tolist() == [[1, 2], [4, 5]] and dh.y.tolist() == [3, 6]
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,oops\n")
    with pytest.raises(DataError, match="'oops' is not a number"):
        make_dataset(str(bad), rng=rng())
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("1,2\n3\n")
    with pytest.raises(DataError, match="line 2 has 1 columns"):
        make_dataset(str(ragged), rng=rng())
    hdr = tmp_path / "hdr.csv"
    hdr.write_text("u,v\n1,2\n")
    with pytest.raises(DataError, match="header 'u,v'"):
        make_dataset(str(hdr), rng=rng())
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty file"):
        make_dataset(str(empty), rng=rng())
    with pytest.raises(DataError, match=r"unknown data set .*x\.txt.*or a \.npz/\.csv file"):
        make_dataset(str(tmp_path / "x.txt"), rng=rng())


def test_bad_counts():
    with pytest.raises(DataError, match="positive integer, got 0"):
        make_dataset("gaussian", n_samples=0, rng=rng())
    with pytest.raises(DataError, match="input dimension must be a positive integer"):
        make_dataset("gaussian", input_dim=-1, rng=rng())
