"""Tables and JSON for ``simtool check`` (rich only here, never in the numeric engine)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["MARKS", "check_json", "check_table", "print_check_report", "cell"]

#: verdict -> table mark
MARKS = {"confirmed": "✓", "violated": "✗", "inconclusive": "?", "n/a": "—"}
_STYLE = {"confirmed": "green", "violated": "bold red", "inconclusive": "yellow", "n/a": "dim"}

#: (check, column header, figure(s) shown)
COLUMNS = (
    ("stays", "stays\nmax dist/‖θ‖", ("max_dist",)),
    ("control", "control\ngrowth", ("growth",)),
    ("reduces", "reduces\nmetric / naive", ("metric_err", "naive_err")),
    ("equivariance", "equiv\nmax err", ("max_err",)),
    ("risk", "risk\nmax rise", ("max_rise",)),
    ("stability", "ε off S\nratio", ("ratio",)),
)

LEGEND = (
    "stays: max over t and trajectories (from S and its symmetric images) of dist(θ(t), S)/‖θ(t)‖, "
    "tolerance 16ε × steps; control: median growth of the distance from a non-invariant look-alike "
    "(≥ 1e4 needed); reduces: relative error of the lifted narrow metric flow (docs/math.md §5) / of the "
    "naive Euclidean narrow flow against the wide flow; equiv: max ‖φ_t(gθ) − gφ_t(θ)‖/‖θ‖ over "
    "the symmetry generators; risk: largest rise of R between saved times, relative to R(0). "
    "✓ confirmed, ✗ violated, ? inconclusive, — not applicable."
)


def _num(v: Any, growth: bool = False) -> str:
    if isinstance(v, str):
        return v
    if v is None:
        return "—"
    if growth:
        return f"×{v:.1e}"
    return "0" if v == 0 else f"{v:.1e}"


def cell(result) -> tuple[str, str]:
    """``(text, style)`` of a check result in the table."""
    if result is None:
        return "", ""
    keys: tuple[str, ...] = next((k for c, _, k in COLUMNS if c == result.check), ())
    figs = result.figures
    if result.verdict == "n/a" and result.check != "stability":
        return MARKS["n/a"], _STYLE["n/a"]
    if result.check == "stability":
        if "ratio" not in figs:
            return MARKS["n/a"], _STYLE["n/a"]
        return f"×{figs['ratio']:.2g} {figs['behaviour']}", ""
    vals = [figs.get(k) for k in keys]
    if all(v is None for v in vals):
        text = ""
    else:
        text = " / ".join(_num(v, growth=result.check == "control") for v in vals)
    return f"{text} {MARKS[result.verdict]}".strip(), _STYLE[result.verdict]


def check_table(reports: Sequence, *, title: str = ""):
    """A rich Table with one row per element report."""
    from rich.table import Table

    checks = [c for c in COLUMNS if any(r.result(c[0]) is not None for r in reports)]
    table = Table(title=title or None, header_style="bold", box=None, pad_edge=False)
    table.add_column("id")
    table.add_column("dim", justify="right")
    table.add_column("SIM", overflow="fold", max_width=44)
    table.add_column("proof")
    for _, header, _ in checks:
        table.add_column(header, justify="right")
    table.add_column("verdict")
    for rep in reports:
        cells = []
        for check, _, _ in checks:
            text, style = cell(rep.result(check))
            cells.append(f"[{style}]{text}[/]" if style else text)
        v = rep.verdict
        table.add_row(rep.id, str(rep.dim), rep.description, rep.proof, *cells,
                      f"[{_STYLE[v]}]{v}[/]")
    return table


def _counts(reports: Sequence) -> dict[str, int]:
    c = Counter(r.verdict for r in reports)
    return {v: c.get(v, 0) for v in ("confirmed", "violated", "inconclusive", "n/a")}


def print_check_report(reports: Sequence, *, header: str, console, exit_status: int) -> None:
    """Header, table, legend, the reasons of every non-confirmed check, summary."""
    console.print(header, highlight=False)
    console.print(check_table(reports))
    console.print(f"[dim]{LEGEND}[/dim]", highlight=False)
    notes = [
        (rep.id, r) for rep in reports for r in rep.results if r.verdict in ("violated", "inconclusive")
    ]
    for ident, r in notes:
        console.print(f"[{_STYLE[r.verdict]}]{ident} {r.check} {r.verdict}[/]: {r.reason}",
                      highlight=False)
    c = _counts(reports)
    console.print(
        f"{len(reports)} element(s): {c['confirmed']} confirmed, {c['violated']} violated, "
        f"{c['inconclusive']} inconclusive" + (f", {c['n/a']} n/a" if c["n/a"] else "")
        + f"; exit status {exit_status}",
        highlight=False,
    )


def check_json(reports: Sequence, *, config: dict[str, Any], exit_status: int) -> dict[str, Any]:
    """The JSON document of ``simtool check --json``."""
    return {
        "command": "check",
        **config,
        "elements": [r.as_dict() for r in reports],
        "summary": _counts(reports),
        "exit_status": exit_status,
    }
