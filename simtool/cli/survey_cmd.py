"""``simtool survey``: the invariant-subspace search across the activation registry.

One row per activation and width: the number of symmetry-induced SIMs ``#Fix(H)`` of
the complete signed-permutation group, the number of invariant members of the search
family (decided exactly; screened-out members are rejected by a float screen), whether
every invariant member is symmetry-induced (with counterexamples), continuous families
of inactive units, and the dimension of the continuous orthogonal symmetries.
"""

from __future__ import annotations

import argparse
import re

from .. import output
from ..errors import ArchitectureError

EPILOG = """\
"symmetry-induced" is relative to the complete signed-permutation group of each net
(simtool.symbolic.complete_group). The search family is documented in
simtool.symbolic.invariant_family: intersections of zeroed unit parameters, unit-level
relations θ_l = E θ_k with mixed signs E, and a_k = ±c. Non-analytic activations are skipped.
"""


def add_parser(subparsers, name: str, summary: str) -> None:
    p = subparsers.add_parser(
        name, help=summary, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the search for invariant subspaces over every registry activation and the "
        "given widths; report which invariant subspaces are not symmetry-induced.")
    p.add_argument("--widths", default="1..3", metavar="A..B|N,M,…", help="two-layer widths (default: 1..3)")
    p.add_argument("--activations", default=None, metavar="NAME,…", help="subset of the registry (default: all)")
    p.add_argument("--input-dim", default="1", metavar="D", help="input dimension d (default: 1)")
    p.add_argument("--no-bias", action="store_true", help="hidden units without biases")
    p.add_argument("--output-bias", action="store_true", help="add an output bias c")
    p.add_argument("--exact", action="store_true",
                   help="decide every family member exactly, also those the float screen rejects (slower)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=run)


def parse_width_range(text: str) -> list[int]:
    """``1..3``, ``1-3`` or ``1,2,3`` → ``[1, 2, 3]`` (each ≤ 4: the family grows fast)."""
    from ..symbolic.network import check_width

    m = re.fullmatch(r"\s*(\d+)\s*(?:\.\.|-)\s*(\d+)\s*", text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if lo > hi:
            raise ArchitectureError(f"--widths {text!r}: the range is empty")
        widths = list(range(lo, hi + 1))
    else:
        if not re.fullmatch(r"\s*\d+\s*(,\s*\d+\s*)*", text):
            raise ArchitectureError(f"--widths must look like 1..3 or 1,2,3; got {text!r}")
        widths = [int(p) for p in text.split(",")]
    return [check_width(w, what="width", limit=4) for w in widths]


def _activations(text: str | None):
    from ..symbolic.activation import REGISTRY, get_activation

    if text is None:
        return list(REGISTRY.values())
    out = []
    for name in text.split(","):
        if name.strip() not in REGISTRY:
            get_activation(name.strip())  # raises the registry's "unknown activation …; choose one of …"
            raise ArchitectureError(f"--activations takes registry names; {name.strip()!r} is an expression")
        out.append(REGISTRY[name.strip()])
    return out


def survey_row(net, *, exact: bool = False) -> dict:
    """The survey's numbers for one network."""
    from ..symbolic.complete_group import complete_group
    from ..symbolic.invariant_search import search_invariant

    group = complete_group(net)
    res = search_invariant(net, group=group, refute=exact)
    bad = res.not_induced
    fams = sorted((f for f in res.families if f.continuum), key=lambda f: -len(f.coordinates))[:1]
    return {
        "activation": net.activation.name, "width": net.width, "group_order": group.order,
        "fix_h": len(res.fix_lattice), "family": len(res.members), "invariant": len(res.invariant),
        "undecided": len(res.undecided), "exact_refutations": exact,
        "all_induced": res.all_induced, "not_induced": len(bad),
        "counterexamples": [res.describe(S) for S in bad[:1]],
        "family_instances": [res.describe(f.instance) for f in fams
                             if f.instance is not None and f.instance_induced is False],
        "families": [f.describe(res.describe(f.base)) for f in fams],
        "families_short": [f.short() for f in fams],
        "continuous_orthogonal": None if group.continuous is None else group.continuous.dim,
        "continuous_exact": None if group.continuous is None else group.continuous.exact,
    }


def run(args: argparse.Namespace) -> int:
    import time

    from ..symbolic.network import TwoLayerNet, check_width

    widths = parse_width_range(args.widths)
    d = check_width(args.input_dim, what="input dimension", limit=4)
    rows, skipped = [], []
    start = time.perf_counter()
    for act in _activations(args.activations):
        if not act.analytic:
            skipped.append({"activation": act.name, "reason": "not analytic: tangency proofs need a C¹ field"})
            continue
        for m in widths:
            net = TwoLayerNet(m, act, d, bias=not args.no_bias, output_bias=args.output_bias)
            rows.append(survey_row(net, exact=args.exact))
    seconds = time.perf_counter() - start
    if args.json:
        output.emit_json({"rows": rows, "skipped": skipped, "seconds": seconds})
        return 0
    _print(rows, skipped, seconds, args)
    return 0


def _print(rows, skipped, seconds: float, args) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = output.console(soft_wrap=True, highlight=False)
    arch = "no hidden biases" if args.no_bias else "hidden biases"
    arch += ", output bias c" if args.output_bias else ""
    t = Table(title=f"Invariant subspaces beyond symmetry (two-layer, d = {args.input_dim}, {arch})")
    for col in ("σ", "m", "|G|", "#Fix(H)", "#inv. in family", "all induced?", "cont. orth."):
        t.add_column(col, no_wrap=True)
    t.add_column("counterexamples; continuous families")
    for r in rows:
        parts = []
        if r["counterexamples"]:
            more = f" +{r['not_induced'] - 1} more" if r["not_induced"] > 1 else ""
            parts.append(f"{{{r['counterexamples'][0]}}}{more}")
        if r["families_short"]:
            inst = f", e.g. {{{r['family_instances'][0]}}} is not induced" if r["family_instances"] else ""
            parts.append(f"family: {r['families_short'][0]}{inst}")
        notes = "; ".join(parts)
        cont = r["continuous_orthogonal"]
        cont_text = "" if not cont else f"dim {cont}{'' if r['continuous_exact'] else ' (numerical)'}"
        und = f" ({r['undecided']} undecided)" if r["undecided"] else ""
        t.add_row(r["activation"], str(r["width"]), f"{r['group_order']:,}", str(r["fix_h"]),
                  f"{r['invariant']} of {r['family']}{und}", "yes" if r["all_induced"] else "[red]no[/red]",
                  cont_text, escape(notes))
    con.print(t)
    for s in skipped:
        con.print(f"skipped {s['activation']}: {s['reason']}")
    screen = ("every member decided exactly (--exact)" if args.exact else
              "members rejected by the float screen are not refuted exactly (--exact decides them)")
    con.print(f"Fix(H) and 'induced' are relative to each net's complete signed-permutation group; {screen}. "
              "A nonzero 'cont. orth.' means continuous "
              f"orthogonal symmetries: the SIMs form a continuum. {seconds:.1f} s.")
