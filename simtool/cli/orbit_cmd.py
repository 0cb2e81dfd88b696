"""``simtool orbit``: orbit dimension of the gradient-flow fields, conserved count, laws.

Float ranks of iterated Lie brackets of the fields ``∇_θ f(·, x)`` and of the endpoint
map of sample flows (math.md §6), with singular values, gaps and a confidence word;
with ``--laws`` the exact polynomial conservation laws, each proved and checked along
simulated gradient flows.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from ..errors import SimtoolError
from .preflight import network_from_args

DEFAULT_ACTIVATION = "tanh"
#: above this many parameters the default bracket depth is 2 (depth 3 costs ~D× more)
DEEP_BRACKETS_MAX_DIM = 60
#: above this many parameters the endpoint map is skipped unless --endpoint is given
#: (measured: ~340 s at D = 200 on the shared 2-core machine, vs ~5 s for the brackets)
ENDPOINT_MAX_DIM = 100


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name, help=summary,
        description="Estimate the dimension of the orbit of the gradient-flow fields ∇_θ f(·, x) "
        "through a point (a generic random point by default): the rank of iterated Lie brackets "
        "and the rank of the endpoint map of sample flows. Both are lower bounds on the orbit "
        "dimension; at a generic point D − rank bounds the number of independent conservation laws.",
        epilog="Parameter names: two-layer a1, w1, b1, … (w1_2 for d > 1), c; deep w{l}_{i}_{j}, "
        "b{l}_{i}, c. --at takes relations such as 'a3=0, w3_1=0, b3=pi/2, a1=a2' (names, rationals, "
        "pi, + - * /); the point is a random point of that affine subspace.")
    arch = p.add_mutually_exclusive_group(required=True)
    arch.add_argument("--width", metavar="N", help="two-layer net: number of hidden units m")
    arch.add_argument("--widths", metavar="N1,N2,…", help="deep net: hidden widths, e.g. 3,3")
    p.add_argument("--activation", default=DEFAULT_ACTIVATION, metavar="NAME|EXPR",
                   help=f"activation of every hidden layer (default: {DEFAULT_ACTIVATION})")
    p.add_argument("--input-dim", default="1", metavar="D", help="input dimension d (default: 1)")
    p.add_argument("--no-bias", action="store_true", help="no hidden biases")
    p.add_argument("--output-bias", action="store_true", help="add an output bias c")
    p.add_argument("--at", metavar="RELATIONS", help="evaluate at a random point satisfying these relations")
    p.add_argument("--depth", type=int, default=None, metavar="K",
                   help=f"longest Lie bracket (default 3, or 2 when D > {DEEP_BRACKETS_MAX_DIM})")
    p.add_argument("--rows", type=int, default=None, metavar="N", help="random input tuples per depth (default 2D+16)")
    p.add_argument("--flows", type=int, default=None, metavar="N", help="flows in the endpoint map (default D+8)")
    ep = p.add_mutually_exclusive_group()
    ep.add_argument("--no-endpoint", action="store_true", help="skip the endpoint-map rank")
    ep.add_argument("--endpoint", action="store_true",
                    help=f"compute the endpoint-map rank even when D > {ENDPOINT_MAX_DIM} (slow: minutes at D = 200)")
    p.add_argument("--x-scale", type=float, default=1.0, help="scale of the random inputs (default 1)")
    p.add_argument("--rank-tol", type=float, default=1e-9, help="relative singular-value threshold (default 1e-9)")
    p.add_argument("--laws", action="store_true",
                   help="also find the polynomial conservation laws exactly, prove them and check them "
                   "along simulated gradient flows")
    p.add_argument("--law-degree", type=int, default=2, metavar="K", help="degree of the law ansatz (default 2)")
    p.add_argument("--no-simulate", action="store_true", help="with --laws: skip the numeric drift check")
    p.add_argument("--seed", type=int, default=0, help="random seed of the point, inputs and flows (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def sample_point(net, at: str | None, seed: int):
    """``(θ (D,) float64 tensor, description, generic?)``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    if at is None:
        return torch.randn(net.dim, generator=gen, dtype=torch.float64), f"random generic point (seed {seed})", True
    from ..errors import SubspaceError
    from ..symbolic.relations import parse_relations

    try:
        S = parse_relations(net, at)
    except SubspaceError as exc:  # the parser is shared with `simtool subspace --where`
        raise SubspaceError(f"--at: {str(exc).replace(' in --where', '').replace('--where', '--at')}") from None
    basis = S.linear.basis()
    theta = torch.tensor([float(v) for v in S.offset], dtype=torch.float64)
    for vec in basis:
        theta += float(torch.randn(1, generator=gen, dtype=torch.float64)) * torch.tensor(
            [float(v) for v in vec], dtype=torch.float64)
    return theta, f"random point of {{{S.describe(net.names)}}} (dim {S.dim}, seed {seed})", False


def _validate(args) -> None:
    for name, v in (("--depth", args.depth), ("--rows", args.rows), ("--flows", args.flows)):
        if v is not None and v < 1:
            raise SimtoolError(f"{name} must be a positive integer, got {v}")
    if args.depth is not None and args.depth > 6:
        raise SimtoolError(f"--depth {args.depth}: brackets deeper than 6 are not supported")
    if not (math.isfinite(args.x_scale) and args.x_scale > 0):
        raise SimtoolError(f"--x-scale must be a positive finite number, got {args.x_scale}")
    if not (0 < args.rank_tol < 1):
        raise SimtoolError(f"--rank-tol must be in (0, 1), got {args.rank_tol}")
    if not 1 <= args.law_degree <= 4:
        raise SimtoolError(f"--law-degree must be 1..4, got {args.law_degree}")


def run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..numeric.orbit_summary import laws_summary, numeric_model, orbit_summary

    _validate(args)
    net = network_from_args(args, width_limit=100_000, input_dim_limit=10_000)
    model = numeric_model(net)
    theta, where, generic = sample_point(net, args.at, args.seed)
    depth = args.depth or (3 if net.dim <= DEEP_BRACKETS_MAX_DIM else 2)
    out = {"network": net.describe(), "point": where, "names": list(net.names), "theta": theta.tolist(),
           "seed": args.seed, "simtool_version": __version__}
    out.update(orbit_summary(model, theta, generic=generic, depth=depth, seed=args.seed, rows=args.rows,
                             flows=args.flows, scale=args.x_scale,
                             endpoint=args.endpoint or (not args.no_endpoint and net.dim <= ENDPOINT_MAX_DIM),
                             tol=args.rank_tol))
    if args.laws:
        out["laws"], _ = laws_summary(net, model, degree=args.law_degree, seed=args.seed,
                                      simulate=not args.no_simulate, conserved=out.get("conserved"))
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        from ..report.orbit_view import print_orbit

        print_orbit(out)
    return 0
