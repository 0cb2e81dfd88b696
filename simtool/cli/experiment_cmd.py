"""``simtool experiment NAME [--smoke] [--seed S] [--out DIR]``: run a companion experiment.

The experiments are importable studies (:mod:`simtool.studies`), so the command works
from an installed package; ``experiments/*.py`` in the repository are thin scripts
around the same code.  Writes ``DIR/<study>.json`` (results, configuration, seed,
simtool version, run time, load average) and the figures as PNG.
"""

from __future__ import annotations

import json
from pathlib import Path


def add_parser(subparsers, name: str, summary: str) -> None:
    from ..studies import STUDIES
    from ..studies.runner import add_options

    p = subparsers.add_parser(
        name, help=summary,
        description="Run one of the companion experiments that test the seed papers' claims on offline data "
        "against controls and nulls (see experiments/README.md).",
        epilog="Experiments: " + "; ".join(f"{k} ({v[1]})" for k, v in STUDIES.items()),
    )
    p.add_argument("name", metavar="NAME", help="experiment: " + ", ".join(STUDIES))
    add_options(p)
    p.add_argument("--json", action="store_true", help="print the whole result document instead of a summary")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..studies import get_study
    from ..studies.runner import execute

    study = get_study(args.name)  # SimtoolError for unknown names -> exit 2
    if args.threads < 1:
        from ..errors import SimtoolError

        raise SimtoolError(f"--threads must be a positive integer, got {args.threads}")
    doc = execute(study, seed=args.seed, out=args.out, smoke=args.smoke, threads=args.threads)
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print(f"{doc['experiment']}: {doc['runtime_s']:.1f} s, wrote {Path(args.out) / (study.NAME + '.json')} "
              f"and {', '.join(doc['figures'])}")
        print(json.dumps(doc["results"]["summary"], indent=1))
    return 0
