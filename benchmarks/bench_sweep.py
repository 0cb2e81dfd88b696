"""Sweep scaling: the same CPU-bound grid of numerical checks on a 1-worker and a
2-worker Dask LocalCluster, interleaved repetitions, medians (issue 9 bar: ≥ 1.6×).

    python benchmarks/bench_sweep.py --repeat 3 --out benchmarks/results/sweep

Each worker is a process with one thread and torch single-threaded (simtool's worker
initialiser), so the grid is the only parallelism.  The load average is recorded
before and after: on a shared machine the ratio measures what the other users left.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def grid():
    from simtool.sweep import Grid

    return Grid(widths=(2,), activations=("tanh", "sin", "cos", "sigmoid"), seeds=(0, 1),
                n_traj=64, t_max=1.0, dt=0.02, n_samples=32)


def _warm() -> None:
    """Import the numeric engine and run one tiny check in this worker process."""
    from simtool.sweep import run_check_case
    from simtool.sweep.executors import _init_worker

    _init_worker()
    spec = grid().specs()[0]
    run_check_case({**spec["case"], "n_traj": 2, "t_max": 0.04})


def run_once(n_workers: int) -> tuple[float, float]:
    from distributed import Client, LocalCluster

    from simtool.sweep import run_tasks

    specs = grid().specs()
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            Client(cl) as client:
        client.wait_for_workers(n_workers)
        client.run(_warm)  # on every worker: imports and caches, not timed
        start = time.perf_counter()
        res = run_tasks(specs, scheduler=client)
        wall = time.perf_counter() - start
    bad = [r for r in res if r.get("failure") or r["verdict"]["status"] != "confirmed"]
    if bad:
        raise SystemExit(f"{len(bad)} grid points failed: {bad[0]['verdict']}")
    return wall, sum(r["seconds"] for r in res)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    load_before = os.getloadavg()
    times: dict[int, list[float]] = {1: [], 2: []}
    task_s: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeat):
        for n in (1, 2):  # interleaved: both see the same background load
            wall, busy = run_once(n)
            times[n].append(wall)
            task_s[n].append(busy)
            print(f"{n} worker(s): {wall:.2f} s wall, {busy:.2f} s summed task time", flush=True)
    med = {n: statistics.median(v) for n, v in times.items()}
    doc = {"grid_points": len(grid().specs()), "times_s": times, "median_s": med, "summed_task_s": task_s,
           "speedup_2_vs_1": med[1] / med[2], "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
           "cpu_count": os.cpu_count()}
    print(json.dumps(doc, indent=1))
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "bench_sweep.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
