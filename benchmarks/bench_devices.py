"""CPU against CUDA, side by side: one field evaluation and a short rk4 run of the
two-layer and the deep model, batch up to 65,536 (issue 6 / issue 12 GPU bars).

    python benchmarks/bench_devices.py --out DIR [--batches 256,4096,65536]
                                       [--max-cpu-batch 4096] [--steps 10] [--reps 5]

Problems: two-layer tanh m = 16, d = 8, n = 512; deep tanh widths (32, 32), d = 8,
n = 256; float64.  For each device: median/min/max of interleaved repetitions (see
``timing.py``), achieved GFLOP/s of the field against that device's 1024³ float64 GEMM
peak.  CPU runs above ``--max-cpu-batch`` are skipped (they take minutes).  Writes
``DIR/bench_devices.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_deep import flops as deep_flops  # noqa: E402
from timing import gemm_peak, interleaved, machine  # noqa: E402

from simtool.numeric import GradientFlowField, integrate  # noqa: E402
from simtool.numeric.models import model_for  # noqa: E402
from simtool.symbolic.activation import get_activation  # noqa: E402
from simtool.symbolic.deep import DeepNet  # noqa: E402
from simtool.symbolic.network import TwoLayerNet  # noqa: E402

PROBLEMS = {
    "two-layer m=16 d=8 n=512": (TwoLayerNet(16, get_activation("tanh"), 8), 512,
                                 lambda B: 4 * B * 512 * 16 * 10),
    "deep (32,32) d=8 n=256": (DeepNet((32, 32), get_activation("tanh"), input_dim=8), 256,
                               lambda B: deep_flops(B, (8, 32, 32, 1), 256)),
}


def run_case(net, n: int, B: int, device: str, steps: int, reps: int) -> dict:
    g = torch.Generator().manual_seed(0)
    d = net.layer_widths[0]
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.tanh(X.sum(1))
    theta = (0.3 * torch.randn(B, net.dim, generator=g, dtype=torch.float64)).to(device)
    fld = GradientFlowField(model_for(net, device=device), X, y)
    with torch.no_grad():
        st = interleaved({
            "field": lambda: fld(0.0, theta),
            "rk4": lambda: integrate(fld, theta, 0.1 * steps, method="rk4", dt=0.1),
        }, reps, device)
    return st


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--batches", default="256,4096,65536")
    p.add_argument("--max-cpu-batch", type=int, default=4096)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    peaks = {dev: gemm_peak(dev) for dev in devices}
    rows = []
    for name, (net, n, fl) in PROBLEMS.items():
        for B in (int(b) for b in a.batches.split(",")):
            row = {"problem": name, "batch": B, "gflop_per_field": fl(B) / 1e9}
            for dev in devices:
                if dev == "cpu" and B > a.max_cpu_batch:
                    row[dev] = "skipped (time budget)"
                    continue
                st = run_case(net, n, B, dev, a.steps, a.reps)
                row[dev] = {"field_median_s": st["field"]["median_s"],
                            "field_min_max_s": [st["field"]["min_s"], st["field"]["max_s"]],
                            "rk4_median_s": st["rk4"]["median_s"], "rk4_steps": a.steps,
                            "field_gflops": fl(B) / st["field"]["median_s"] / 1e9,
                            "fraction_of_gemm_peak": fl(B) / st["field"]["median_s"] / 1e9 / peaks[dev]}
                print(name, B, dev, f"field {st['field']['median_s'] * 1e3:.2f} ms, "
                      f"rk4×{a.steps} {st['rk4']['median_s'] * 1e3:.1f} ms, "
                      f"{row[dev]['field_gflops']:.1f} GFLOP/s ({row[dev]['fraction_of_gemm_peak']:.0%} of peak)",
                      flush=True)
            if isinstance(row.get("cpu"), dict) and isinstance(row.get("cuda"), dict):
                row["cuda_speedup_field"] = row["cpu"]["field_median_s"] / row["cuda"]["field_median_s"]
            rows.append(row)
    doc = {"machine": machine(devices[-1]), "gemm_peak_gflops": peaks, "rows": rows}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_devices.json").write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
