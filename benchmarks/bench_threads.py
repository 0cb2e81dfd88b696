"""Threads and OpenMP wait policy, quiet and under load (issue 12 item 3).

    python benchmarks/bench_threads.py --out DIR [--reps 7] [--busy 2]

For each ``OMP_WAIT_POLICY`` in (unset, PASSIVE, ACTIVE) and each torch thread count in
(1, cores) a fresh process (the policy is read once, when OpenMP starts) times, on the
issue's size (B, m, d, n) = (256, 16, 8, 512), tanh, float64:

* one field evaluation of simtool's kernel, and
* the contender ratio: 5 rk4 steps of simtool against the hand rk4 over
  ``torch.func.vmap(grad)`` (interleaved, medians),

first on the quiet machine and then with ``--busy`` processes spinning on the CPU (what
another user's job does to a shared machine).  Writes ``DIR/bench_threads.json``: per
setting the medians and min–max, the load average, and the drop of each ratio under load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from timing import busy_load  # noqa: E402

POLICIES = ("(unset)", "PASSIVE", "ACTIVE")

CHILD = r"""
import json, sys, os
sys.path.insert(0, {here!r})
import torch
torch.set_num_threads({threads})
from timing import interleaved, ratio
from bench_peers import problem, autograd_field, hand_rk4
from simtool.numeric import GradientFlowField, integrate
model, X, y, theta = problem(256, 16, 8, 512)
fld = GradientFlowField(model, X, y)
F = autograd_field(model, X, y)
h, steps = 0.01, 5
with torch.no_grad():
    st = interleaved({{"field": lambda: fld(0.0, theta)}}, {reps})
    rk = interleaved({{"simtool": lambda: integrate(fld, theta, h * steps, method="rk4", dt=h),
                      "hand": lambda: hand_rk4(F, theta, h, steps)}}, {reps})
print(json.dumps({{"field": st["field"], "rk4": rk, "hand_over_simtool": ratio(rk, "hand", "simtool"),
                  "loadavg": os.getloadavg(), "threads": torch.get_num_threads()}}))
"""


def run_child(policy: str, threads: int, reps: int) -> dict:
    env = dict(os.environ)
    env.pop("OMP_WAIT_POLICY", None)
    if policy != "(unset)":
        env["OMP_WAIT_POLICY"] = policy
    code = CHILD.format(here=str(HERE), threads=threads, reps=reps)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=900, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--busy", type=int, default=2, help="busy processes for the loaded run")
    a = p.parse_args(argv)
    cores = os.cpu_count() or 1
    settings = [(pol, t) for pol in POLICIES for t in sorted({1, cores})]
    rows = []
    for load in ("quiet", "loaded"):
        with busy_load(a.busy if load == "loaded" else 0):
            for pol, t in settings:
                r = run_child(pol, t, a.reps)
                r.update(policy=pol, load=load, busy=a.busy if load == "loaded" else 0)
                rows.append(r)
                print(f"{load:6s} OMP_WAIT_POLICY={pol:8s} threads={t}: field "
                      f"{r['field']['median_s'] * 1e3:7.1f} ms [{r['field']['min_s'] * 1e3:.1f}–"
                      f"{r['field']['max_s'] * 1e3:.1f}], hand/simtool rk4 {r['hand_over_simtool']:.2f}×, "
                      f"load {r['loadavg'][0]:.1f}", flush=True)
    drops = {}
    for pol, t in settings:
        q = next(r for r in rows if r["load"] == "quiet" and r["policy"] == pol and r["threads"] == t)
        lo = next(r for r in rows if r["load"] == "loaded" and r["policy"] == pol and r["threads"] == t)
        drops[f"{pol}/{t}"] = {"ratio_quiet": q["hand_over_simtool"], "ratio_loaded": lo["hand_over_simtool"],
                               "ratio_drop": 1 - lo["hand_over_simtool"] / q["hand_over_simtool"],
                               "field_slowdown": lo["field"]["median_s"] / q["field"]["median_s"]}
        d = drops[f"{pol}/{t}"]
        print(f"OMP_WAIT_POLICY={pol:8s} threads={t}: ratio {d['ratio_quiet']:.2f}× → {d['ratio_loaded']:.2f}× "
              f"(drop {d['ratio_drop'] * 100:+.0f} %), field {d['field_slowdown']:.2f}× slower under load")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_threads.json").write_text(json.dumps({"cores": cores, "rows": rows, "drops": drops}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
