"""Numerical checks of math.md §8 (simtool.numeric.checks) on tanh width 3."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from simtool.errors import SimtoolError
from simtool.numeric.check_geometry import (
    FloatSubspace,
    apply_signed_permutation,
    describe_equations,
    lookalike_candidates,
)
from simtool.numeric.checks import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    VIOLATED,
    CheckResult,
    FlowBatch,
    FlowSetup,
    check_control,
    check_element,
    check_elements,
    check_equivariance,
    check_reduces,
    check_risk,
    check_stability,
    check_stays,
    exit_status,
)
from simtool.numeric.data import make_dataset
from simtool.symbolic.activation import get_activation
from simtool.symbolic.lattice import enumerate_lattice
from simtool.symbolic.network import TwoLayerNet
from simtool.symbolic.reduction_general import reduce_subspace
from simtool.symbolic.subspace import Subspace
from simtool.symbolic.symmetry import SignedPermutation
from simtool.testing import lattice_elements
from tests.tolerances import CONTROL_GROWTH, KERNEL_VS_ORACLE, REASSOCIATION, ROUNDOFF_REL, ULP_LEVEL

N = 8


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # small batched problems: extra threads only add synchronisation on loaded machines
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="module")
def net():
    return TwoLayerNet(3, get_activation("tanh"))


@pytest.fixture(scope="module")
def lat(net):
    return enumerate_lattice(net)


@pytest.fixture(scope="module")
def setup(net):
    data = make_dataset("teacher", n_samples=16, rng=np.random.default_rng(0), activation=net.activation)
    return FlowSetup(net, data.x, data.y, t_max=1.0)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def a1_zero(net):
    return Subspace.from_equations(net.dim, [{net.a_index(1): 1}])


def test_stays_confirmed_on_condensation_and_its_images(setup, lat):
    el = lat.element("S1")
    assert el.description == "units 1,2 condensed"
    res = check_stays(setup, el.subspace, n_traj=N, generator=gen(), symmetries=lat.symmetries.generators)
    assert res.verdict == CONFIRMED, res.reason
    assert res.figures["max_dist"] <= res.figures["tol"] <= ROUNDOFF_REL
    assert res.figures["movement"] > 1e-3
    assert res.figures["n_ok"] == N + N * len(lat.symmetries.generators)


def test_stays_violated_on_rank_drop_trap(setup, net):
    # {a_1 = 0}: ∂f/∂w_1 vanishes there but ∂f/∂a_1 does not (math.md §2 trap)
    res = check_stays(setup, a1_zero(net), n_traj=N, generator=gen())
    assert res.verdict == VIOLATED
    assert res.figures["max_dist"] > 1e6 * res.figures["tol"]


def test_control_a1_zero_leaves(setup, net):
    res = check_control(setup, a1_zero(net), n_traj=N, generator=gen(), label="hyperplane")
    assert res.verdict == CONFIRMED, res.reason
    assert res.figures["growth"] >= CONTROL_GROWTH
    assert res.figures["lookalike"] == "a1 = 0"
    assert "left as predicted" in res.reason


def test_control_on_a_sim_does_not_pass_silently(setup, lat):
    res = check_control(setup, lat.element("S1").subspace, n_traj=N, generator=gen())
    assert res.verdict == INCONCLUSIVE
    assert "did not leave" in res.reason


def _red(setup, el):
    return reduce_subspace(setup.net, el.subspace)


def test_reduces_metric_flow_matches_naive_does_not(setup, lat):
    el = lat.element("S10")  # units 1,2,3 condensed: metric (3, 1/3, 1/3)
    res = check_reduces(setup, _red(setup, el), n_traj=N, generator=gen())
    assert res.verdict == CONFIRMED, res.reason
    f = res.figures
    assert f["metric_err"] <= f["tol"]
    assert f["naive_err"] > 1e3 * max(f["metric_err"], 1e-15)
    assert f["merged_block"] is True
    assert res.traces["metric_err"].shape == (setup.n_save, N)


def test_reduces_with_adaptive_integrator_is_at_integrator_accuracy(setup, lat):
    adaptive = dataclasses.replace(setup, integrator="dopri5", dt=None, rtol=1e-9, atol=1e-12)
    res = check_reduces(adaptive, _red(setup, lat.element("S1")), n_traj=N, generator=gen())
    assert res.verdict == CONFIRMED, res.reason
    assert res.figures["metric_err"] < 1e-6 < res.figures["naive_err"]


@dataclasses.dataclass(frozen=True)
class _Altered:
    """A reduction with one of its parts replaced (the check must notice)."""

    red: object
    metric_matrix: tuple = ()
    fiber: tuple = ()

    subspace = property(lambda self: self.red.subspace)
    narrow = property(lambda self: self.red.narrow)
    project = property(lambda self: self.red.project)
    frozen = property(lambda self: self.red.frozen)


def test_reduces_detects_a_wrong_metric(setup, lat):
    red = _red(setup, lat.element("S1"))
    n = len(red.metric_matrix)
    eye = tuple(tuple(Fraction(int(i == j)) for j in range(n)) for i in range(n))
    res = check_reduces(setup, _Altered(red, eye, red.fiber), n_traj=N, generator=gen())
    assert res.verdict == VIOLATED and "metric flow does not reproduce" in res.reason


def test_reduces_detects_a_quantity_that_is_not_conserved(setup, lat):
    red = _red(setup, lat.element("S1"))
    a1 = tuple(Fraction(int(i == 0)) for i in range(setup.net.dim))  # a1 moves on S1
    res = check_reduces(setup, _Altered(red, red.metric_matrix, (a1,)), n_traj=N, generator=gen())
    assert res.verdict == VIOLATED and "not conserved" in res.reason


def test_reduces_trivial_cases(setup, lat):
    assert check_reduces(setup, _red(setup, lat.top), n_traj=N, generator=gen()).verdict == NOT_APPLICABLE
    assert check_reduces(setup, _red(setup, lat.bottom), n_traj=N, generator=gen()).verdict == NOT_APPLICABLE
    zero = check_reduces(setup, _red(setup, lat.element("S7")), n_traj=N, generator=gen())
    assert zero.verdict == CONFIRMED and "no merged block" in zero.reason


def test_equivariance_confirmed_and_fake_symmetry_violated(setup, lat, net):
    res = check_equivariance(setup, lat.symmetries.generators, n_traj=N, generator=gen())
    assert res.verdict == CONFIRMED, res.reason
    assert res.figures["max_err"] <= res.figures["tol"]
    # swapping a1 and w1 is not a symmetry of f
    perm = list(range(net.dim))
    perm[0], perm[1] = 1, 0
    fake = SignedPermutation(tuple(perm), (1,) * net.dim, "swap a1,w1")
    bad = check_equivariance(setup, [fake], n_traj=N, generator=gen())
    assert bad.verdict == VIOLATED and "swap a1,w1" in bad.reason


def test_risk_monotone_and_large_gd_step_not_confirmed(setup):
    assert check_risk(setup, n_traj=N, generator=gen()).verdict == CONFIRMED
    data = make_dataset("teacher", n_samples=16, rng=np.random.default_rng(3))
    huge = FlowSetup(setup.net, data.x, 10 * data.y, integrator="gd", dt=3.0, t_max=30.0)
    res = check_risk(huge, n_traj=N, generator=gen())
    assert res.verdict in (INCONCLUSIVE, VIOLATED)


def test_stability_is_informational(setup, lat):
    res = check_stability(setup, lat.element("S1").subspace, n_traj=N, generator=gen())
    assert res.verdict == NOT_APPLICABLE
    assert res.figures["behaviour"] in ("attracts", "repels", "neutral")
    assert check_stability(setup, lat.top.subspace, n_traj=N, generator=gen()).verdict == NOT_APPLICABLE


def test_check_element_rows(setup, lat):
    g = lat.symmetries.generators
    top = check_element(setup, lat.top, symmetries=g, n_traj=N, seed=0)
    assert [r.verdict for r in top.results] == [NOT_APPLICABLE] * 3 + [CONFIRMED] * 2
    assert top.verdict == CONFIRMED
    bottom = check_element(setup, lat.bottom, symmetries=g, n_traj=N, seed=0)
    assert bottom.result("stays").verdict == CONFIRMED and "origin" in bottom.result("stays").reason
    d = bottom.as_dict()
    assert set(d) >= {"id", "dim", "description", "proof", "verdict", "checks"}
    assert d["checks"]["stays"]["figures"]["max_dist"] == 0.0


def test_check_elements_batches_and_exit_status(setup, lat):
    reps = lat.representatives()
    chunks = list(check_elements(setup, reps, symmetries=lat.symmetries.generators, n_traj=4,
                                 seed=0, rows_per_batch=100))
    assert len(chunks) > 1
    reports = [r for _, rs in chunks for r in rs]
    assert [r.id for r in reports] == [e.id for e in reps]
    assert all(r.verdict == CONFIRMED for r in reports), [r.as_dict() for r in reports]
    assert exit_status(reports) == 0


def test_exit_status_ordering():
    def rep(*verdicts):
        from simtool.numeric.checks import ElementReport

        return ElementReport("S0", "", 1, "C0", "proved",
                             tuple(CheckResult("stays", v, "") for v in verdicts))

    assert exit_status([rep(CONFIRMED, NOT_APPLICABLE)]) == 0
    assert exit_status([rep(CONFIRMED), rep(INCONCLUSIVE)]) == 3
    assert exit_status([rep(INCONCLUSIVE), rep(VIOLATED)]) == 1
    with pytest.raises(ValueError):
        CheckResult("stays", "passed", "")


def test_flow_batch_equals_separate_runs(setup, lat):
    red = _red(setup, lat.element("S1"))
    th = torch.randn(5, setup.net.dim, generator=gen(1), dtype=torch.float64)
    tn = torch.randn(3, red.narrow.dim, generator=gen(2), dtype=torch.float64)
    metric = torch.tensor([float(m) for m in red.metric], dtype=torch.float64)
    batch = FlowBatch(setup)
    h1 = batch.add(th)
    h2 = batch.add(tn, net=red.narrow, metric=metric)
    h3 = batch.add(th[:2])
    batch.run()
    assert torch.allclose(h1().states, setup.run(th).states, rtol=0, atol=REASSOCIATION)
    assert torch.allclose(h2().states, setup.run(tn, net=red.narrow, metric=metric).states, rtol=0,
                          atol=REASSOCIATION)
    assert torch.allclose(h3().states, h1().states[:, :2], rtol=0, atol=REASSOCIATION)


def test_frozen_coordinates_stay_put(setup, net):
    th = torch.randn(2, net.dim, generator=gen(), dtype=torch.float64)
    batch = FlowBatch(setup)
    h = batch.add(th, frozen=(1, 2))
    batch.run()
    assert torch.equal(h().states[:, :, 1:3], th[None, :, 1:3].expand(setup.n_save, 2, 2))


def test_cuda_unavailable_is_a_clear_error(net):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(SimtoolError, match="CUDA is not available"):
        FlowSetup(net, np.zeros((2, 1)), np.zeros(2), device="cuda")


def test_setup_validation(net):
    with pytest.raises(SimtoolError, match="unknown integrator"):
        FlowSetup(net, np.zeros((2, 1)), np.zeros(2), integrator="leapfrog")
    with pytest.raises(SimtoolError, match="t_max"):
        FlowSetup(net, np.zeros((2, 1)), np.zeros(2), t_max=-1.0)
    with pytest.raises(SimtoolError, match="unknown loss"):
        FlowSetup(net, np.zeros((2, 1)), np.zeros(2), loss="hinge")


def test_geometry_helpers(net):
    s = FloatSubspace(Subspace.from_equations(net.dim, [{0: 1, 3: -1}, {1: 1, 4: 1}]))
    p = s.sample(6, gen())
    assert float(s.distance(p).max()) <= ULP_LEVEL
    v = s.random_normal(6, gen())
    assert torch.allclose(torch.linalg.vector_norm(v, dim=1), torch.ones(6, dtype=torch.float64))
    assert float((p * v).sum(1).abs().max()) < KERNEL_VS_ORACLE
    g = SignedPermutation((3, 4, 5, 0, 1, 2, 6, 7, 8), (1,) * 9, "swap 1,2")
    img = s.image(g)
    assert float(img.distance(apply_signed_permutation(g, p)).max()) <= ULP_LEVEL
    assert describe_equations(net, s.subspace) == "a1 = a2, w1 = −w2"
    cands = dict(lookalike_candidates(net, s.subspace))
    assert describe_equations(net, cands["partial"]) == "w1 = −w2"
    assert describe_equations(net, cands["output weights only"]) == "a1 = a2"
    assert describe_equations(net, cands["hyperplane"]) == "a1 = 0"


# -- properties and sweeps -----------------------------------------------------------
_LATTICES: dict = {}


def _lattice(act: str, width: int):
    key = (act, width)
    if key not in _LATTICES:
        net = TwoLayerNet(width, get_activation(act))
        data = make_dataset("gaussian", n_samples=8, rng=np.random.default_rng(width))
        _LATTICES[key] = (enumerate_lattice(net), FlowSetup(net, data.x, data.y, t_max=0.5))
    return _LATTICES[key]


@settings(max_examples=12, deadline=None)
@given(act=st.sampled_from(["tanh", "sin", "cos", "sigmoid", "softplus"]), width=st.integers(2, 3),
       data=st.data(), seed=st.integers(0, 2**16))
def test_property_every_sim_stays_and_flow_is_equivariant(act, width, data, seed):
    lat, setup = _lattice(act, width)
    el = data.draw(lattice_elements(lat.net))
    rep = check_element(setup, el, symmetries=lat.symmetries.generators, n_traj=3, seed=seed)
    assert rep.result("stays").verdict in (CONFIRMED, NOT_APPLICABLE), rep.as_dict()
    assert rep.result("equivariance").verdict == CONFIRMED, rep.as_dict()
    assert rep.result("risk").verdict == CONFIRMED, rep.as_dict()
    assert rep.result("reduces").verdict in (CONFIRMED, NOT_APPLICABLE), rep.as_dict()


@pytest.mark.slow
@pytest.mark.parametrize("act", ["tanh", "sin", "cos", "sigmoid", "gelu", "z + z**3/3"])
@pytest.mark.parametrize("width", [2, 3, 4])
def test_sweep_all_elements_confirmed_with_dopri5(act, width):
    net = TwoLayerNet(width, get_activation(act))
    data = make_dataset("teacher", n_samples=24, rng=np.random.default_rng(width),
                        activation=net.activation)
    setup = FlowSetup(net, data.x, data.y, t_max=1.0, integrator="dopri5", rtol=1e-9, atol=1e-12)
    lat = enumerate_lattice(net)
    reports = [r for _, rs in check_elements(setup, lat.elements,
                                             symmetries=lat.symmetries.generators, n_traj=16,
                                             seed=0) for r in rs]
    bad = [r.as_dict() for r in reports if r.verdict != CONFIRMED]
    assert not bad, bad
