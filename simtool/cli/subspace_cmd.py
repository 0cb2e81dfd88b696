"""``simtool subspace``: is the subspace cut out by ``--where`` invariant? Symmetry-induced?

The answer is exact: invariant (proved by tangency) or not invariant (an exact point
of ``S`` and an input where the normal component of ``∇f`` is provably non-zero), and
for an invariant ``S`` whether it is ``Fix(H)`` for a subgroup ``H`` of the complete
signed-permutation group.  ``--simulate`` adds a float64 gradient-flow run (evidence
only); torch is imported only then.
"""

from __future__ import annotations

import argparse

from .. import output
from ..errors import ArchitectureError
from .preflight import network_from_args

DEFAULT_ACTIVATION = "tanh"

EPILOG = """\
Relations: parameter names (a1, w1, b1, …, w1_2 for d > 1, c; w{l}_{i}_{j}, b{l}_{i} for --widths),
rational numbers, pi, + - * /, separated by commas:  "w1=w2, b1=b2, a1=-a2",  "a1 + a2 = 2*a3",
"w1 = 0, b1 = pi/2".  Anything else is refused (exit status 2).

Exit status: 0 decided (invariant or not); 3 undecided; 2 invalid input.
"""


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name, help=summary, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Decide exactly whether the (linear or affine) subspace given by --where is invariant "
        "under every gradient flow, and whether it is symmetry-induced relative to the complete "
        "signed-permutation symmetry group of the network.")
    arch = p.add_mutually_exclusive_group(required=True)
    arch.add_argument("--width", metavar="N", help="two-layer net with N hidden units")
    arch.add_argument("--widths", metavar="N1,N2,…", help="deep net with these hidden widths")
    p.add_argument("--activation", default=DEFAULT_ACTIVATION, metavar="NAME|EXPR",
                   help=f"registry name or an expression in z (default: {DEFAULT_ACTIVATION})")
    p.add_argument("--input-dim", default="1", metavar="D", help="input dimension d (default: 1)")
    p.add_argument("--no-bias", action="store_true", help="hidden units without biases")
    p.add_argument("--output-bias", action="store_true", help="add an output bias c")
    p.add_argument("--where", required=True, metavar="RELATIONS", help="e.g. 'a1=0, w1=0, b1=0'")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--simulate", action="store_true", help="add a float64 gradient-flow confirmation")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulation (default: 0)")
    p.set_defaults(run=run)


def _simulate(net, S, seed: int) -> dict:
    import numpy as np
    import torch

    from ..numeric.affine_check import check_affine_stays
    from ..numeric.check_setup import FlowSetup
    from ..numeric.data import make_dataset
    from ..symbolic.network import TwoLayerNet

    if not isinstance(net, TwoLayerNet):
        raise ArchitectureError("--simulate supports two-layer nets (--width) only so far")
    data = make_dataset("teacher", n_samples=32, input_dim=net.input_dim, rng=np.random.default_rng(seed))
    setup = FlowSetup(net, data.x, data.y, t_max=1.0)
    res = check_affine_stays(setup, S.linear, [float(v) for v in S.offset], n_traj=16,
                             generator=torch.Generator().manual_seed(seed))
    return {"verdict": res.verdict, "reason": res.reason, "figures": dict(res.figures),
            "setup": "teacher data (32 samples), mse, rk4, t_max = 1, 16 trajectories, seed "
            f"{seed}; floating point: evidence, not proof"}


def run(args: argparse.Namespace) -> int:
    from ..symbolic.affine_tangency import decide_tangency
    from ..symbolic.complete_group import complete_group
    from ..symbolic.induced import symmetry_induced
    from ..symbolic.relations import parse_relations
    from ..verdict import PROVED, REFUTED

    net = network_from_args(args, width_limit=64, input_dim_limit=64)
    S = parse_relations(net, args.where)
    verdict = decide_tangency(net, S)
    group = complete_group(net)
    out: dict = {
        "network": net.describe(), "where": args.where, "subspace": S.describe(net.names, ascii=True),
        "dim": S.dim, "ambient": S.ambient, "affine": not S.is_linear,
        "invariant": {PROVED: True, REFUTED: False}.get(verdict.status), "invariance": verdict.as_dict(),
        "group": {"name": group.relative_to, "order": group.order, "method": group.method,
                  "continuous": None if group.continuous is None else group.continuous.describe(),
                  "continuum_note": group.continuum_note},
    }
    if verdict.status == PROVED:
        out["symmetry"] = symmetry_induced(group, S).as_dict(net.names)
    if args.simulate:
        out["simulation"] = _simulate(net, S, args.seed)
    if args.json:
        output.emit_json(out)
    else:
        _print(out)
    return 0 if verdict.status in (PROVED, REFUTED) else 3


def _print(out: dict) -> None:
    from rich.markup import escape

    con = output.console(soft_wrap=True, highlight=False)
    kind = "affine" if out["affine"] else "linear"
    con.print(f"[bold]{escape(out['network'])}[/bold]")
    con.print(f"S: {escape(out['subspace'])}  ({kind}, dimension {out['dim']} of {out['ambient']})")
    inv = out["invariance"]
    word = {True: "[green]invariant[/green]", False: "[red]not invariant[/red]"}.get(out["invariant"],
                                                                                     "[yellow]undecided[/yellow]")
    con.print(f"{word} ({inv['status']}): {escape(inv['evidence'])}")
    ce = inv.get("counterexample")
    if ce:
        theta = ", ".join(f"{k} = {v}" for k, v in ce["theta"].items())
        xs = ", ".join(f"{k} = {v}" for k, v in ce["x"].items())
        con.print(f"  counterexample: θ = ({escape(theta)}), {escape(xs)}")
    if "symmetry" in out:
        con.print(escape(out["symmetry"]["text"]))
    g = out["group"]
    con.print(f"group: {escape(g['name'])}, order {g['order']:,}; {escape(g['method'])}")
    if g["continuum_note"]:
        con.print(f"[bold]note[/bold]: {escape(g['continuum_note'])}")
    if "simulation" in out:
        sim = out["simulation"]
        con.print(f"simulation ({escape(sim['setup'])}): {sim['verdict']}: {escape(sim['reason'])}")
