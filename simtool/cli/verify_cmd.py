"""``simtool verify``: run the theorem catalogue (or a user's theorems) and gate CI on it.

Each selected theorem is expanded into its cases; every case is one task (a plain
spec), run here, on a local process pool (``--jobs N``) or on a Dask cluster
(``--scheduler ADDRESS``).  The summary table shows one row per theorem: its merged
verdict with the scope actually checked ("proved for widths 1–4 …"), the expected
status and how many cases matched it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

from ..errors import ArchitectureError, SimtoolError

EPILOG = """\
A theorem file given with --file is imported as Python: it is the only user code simtool
ever executes (activation expressions, widths and data files are parsed, never run). It
must define ALL, a list of simtool.theorem.Theorem. With --scheduler, Dask workers import
that file by the same path, so it must be readable there.

Exit status: 0 every case got its expected verdict; 1 some case did not (an unexpected
refutation, a failed proof, a check that raised or timed out); 2 invalid input.
"""

_WIDTHS = re.compile(r"^\s*(\d+)\s*(?:\.\.|-|–)\s*(\d+)\s*$")


def parse_widths(text: str) -> tuple[int, ...]:
    """``1..4``, ``1-4``, ``2,3,5`` or ``3`` → widths.

    >>> parse_widths("1..3"), parse_widths("2,5")
    ((1, 2, 3), (2, 5))
    """
    m = _WIDTHS.match(text)
    try:
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            ws = tuple(range(lo, hi + 1))
        else:
            ws = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        ws = ()
    if not ws or any(w < 1 or w > 50 for w in ws):
        raise ArchitectureError(f"--widths {text!r}: give a range like 1..4 or a list like 2,3 of widths 1–50")
    return ws


def add_parser(sub, name: str, summary: str) -> None:
    p = sub.add_parser(name, help=summary, description=summary + ".", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--theorem", action="append", metavar="NAME", help="run only this theorem (repeatable)")
    p.add_argument("--file", metavar="PATH", help="load theorems (its ALL) from this .py file instead of the "
                   "catalogue; the only user code simtool executes")
    p.add_argument("--list", action="store_true", help="list the theorems and their references, run nothing")
    p.add_argument("--widths", metavar="RANGE", help="widths to check, e.g. 1..4 or 2,3 (each theorem keeps "
                   "its own upper limit)")
    p.add_argument("--activations", nargs="+", metavar="SIGMA", help="activations (names or expressions in z) "
                   "for theorems that range over activations")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    p.add_argument("--report", metavar="FILE", help="write a report with evidence and figures (.md or .html)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run the cases on the Dask cluster at ADDRESS "
                   "(tcp://host:8786; needs simtool[dask])")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S", help="per-case time limit in seconds "
                   "(default 300; 0: no limit); a case past it is reported as timed out. On Dask worker "
                   "threads a limit runs each case in a child process")
    p.add_argument("--out", metavar="DIR", help="keep finished case results in DIR and reuse them on re-runs")
    p.set_defaults(run=run)


def _theorems(args):
    from ..catalogue import ALL, find_theorem, load_theorem_file

    pool = load_theorem_file(args.file) if args.file else ALL
    if args.theorem:
        return tuple(find_theorem(n, pool) for n in dict.fromkeys(args.theorem))
    return tuple(pool)


def _selection(args):
    from ..symbolic import get_activation
    from ..theorem import Selection

    acts = None
    if args.activations:
        for a in args.activations:
            get_activation(a)  # validate at the boundary: unknown names, unsafe expressions
        acts = tuple(args.activations)
    return Selection(widths=parse_widths(args.widths) if args.widths else None, activations=acts)


def run(args) -> int:
    from rich.console import Console

    from .. import __version__
    from ..report.verify_view import summary_table, theorem_rows, verify_json
    from ..sweep import ResultStore, theorem_specs

    if args.jobs < 1:
        raise SimtoolError(f"--jobs must be a positive integer, got {args.jobs}")
    if not args.timeout >= 0:
        raise SimtoolError(f"--timeout must be a non-negative number of seconds, got {args.timeout}")
    theorems = _theorems(args)
    out = Console(soft_wrap=False, width=max(Console().width, 160))
    if args.list:
        for t in theorems:
            out.print(f"[bold]{t.name}[/] ({t.engine}): {t.statement}\n  references: {'; '.join(t.references)}")
        return 0
    selection = _selection(args)
    file = str(args.file) if args.file else None
    specs = theorem_specs(theorems, selection, file=file, timeout=args.timeout or None)
    if not specs:
        raise SimtoolError("no cases selected (check --widths/--activations against the theorems' ranges)")
    store = ResultStore(args.out) if args.out else None
    start = time.perf_counter()
    results = _run_with_progress(specs, args, store)
    wall = time.perf_counter() - start
    rows = theorem_rows(theorems, results)
    meta = {"simtool": __version__, "theorems": len(theorems), "cases": len(specs),
            "wall_seconds": round(wall, 2), "jobs": args.jobs, "scheduler": args.scheduler or "local",
            "reused": sum(bool(r.get("reused")) for r in results), "source": file or "catalogue"}
    if args.report:
        from ..report.verify_report import write_report

        write_report(args.report, rows, results, meta)
    bad = sum(r["n_cases"] - r["n_match"] for r in rows)
    if args.json:
        json.dump(verify_json(rows, results, meta), sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        out.print(summary_table(rows, width=out.width))
        out.print(f"{len(specs)} cases of {len(theorems)} theorems in {wall:.1f} s "
                  f"({meta['reused']} reused); " + ("every verdict as expected" if not bad else
                                                     f"[bold red]{bad} case(s) differ from the expected verdict[/]"))
        for r in rows:
            for u in r["unexpected"][:3]:
                out.print(f"  ✗ {r['theorem']} {u['case']}: {u['verdict']['status']}"
                          f"{' (' + u['failure'] + ')' if u['failure'] else ''}, expected {u['expected']}: "
                          f"{u['verdict']['evidence']}")
    return 1 if bad else 0


def _run_with_progress(specs, args, store):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..sweep import run_tasks

    err = Console(stderr=True)
    with Progress(TextColumn("verify"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task("", total=len(specs))

        def tick(res):
            bar.update(task, advance=1, description=f"{res['theorem']}")

        return run_tasks(specs, jobs=args.jobs, scheduler=args.scheduler, store=store, progress=tick)
