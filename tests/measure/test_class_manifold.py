"""Class-manifold measurements against hand-computed cases and brute-force oracles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simtool.measure import (
    centroid_distance,
    gyration_radius,
    inversion_epoch,
    normalise_rows,
    overlap_zscore,
    straggler_set,
)
from tests.tolerances import MEASURE_ROUNDOFF


def test_radius_is_scale_invariant_per_row():
    rng = np.random.default_rng(0)
    H = rng.normal(size=(20, 5))
    labels = np.arange(20) % 2
    scaled = H * rng.uniform(0.1, 10.0, size=(20, 1))
    assert abs(gyration_radius(H, labels, 1) - gyration_radius(scaled, labels, 1)) < MEASURE_ROUNDOFF


def test_radius_and_distance_oracle():
    rng = np.random.default_rng(1)
    H = rng.normal(size=(3, 12, 4))  # leading batch axis
    labels = rng.integers(0, 2, size=12)
    R = gyration_radius(H, labels, 0)
    D = centroid_distance(H, labels)
    for b in range(3):
        rows = [h / np.linalg.norm(h) for h, lab in zip(H[b], labels) if lab == 0]
        others = [h / np.linalg.norm(h) for h, lab in zip(H[b], labels) if lab == 1]
        mu = sum(rows) / len(rows)
        assert abs(R[b] - np.sqrt(sum(np.sum((r - mu) ** 2) for r in rows) / len(rows))) < MEASURE_ROUNDOFF
        assert abs(D[b] - np.linalg.norm(mu - sum(others) / len(others))) < MEASURE_ROUNDOFF


def test_two_antipodal_classes():
    H = np.array([[2.0, 0.0], [5.0, 0.0], [-1.0, 0.0]])
    labels = np.array([0, 0, 1])
    assert gyration_radius(H, labels, 0) == 0.0
    assert centroid_distance(H, labels) == 2.0


def test_empty_class_refused():
    with pytest.raises(ValueError, match="class 1"):
        gyration_radius(np.ones((2, 2)), np.array([0, 0]), 1)


def test_zero_rows_stay_zero():
    assert normalise_rows(np.zeros((1, 3))).tolist() == [[0.0, 0.0, 0.0]]


def test_inversion_epoch_respects_burn_in():
    R = np.array([3.0, 2.0, 2.5, 1.0, 0.5, 0.6, 0.7])
    assert inversion_epoch(R, burn_in=0) == 1
    assert inversion_epoch(R, burn_in=2) == 4
    assert inversion_epoch(R[:5], burn_in=2) is None
    # rising at the burn-in is not an inversion
    assert inversion_epoch(np.array([1.0, 2.0, 3.0, 4.0]), burn_in=1) is None


def test_mask_equals_subset():
    rng = np.random.default_rng(5)
    H = rng.normal(size=(3, 16, 4))
    labels = rng.integers(0, 2, size=16)
    mask = rng.uniform(size=(3, 16)) < 0.7
    mask[:, :2] = True
    labels[:2] = [0, 1]
    R = gyration_radius(H, labels, 1, mask=mask)
    D = centroid_distance(H, labels, mask=mask)
    for b in range(3):
        k = mask[b]
        assert abs(R[b] - gyration_radius(H[b, k], labels[k], 1)) < MEASURE_ROUNDOFF
        assert abs(D[b] - centroid_distance(H[b, k], labels[k])) < MEASURE_ROUNDOFF


def test_stragglers():
    assert straggler_set(np.array([True, False, True, False])).tolist() == [1, 3]


def test_overlap_zscore_matches_enumeration():
    n, A, B = 7, [0, 1, 2], [2, 3, 4, 5]
    # brute force: the overlap of A with every 4-subset of 7 points, equally likely
    overlaps = np.array([len(set(A) & set(s)) for s in itertools.combinations(range(n), len(B))])
    s = overlap_zscore(A, B, n)
    assert abs(s.expected - overlaps.mean()) < MEASURE_ROUNDOFF
    assert abs(s.std - overlaps.std()) < MEASURE_ROUNDOFF
    assert abs(s.p_value - np.mean(overlaps >= s.overlap)) < MEASURE_ROUNDOFF
    assert abs(s.z - (1 - overlaps.mean()) / overlaps.std()) < MEASURE_ROUNDOFF
