"""Run a study: command-line options, timing, JSON with config + version, figures.

A study module (``simtool.studies.seed00N_*``) provides ``NAME``, ``QUESTION``,
``FULL`` and ``SMOKE`` (configuration dicts) and ``run(config, seed, out) ->
(results, figures)``; this module is the only place that touches argv and writes
``<out>/<NAME>.json``::

    {"experiment", "question", "simtool_version", "seed", "smoke", "config",
     "results", "figures", "runtime_s", "load_average", "torch_threads", "device"}

Figures are drawn with matplotlib's object API (``matplotlib.figure.Figure``), never
pyplot, so no backend is selected globally.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["build_parser", "execute", "main", "to_jsonable", "new_figure", "save_figure"]


def to_jsonable(obj):
    """numpy scalars/arrays, dataclass instances and tuples → plain JSON types."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if np.isfinite(v) else None
    return obj


def new_figure(ncols: int = 1, nrows: int = 1, size: tuple[float, float] | None = None, projection=None):
    """A ``Figure`` with a grid of axes (``projection="3d"`` for 3-D axes)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=size or (4.2 * ncols, 3.6 * nrows), layout="constrained")
    axes = [fig.add_subplot(nrows, ncols, i + 1, projection=projection) for i in range(nrows * ncols)]
    return fig, axes


def save_figure(fig, out: Path, name: str) -> str:
    path = Path(out) / f"{name}.png"
    fig.savefig(path, dpi=110)
    return path.name


def build_parser(study) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"experiments/{study.NAME}", description=study.QUESTION)
    add_options(p)
    return p


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="master seed of every random choice (default 0)")
    p.add_argument("--out", default="out", metavar="DIR", help="directory for the JSON and figures (default out/)")
    p.add_argument("--smoke", action="store_true", help="tiny configuration for CI (seconds, not minutes)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")


def execute(study, *, seed: int = 0, out: str | os.PathLike = "out", smoke: bool = False, threads: int = 1) -> dict:
    """Run ``study`` and write ``<out>/<NAME>.json``; returns the written document."""
    import torch

    from .. import __version__

    torch.set_num_threads(max(1, int(threads)))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config = dict(study.SMOKE if smoke else study.FULL)
    start = time.perf_counter()
    results, figures = study.run(config, seed, out)
    doc = {
        "experiment": study.NAME,
        "question": study.QUESTION,
        "simtool_version": __version__,
        "seed": seed,
        "smoke": smoke,
        "config": config,
        "results": results,
        "figures": figures,
        "runtime_s": time.perf_counter() - start,
        "load_average": list(os.getloadavg()),
        "torch_threads": torch.get_num_threads(),
        "device": str(torch.device("cuda" if torch.cuda.is_available() else "cpu")),
    }
    doc = to_jsonable(doc)
    (out / f"{study.NAME}.json").write_text(json.dumps(doc, indent=1))
    return doc


def main(study, argv: Sequence[str] | None = None) -> int:
    """``python experiments/<script>.py [--seed S] [--out DIR] [--smoke]``."""
    args = build_parser(study).parse_args(argv)
    doc = execute(study, seed=args.seed, out=args.out, smoke=args.smoke, threads=args.threads)
    print(json.dumps({"experiment": doc["experiment"], "runtime_s": round(doc["runtime_s"], 1),
                      "out": str(Path(args.out) / f"{study.NAME}.json"), "summary": doc["results"].get("summary")},
                     indent=1))
    return 0
