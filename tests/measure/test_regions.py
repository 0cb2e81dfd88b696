"""Linear regions, churn, forgetting and loss-curve measures."""

from __future__ import annotations

import numpy as np

from simtool.measure import (
    completion_step,
    count_pattern_changes,
    crossings_one_layer,
    forgetting_events,
    pattern_churn,
    plateau_fraction,
    prediction_flips,
    segment_points,
    time_to_fraction,
)


def test_sampled_regions_match_exact_one_layer_count():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(12, 3)), rng.normal(size=12)
    for _ in range(20):
        x0, x1 = rng.normal(size=3), rng.normal(size=3)
        pts = segment_points(x0, x1, 20_001)
        sampled = count_pattern_changes((pts @ W.T + b) > 0)
        assert sampled == crossings_one_layer(W, b, x0, x1)


def test_segment_endpoints_and_batch():
    x0, x1 = np.zeros((2, 3)), np.ones((2, 3))
    pts = segment_points(x0, x1, 5)
    assert pts.shape == (2, 5, 3) and pts[0, 0].tolist() == [0, 0, 0] and pts[1, -1].tolist() == [1, 1, 1]


def test_churn_forgetting_flips_hand_cases():
    assert pattern_churn(np.zeros((2, 2), bool), np.eye(2, dtype=bool)) == 0.5
    correct = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1], [0, 0, 1]], dtype=bool)
    assert forgetting_events(correct).tolist() == [2, 1, 0]
    assert prediction_flips(np.array([1, 2]), np.array([1, 2])) == 0.0


def test_loss_curve_measures():
    steps = np.array([0, 1, 10, 100, 1000])
    loss = np.array([2.0, 1.0, 0.5, 0.499, 0.0])
    # target 2 - 0.9 * 2 = 0.2: first reached at the last step
    assert time_to_fraction(steps, loss, q=0.9) == 1000
    assert time_to_fraction(steps, loss, q=0.5) == 1
    assert plateau_fraction(loss, rel=0.01) == 0.25
    assert completion_step(steps, [0.3, 0.2, 0.1, 0.05], tol=0.01) is None


def test_measure_imports_neither_rich_nor_torch():
    import subprocess
    import sys

    code = "import sys, simtool.measure; print('rich' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
