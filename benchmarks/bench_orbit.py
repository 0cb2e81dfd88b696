"""Orbit-rank speed at D ≈ 200 and conservation-law counts vs the known laws (issue 7 bars).

Counts: ``D − r`` (r = Lie-bracket rank, depth 2, generic random point) against the
exact functional rank, at a random rational point, of the known laws: per hidden
neuron |incoming|² − |outgoing|² for relu; the entries of W_{l+1}ᵀW_{l+1} − W̃_l W̃_lᵀ
for linear nets (Marcotte–Gribonval–Peyré, arXiv 2307.00144, show these are all the
laws for two-layer nets).  Usage: ``python benchmarks/bench_orbit.py [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from test_conservation import _balancedness, _linear_laws  # noqa: E402

from simtool.numeric.models import model_for  # noqa: E402
from simtool.numeric.orbit import endpoint_rank, lie_rank  # noqa: E402
from simtool.symbolic.activation import get_activation  # noqa: E402
from simtool.symbolic.conservation import _independent  # noqa: E402
from simtool.symbolic.deep import DeepNet  # noqa: E402
from simtool.symbolic.network import TwoLayerNet  # noqa: E402


def known_rank(net, laws, seed=0):
    """Exact rank of the known laws' gradients at a random rational point."""
    return _independent(net, laws, random.Random(seed))[0]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--counts-only", action="store_true")
    ap.add_argument("--depth", type=int, default=3, help="bracket depth of the count table (default 3)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    res = {"load_before": os.getloadavg(), "speed": [], "counts": []}
    big = [("relu two-layer m=50 d=2", TwoLayerNet(50, get_activation("relu"), 2)),
           ("linear deep (10,10) d=8 no bias", DeepNet((10, 10), get_activation("identity"), 8, bias=False)),
           ("tanh two-layer m=50 d=2", TwoLayerNet(50, get_activation("tanh"), 2))]
    for name, net in ([] if args.counts_only else big):
        model = model_for(net)
        gen = torch.Generator().manual_seed(args.seed)
        theta = torch.randn(net.dim, generator=gen, dtype=torch.float64)
        lie, t_lie = timed(lambda model=model, theta=theta, gen=gen:
                       lie_rank(model, theta, depth=2, generator=gen))
        row = {"net": name, "D": net.dim, "lie_rank": lie.rank, "lie_gap": lie.final.gap,
               "lie_s": round(t_lie, 2)}
        if "relu" in name:
            (end, info), t_end = timed(lambda model=model, theta=theta, gen=gen:
                       endpoint_rank(model, theta, generator=gen))
            row.update(endpoint_rank=end.rank, endpoint_gap=end.gap, endpoint_s=round(t_end, 2))
        print(row, flush=True)
        res["speed"].append(row)
    rng = random.Random(args.seed)
    relu, ident = get_activation("relu"), get_activation("identity")
    archs = []
    for _ in range(5):
        archs.append(("relu", TwoLayerNet(rng.randint(2, 5), relu, rng.randint(1, 3))))
        archs.append(("relu", DeepNet((rng.randint(2, 5), rng.randint(2, 5)), relu, rng.randint(1, 3))))
        archs.append(("linear", TwoLayerNet(rng.randint(2, 5), ident, rng.randint(1, 3), bias=False)))
        archs.append(("linear", DeepNet((rng.randint(2, 5), rng.randint(2, 5)), ident, rng.randint(1, 3),
                                        bias=False)))
    for kind, net in archs:
        model = model_for(net)
        gen = torch.Generator().manual_seed(args.seed)
        theta = torch.randn(net.dim, generator=gen, dtype=torch.float64)
        lie, t = timed(lambda model=model, theta=theta, gen=gen:
                       lie_rank(model, theta, depth=args.depth, generator=gen))
        r = lie.rank
        extra = {}
        if isinstance(net, DeepNet):  # depth-limited brackets miss directions of deep nets
            (end, _), t_end = timed(lambda model=model, theta=theta, gen=gen:
                       endpoint_rank(model, theta, generator=gen))
            r = max(r, end.rank)
            extra = {"endpoint_rank": end.rank, "endpoint_confidence": end.confidence,
                     "endpoint_s": round(t_end, 2)}
        known = known_rank(net, _balancedness(net) if kind == "relu" else _linear_laws(net))
        row = {"kind": kind, "net": net.describe(), "D": net.dim, "conserved": net.dim - r,
               "lie_rank": lie.rank, **extra, "known_laws_rank": known, "equal": net.dim - r == known,
               "rank_by_depth": [q.rank for q in lie.by_depth], "confidence": lie.final.confidence,
               "s": round(t, 2)}
        print(row, flush=True)
        res["counts"].append(row)
    res["load_after"] = os.getloadavg()
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
