"""Bars of issue 7 (items 1–3), measured in one process, interleaved repetitions, medians.

    python benchmarks/bench_beyond.py [--repeat 3] [--survey] [--out FILE]

* exact ``subspace`` verdicts (tangency + symmetry-induced + complete group), width ≤ 4
  (bar < 2 s each, in-process: the ~1 s Python/sympy start-up is not included);
* the complete signed-permutation group of width-4 two-layer nets and (3,3) deep nets
  (bar < 2 s each);
* ``--survey``: ``simtool survey --widths 1..3`` over the whole registry, one fresh
  process (bar < 5 min).

The machine is shared: the 1-minute load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import time

SUBSPACE = [
    ["--width", "4", "--activation", "tanh", "--where", "a1=0, w1=0, b1=0"],
    ["--width", "4", "--activation", "silu", "--where", "a1=0, w1=0, b1=0"],
    ["--width", "4", "--activation", "tanh", "--where", "a1 + a2 = 2*a3"],
    ["--width", "4", "--activation", "sin", "--where", "w1 = 0, b1 = pi/2"],
    ["--width", "4", "--activation", "gelu", "--where", "w1=w2, b1=b2, a1=-a2"],
    ["--width", "4", "--activation", "cos", "--output-bias", "--where", "w1=0, b1=0, a1=c"],
    ["--width", "4", "--activation", "identity", "--no-bias", "--where", "a1=w1"],
    ["--width", "4", "--activation", "tanh", "--input-dim", "2", "--where", "w1_1=w2_1, w1_2=w2_2, b1=b2, a1=a2"],
    ["--widths", "3,3", "--activation", "tanh", "--where", "w1_1_1=0, b1_1=0, w2_1_1=0, w2_2_1=0, w2_3_1=0"],
]
GROUPS = [("two", 4, "tanh", {}), ("two", 4, "identity", {"bias": False}), ("two", 4, "tanh", {"input_dim": 2}),
          ("deep", (3, 3), "tanh", {}), ("deep", (3, 3), "silu", {}), ("deep", (3, 3), "identity", {"bias": False})]


def _subspace(argv) -> float:
    from simtool.cli import main

    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        rc = main(["subspace", *argv, "--json"])
    assert rc == 0, argv
    return time.perf_counter() - t


def _group(spec) -> tuple[float, int]:
    from simtool.symbolic.activation import get_activation
    from simtool.symbolic.complete_group import complete_group
    from simtool.symbolic.deep import DeepNet
    from simtool.symbolic.network import TwoLayerNet

    kind, w, act, kw = spec
    t = time.perf_counter()
    net = TwoLayerNet(w, get_activation(act), **kw) if kind == "two" else DeepNet(w, get_activation(act), **kw)
    order = complete_group(net).order
    return time.perf_counter() - t, order


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--survey", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    import simtool.cli.subspace_cmd  # noqa: F401  (import cost outside the timings)

    sub: dict[str, list[float]] = {" ".join(a): [] for a in SUBSPACE}
    grp: dict[str, list[float]] = {str(g): [] for g in GROUPS}
    orders = {}
    for _ in range(args.repeat):  # interleaved: every case once per round
        for a in SUBSPACE:
            sub[" ".join(a)].append(_subspace(a))
        for g in GROUPS:
            dt, orders[str(g)] = _group(g)
            grp[str(g)].append(dt)
    out = {"load_before": load0, "subspace_s": {k: statistics.median(v) for k, v in sub.items()},
           "group_s": {k: statistics.median(v) for k, v in grp.items()}, "group_order": orders}
    if args.survey:
        t = time.perf_counter()
        subprocess.run([shutil.which("simtool") or "simtool", "survey", "--widths", "1..3", "--json"],
                       check=True, stdout=subprocess.DEVNULL)
        out["survey_1..3_s"] = time.perf_counter() - t
    out["load_after"] = os.getloadavg()[0]
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
