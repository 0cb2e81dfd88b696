"""``simtool check``: confirm the lattice of SIMs by batched gradient-flow simulation.

torch and the numeric engine are imported inside :func:`run` only, after
:func:`~simtool.cli.preflight.flow_preflight` has checked every argument (the
integrator and loss names come from torch-free copies of the registries), so
``--help`` and every refusal decidable from argv never import torch.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import output
from ..errors import ArchitectureError, SimtoolError
from . import heartbeat, interrupt
from .preflight import (
    DATASET_NAMES,
    INTEGRATOR_NAMES,
    LOSS_NAMES,
    add_budget_options,
    element_ids,
    flow_preflight,
)

DEFAULT_ACTIVATION = "tanh"
DEFAULT_DATA = "teacher"

EPILOG = """\
For every selected lattice element the checks of docs/math.md §8 run on batches of
trajectories: stays (started on the SIM and its symmetric images, the flow stays on it to
round-off), control (started on a non-invariant look-alike, it leaves), reduces (the wide
trajectory equals the lifted narrow metric flow, and the naive Euclidean flow does not),
equiv (φ_t(gθ) = gφ_t(θ)), risk (R never rises). --stability adds a start ε off the SIM.

Exit status: 0 every check confirmed (or not applicable); 1 some check violated;
3 nothing violated but some check inconclusive (e.g. trajectories diverged or barely
moved); 2 invalid input.
"""


def add_common_flow_options(p: argparse.ArgumentParser) -> None:
    """Network, data, loss and integrator options shared by ``check`` and ``simulate``."""
    integrators, losses = INTEGRATOR_NAMES, LOSS_NAMES
    arch = p.add_mutually_exclusive_group(required=True)
    arch.add_argument("--width", metavar="N", help="two-layer net: number of hidden units m (≥ 1)")
    arch.add_argument("--widths", metavar="N1,N2,…", help="deep fully-connected net with these hidden widths")
    p.add_argument("--activation", default=DEFAULT_ACTIVATION, metavar="NAME|EXPR",
                   help=f"registry name or an expression in z (default: {DEFAULT_ACTIVATION})")
    p.add_argument("--activations", metavar="NAME,NAME,…",
                   help="with --widths: one activation per hidden layer")
    p.add_argument("--input-dim", default=None, metavar="D",
                   help="input dimension d (default: 1 for synthetic data, the file's for files, "
                   "64 for digits; fewer for digits = principal components)")
    p.add_argument("--no-bias", action="store_true", help="hidden units without biases b_k")
    p.add_argument("--output-bias", action="store_true", help="add an output bias c")
    p.add_argument("--loss", default="mse", choices=losses, metavar="NAME",
                   help="per-sample loss: %(choices)s (default: mse)")
    p.add_argument("--data", default=DEFAULT_DATA, metavar="NAME|FILE",
                   help="data set: teacher, gaussian, digits (the registry of "
                   "simtool.numeric.data), or a .npz (arrays x, y) / .csv (last column y, or a "
                   "header x…,y) file (default: teacher)")
    p.add_argument("--n-samples", type=int, default=None, metavar="N",
                   help="number of samples (default: 32 for synthetic sets and digits, all rows "
                   "of a file)")
    p.add_argument("--t-max", type=float, default=1.0, metavar="T",
                   help="final time of the flow (default: 1)")
    p.add_argument("--integrator", default="rk4", choices=integrators, metavar="NAME",
                   help="integrator: %(choices)s (default: rk4)")
    p.add_argument("--dt", type=float, default=None,
                   help="step size (fixed-step, gd/sgd learning rate; default t-max/50) or the "
                   "initial step of adaptive integrators")
    p.add_argument("--rtol", type=float, default=1e-10, help="adaptive integrators (default 1e-10)")
    p.add_argument("--atol", type=float, default=1e-12, help="adaptive integrators (default 1e-12)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="default: cpu")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch CPU threads (default: 1; the batched problems are small and extra "
                   "threads mostly add synchronisation)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of data and initial conditions: any integer (reduced mod 2**63)")
    add_budget_options(p)


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name, help=summary, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Confirm by float64 gradient-flow simulation that each symmetry-induced "
        "subspace of a two-layer net is invariant, that look-alikes are not, and that the flow "
        "on a SIM is the narrow net's metric flow.",
    )
    add_common_flow_options(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--element", action="append", metavar="ID",
                       help="check this lattice element (repeatable; ids from `simtool enumerate`)")
    which.add_argument("--all", action="store_true", help="check every element (the default)")
    p.add_argument("--up-to-symmetry", action="store_true",
                   help="check one representative per symmetry class")
    p.add_argument("--n-traj", type=int, default=256, metavar="N",
                   help="trajectories per check (default: 256)")
    p.add_argument("--stability", action="store_true",
                   help="also start ε off each SIM and report attraction or repulsion")
    p.add_argument("--no-proofs", action="store_true", help="skip the exact tangency proofs")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--plot", metavar="DIR", help="write PNG figures into DIR")
    p.set_defaults(run=run)


def build_problem(args):
    """Network, data set and :class:`FlowSetup` from the shared options.

    Call :func:`~simtool.cli.preflight.flow_preflight` first (it validates the
    options, caps ``--threads`` and sets ``args.generator_seed``).
    """
    import numpy as np
    import torch

    from ..numeric.check_setup import FlowSetup
    from ..numeric.data import make_dataset
    from ..symbolic.activation import get_activation
    from ..symbolic.network import TwoLayerNet, check_width

    if args.widths is None:
        if args.activations is not None:
            raise ArchitectureError("--activations needs --widths (a two-layer net has one activation)")
        width = check_width(args.width, limit=10_000)
    act = get_activation(args.activation)
    d = None if args.input_dim is None else check_width(args.input_dim, what="input dimension",
                                                        limit=10_000)
    if args.threads:
        torch.set_num_threads(int(args.threads))
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SimtoolError("--device cuda requested but CUDA is not available here "
                           "(torch.cuda.is_available() is False); use --device cpu")
    rng = np.random.default_rng(args.generator_seed)
    data = make_dataset(args.data, n_samples=args.n_samples, input_dim=d, rng=rng, activation=act,
                        binary=args.loss == "logistic")
    if args.widths is not None:
        from .enumerate_cmd import _build_deep

        net = _build_deep(argparse.Namespace(**{**vars(args), "input_dim": str(data.input_dim)}))
    else:
        net = TwoLayerNet(width, act, data.input_dim, bias=not args.no_bias, output_bias=args.output_bias)
    if net.dim > 100_000:
        raise ArchitectureError(f"{net.dim} parameters is too many for batched simulation")
    setup = FlowSetup(net, data.x, data.y, loss=args.loss, integrator=args.integrator,
                      t_max=args.t_max, dt=args.dt, rtol=args.rtol, atol=args.atol,
                      device=args.device, seed=args.generator_seed)
    return net, data, setup


def group_of(lat) -> tuple[tuple, str]:
    """``(generators, name)`` of a two-layer ``Lattice`` or a generic ``FixLattice``."""
    from ..symbolic.fixlattice import FixLattice

    if isinstance(lat, FixLattice):
        return lat.group.generators, f"of order {lat.group.order:,} ({lat.group.relative_to})"
    return lat.symmetries.generators, lat.symmetries.group_name


def _select(args, net):
    """The lattice and the elements to check."""
    from ..errors import TooLargeError
    from ..symbolic.lattice import LatticeElement, enumerate_classes, enumerate_lattice
    from ..symbolic.network import TwoLayerNet

    if not isinstance(net, TwoLayerNet):
        from ..symbolic.fixlattice import build_fix_lattice
        from .enumerate_cmd import MAX_DEEP_ELEMENTS
        prove = not args.no_proofs and all(a.analytic for a in net.activations)
        lat = build_fix_lattice(net, prove=prove, limit=MAX_DEEP_ELEMENTS)
        return lat, _chosen(args, lat)
    prove = not args.no_proofs and net.activation.analytic
    try:
        lat = enumerate_lattice(net, prove=prove)
    except TooLargeError:
        if not args.up_to_symmetry:
            raise
        lat = enumerate_classes(net, prove=prove)
        return lat, [LatticeElement(c.id, lat, c.representative, c.id) for c in lat.classes]
    return lat, _chosen(args, lat)


def _chosen(args, lat) -> list:
    if args.element:
        ids = element_ids(args)
        known = {e.id for e in lat.elements}
        bad = [i for i in ids if i not in known]
        if bad:
            raise ArchitectureError(f"unknown element {bad[0]!r}; this lattice has "
                                    f"{lat.elements[0].id}..{lat.elements[-1].id}")
        return [lat.element(i) for i in dict.fromkeys(ids)]
    if args.up_to_symmetry:
        return list(lat.representatives())
    return list(lat.elements)


def _progress(enabled: bool, total: int):
    from contextlib import nullcontext

    if not enabled:
        return nullcontext(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=output.console(stderr=True), transient=True)


def config_json(args, net, data, setup) -> dict:
    from .. import __version__

    network = {"widths": list(net.layer_widths[1:-1]), "activations": [a.name for a in net.activations],
               "input_dim": net.input_dim, "bias": net.bias, "output_bias": net.output_bias, "dim": net.dim}
    from ..symbolic.network import TwoLayerNet

    if isinstance(net, TwoLayerNet):  # two-layer keys keep their meaning
        network.update(width=net.width, activation=net.activation.name)
    return {
        "simtool_version": __version__,
        "seed": args.seed,
        "generator_seed": args.generator_seed,
        "network": network,
        "data": {"name": data.name, "n_samples": data.n_samples, "input_dim": data.input_dim,
                 **{k: v for k, v in data.info.items() if isinstance(v, (str, int, float, bool))}},
        "flow": setup.describe(),
    }


def run(args: argparse.Namespace) -> int:
    flow_preflight(args, command="check")  # every refusal decidable from argv: before torch

    from ..numeric.checks import check_elements, exit_status

    net, data, setup = build_problem(args)
    if args.data not in DATASET_NAMES:  # a file: its real size and dimension decide again
        flow_preflight(args, command="check", data_shape=(data.n_samples, data.input_dim))
    lat, elements = _select(args, net)
    gens, group_name = group_of(lat)
    reports: list = []
    interrupted = False
    show = not args.json and not args.quiet and sys.stderr is not None and sys.stderr.isatty()
    try:
        with interrupt.catchable(), _progress(show, len(elements)) as bar:
            task = bar.add_task("check", total=len(elements)) if bar is not None else None
            heartbeat.status(f"0/{len(elements)} elements checked")
            for chunk, reps in check_elements(setup, elements, symmetries=gens,
                                              n_traj=args.n_traj, seed=args.generator_seed,
                                              stability=args.stability):
                reports.extend(reps)
                heartbeat.status(f"{len(reports)}/{len(elements)} elements checked")
                if bar is not None:
                    bar.advance(task, len(chunk))
    except KeyboardInterrupt:  # write what was checked, then exit 130
        interrupted = True
    status = interrupt.EXIT_INTERRUPTED if interrupted else exit_status(reports)
    plots: list[str] = []
    if args.plot is not None and reports:
        from ..report.check_plots import write_check_plots

        with output.staged_dir(args.plot, option="--plot") as tmp:
            plots = [os.path.join(args.plot, os.path.relpath(p, tmp)) for p in write_check_plots(reports, tmp)]
    config = config_json(args, net, data, setup)
    config["n_traj"] = args.n_traj
    config["group"] = group_name
    config["generators"] = [g.label for g in gens]
    if args.json:
        from ..report.check_view import check_json

        doc = check_json(reports, config=config, exit_status=status)
        if interrupted:
            doc["interrupted"] = True
            doc["elements_requested"] = len(elements)
        if plots:
            doc["plots"] = plots
        output.emit_json(doc)
    else:
        from ..report.check_view import print_check_report

        con = output.console(width=None if sys.stdout.isatty() else 200, soft_wrap=False)
        header = (f"simtool check: {net.describe()} (D = {net.dim}); data {data.describe()}; "
                  f"loss {setup.loss}; {setup.integrator} {setup.step_text()}, t ∈ [0, {setup.t_max:g}]; "
                  f"{args.n_traj} trajectories per check; symmetry group {group_name}; "
                  f"seed {args.seed}")
        print_check_report(reports, header=header, console=con, exit_status=status)
        if interrupted:
            con.print(f"interrupted after {len(reports)} of {len(elements)} element(s)", highlight=False)
        if plots:
            con.print(f"wrote {len(plots)} figure(s) into {args.plot}", highlight=False)
    if interrupted:
        sys.stdout.flush()
        return interrupt.report()
    return status
