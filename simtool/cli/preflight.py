"""Argument checks that run before any engine is imported (torch never, sympy late).

``check`` and ``simulate`` call :func:`flow_preflight` first thing; every refusal
it can decide from the arguments comes back in well under a second and allocates
nothing (tests check both).  ``enumerate`` and the flow commands share
:func:`lattice_preflight`, which refuses lattices, class lists and exact proofs too
large to finish, without computing astronomically large counts.

Reusable by any command::

    from .preflight import lattice_preflight, positive
    kind = lattice_preflight(width, act, unit_size, up_to_symmetry=..., proofs=...,
                             hint_elements="use --up-to-symmetry", hint_classes="...",
                             hint_proofs="use --no-proofs")
"""

from __future__ import annotations

import argparse
import math
import os

from .. import guards, output
from ..errors import ArchitectureError, DataError, SimtoolError

__all__ = ["INTEGRATOR_NAMES", "LOSS_NAMES", "DATASET_NAMES", "positive", "lattice_kind_of",
           "lattice_preflight", "flow_preflight", "add_budget_options", "add_quiet_force",
           "element_ids", "network_from_args"]

#: torch-free copies of the registries' names (``simtool.numeric.integrators.INTEGRATORS``,
#: ``...losses.LOSSES``, ``...data.DATASETS``; a test checks they agree), so that
#: ``--help`` and a bad ``--integrator`` never import torch
INTEGRATOR_NAMES = ("euler", "rk4", "dopri5", "radau", "gd", "sgd")
LOSS_NAMES = ("mse", "logistic", "huber")
DATASET_NAMES = ("teacher", "gaussian", "digits")
#: generators the derived symmetry group can have (swap, cycle, flip): memory upper bound
MAX_GENERATORS = 3
#: samples of the bundled digits set
DIGITS_SAMPLES, DIGITS_DIM = 1797, 64


def network_from_args(args: argparse.Namespace, *, width_limit: int, input_dim_limit: int):
    """The ``TwoLayerNet`` (``--width``) or ``DeepNet`` (``--widths``) of the shared
    architecture options (``--activation``, ``--input-dim``, ``--no-bias``,
    ``--output-bias``), with the command's limits on the width and the input dimension."""
    from ..symbolic.activation import get_activation
    from ..symbolic.network import TwoLayerNet, check_width

    act = get_activation(args.activation)
    d = check_width(args.input_dim, what="input dimension", limit=input_dim_limit)
    if args.widths is not None:
        from ..symbolic.deep import DeepNet, parse_widths

        return DeepNet(parse_widths(args.widths), act, d, bias=not args.no_bias, output_bias=args.output_bias)
    return TwoLayerNet(check_width(args.width, limit=width_limit), act, d, bias=not args.no_bias,
                       output_bias=args.output_bias)


def positive(name: str, value, *, integer: bool = False):
    """Validate a positive finite number from the command line (``None`` passes)."""
    if value is None:
        return None
    ok = value > 0 and math.isfinite(value) and (not integer or int(value) == value)
    if not ok:
        kind = "a positive integer" if integer else "a positive finite number"
        shown = guards.format_count(value) if isinstance(value, int) else repr(value)
        raise SimtoolError(f"{name} must be {kind}, got {shown}")
    return value


def add_budget_options(p: argparse.ArgumentParser, *, force: bool = True) -> None:
    """``--max-memory``, ``--quiet`` (and ``--force``) for a command that runs flows."""
    p.add_argument("--max-memory", metavar="SIZE", default=None,
                   help="memory budget of the run, e.g. 8G or 512M (default: $SIMTOOL_MAX_MEMORY, "
                   "else 4G or half the physical memory if less); larger estimates are refused")
    add_quiet_force(p, force=force)


def add_quiet_force(p: argparse.ArgumentParser, *, force: bool = True) -> None:
    """``--quiet`` (no heartbeat on stderr) and ``--force`` (overwrite outputs)."""
    p.add_argument("--quiet", action="store_true",
                   help="no heartbeat lines on stderr (printed when stderr is not a terminal)")
    if force:
        p.add_argument("--force", action="store_true", help="overwrite existing output files")


def lattice_kind_of(activation) -> str:
    """``odd``/``even``/``perm``: the group on the units, from σ's proved parity."""
    value = activation.parity.value
    return value if value in ("odd", "even") else "perm"


def lattice_preflight(width: int, activation, unit_size: int, *, up_to_symmetry: bool,
                      proofs: bool, hint_elements: str, hint_classes: str,
                      hint_proofs: str) -> tuple[str, int]:
    """Refuse what the lattice engine would refuse (or run for many minutes on); fast.

    Returns ``(kind, n)``: the group kind and the number of rows enumerated
    (elements, or classes when ``up_to_symmetry`` and the lattice itself is too large).
    """
    kind = lattice_kind_of(activation)
    if up_to_symmetry:
        try:
            n = guards.require_lattice_size(width, kind)
        except SimtoolError:
            n = guards.require_lattice_size(width, kind, classes=True, hint=hint_classes)
    else:
        n = guards.require_lattice_size(width, kind, hint=hint_elements)
    if proofs and activation.analytic:
        from ..symbolic.counting import count_classes

        guards.require_proof_work(width, count_classes(kind, width), unit_size=unit_size,
                                  hint=hint_proofs)
    return kind, int(n or 0)


def element_ids(args) -> list[str] | None:
    if getattr(args, "element", None) is None:
        return None
    given = args.element if isinstance(args.element, list) else [args.element]
    ids = [i.strip() for e in given for i in e.split(",") if i.strip()]
    if not ids:
        raise ArchitectureError(f"--element {given[0]!r} names no element; ids look like S0, S1, … "
                                "(see `simtool enumerate`)")
    return list(dict.fromkeys(ids))


def _bell(m: int) -> int:
    """Bell number B(m) (the smallest lattice of width m), by the Bell triangle.

    >>> [_bell(m) for m in range(1, 6)]
    [1, 2, 5, 15, 52]
    """
    row = [1]
    for _ in range(m - 1):
        new = [row[-1]]
        for v in row:
            new.append(new[-1] + v)
        row = new
    return row[-1]


def _known_ids(ids: list[str] | None, n_rows: int, *, up_to_symmetry: bool) -> None:
    """Element ids are ``S0 … S{n−1}`` (the lattice engine numbers them so)."""
    if ids is None or up_to_symmetry or n_rows < 1:
        return
    for i in ids:
        ok = len(i) > 1 and i[0] == "S" and i[1:].isdigit() and i[1:].isascii()
        if not ok or int(i[1:]) >= n_rows:
            raise ArchitectureError(f"unknown element {i!r}; this lattice has S0..S{n_rows - 1}")


def flow_preflight(args, *, command: str, data_shape: tuple[int, int] | None = None) -> dict:
    """Validate ``check``/``simulate`` arguments and refuse oversized runs; no torch.

    ``data_shape`` ``(n, d)``: the loaded data file's size (a second call once a file is
    read; before that its size is estimated from the file's bytes and ``--input-dim``).
    Sets ``args.threads`` (capped at the usable cores) and ``args.generator_seed``
    (:func:`simtool.guards.generator_seed`); returns the estimate's inputs (for tests).
    """
    widths = None
    if getattr(args, "widths", None) is not None:  # deep net: validated by the symbolic parser (sympy, no torch)
        from ..symbolic.deep import parse_widths

        widths = parse_widths(args.widths)
        width = max(widths)
    else:
        if getattr(args, "activations", None) is not None:
            raise SimtoolError("--activations needs --widths (a two-layer net has one activation)")
        width = guards.check_size(args.width, what="width", limit=guards.MAX_WIDTH)
    d = None if args.input_dim is None else guards.check_size(
        args.input_dim, what="input dimension", limit=guards.MAX_INPUT_DIM)
    n_traj = positive("--n-traj", args.n_traj, integer=True)
    for opt in ("n_samples", "threads"):
        positive("--" + opt.replace("_", "-"), getattr(args, opt), integer=True)
    for opt in ("t_max", "dt", "rtol", "atol"):
        positive("--" + opt.replace("_", "-"), getattr(args, opt))
    n_save = guards.CHECK_SAVES
    if command == "simulate":
        positive("--std", args.std)
        if args.n_save < 2:
            raise SimtoolError(f"--n-save must be at least 2, got {guards.format_count(args.n_save)}")
        n_save = args.n_save
    budget = guards.memory_budget(args.max_memory)
    args.generator_seed = guards.generator_seed(args.seed)
    ids = element_ids(args)
    if command == "check" and ids is not None and args.up_to_symmetry:
        raise SimtoolError("--up-to-symmetry checks one representative per class, which need not "
                           f"be {ids[0]}; give --element or --up-to-symmetry, not both")
    if command == "check":
        output.output_dir(args.plot, option="--plot", force=args.force,
                          patterns=("summary.png", "distance_*.png", "reduction_*.png"))
    else:
        output.output_file(args.out, option="--out", suffixes=(".npz",), force=args.force)
        if ids is not None and (args.theta or args.theta_file):
            raise SimtoolError("--element samples θ; it cannot be combined with --theta/--theta-file")
    # data: name or file, its size, its dimension
    data, n = str(args.data), args.n_samples
    if data in DATASET_NAMES:
        d_data = d if d is not None else (DIGITS_DIM if data == "digits" else 1)
        if data == "digits":
            if d_data > DIGITS_DIM:
                raise DataError(f"digits: --input-dim {d_data} exceeds the {DIGITS_DIM} pixels of the images")
            if n is not None and n > DIGITS_SAMPLES:
                raise DataError(f"digits: asked for {n} samples but only {DIGITS_SAMPLES} are available")
        n = n if n is not None else 32
    elif data.lower().endswith((".npz", ".csv")):
        if not os.path.isfile(data):
            raise DataError(f"data file {data!r} does not exist")
        d_data = d or 1
        n = n if n is not None else max(1, os.path.getsize(data) // (8 * (d_data + 1)))
        if data_shape is not None:
            n, d_data = data_shape
    else:
        raise DataError(f"unknown data set {data!r}; choose one of {', '.join(DATASET_NAMES)}, "
                        "or a .npz/.csv file")
    if args.integrator not in INTEGRATOR_NAMES:  # argparse checked; a defensive repeat
        raise SimtoolError(f"unknown integrator {args.integrator!r}")
    unit = 1 + d_data + (0 if args.no_bias else 1)
    dim = width * unit + (1 if args.output_bias else 0)
    if widths is not None:
        bias = 0 if args.no_bias else 1
        sizes = (d_data, *widths, 1)
        dim = sum(sizes[l] * (sizes[l - 1] + (bias if l < len(sizes) - 1 else 0))
                  for l in range(1, len(sizes))) + (1 if args.output_bias else 0)

    def require(n_el: int) -> tuple[int, int]:
        if command == "check":
            batch, group = guards.check_batch(n_traj, MAX_GENERATORS, args.stability)
            estimate = guards.flow_memory(
                batch=batch, dim=dim, n_save=n_save, n_samples=n, input_dim=d_data, width=width,
                integrator=args.integrator, subspaces=min(n_el, group) * (3 + MAX_GENERATORS),
                traces=n_el * n_traj * n_save * guards.TRACE_BYTES)
            helps = "lower --n-traj, --n-samples or --width, or check fewer elements (--element)"
        else:
            if args.theta:
                batch = len(args.theta)
            elif args.theta_file:
                size = os.path.getsize(args.theta_file) if os.path.isfile(args.theta_file) else 0
                batch = max(1, size // (8 * dim))
            else:
                batch = n_traj
            estimate = guards.flow_memory(
                batch=batch, dim=dim, n_save=n_save, n_samples=n, input_dim=d_data, width=width,
                integrator=args.integrator, subspaces=1 if ids is not None else 0)
            helps = "lower --n-traj, --n-save, --n-samples or --width"
        guards.require_memory(estimate, budget, what=f"this {command} run", helps=helps)
        return estimate, batch

    if widths is not None:  # deep: the lattice guards run on the built net (simtool.cli.enumerate_cmd)
        estimate, batch = require(len(ids) if ids is not None else (_bell(width) if command == "check" else 0))
        args.threads = guards.cap_threads(args.threads, lambda m: output.warn(f"simtool {command}: warning: {m}"))
        return {"width": width, "dim": dim, "batch": batch, "n_save": n_save, "n_samples": n,
                "estimate": estimate, "budget": budget}
    # first a bound that needs no σ (the smallest lattice: Bell numbers), then the exact one
    # (wider full lattices are refused by the lattice guard below, with their exact size)
    if ids is not None or width <= 9 or command == "simulate":
        require(len(ids) if ids is not None else (_bell(width) if command == "check" else 0))
    from ..symbolic.activation import get_activation  # sympy, never torch

    act = get_activation(args.activation)
    if command == "check":
        _, n_rows = lattice_preflight(
            width, act, unit, up_to_symmetry=args.up_to_symmetry, proofs=not args.no_proofs,
            hint_elements="use --up-to-symmetry, or a smaller --width",
            hint_classes="use a smaller --width",
            hint_proofs="use --no-proofs, or a smaller --input-dim or --width")
        _known_ids(ids, n_rows, up_to_symmetry=args.up_to_symmetry)
        estimate, batch = require(len(ids) if ids is not None else n_rows)
    else:
        if ids is not None:
            _, n_rows = lattice_preflight(
                width, act, unit, up_to_symmetry=False, proofs=False,
                hint_elements="sample without --element, or give θ with --theta",
                hint_classes="", hint_proofs="")
            _known_ids(ids, n_rows, up_to_symmetry=False)
        estimate, batch = require(0)
    args.threads = guards.cap_threads(args.threads, lambda m: output.warn(f"simtool {command}: warning: {m}"))
    return {"width": width, "dim": dim, "batch": batch, "n_save": n_save, "n_samples": n,
            "estimate": estimate, "budget": budget}
