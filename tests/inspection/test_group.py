"""The traced group: equal to the core's DeepNet group for plain MLPs; ties; verification."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from simtool.inspect import inspect_module, trace_network  # noqa: E402
from simtool.inspect.automorphism import automorphism_group, coloured_digraph  # noqa: E402
from simtool.inspect.check import generator_agreement  # noqa: E402
from simtool.inspect.group import derive_traced_group  # noqa: E402
from simtool.inspect.lattice import as_deepnet, traced_lattice, transport  # noqa: E402
from simtool.inspect.lift import lift_permutation  # noqa: E402
from simtool.symbolic.fix_closure import close_up_to_symmetry  # noqa: E402
from simtool.symbolic.group import SymmetryGroup, derive_group  # noqa: E402
from simtool.symbolic.reduction_general import reduce_subspace  # noqa: E402
from tests.tolerances import BATCH_VS_SINGLE  # noqa: E402


def mlp(widths, act=nn.Tanh, bias=True, out_bias=True):
    layers = []
    for a, b in zip(widths, widths[1:-1]):
        layers += [nn.Linear(a, b, bias=bias), act()]
    layers.append(nn.Linear(widths[-2], widths[-1], bias=out_bias))
    return nn.Sequential(*layers)


@pytest.mark.parametrize("widths, act, bias, out_bias", [
    ((2, 3, 2, 1), nn.Tanh, True, True),
    ((1, 2, 2, 1), nn.Sigmoid, True, False),
    ((1, 3, 1), nn.ReLU, False, True),
])
def test_plain_mlp_group_lattice_and_reductions_equal_the_deepnet_ones(widths, act, bias, out_bias):
    ins = inspect_module(mlp(widths, act, bias, out_bias))
    deep, phi = as_deepnet(ins.net)
    core = derive_group(deep)
    ours = SymmetryGroup(deep, tuple(transport(g, phi) for g in ins.group.generators), ins.group.evidence)
    assert ins.group.order == core.order == ours.order
    assert all(core.contains(g) for g in ours.generators) and all(ours.contains(g) for g in core.generators)
    lat = traced_lattice(ins.group)
    ref = close_up_to_symmetry(core)
    assert lat.count == ref.count and len(lat.classes) == len(ref.classes)
    ref_reductions = sorted((c.rep.dim, reduce_subspace(deep, c.rep.subspace()).narrow_widths) for c in ref.classes)
    ours_reductions = sorted((c.dim, c.reduced) for c in lat.classes)
    assert [d for d, _ in ours_reductions] == [d for d, _ in ref_reductions]
    assert sorted(r for _, r in ours_reductions) == sorted(
        "reduces to widths " + "-".join(map(str, (deep.input_dim, *w, 1))) for _, w in ref_reductions)


def test_even_activation_flips_only_the_input_side():
    ins = inspect_module(mlp((1, 2, 1), nn.Identity))  # identity is odd: a linear net
    assert ins.group.order == 8
    sq = inspect_module(mlp((1, 2, 1), nn.Tanh))
    assert sq.group.order == 8

    class Square(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc, self.out = nn.Linear(1, 2), nn.Linear(2, 1)

        def forward(self, x):
            return self.out(self.fc(x) ** 2)

    ins = inspect_module(Square())
    assert ins.group.order == 8
    flips = [g for g in ins.group.generators if g.label.startswith("flip")]
    assert flips and all("input side" in g.label for g in flips)
    out_cols = [ins.net.index("out.weight_1_1"), ins.net.index("out.weight_1_2")]
    assert all(flips[0].signs[i] == 1 for i in out_cols)


class SharedBranches(nn.Module):
    """One Linear applied twice, feeding a tanh and a sigmoid branch: only joint permutations lift."""

    def __init__(self, m=3):
        super().__init__()
        self.w = nn.Linear(1, m, bias=False)
        self.head = nn.Linear(2 * m, 1)

    def forward(self, x):
        return self.head(torch.cat([torch.tanh(self.w(x)), torch.sigmoid(self.w(x))], dim=-1))


def test_tie_breaking_candidates_are_rejected():
    net, _ = trace_network(SharedBranches())
    g = net.graph
    dg, hubs = coloured_digraph(g, ties=False)
    loose = automorphism_group(dg, "python")
    outcomes = [lift_permutation(g, hubs, gamma) for gamma in loose.generators]
    reasons = [why for elem, why in outcomes if elem is None]
    assert reasons and all("tied entry w.weight[" in r for r in reasons)
    group = derive_traced_group(net)           # with the tie gadget: joint permutations only
    assert group.order == 6 and not group.rejected


def test_every_generator_preserves_the_module_output():
    class Wide(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(3, 5), nn.Linear(5, 5)
            self.out = nn.Linear(5, 2)

        def forward(self, x):
            h = torch.tanh(self.a(x))
            return self.out(h + 0.5 * torch.sin(self.b(h)))

    model = Wide()
    ins = inspect_module(model)
    assert ins.net.dim > 40                     # the structural path with the integer spot check
    assert all("structural" in v.evidence and "spot check" in v.evidence for v in ins.group.verdicts)
    res = generator_agreement(model, ins.net, ins.group.generators, np.random.default_rng(1),
                              tolerance=BATCH_VS_SINGLE)
    assert res.ok, res
    assert ins.group.order == 120 * 32


def test_symbolic_verification_refutes_a_false_candidate():
    from simtool.inspect.automorphism import coloured_digraph
    from simtool.inspect.verify import Verifier
    from simtool.symbolic.symmetry import SignedPermutation

    ins = inspect_module(mlp((1, 2, 1), nn.Sigmoid))
    dg, _ = coloured_digraph(ins.net.graph)
    flip = SignedPermutation(tuple(range(ins.net.dim)),
                             tuple(-1 if n.endswith(("weight_1_1", "bias_1")) and not n.startswith("2.") or
                                   n == "2.weight_1_1" else 1 for n in ins.net.names))
    for mode in ("symbolic", "structural"):
        verdict = Verifier(ins.net, dg, mode=mode)(None, flip)
        assert verdict.status == "refuted", (mode, verdict)


def test_generator_agreement_detects_a_non_symmetry():
    from simtool.symbolic.symmetry import SignedPermutation

    model = mlp((1, 2, 1))
    net, _ = trace_network(model)
    perm = list(range(net.dim))
    perm[0], perm[1] = 1, 0                    # swaps two first-layer weights only
    bogus = SignedPermutation(tuple(perm), (1,) * net.dim)
    res = generator_agreement(model, net, [bogus], np.random.default_rng(0), tolerance=BATCH_VS_SINGLE)
    assert not res.ok


def test_flow_check_stays_on_a_sim_and_leaves_a_look_alike():
    from simtool.inspect.check import flow_stays
    from simtool.symbolic.subspace import Subspace

    model = mlp((1, 2, 1))
    ins = inspect_module(model)
    fix = next(c.subspace for c in traced_lattice(ins.group).classes if 0 < c.dim < ins.net.dim)
    rng = np.random.default_rng(3)
    assert flow_stays(model, ins.net, fix, rng).ok
    look_alike = Subspace.from_equations(ins.net.dim, [{ins.net.index("2.weight_1_1"): 1}])   # {a_1 = 0}
    assert not flow_stays(model, ins.net, look_alike, rng).ok
