"""The examples' expected findings: group orders against a brute-force oracle, classes by hand."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from simtool.inspect import inspect_module  # noqa: E402
from simtool.inspect.lattice import traced_lattice  # noqa: E402
from simtool.symbolic.group import SymmetryGroup  # noqa: E402
from simtool.symbolic.oracle import closure_of_group  # noqa: E402
from tests.inspection.brute_force import brute_force_order, units  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_residual_mlp():
    model = example("residual_mlp").ResidualMLP(d=2, width=3)
    ins = inspect_module(model)
    inp = units([("inp.weight", 0, 0), ("inp.bias", 0, 0), ("block.weight", 1, 0), ("out.weight", 1, 0)], 3)
    block = units([("block.weight", 0, 0), ("block.bias", 0, 0)], 3)
    # 48 · 48 candidates: independent relabellings of the two layers; the skip ties them
    assert brute_force_order(model, [inp, block], 2) == ins.group.order == math.factorial(3) * 2**3


def test_tied_autoencoder_never_permutes_inputs_or_outputs():
    model = example("tied_autoencoder").TiedAutoencoder(2, 3)
    ins = inspect_module(model)
    hidden = units([("enc.weight", 0, 0), ("enc.bias", 0, 0)], 3)
    coords = units([("enc.weight", 1, 0), ("dec_bias", 0, 0)], 2)
    assert brute_force_order(model, [hidden, coords], 2) == ins.group.order == 48
    assert "enc.weight" in ins.net.graph.tied_tensors


def test_two_branch_units_cross_branches():
    mod = example("two_branch")
    spec_a = [("a.weight", 0, 0), ("a.bias", 0, 0), ("head.weight", 1, 0)]
    spec_b = [("b.weight", 0, 0), ("b.bias", 0, 0), ("head.weight", 1, 2)]
    block = units(spec_a, 2) + units(spec_b, 2)
    same, mixed = mod.TwoBranch(), mod.TwoBranch(mixed=True)
    assert brute_force_order(same, [block], 1) == inspect_module(same).group.order == 384
    assert brute_force_order(mixed, [block], 1) == inspect_module(mixed).group.order == 16


def test_multi_head_outputs_are_labelled():
    model = example("multi_head").MultiHead()
    ins = inspect_module(model)
    trunk = units([("trunk.weight", 0, 0), ("trunk.bias", 0, 0), ("mean.weight", 1, 0),
                   ("log_scale.weight", 1, 0)], 3)
    heads = [[("mean.weight", 0, 0), ("mean.bias", 0, 0)], [("log_scale.weight", 0, 0), ("log_scale.bias", 0, 0)]]
    assert brute_force_order(model, [trunk, heads], 1) == ins.group.order == 48
    assert ins.net.output_labels == ("out0[1]", "out1[1]")


@pytest.mark.parametrize("name, make, elements, classes", [
    # S_2 ⋉ Z_2^2 on one hidden layer of width 2 (tanh): the TwoLayerNet lattice, 6 and 4
    ("tied_autoencoder", lambda m: m.TiedAutoencoder(2, 2), 6, 4),
    ("multi_head", lambda m: m.MultiHead(width=2), 6, 4),
    ("residual_mlp", lambda m: m.ResidualMLP(d=1, width=2), None, None),
    # units cross branches: the lattice of one tanh layer of width 4 (`simtool enumerate --width 4`)
    ("two_branch", lambda m: m.TwoBranch(), 116, 12),
])
def test_lattice_counts_match_the_brute_force_closure(name, make, elements, classes):
    ins = inspect_module(make(example(name)))
    lat = traced_lattice(ins.group)
    G = SymmetryGroup(ins.net, ins.group.generators, ins.group.evidence)
    oracle = closure_of_group(G)
    assert lat.count == len(oracle)
    assert {c.subspace for c in lat.classes} <= set(oracle)
    assert sum(c.orbit_size for c in lat.classes) == lat.count
    if elements is not None:
        assert (lat.count, len(lat.classes)) == (elements, classes)


def test_unsupported_example_is_rejected():
    from simtool.errors import ModelError

    with pytest.raises(ModelError, match=r"module 'conv' \(Conv1d\) is not supported; supported: nn.Linear"):
        inspect_module(example("unsupported_conv").ConvNet())


def test_traced_tangency_proves_fixed_spaces_and_refutes_a_look_alike():
    from simtool.inspect.tangency import traced_tangency
    from simtool.symbolic.subspace import Subspace

    ins = inspect_module(example("residual_mlp").ResidualMLP(d=1, width=2))
    lat = traced_lattice(ins.group)
    assert all(c.invariance.status == "proved" for c in lat.classes)
    assert all("exact tangency" in c.invariance.evidence for c in lat.classes if c.dim < ins.net.dim)
    net = ins.net
    look_alike = Subspace.from_equations(net.dim, [{net.index("out.weight_1_1"): 1}])   # {a_1 = 0}
    assert traced_tangency(net, look_alike).status == "refuted"


@pytest.mark.parametrize("name, make", [
    ("residual_mlp", lambda m: m.ResidualMLP()), ("tied_autoencoder", lambda m: m.TiedAutoencoder()),
    ("two_branch", lambda m: m.TwoBranch()), ("two_branch", lambda m: m.TwoBranch(mixed=True)),
    ("multi_head", lambda m: m.MultiHead()),
])
def test_every_reported_generator_preserves_the_module_output(name, make):
    import numpy as np

    from simtool.inspect.check import forward_agreement, generator_agreement
    from simtool.symbolic.architecture import Network
    from tests.tolerances import BATCH_VS_SINGLE

    model = make(example(name))
    ins = inspect_module(model)
    rng = np.random.default_rng(7)
    assert forward_agreement(model, ins.net, ins.theta, rng, tolerance=BATCH_VS_SINGLE).ok
    assert generator_agreement(model, ins.net, ins.group.generators, rng, tolerance=BATCH_VS_SINGLE).ok
    assert isinstance(ins.net, Network) and isinstance(ins.net.component(0), Network)


@pytest.mark.parametrize("name, make", [
    ("residual_mlp", lambda m: m.ResidualMLP()), ("tied_autoencoder", lambda m: m.TiedAutoencoder()),
    ("two_branch", lambda m: m.TwoBranch()), ("multi_head", lambda m: m.MultiHead()),
])
@pytest.mark.parametrize("reduce_twins", [True, False])
def test_fallback_gives_the_same_group_as_nauty_on_the_examples(name, make, reduce_twins):
    pytest.importorskip("pynauty")
    from simtool.inspect import trace_network
    from simtool.inspect.automorphism import automorphism_group, coloured_digraph

    net, _ = trace_network(make(example(name)))
    dg, _ = coloured_digraph(net.graph)
    a = automorphism_group(dg, "nauty", reduce_twins=reduce_twins)
    b = automorphism_group(dg, "python", reduce_twins=reduce_twins)
    assert a.order == b.order
    ga, gb = (derive_traced_group_with(net, backend) for backend in ("nauty", "python"))
    assert ga.order == gb.order
    Ga, Gb = (SymmetryGroup(net, g.generators, g.evidence) for g in (ga, gb))
    assert all(Gb.contains(g) for g in Ga.generators) and all(Ga.contains(g) for g in Gb.generators)


def derive_traced_group_with(net, backend):
    from simtool.inspect.group import derive_traced_group

    return derive_traced_group(net, backend=backend)
