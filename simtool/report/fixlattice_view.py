"""Tables and JSON for the architecture-generic lattice (``simtool enumerate --widths``).

The JSON keeps the meaning of every key of the two-layer output (``count``,
``count_up_to_symmetry``, ``parameters``, ``symmetries``, ``classes``, ``elements`` with
``id``, ``dim``, ``description``, ``class``, ``invariance``, ``proof``, ``covers``,
``generators``, ``equations``, ``reduced``) and adds ``architecture``, ``widths``,
``activations``, ``relative_to`` and, per element, ``reduced_widths``, the exact
``metric`` matrix (strings), ``metric_diagonal``, ``fiber_dim`` and ``fiber``.
"""

from __future__ import annotations

from typing import Any

from ..symbolic.fixlattice import FixLattice
from .lattice_view import RICH_ROWS, _plain_table, _status, element_json, plain_tables, view_console

__all__ = ["fix_lattice_json", "print_fix_lattice"]


def _group(lat: FixLattice) -> dict[str, Any]:
    G = lat.group
    return {
        "order": G.order,
        "relative_to": G.relative_to,
        "generators": [{"name": g.label, "verified": ev} for g, ev in zip(G.generators, G.evidence)],
        "rejected": [{"name": n, "why": w} for n, w in G.rejected],
    }


def _widths(ws) -> str:
    return ",".join(map(str, ws))


def fix_lattice_json(lat: FixLattice, *, classes_only: bool = False) -> dict[str, Any]:
    net = lat.net
    out: dict[str, Any] = {
        "architecture": type(net).__name__,
        "widths": list(net.layer_widths[1:-1]),
        "activations": [a.name for a in net.activations],
        "input_dim": net.layer_widths[0],
        "bias": bool(getattr(net, "hidden_bias", True)),
        "output_bias": bool(getattr(net, "output_bias", False)),
        "parameters": list(net.names),
        "count": lat.count,
        "count_up_to_symmetry": lat.count_up_to_symmetry,
        "relative_to": lat.relative_to,
        "symmetries": _group(lat),
        "classes": [
            {"id": c.id, "dim": c.dim, "orbit_size": c.orbit_size, "description": c.description,
             "reduced_widths": list(c.reduced_widths), "invariance": c.invariance.status,
             "proof": c.invariance.as_dict(), "representative": c.representative.id}
            for c in lat.classes
        ],
    }
    if classes_only:
        return out
    elements = []
    for e in lat.elements:
        red = e.reduction
        elements.append(element_json(e, net.names, reduced_widths=list(e.reduced_widths), reduced={
            "widths": list(red.narrow_widths),
            "merged": red.merged,
            "metric": [[str(v) for v in row] for row in red.metric_matrix],
            "metric_diagonal": red.is_diagonal,
            "frozen": [red.narrow.names[i] for i in red.frozen],
            "fiber_dim": len(red.fiber),
            "fiber": red.fiber_text(),
        }))
    out["elements"] = elements
    return out


def print_fix_lattice(lat: FixLattice, *, classes_only: bool = False, hasse: str | None = None) -> None:
    con = view_console(160)
    net = lat.net
    G = lat.group
    con.print(f"[bold]simtool enumerate[/bold]: {net.describe()}  (D = {net.dim} parameters)")
    gens = ", ".join(g.label for g in G.generators) or "none"
    con.print(f"symmetry group of order {G.order:,}, relative to {G.relative_to}; verified generators: {gens}")
    for name, why in G.rejected:
        con.print(f"  rejected candidate {name}: {why}")
    con.print(f"SIMs Fix(H), H ≤ G: [bold]{lat.count:,}[/bold] (from the group, not per-layer partitions); "
              f"up to symmetry: [bold]{lat.count_up_to_symmetry:,}[/bold]")
    title = f"Lattice of symmetry-induced invariant manifolds, {net.describe()}"
    if classes_only:
        headers = ["class", "dim", "orbit size", "red. widths", "invariance", "representative"]
        rows = [[c.id, str(c.dim), f"{c.orbit_size:,}", _widths(c.reduced_widths), c.invariance.status,
                 c.description] for c in lat.classes]
        right = {"dim", "orbit size"}
    else:
        headers = ["id", "dim", "description", "red. widths", "fiber", "class", "invariance", "covers"]
        rows = []
        for e in lat.elements:
            cov = e.covers
            rows.append([e.id, str(e.dim), e.description, _widths(e.reduced_widths), str(len(e.reduction.fiber)),
                         e.class_id, e.invariance.status,
                         " ".join(cov[:3]) + (f" +{len(cov) - 3}" if len(cov) > 3 else "")])
        right = {"dim", "fiber"}
    if len(rows) > RICH_ROWS or plain_tables(con):
        _plain_table(con, title, headers, rows, right)
    else:
        from rich import box
        from rich.table import Table

        t = Table(title=title, box=box.SIMPLE_HEAD,
                  caption="fiber: dimension of ker P ∩ S (conserved linear quantities); covers: one step down "
                  "the Hasse diagram (all in --json and --hasse)")
        for col in headers:
            t.add_column(col, justify="right" if col in right else "left",
                         no_wrap=col not in ("description", "representative"))
        status_col = headers.index("invariance")
        for r in rows:
            r = list(r)
            r[status_col] = _status(r[status_col])
            t.add_row(*r)
        con.print(t)
    proved = sum(c.invariance.status == "proved" for c in lat.classes)
    con.print(f"invariance: {proved:,} of {len(lat.classes):,} class representatives proved by the exact tangency "
              "test (formal in σ), transported to their orbits by the symmetry")
    if hasse:
        con.print(f"Hasse diagram written to {hasse}")
