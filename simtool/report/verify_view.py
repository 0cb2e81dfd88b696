"""The ``simtool verify`` summary: one row per theorem, from the merged task results.

Works on the plain result dicts the sweep returns (:meth:`simtool.theorem.Outcome.as_dict`),
so cached, local-pool and Dask results render the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..theorem import Outcome, Theorem, summarize

__all__ = ["theorem_rows", "summary_table", "verify_json"]

_STYLE = {"proved": "green", "confirmed": "green", "refuted": "magenta", "violated": "bold red",
          "inconclusive": "yellow", "n/a": "dim"}


def theorem_rows(theorems: Sequence[Theorem], results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per theorem: its merged verdict, expected status(es), how many cases matched."""
    rows = []
    for t in theorems:
        outs = [Outcome.from_dict(r, reused=bool(r.get("reused"))) for r in results if r["theorem"] == t.name]
        v = summarize(t, outs)
        expected = sorted({o.expected.value for o in outs})
        rows.append({
            "theorem": t.name, "engine": t.engine, "verdict": v.as_dict(), "headline": v.headline(),
            "expected": expected, "n_cases": len(outs), "n_match": sum(o.matches for o in outs),
            "unexpected": [o.as_dict() for o in outs if not o.matches],
            "seconds": round(sum(o.seconds for o in outs), 3), "reused": sum(o.reused for o in outs),
            "statement": t.statement, "references": list(t.references), "latex": t.latex,
        })
    return rows


def summary_table(rows: Sequence[dict[str, Any]], *, width: int = 160):
    """A rich Table of the rows (imported lazily: only the CLI layer renders)."""
    from rich.table import Table

    table = Table(title="simtool verify", show_lines=False, expand=False)
    table.add_column("theorem", overflow="fold")
    table.add_column("verdict (scope)", overflow="fold", max_width=46)
    table.add_column("expected")
    table.add_column("cases", justify="right")
    table.add_column("evidence", overflow="fold", max_width=max(40, width - 110))
    for r in rows:
        status = r["verdict"]["status"]
        ok = r["n_match"] == r["n_cases"] and r["n_cases"] > 0
        mark = "[green]✓[/]" if ok else "[bold red]✗[/]"
        table.add_row(r["theorem"], f"[{_STYLE.get(status, '')}]{r['headline']}[/]", "/".join(r["expected"]),
                      f"{mark} {r['n_match']}/{r['n_cases']}", r["verdict"]["evidence"])
    return table


def verify_json(rows: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]], meta: dict[str, Any]) -> dict:
    return {**meta, "theorems": list(rows), "cases": list(results),
            "all_as_expected": all(r["n_match"] == r["n_cases"] for r in rows)}
