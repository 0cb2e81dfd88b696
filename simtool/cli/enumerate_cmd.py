"""``simtool enumerate``: symmetries, the lattice of SIMs, proofs, Hasse diagram.

Imports only the symbolic engine (sympy, networkx) and rich: never torch.
"""

from __future__ import annotations

import argparse

from .. import guards, output
from ..errors import ArchitectureError, ProofError
from .preflight import add_quiet_force, lattice_kind_of, lattice_preflight

DEFAULT_ACTIVATION = "tanh"
#: exact counts are O(m²) big-integer operations; beyond this width they take seconds
MAX_COUNT_WIDTH = guards.MAX_COUNT_WIDTH
HASSE_SUFFIXES = (".dot", ".gv", ".svg", ".png")

OEIS = {
    "perm": "Bell numbers, OEIS A000110",
    "odd": "Dowling numbers, OEIS A007405",
    "even": "computed (no sign symmetry on a; brute-force checked for small m)",
}
OEIS_CLASSES = {
    "perm": "partitions p(m), OEIS A000041",
    "odd": "Σ_{k≤m} p(k), OEIS A000070",
    "even": "Σ_j p(j)p(m−j), OEIS A000712",
}


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name,
        help=summary,
        description="Derive the symmetries of a two-layer network f = Σ_k a_k σ(w_k·x + b_k) "
        "from its activation, verify them symbolically, enumerate the lattice of symmetry-induced "
        "invariant manifolds Fix(H) and prove each invariant by the exact tangency test.",
        epilog="Parameter names: a1, w1, b1, a2, … for d = 1; w1_1, w1_2, … for d > 1; c = output bias.",
    )
    arch = p.add_mutually_exclusive_group(required=True)
    arch.add_argument("--width", metavar="N", help="two-layer net: number of hidden units m (≥ 1)")
    arch.add_argument("--widths", metavar="N1,N2,…",
                      help="deep fully-connected net with these hidden widths, e.g. 3,3 (parameters "
                      "w{layer}_{neuron}_{input}, b{layer}_{neuron}, c)")
    p.add_argument("--activation", default=DEFAULT_ACTIVATION, metavar="NAME|EXPR",
                   help=f"registry name or an expression in z such as 'z + z**3/3' (default: {DEFAULT_ACTIVATION}; "
                   "see `simtool activations`)")
    p.add_argument("--activations", metavar="NAME,NAME,…",
                   help="with --widths: one activation per hidden layer (comma-separated names)")
    p.add_argument("--input-dim", default="1", metavar="D", help="input dimension d (default: 1)")
    p.add_argument("--no-bias", action="store_true", help="hidden units without biases b_k")
    p.add_argument("--output-bias", action="store_true", help="add an output bias c")
    p.add_argument("--up-to-symmetry", action="store_true",
                   help="list one row per symmetry class (orbit of the group) with its orbit size")
    p.add_argument("--count-only", action="store_true", help="print the exact counts only (any width ≤ "
                   f"{MAX_COUNT_WIDTH}; from recurrences, not enumeration)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--hasse", metavar="FILE", help="write the Hasse diagram: .dot (Graphviz), .svg or .png "
                   "(an existing file only with --force)")
    p.add_argument("--no-proofs", action="store_true", help="skip the tangency proofs (faster)")
    p.add_argument("--orbit-dims", action="store_true",
                   help="add the orbit-dimension stratification: the Lie-bracket rank at a random point of "
                   "every element (float lower bounds; imports torch)")
    p.add_argument("--allow-nonsmooth", action="store_true",
                   help="enumerate for a non-analytic σ (relu, …) although invariance cannot be proved")
    p.add_argument("--all-invariant", action="store_true",
                   help="also search a documented family of subspaces for invariant ones beyond the lattice "
                   "(two-layer; see simtool.symbolic.invariant_family) and list them")
    add_quiet_force(p)
    p.set_defaults(run=run)


def _build_deep(args):
    from ..errors import ActivationError
    from ..symbolic.activation import get_activation
    from ..symbolic.deep import DeepNet, parse_widths

    for part in str(args.widths).split(","):  # sizes first (no int→str digit-limit surprises)
        if part.strip().lstrip("+").isdigit():
            guards.check_size(part, what="hidden width", limit=guards.MAX_WIDTH)
    widths = parse_widths(args.widths)
    d = guards.check_size(args.input_dim, what="input dimension", limit=guards.MAX_INPUT_DIM)
    if args.activations is not None:
        names = [a.strip() for a in args.activations.split(",")]
        if len(names) != len(widths):
            raise ActivationError(f"--activations gives {len(names)} activation(s) for {len(widths)} hidden "
                                  f"layer(s) ({args.widths}); give one per layer")
        acts = tuple(get_activation(n) for n in names)
    else:
        acts = get_activation(args.activation)
    from ..symbolic.fix_closure import MAX_LATTICE_ELEMENTS

    per_layer = acts if isinstance(acts, tuple) else (acts,) * len(widths)
    guards.require_deep_lattice_size(widths, kinds=[lattice_kind_of(a) for a in per_layer],
                                     limit=MAX_LATTICE_ELEMENTS, hint="use smaller widths")
    return DeepNet(widths, acts, d, bias=not args.no_bias, output_bias=args.output_bias)


def _run_deep(args) -> int:
    from ..symbolic.fixlattice import build_fix_lattice

    _check_hasse(args)
    net = _build_deep(args)
    smooth = all(a.analytic for a in net.activations)
    if not args.count_only and not args.no_proofs and not smooth and not args.allow_nonsmooth:
        bad = next(a for a in net.activations if not a.analytic)
        raise ProofError(f"activation {bad.name!r} is not analytic ({bad.properties.analytic_proof}); invariance "
                         "proofs need a C¹ gradient field. Pass --allow-nonsmooth or --no-proofs")
    prove = not args.no_proofs and not args.count_only and smooth
    if not args.count_only:
        return _print_generic(args, net, None, prove)
    lat = build_fix_lattice(net, prove=False, limit=_deep_limit(args))
    out = {"widths": list(net.widths), "activations": [a.name for a in net.activations],
           "group_order": lat.group.order, "relative_to": lat.relative_to,
           "count": lat.count, "count_up_to_symmetry": lat.count_up_to_symmetry}
    if args.json:
        output.emit_json(out, indent=None)
    else:
        output.emit(f"{net.describe()}; symmetry group of order {lat.group.order:,} ({lat.relative_to})\n"
                    f"symmetry-induced SIMs: {lat.count:,}  (enumerated from the group)\n"
                    f"up to symmetry:        {lat.count_up_to_symmetry:,}")
    return 0


def _check_hasse(args) -> None:
    if args.hasse is not None and (args.up_to_symmetry or args.count_only):
        raise ArchitectureError("--hasse needs the full lattice (drop --up-to-symmetry/--count-only)")
    output.output_file(args.hasse, option="--hasse", suffixes=HASSE_SUFFIXES, force=args.force)


def _write_hasse(lat, args) -> None:
    if args.hasse is not None:
        from ..report.hasse import write_hasse

        with output.staged_file(args.hasse, option="--hasse") as tmp:
            write_hasse(lat, tmp)


def _complete_if_larger(net):
    """The complete signed-permutation group when it is larger than the template group, else ``None``.

    ``Aut(u)`` comes from the shipped unit cache for registry activations (cheap).
    """
    import math

    from ..symbolic.activation import Parity
    from ..symbolic.unit_facts import unit_facts

    template_unit = 2 if net.activation.parity in (Parity.ODD, Parity.EVEN) else 1
    if unit_facts(net).aut_order <= template_unit or net.width > 12:
        return None
    from ..symbolic.complete_group import complete_group

    group = complete_group(net, continuous=False)
    return group if group.order > math.factorial(net.width) * template_unit ** net.width else None


def _print_generic(args, net, group, prove: bool) -> int:
    from ..symbolic.fixlattice import build_fix_lattice

    lat = build_fix_lattice(net, group, prove=prove, limit=_deep_limit(args))
    _write_hasse(lat, args)
    from ..report.fixlattice_view import fix_lattice_json, print_fix_lattice

    if args.json:
        output.emit_json(fix_lattice_json(lat, classes_only=args.up_to_symmetry))
    else:
        print_fix_lattice(lat, classes_only=args.up_to_symmetry, hasse=args.hasse)
        from ..symbolic.network import TwoLayerNet

        if prove and isinstance(net, TwoLayerNet):
            from ..symbolic.unit_facts import enumerate_hints

            for line in enumerate_hints(net, lat.group.order):
                print(line)
    return 0


#: full deep listings above this many elements are refused (as for two-layer nets)
MAX_DEEP_ELEMENTS = 50_000


def _deep_limit(args) -> int:
    from ..symbolic.fix_closure import MAX_LATTICE_ELEMENTS

    return MAX_LATTICE_ELEMENTS if (args.up_to_symmetry or args.count_only) else MAX_DEEP_ELEMENTS


def _build_net(args):
    width = guards.check_size(args.width, what="width", limit=guards.MAX_WIDTH)
    d = guards.check_size(args.input_dim, what="input dimension", limit=guards.MAX_INPUT_DIM)
    if args.count_only and width > MAX_COUNT_WIDTH:
        raise ArchitectureError(f"width {width} is too large to count exactly here (limit {MAX_COUNT_WIDTH:,})")
    _check_hasse(args)
    from ..symbolic.activation import get_activation
    from ..symbolic.network import TwoLayerNet

    act = get_activation(args.activation)
    net = TwoLayerNet(width, act, d, bias=not args.no_bias, output_bias=args.output_bias)
    if not args.count_only:
        lattice_preflight(width, act, net.unit_size, up_to_symmetry=args.up_to_symmetry,
                          proofs=not args.no_proofs,
                          hint_elements="use --up-to-symmetry or --count-only",
                          hint_classes="use --count-only",
                          hint_proofs="use --no-proofs, or a smaller --input-dim")
    return net


def run(args: argparse.Namespace) -> int:
    if args.orbit_dims:  # the stratification lives in the report layer (simtool orbit's code)
        from ..report.orbit_view import run_orbit_strata

        return run_orbit_strata(args, _build_deep(args) if args.widths is not None else _build_net(args))
    if args.widths is not None:
        if args.all_invariant:
            raise ArchitectureError("--all-invariant supports two-layer nets (--width) so far")
        return _run_deep(args)
    if args.activations is not None:
        raise ArchitectureError("--activations needs --widths (a two-layer net has one activation)")
    net = _build_net(args)  # sizes and outputs are checked before sympy is imported
    from ..symbolic.counting import count_classes, count_elements
    from ..symbolic.lattice import enumerate_classes, enumerate_lattice, lattice_kind
    from ..symbolic.symmetry import derive_symmetries

    if not args.count_only and not args.no_proofs and not net.activation.analytic and not args.allow_nonsmooth:
        raise ProofError(
            f"activation {net.activation.name!r} is not analytic ({_why_not_analytic(net)}); invariance "
            "proofs need a C¹ gradient field. Pass --allow-nonsmooth to enumerate Fix(H) without proofs "
            "or --no-proofs")
    if args.count_only:
        report = derive_symmetries(net)
        kind = lattice_kind(report).value
        return _print_counts(args, net, report, kind, count_elements(kind, net.width),
                             count_classes(kind, net.width))
    prove = not args.no_proofs and net.activation.analytic
    complete = _complete_if_larger(net)
    if complete is not None:  # role-mixing symmetries: the lattice of the complete group, generic path
        return _print_generic(args, net, complete, prove)
    lat = enumerate_classes(net, prove=prove) if args.up_to_symmetry else enumerate_lattice(net, prove=prove)
    _write_hasse(lat, args)
    from ..report.lattice_view import lattice_json, print_lattice

    beyond = None
    if args.all_invariant and prove:
        from ..report.beyond_view import beyond_rows

        beyond = beyond_rows(net, {e.subspace for e in lat.elements})
    if args.json:
        data = lattice_json(lat, classes_only=args.up_to_symmetry)
        if beyond is not None:
            from ..report.beyond_view import beyond_json

            data["beyond_symmetry"] = beyond_json(*beyond)
        output.emit_json(data)
    else:
        print_lattice(lat, classes_only=args.up_to_symmetry, hasse=args.hasse)
        if beyond is not None:
            from ..report.beyond_view import print_beyond

            print_beyond(*beyond)
        elif prove:
            from ..symbolic.unit_facts import enumerate_hints as beyond_symmetry_hint

            for line in beyond_symmetry_hint(net, lat.symmetries.group_order):
                output.emit(line)
    return 0


def _why_not_analytic(net) -> str:
    return net.activation.properties.analytic_proof


def _print_counts(args, net, report, kind: str, count: int, classes: int) -> int:
    if args.json:
        output.emit_json({"width": net.width, "activation": net.activation.name, "group": report.group_name,
                          "count": count, "count_up_to_symmetry": classes, "sequence": OEIS[kind],
                          "classes_sequence": OEIS_CLASSES[kind]}, indent=None)
        return 0
    con = output.console(soft_wrap=True)
    con.print(f"[bold]{net.describe()}[/bold]; symmetry group {report.group_name}")
    con.print(f"symmetry-induced SIMs: [bold]{output.int_text(count, grouped=True)}[/bold]  ({OEIS[kind]})")
    con.print(f"up to symmetry:        [bold]{output.int_text(classes, grouped=True)}[/bold]  "
              f"({OEIS_CLASSES[kind]})")
    return 0
