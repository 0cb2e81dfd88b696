"""``simtool simulate``: run gradient flow from given or sampled θ and save trajectories.

The output ``.npz`` holds ``times (T,)``, ``states (T, B, D)``, ``final (B, D)``,
``risk (T, B)``, ``status (B,)`` (codes) with ``status_names``, ``t_final``,
``n_steps``, the parameter ``names``, the data ``x``, ``y``, and ``config``: a JSON
string with every option, the seed and ``simtool.__version__``.
"""

from __future__ import annotations

import argparse

from .. import output
from ..errors import ArchitectureError, DataError
from .check_cmd import add_common_flow_options, build_problem, config_json


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name, help=summary,
        description="Integrate the gradient flow of a two-layer net from given initial "
        "parameters (--theta, --theta-file) or from random ones (optionally on a lattice element) "
        "and save the trajectories with their configuration.",
        epilog="Parameter names: a1, w1, b1, a2, … for d = 1; w1_1, w1_2, … for d > 1; c = output "
        "bias. Names left out of --theta are 0 (the command says which).",
    )
    add_common_flow_options(p)
    start = p.add_mutually_exclusive_group()
    start.add_argument("--theta", action="append", metavar="NAME=VALUE,...",
                       help="initial parameters, e.g. 'a1=0.5,w1=1,b1=0' (repeat for a batch)")
    start.add_argument("--theta-file", metavar="FILE.npy",
                       help="initial parameters: an array of shape (D,) or (B, D)")
    p.add_argument("--element", metavar="ID",
                   help="sample the initial θ on this lattice element (ids from `simtool enumerate`)")
    p.add_argument("--n-traj", type=int, default=16, metavar="N",
                   help="number of sampled trajectories (default: 16)")
    p.add_argument("--std", type=float, default=1.0, help="std of sampled coordinates (default 1)")
    p.add_argument("--n-save", type=int, default=101, metavar="T",
                   help="number of saved times in [0, t-max] (default: 101)")
    p.add_argument("--out", required=True, metavar="FILE.npz",
                   help="where to save the trajectories (an existing file only with --force)")
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of a table")
    p.set_defaults(run=run)


def parse_theta(text: str, net) -> list[float]:
    """``"a1=0.5,w1=1"`` → a full parameter vector (missing names are 0).

    >>> from simtool.symbolic.activation import get_activation
    >>> from simtool.symbolic.network import TwoLayerNet
    >>> parse_theta("a1=0.5, b1=-2", TwoLayerNet(1, get_activation("tanh")))
    [0.5, 0.0, -2.0]
    """
    import math

    out = [0.0] * net.dim
    seen: set[str] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise ArchitectureError(f"--theta entry {part!r} is not NAME=VALUE")
        if name in seen:
            raise ArchitectureError(f"--theta gives {name!r} twice")
        seen.add(name)
        try:
            v = float(value)
        except ValueError:
            raise ArchitectureError(f"--theta {name}={value.strip()!r}: not a number") from None
        if not math.isfinite(v):
            raise ArchitectureError(f"--theta {name}={value.strip()!r}: must be finite")
        out[net.index(name)] = v
    if not seen:
        raise ArchitectureError(f"--theta {text!r} gives no parameter")
    return out


def _initial(args, net, setup, lattice_element):
    import numpy as np
    import torch

    dev = setup.torch_device
    if args.theta:
        rows = [parse_theta(t, net) for t in args.theta]
        for i, t in enumerate(args.theta, start=1):
            given = {p.partition("=")[0].strip() for p in t.split(",") if p.strip()}
            missing = [n for n in net.names if n not in given]
            if missing:
                which = f" (θ #{i})" if len(args.theta) > 1 else ""
                output.warn(f"simtool simulate: note: parameters not given are 0{which}: "
                            f"{', '.join(missing)}")
        return torch.tensor(rows, dtype=torch.float64, device=dev), "given (--theta)"
    if args.theta_file:
        try:
            arr = np.load(args.theta_file, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise DataError(f"--theta-file {args.theta_file!r}: cannot read a .npy array ({exc})") from None
        arr = np.asarray(arr, dtype=np.float64) if arr.dtype.kind in "fiu" else None
        if arr is None:
            raise DataError(f"--theta-file {args.theta_file!r}: not a numeric array")
        if arr.ndim == 1:
            arr = arr[None]
        if arr.ndim != 2 or arr.shape[1] != net.dim or arr.shape[0] == 0:
            raise DataError(f"--theta-file {args.theta_file!r}: shape {arr.shape}; expected "
                            f"({net.dim},) or (B, {net.dim}) for {net.describe()}")
        if not np.isfinite(arr).all():
            raise DataError(f"--theta-file {args.theta_file!r}: contains NaN or inf")
        return torch.tensor(arr, device=dev), f"file {args.theta_file}"
    from ..numeric.check_geometry import FloatSubspace
    from ..symbolic.subspace import Subspace

    gen = torch.Generator().manual_seed(args.generator_seed)
    sub = lattice_element.subspace if lattice_element is not None else Subspace.whole(net.dim)
    theta = FloatSubspace(sub, device=dev).sample(int(args.n_traj), gen, std=float(args.std))
    where = f"sampled on {lattice_element.id}" if lattice_element is not None else "sampled"
    return theta, where


def run(args: argparse.Namespace) -> int:
    from .preflight import DATASET_NAMES, flow_preflight

    flow_preflight(args, command="simulate")  # every refusal decidable from argv: before torch
    import numpy as np

    from .. import __version__
    net, data, setup = build_problem(args)
    if args.data not in DATASET_NAMES:  # a file: its real size and dimension decide again
        flow_preflight(args, command="simulate", data_shape=(data.n_samples, data.input_dim))
    import dataclasses

    setup = dataclasses.replace(setup, n_save=int(args.n_save))
    element = None
    if args.element is not None:
        from ..symbolic.lattice import enumerate_lattice
        from ..symbolic.network import TwoLayerNet

        if isinstance(net, TwoLayerNet):
            lat = enumerate_lattice(net, prove=False)
        else:
            from ..symbolic.fixlattice import build_fix_lattice
            from .enumerate_cmd import MAX_DEEP_ELEMENTS
            lat = build_fix_lattice(net, prove=False, limit=MAX_DEEP_ELEMENTS)
        try:
            element = lat.element(args.element.strip())
        except KeyError:
            raise ArchitectureError(f"unknown element {args.element!r}; this lattice has "
                                    f"{lat.elements[0].id}..{lat.elements[-1].id}") from None
    theta0, origin = _initial(args, net, setup, element)
    from . import heartbeat

    heartbeat.status(f"integrating {int(theta0.shape[0])} trajectories")
    res = setup.run(theta0)
    risk = setup.risk(res.states).cpu().numpy()
    from ..numeric.flow import Status

    config = config_json(args, net, data, setup)
    config.update(command="simulate", start=origin, n_traj=int(theta0.shape[0]),
                  element=element.id if element is not None else None,
                  argv_options={k: v for k, v in vars(args).items() if k != "run"})
    with output.staged_file(args.out, option="--out") as tmp:
        np.savez(
            tmp,
            times=res.times.cpu().numpy(), states=res.states.cpu().numpy(),
            final=res.final.cpu().numpy(), risk=risk, status=res.status.cpu().numpy(),
            status_names=np.array([s.name.lower() for s in Status]),
            t_final=res.t_final.cpu().numpy(), n_steps=res.n_steps.cpu().numpy(),
            names=np.array(net.names), x=np.array(data.x), y=np.array(data.y),
            config=np.array(output.dumps(config)), seed=np.array(args.generator_seed),
            version=np.array(__version__),
        )
    counts = res.counts()
    summary = {"out": args.out, "n_traj": int(theta0.shape[0]), "start": origin,
               "status": {k: v for k, v in counts.items() if v},
               "risk_start_median": float(np.median(risk[0])),
               "risk_end_median": float(np.median(risk[-1])), "seed": args.seed,
               "generator_seed": args.generator_seed,
               "simtool_version": __version__}
    if element is not None:
        from ..numeric.check_geometry import FloatSubspace

        dist = FloatSubspace(element.subspace, device=setup.torch_device).distance(res.states)
        summary["max_dist_to_element"] = float(dist.max())
    if args.json:
        output.emit_json(summary)
    else:
        text = (f"simtool simulate: {net.describe()}; data {data.describe()}; {setup.integrator}, "
                f"t ∈ [0, {setup.t_max:g}]; {summary['n_traj']} trajectories ({origin})\n"
                f"status: {', '.join(f'{v} {k}' for k, v in summary['status'].items())}; "
                f"median risk {summary['risk_start_median']:.4g} → {summary['risk_end_median']:.4g}")
        if "max_dist_to_element" in summary:
            text += f"; max dist/‖θ‖ to {element.id}: {summary['max_dist_to_element']:.1e}"
        output.emit(text + f"\nsaved {args.out}")
    ok = bool(res.ok.all())
    return 0 if ok else 3
