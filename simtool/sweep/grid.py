r"""Grids of numerical checks: widths × activations × losses × data × seeds.

>>> g = Grid(widths=(2, 3), activations=("tanh",), seeds=(0, 1))
>>> len(g.specs()), g.specs()[0]["case"]["width"]
(4, 2)

Each grid point is a plain task spec (``kind = "check"``); :func:`run_check_case`
builds the network, the data set and the flow set-up from it *inside the worker*
(nothing unpicklable is shipped), runs :func:`~simtool.numeric.checks.check_elements`
on the class representatives of the lattice, and returns plain dicts.
:func:`run_grid` runs the points on a process pool or Dask and :func:`merge` folds
them into one report with per-verdict counts.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..verdict import worst_status
from .executors import run_tasks
from .store import ResultStore

__all__ = ["Grid", "run_check_case", "run_grid", "merge"]


@dataclass(frozen=True)
class Grid:
    """The product of the listed values; the other fields are shared by every point."""

    widths: Sequence[int] = (2,)
    activations: Sequence[str] = ("tanh",)
    losses: Sequence[str] = ("mse",)
    data: Sequence[str] = ("teacher",)
    seeds: Sequence[int] = (0,)
    integrator: str = "rk4"
    t_max: float = 1.0
    dt: float | None = 0.05
    n_traj: int = 32
    n_samples: int = 32
    timeout: float | None = None

    def specs(self) -> list[dict[str, Any]]:
        out = []
        for m, act, loss, data, seed in itertools.product(self.widths, self.activations, self.losses,
                                                           self.data, self.seeds):
            case = {"width": int(m), "activation": str(act), "loss": str(loss), "data": str(data),
                    "seed": int(seed), "integrator": self.integrator, "t_max": float(self.t_max),
                    "dt": self.dt, "n_traj": int(self.n_traj), "n_samples": int(self.n_samples)}
            spec: dict[str, Any] = {"kind": "check", "case": case, "expected": "confirmed"}
            if self.timeout:
                spec["timeout"] = float(self.timeout)
            out.append(spec)
        return out


def run_check_case(case: dict[str, Any]) -> dict[str, Any]:
    """All numerical checks on the class representatives of one grid point (plain dict)."""
    import numpy as np

    from ..numeric.check_setup import FlowSetup
    from ..numeric.checks import check_elements
    from ..numeric.data import make_dataset
    from ..symbolic import TwoLayerNet, enumerate_lattice, get_activation

    start = time.perf_counter()
    net = TwoLayerNet(int(case["width"]), get_activation(case["activation"]))
    lat = enumerate_lattice(net)
    data = make_dataset(case["data"], n_samples=int(case["n_samples"]), rng=np.random.default_rng(case["seed"]),
                        binary=case["loss"] == "logistic")
    setup = FlowSetup(net, data.x, data.y, loss=case["loss"], integrator=case["integrator"],
                      t_max=float(case["t_max"]), dt=case.get("dt"), n_save=5, seed=int(case["seed"]))
    reports = [r for _, reps in check_elements(setup, lat.representatives(), symmetries=lat.symmetries.generators,
                                               n_traj=int(case["n_traj"]), seed=int(case["seed"])) for r in reps]
    status = worst_status(r.verdict for r in reports)
    return {"theorem": "check", "case": dict(case), "expected": "confirmed",
            "verdict": {"status": status.value,
                        "evidence": f"{len(reports)} class representatives; worst verdict {status.value}"},
            "matches": status.value in ("confirmed", "n/a"), "elements": [r.as_dict() for r in reports],
            "seconds": round(time.perf_counter() - start, 4), "failure": ""}


def run_grid(grid: Grid, *, jobs: int = 1, scheduler: Any = None, out: str | None = None,
             progress=None) -> list[dict[str, Any]]:
    """Run every grid point (reusing finished ones from ``out``); one dict per point."""
    store = ResultStore(out) if out else None
    return run_tasks(grid.specs(), jobs=jobs, scheduler=scheduler, store=store, progress=progress)


def merge(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One report: counts per verdict, the failures with their cases, all results."""
    counts: dict[str, int] = {}
    for r in results:
        s = r["verdict"]["status"]
        counts[s] = counts.get(s, 0) + 1
    return {"n_tasks": len(results), "counts": counts,
            "failures": [{"case": r["case"], "failure": r["failure"], "evidence": r["verdict"]["evidence"]}
                         for r in results if r.get("failure")],
            "reused": sum(bool(r.get("reused")) for r in results),
            "seconds": round(sum(float(r.get("seconds", 0.0)) for r in results), 3),
            "results": list(results)}
