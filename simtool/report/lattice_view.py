"""Tables and JSON for ``simtool enumerate``."""

from __future__ import annotations

from typing import Any

from ..symbolic.lattice import Lattice
from ..symbolic.subspace import linear_form_text

__all__ = ["lattice_json", "print_lattice"]

_SEQ = {"perm": "A000110 (Bell)", "odd": "A007405 (Dowling)", "even": "computed"}


def _symmetries(lat: Lattice) -> dict[str, Any]:
    rep = lat.symmetries
    return {
        "group": rep.group_name,
        "order": rep.group_order,
        "generators": [{"name": g.label, "verified": ev} for g, ev in zip(rep.generators, rep.evidence)],
        "rejected": [{"name": n, "why": w} for n, w in rep.rejected],
        "continuous": [
            {"name": c.name, "action": c.action, "consequence": c.consequence, "verified": c.verified,
             "evidence": c.evidence}
            for c in rep.continuous
        ],
    }


def lattice_json(lat: Lattice, *, classes_only: bool = False) -> dict[str, Any]:
    """One JSON-ready object: counts, symmetries, elements (or classes) with proofs."""
    net = lat.net
    kind = lat.kind.value
    out: dict[str, Any] = {
        "width": net.width,
        "activation": net.activation.name,
        "activation_expr": str(net.activation.expr),
        "input_dim": net.input_dim,
        "bias": net.bias,
        "output_bias": net.output_bias,
        "parameters": list(net.names),
        "count": lat.count,
        "count_up_to_symmetry": lat.count_up_to_symmetry,
        "sequence": _SEQ[kind],
        "symmetries": _symmetries(lat),
    }
    out["classes"] = [
        {
            "id": c.id, "dim": c.dim, "orbit_size": c.orbit_size, "description": c.description,
            "reduced_width": c.reduced_width, "block_sizes": list(c.free), "fixed_block_sizes": list(c.fixed),
            "invariance": c.invariance.status, "proof": c.invariance.as_dict(),
        }
        for c in lat.classes
    ]
    if classes_only:
        return out
    elements = []
    for e in lat.elements:
        red = e.reduction
        elements.append(element_json(e, net.names, reduced_width=e.reduced_width,
                                     reduced={"merged": red.merged, "metric": red.metric_by_name()}))
    out["elements"] = elements
    return out


def element_json(e, names, **extra) -> dict[str, Any]:
    """The keys every lattice element has in ``--json`` (two-layer and generic), then ``extra``."""
    out: dict[str, Any] = {
        "id": e.id,
        "dim": e.dim,
        "description": e.description,
        "class": e.class_id,
        **{k: v for k, v in extra.items() if k != "reduced"},
        "invariance": e.invariance.status,
        "proof": e.invariance.evidence,
        "covers": list(e.covers),
        "generators": [g.label for g in e.generators],
        "equations": [linear_form_text(names, row, ascii=True) + " = 0" for row in e.subspace.equations],
    }
    if "reduced" in extra:
        out["reduced"] = extra["reduced"]
    return out


#: above this many rows tables are printed as plain aligned text: rich's layout engine
#: needs ~1 ms per row, which would dominate the run time of large enumerations
RICH_ROWS = 300


class PlainConsole:
    """The part of a rich Console the lattice views use, for non-terminal output.

    Writes plain text with rich's ``[style]…[/style]`` markup removed; never imports rich
    (which costs ~25 ms of a cold ``simtool enumerate``).
    """

    is_terminal = False
    _MARKUP = __import__("re").compile(r"\[/?(?:bold|green|red|yellow|dim|italic)[^\]]*\]")

    def __init__(self) -> None:
        import sys

        self.file = sys.stdout

    def print(self, *parts, **_ignored) -> None:
        self.file.write(self._MARKUP.sub("", " ".join(str(p) for p in parts)) + "\n")


def view_console(width: int):
    """A rich console on a terminal, :class:`PlainConsole` otherwise."""
    import sys

    if not (sys.stdout is not None and sys.stdout.isatty()):
        return PlainConsole()
    from ..output import console

    return console(soft_wrap=False)


def plain_tables(con) -> bool:
    """Plain aligned text instead of a rich table: when output is not a terminal (pipes, files,
    CI logs: no ANSI codes, no wrapping), and rich's ~1 ms per row would dominate the run."""
    return not con.is_terminal


def _plain_table(con, title: str, headers: list[str], rows: list[list[str]], right: set[str]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def fmt(cells):
        return "  ".join(c.rjust(w) if h in right else c.ljust(w) for c, w, h in zip(cells, widths, headers))

    lines = [title, fmt(headers), "  ".join("─" * w for w in widths)] + [fmt(r).rstrip() for r in rows]
    con.file.write("\n".join(lines) + "\n")


def print_lattice(lat: Lattice, *, classes_only: bool = False, hasse: str | None = None) -> None:
    con = view_console(140)
    net = lat.net
    kind = lat.kind.value
    rep = lat.symmetries
    con.print(f"[bold]simtool enumerate[/bold]: {net.describe()}  (D = {net.dim} parameters)")
    gens = ", ".join(g.label for g in rep.generators) or "none (width 1, no sign symmetry)"
    con.print(f"symmetry group {rep.group_name} (order {rep.group_order:,}); verified generators: {gens}")
    for name, why in rep.rejected:
        con.print(f"  rejected candidate {name}: {why}")
    count, classes = lat.count, lat.count_up_to_symmetry
    con.print(f"SIMs Fix(H): [bold]{count:,}[/bold] ({_SEQ[kind]}); up to symmetry: [bold]{classes:,}[/bold]")
    if classes_only:
        title = f"Symmetry classes of SIMs, width {net.width}"
        headers = ["class", "dim", "orbit size", "red. width", "invariance", "representative"]
        rows = [[c.id, str(c.dim), f"{c.orbit_size:,}", str(c.reduced_width), c.invariance.status, c.description]
                for c in lat.classes]
        if len(rows) > RICH_ROWS or plain_tables(con):
            _plain_table(con, title, headers, rows, {"dim", "orbit size", "red. width"})
            t = None
        else:
            from rich import box
            from rich.table import Table

            t = Table(title=title, box=box.SIMPLE_HEAD)
            for col in headers:
                t.add_column(col, justify="right" if col in ("dim", "orbit size", "red. width") else "left",
                             no_wrap=col != "representative")
            for r in rows:
                t.add_row(*r[:4], _status(r[4]), r[5])
    elif len(lat.elements) > RICH_ROWS or plain_tables(con):
        rows = []
        for e in lat.elements:
            cov = e.covers
            rows.append([e.id, str(e.dim), str(e.reduced_width), e.class_id, e.invariance.status,
                         " ".join(cov[:3]) + (f" +{len(cov) - 3}" if len(cov) > 3 else ""), e.description])
        _plain_table(con, f"Lattice of symmetry-induced invariant manifolds, width {net.width}",
                     ["id", "dim", "red. width", "class", "invariance", "covers", "description"], rows,
                     {"dim", "red. width"})
        t = None
    else:
        from rich import box
        from rich.table import Table

        t = Table(title=f"Lattice of symmetry-induced invariant manifolds, width {net.width}",
                  box=box.SIMPLE_HEAD, caption="covers: the elements one step down the Hasse diagram "
                  "(all of them in --json and --hasse)")
        for col in ("id", "dim", "description", "red. width", "class", "invariance", "covers"):
            t.add_column(col, justify="right" if col in ("dim", "red. width") else "left",
                         no_wrap=col != "description", overflow="ellipsis" if col == "covers" else "fold")
        for e in lat.elements:
            cov = e.covers
            covers = " ".join(cov[:3]) + (f" +{len(cov) - 3}" if len(cov) > 3 else "")
            t.add_row(e.id, str(e.dim), e.description, str(e.reduced_width), e.class_id,
                      _status(e.invariance.status), covers)
    if t is not None:
        con.print(t)
    proved = sum(c.invariance.status == "proved" for c in lat.classes)
    con.print(f"invariance: {proved:,} of {len(lat.classes):,} class representatives proved by the exact "
              "tangency test (docs/math.md §2), transported to their orbits by the symmetry")
    for c in rep.continuous:
        con.print(f"also ({'verified' if c.verified else 'NOT verified'}): {c.name} {c.action} — {c.consequence}")
    if hasse:
        con.print(f"Hasse diagram written to {hasse}")


def _status(status: str) -> str:
    colour = {"proved": "green", "refuted": "red"}.get(status, "yellow")
    return f"[{colour}]{status}[/{colour}]"
