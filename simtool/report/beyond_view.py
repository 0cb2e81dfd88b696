"""Rows for ``simtool enumerate --all-invariant``: invariant subspaces the lattice does not list."""

from __future__ import annotations

from typing import Any

from .. import output
from ..symbolic.invariant_search import SearchResult, search_invariant
from ..symbolic.subspace import Subspace

__all__ = ["beyond_rows", "beyond_json", "print_beyond"]


def beyond_rows(net, shown: set[Subspace]) -> tuple[SearchResult, list[dict[str, Any]]]:
    """Invariant members of the search family that are not among the ``shown`` lattice elements."""
    res = search_invariant(net)
    rows = []
    for n, S in enumerate((S for S in res.invariant if S not in shown), start=1):
        induced = S in res.fix_lattice
        rows.append({
            "id": f"N{n}", "dim": S.dim, "description": res.describe(S),
            "invariance": res.verdicts[S].status, "proof": res.verdicts[S].evidence,
            "symmetry_induced": induced,
            "note": (f"symmetry-induced by {res.group.relative_to} (not in the lattice above)" if induced
                     else f"not symmetry-induced (relative to {res.group.relative_to})"),
        })
    return res, rows


def beyond_json(res: SearchResult, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "family": "intersections of zeroed unit parameters, θ_l = E θ_k (mixed signs E), a_k = ±c "
                  "(simtool.symbolic.invariant_family)",
        "members": len(res.members), "invariant": len(res.invariant), "relative_to": res.group.relative_to,
        "group_order": res.group.order, "rows": rows,
        "families": [{"description": f.describe(res.describe(f.base)), "continuum": f.continuum,
                      "coordinates": list(f.coordinates), "vector": [str(v) for v in f.vector]}
                     for f in res.families],
    }


def print_beyond(res: SearchResult, rows: list[dict[str, Any]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    con = output.console(soft_wrap=True, highlight=False)
    t = Table(title=f"Beyond the lattice: invariant members of the search family ({len(res.invariant)} of "
              f"{len(res.members)} invariant)")
    for col in ("id", "dim", "subspace", "invariance", "symmetry"):
        t.add_column(col)
    for r in rows:
        t.add_row(r["id"], str(r["dim"]), escape(r["description"]), r["invariance"], escape(r["note"]))
    con.print(t)
    for f in res.families:
        con.print(f"family: {escape(f.describe(res.describe(f.base)))}")
    con.print("members rejected by the float screen are not refuted exactly; invariant ones are proved exactly")
