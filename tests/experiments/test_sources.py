"""Offline data of the experiments: shapes, tasks, no global-RNG side effects."""

from __future__ import annotations

import random

import numpy as np
import pytest

from simtool.errors import DataError
from simtool.studies import sources
from tests.tolerances import SAMPLE_VARIANCE_REL


def test_digits_tasks():
    s = sources.digits("classes", n_train=1000, seed=0)
    p = sources.digits("parity", n_train=1000, seed=0)
    assert s.x_train.shape == (1000, 64) and s.n_classes == 10 and p.n_classes == 2
    assert np.array_equal(p.y_train, s.y_train % 2)
    assert np.allclose(s.x_train.mean(axis=0), 0.0, atol=1e-12)
    with pytest.raises(DataError, match="unknown digits task 'odd'"):
        sources.digits("odd")


def test_mnist1d_is_generated_and_leaves_global_rngs_alone():
    np.random.seed(123)
    random.seed(456)
    expected_np, expected_py = np.random.random(), random.random()
    np.random.seed(123)
    random.seed(456)
    s = sources.mnist1d("parity", num_samples=500, n_train=400, seed=0)
    assert s.x_train.shape == (400, 40) and set(np.unique(s.y_train)) == {0, 1}
    assert np.random.random() == expected_np and random.random() == expected_py


def test_sloppy_spectrum_and_teacher_labels():
    s = sources.sloppy(0.5, n_samples=4000, n_train=3000, input_dim=20, n_classes=5, seed=0)
    lam = np.exp(-0.5 * np.arange(20))
    lam *= 20 / lam.sum()
    var = s.x_train.var(axis=0)
    assert np.all(np.abs(var / lam - 1.0) < SAMPLE_VARIANCE_REL)
    assert s.n_classes == 5
