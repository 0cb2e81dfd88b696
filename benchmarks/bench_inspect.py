"""Bar of ``simtool inspect`` (issue 8): symmetry detection for a 784-256-256-10 MLP.

    python benchmarks/bench_inspect.py [--repeat 5] [--out DIR]

"Detection" = trace with torch.fx + automorphisms + lifting + verification (the
``inspect_module`` call, in process, model already built); bar < 2 s.  Backends
``nauty`` (pynauty) and ``python`` (pure-Python fallback) are interleaved repetition by
repetition and the medians reported, with the phase timings of the last run and the
load average (the machine is shared); also the process CPU time, which a busy neighbour
inflates less than wall-clock time.  Also the pure-Python search *without* the
chain/twin reduction on a 784-16-16-10 MLP, to show what the reduction buys.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch
from torch import nn

from simtool.inspect import inspect_module
from simtool.inspect.automorphism import automorphism_group, coloured_digraph, nauty_available
from simtool.inspect.trace import trace_module
from simtool.inspect.traced_net import TracedNet


def mlp(widths):
    layers = []
    for a, b in zip(widths, widths[1:-1]):
        layers += [nn.Linear(a, b), nn.Tanh()]
    layers.append(nn.Linear(widths[-2], widths[-1]))
    return nn.Sequential(*layers)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = mlp((784, 256, 256, 10))
    backends = ["nauty", "python"] if nauty_available() else ["python"]
    times: dict[str, list[float]] = {b: [] for b in backends}
    cpu: dict[str, list[float]] = {b: [] for b in backends}
    last = {}
    for _ in range(args.repeat):
        for b in backends:
            t, c = time.perf_counter(), time.process_time()
            ins = inspect_module(model, backend=b)
            times[b].append(time.perf_counter() - t)
            cpu[b].append(time.process_time() - c)
            last[b] = {k: round(v, 4) for k, v in ins.group.timings.items()}
            order_digits = len(str(ins.group.order))
    small = mlp((784, 16, 16, 10))
    g, _ = trace_module(small)
    dg, _ = coloured_digraph(TracedNet(g).graph)
    t = time.perf_counter()
    unreduced = automorphism_group(dg, "python", reduce_twins=False)
    t_unreduced = time.perf_counter() - t
    t = time.perf_counter()
    reduced = automorphism_group(dg, "python", reduce_twins=True)
    t_reduced = time.perf_counter() - t
    assert unreduced.order == reduced.order
    res = {
        "case": "784-256-256-10 tanh MLP: trace + automorphisms + lifting + verification",
        "group_order_digits": order_digits,
        "median_s": {b: statistics.median(v) for b, v in times.items()},
        "all_s": times,
        "median_cpu_s": {b: statistics.median(v) for b, v in cpu.items()},
        "phases_last_run_s": last,
        "bar_s": 2.0,
        "python_search_784_16_16_10": {"unreduced_s": t_unreduced, "with_chain_twin_reduction_s": t_reduced,
                                        "order": str(unreduced.order)},
        "loadavg": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    print(json.dumps(res, indent=1))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "inspect.json").write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
