"""simtool's flows against what a user would write instead, side by side (issue 12).

    python benchmarks/bench_peers.py --out DIR [--steps 10] [--reps 5] [--sizes all|quick]

rk4 at equal steps, on the issue's sizes (B, m, d, n) = (256,16,8,512), (256,16,8,32),
(1024,4,1,32), (64,128,16,1024), tanh two-layer, float64, 1 thread:

* ``simtool``: ``integrate(GradientFlowField, method="rk4")``;
* ``hand``: a hand-written rk4 loop over ``torch.func.vmap(torch.func.grad(risk))``;
* ``torchdiffeq``: ``odeint(..., method="rk4")`` with that autograd field;
* ``torchdiffeq+simtool``: ``odeint`` driving simtool's field (credits field vs integrator).

Mixed easy/stiff batch (dopri5, per-row control): rows with parameter scales spread over
two decades, simtool with live-row integration, without it (``live_rows=False``), and
torchdiffeq / torchode dopri5 driving simtool's field at the same tolerances; final
errors against a tight simtool dopri5 reference (rtol 1e-12) are reported next to the
times (equal-accuracy comparison: read the errors).  Interleaved repetitions, medians and
min–max, GEMM peak and load (``timing.py``).  Writes ``DIR/bench_peers.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import gemm_peak, interleaved, machine, ratio  # noqa: E402

from simtool.numeric import GradientFlowField, integrate  # noqa: E402
from simtool.numeric.model import TwoLayerModel  # noqa: E402

SIZES = [(256, 16, 8, 512), (256, 16, 8, 32), (1024, 4, 1, 32), (64, 128, 16, 1024)]


def problem(B, m, d, n, seed=0, spread=None):
    model = TwoLayerModel.from_spec(m, "tanh", input_dim=d)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.tanh(X @ torch.randn(d, generator=g, dtype=torch.float64))
    theta = 0.5 * torch.randn(B, model.dim, generator=g, dtype=torch.float64)
    if spread is not None:
        theta = theta * torch.logspace(0, spread, B, dtype=torch.float64)[:, None]
    return model, X, y, theta


def autograd_field(model, X, y):
    Xd = model.prepare(X)

    def risk(th):
        f = model.output(th[None], Xd)[0]
        return 0.5 * ((f - y) ** 2).mean()

    vg = torch.func.vmap(torch.func.grad(risk))
    return lambda t, th: -vg(th)


def hand_rk4(F, th, h, steps):
    for _ in range(steps):
        k1 = F(0, th)
        k2 = F(0, th + h / 2 * k1)
        k3 = F(0, th + h / 2 * k2)
        k4 = F(0, th + h * k3)
        th = th + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return th


def rk4_case(size, steps, reps):
    from torchdiffeq import odeint

    model, X, y, theta = problem(*size)
    fld = GradientFlowField(model, X, y)
    F = autograd_field(model, X, y)
    h = 0.01
    tt = torch.linspace(0, h * steps, 2, dtype=torch.float64)
    with torch.no_grad():
        ref = integrate(fld, theta, h * steps, method="rk4", dt=h).final
        errs = {"hand": float((hand_rk4(F, theta, h, steps) - ref).abs().max()),
                "torchdiffeq": float((odeint(F, theta, tt, method="rk4", options={"step_size": h})[-1]
                                      - ref).abs().max())}
        st = interleaved({
            "simtool": lambda: integrate(fld, theta, h * steps, method="rk4", dt=h),
            "hand": lambda: hand_rk4(F, theta, h, steps),
            "torchdiffeq": lambda: odeint(F, theta, tt, method="rk4", options={"step_size": h}),
            "torchdiffeq+simtool": lambda: odeint(fld, theta, tt, method="rk4", options={"step_size": h}),
        }, reps)
    B, m, d, n = size
    mm_a, mm_b = torch.randn(n, d + 1, dtype=torch.float64), torch.randn(d + 1, B * m, dtype=torch.float64)
    with torch.no_grad():
        st2 = interleaved({"field": lambda: fld(0.0, theta), "matmul": lambda: mm_a @ mm_b}, reps)
    return {"size": size, "steps": steps, "max_err_vs_simtool": errs, "stats": st,
            "field_vs_matmul": ratio(st2, "matmul", "field"), "field_stats": st2,
            "speedup": {k: ratio(st, k, "simtool") for k in st if k != "simtool"}}


def mixed_case(reps):
    from torchdiffeq import odeint

    model, X, y, theta = problem(256, 16, 8, 64, spread=1.0)
    fld = GradientFlowField(model, X, y)
    opts = {"rtol": 1e-7, "atol": 1e-9}
    T = 1.0
    with torch.no_grad():
        ref = integrate(fld, theta, T, method="dopri5", rtol=1e-11, atol=1e-13).final
        live = integrate(fld, theta, T, method="dopri5", **opts)
        full = integrate(GradientFlowField(model, X, y), theta, T, method="dopri5", live_rows=False, **opts)
        tt = torch.tensor([0.0, T], dtype=torch.float64)
        tdq = odeint(fld, theta, tt, method="dopri5", **opts)[-1]
        runs = {"simtool_live": lambda: integrate(fld, theta, T, method="dopri5", **opts),
                "simtool_all_rows": lambda: integrate(fld, theta, T, method="dopri5", live_rows=False, **opts),
                "torchdiffeq+simtool": lambda: odeint(fld, theta, tt, method="dopri5", **opts)}
        errs = {"simtool_live": float((live.final - ref).abs().max()),
                "simtool_all_rows": float((full.final - ref).abs().max()),
                "torchdiffeq+simtool": float((tdq - ref).abs().max())}
        try:
            import torchode as to

            term = to.ODETerm(lambda t, th: fld(t, th))
            solver = to.AutoDiffAdjoint(to.Dopri5(term=term),
                                        to.IntegralController(atol=opts["atol"], rtol=opts["rtol"], term=term))
            t_eval = tt.expand(len(theta), 2)
            prob = to.InitialValueProblem(y0=theta, t_eval=t_eval)
            sol = solver.solve(prob)
            errs["torchode+simtool"] = float((sol.ys[:, -1] - ref).abs().max())
            runs["torchode+simtool"] = lambda: solver.solve(prob)
        except Exception as exc:  # torchode missing or API drift: record, do not fail
            errs["torchode+simtool"] = f"not run: {exc!r}"[:200]
        st = interleaved(runs, reps)
    return {"problem": "B=256, m=16, d=8, n=64, t_max=1, parameter scales 1..10 (logspace)", "tolerances": opts,
            "live_row_evals": live.n_row_evals, "all_row_evals": full.n_row_evals,
            "same_steps": bool(torch.equal(live.n_steps, full.n_steps)),
            "max_err_vs_reference": errs, "stats": st,
            "speedup": {k: ratio(st, k, "simtool_live") for k in st if k != "simtool_live"}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--sizes", default="all", choices=["all", "quick"])
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    info = machine()
    peak = gemm_peak()
    sizes = SIZES if a.sizes == "all" else [(64, 8, 4, 32)]
    rows = []
    for size in sizes:
        r = rk4_case(size, a.steps, a.reps)
        rows.append(r)
        print(size, {k: f"{v:.2f}x" for k, v in r["speedup"].items()},
              f"field/matmul {r['field_vs_matmul']:.2f}", flush=True)
    mixed = mixed_case(a.reps)
    print("mixed dopri5", {k: f"{v:.2f}x" for k, v in mixed["speedup"].items()}, mixed["max_err_vs_reference"],
          "row evals", mixed["live_row_evals"], "vs", mixed["all_row_evals"], flush=True)
    info["loadavg_end"] = os.getloadavg()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_peers.json").write_text(json.dumps(
        {"machine": info, "gemm_peak_gflops": peak, "rk4": rows, "mixed_dopri5": mixed}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
