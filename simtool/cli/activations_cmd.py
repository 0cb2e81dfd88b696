"""``simtool activations``: the activation registry with its proved properties.

Prints a table (name, σ(z), parity, σ(0), analytic, homogeneous degree, polynomial
degree, exponential type), or with ``--json`` one object ``{"activations": [...]}``
whose entries are :meth:`~simtool.symbolic.activation.ActivationProperties.as_dict`.
``--activation`` (repeatable) restricts the listing to registry names or expressions
in ``z``; ``--proofs`` prints the proof of every property under the table.
"""

from __future__ import annotations

import argparse

from .. import output
from ..symbolic.activation import REGISTRY, ActivationProperties, get_activation

__all__ = ["add_parser", "run"]

_EPILOG = ("examples: simtool activations --json;  simtool activations --activation tanh "
           "--activation 'z + z**3/3' --proofs")
_PROOFS = (("parity", "parity_proof"), ("analytic", "analytic_proof"),
           ("homogeneous", "homogeneity_proof"), ("polynomial", "polynomial_proof"),
           ("exp-type", "exp_scaling_proof"))


def add_parser(subparsers, name: str, summary: str) -> argparse.ArgumentParser:
    """Register the ``activations`` sub-command on ``subparsers``."""
    p = subparsers.add_parser(
        name, help=summary, epilog=_EPILOG,
        description="List activations with their proved properties: parity, σ(0), "
        "real analyticity, positive homogeneity degree, polynomial degree and exponential "
        "type κ (σ(z + β) = e^{κβ} σ(z)). Every property is proved or refuted symbolically.")
    p.add_argument("--activation", action="append", metavar="NAME|EXPR",
                   help=f"a registry name ({', '.join(REGISTRY)}) or an expression in z "
                   "such as 'z + z**3/3' (repeatable; default: the whole registry)")
    p.add_argument("--json", action="store_true", help='print {"activations": [...]} as JSON')
    p.add_argument("--proofs", action="store_true", help="print each property's proof")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the table (or JSON); user errors raise ``ActivationError``."""
    specs = args.activation or list(REGISTRY)
    props = [get_activation(spec).properties for spec in specs]  # validate all first
    if args.json:
        output.emit_json({"activations": [p.as_dict() for p in props]}, indent=2, ensure_ascii=False)
        return 0
    console = output.console()
    console.print(_table(props))
    if args.proofs:
        for p in props:
            console.print(f"\n[bold]{p.name}[/bold]  σ(z) = {p.expression}", markup=True,
                          highlight=False)
            for label, attr in _PROOFS:
                console.print(f"  {label}: {getattr(p, attr)}", markup=False, highlight=False)
    return 0


def _table(props: list[ActivationProperties]):
    from rich.table import Table

    table = Table(title="activations (properties proved symbolically)")
    for header in ("name", "σ(z)", "parity", "σ(0)", "analytic", "homogeneous degree",
                   "polynomial degree", "exp-type κ"):
        table.add_column(header, overflow="fold", no_wrap=header == "name")
    for p in props:
        analytic = "yes" if p.analytic else \
            f"no (z = {p.nonanalytic_point})" if p.nonanalytic_point is not None else "not proved"
        table.add_row(p.name, str(p.expression), p.parity.value, str(p.sigma0), analytic,
                      *("-" if v is None else str(v) for v in
                        (p.homogeneous_degree, p.polynomial_degree, p.exp_scaling)))
    return table
