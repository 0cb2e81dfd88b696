"""simtool's flows against what a user would write instead, side by side (issue 12).

    python benchmarks/bench_peers.py --out DIR [--steps 10] [--reps 5] [--sizes all|quick]
                                     [--dopri5 all|none] [--dopri5-reps 2]

rk4 at equal steps, on the issue's sizes (B, m, d, n) = (256,16,8,512), (256,16,8,32),
(1024,4,1,32), (64,128,16,1024), tanh two-layer, float64, 1 thread:

* ``simtool``: ``integrate(GradientFlowField, method="rk4")``;
* ``hand``: a hand-written rk4 loop over ``torch.func.vmap(torch.func.grad(risk))``;
* ``torchdiffeq``: ``odeint(..., method="rk4")`` with that autograd field;
* ``torchdiffeq+simtool``: ``odeint`` driving simtool's field (credits field vs integrator).

The field alone against a plain ``torch.matmul`` of the GEMM's shapes
``(n, d+1) × (d+1, B·m)``, and against ``torch.tanh`` alone on the same ``n·B·m``
pre-activations (the floor for any kernel that evaluates σ once per pre-activation).

dopri5 at equal final error (``--dopri5 all``): on (256,16,8,512) and on a mixed
easy/stiff batch (256,16,8,64) whose rows' parameter scales spread over a decade,
simtool (live rows, per-row step control), simtool without live rows, torchdiffeq and
torchode dopri5 with the autograd field a user would write, and both driving simtool's
field.  Each runs over a grid of tolerances (atol = rtol/100), its final error is taken
against a scipy DOP853 reference at rtol 1e-12, and the time each needs for the same
error is read off its (error, time) curve by log–log interpolation.  Live rows against
all rows are compared at equal steps as well.  Interleaved repetitions, medians and
min–max, GEMM peak and load (``timing.py``); the kernel plans the calibration chose.
Writes ``DIR/bench_peers.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import busy_load, gemm_peak, interleaved, machine, ratio  # noqa: E402

from simtool.numeric import GradientFlowField, integrate  # noqa: E402
from simtool.numeric.kernel_plan import chosen_plans  # noqa: E402
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
    # the activation alone on every pre-activation, in cache-sized blocks: no kernel that
    # evaluates σ once per (sample, row, unit) can take less time than this
    z = torch.randn(n, B * m, dtype=torch.float64)
    zs = torch.empty_like(z)
    nb = max(1, (1 << 17) // (B * m))

    def sigma_only():
        for i in range(0, n, nb):
            torch.tanh(z[i:i + nb], out=zs[i:i + nb])

    with torch.no_grad():
        st2 = interleaved({"field": lambda: fld(0.0, theta), "matmul": lambda: mm_a @ mm_b,
                           "tanh_only": sigma_only}, reps)
    return {"size": size, "steps": steps, "max_err_vs_simtool": errs, "stats": st,
            "field_vs_matmul": ratio(st2, "matmul", "field"), "field_stats": st2,
            "tanh_only_vs_matmul": ratio(st2, "matmul", "tanh_only"),
            "speedup": {k: ratio(st, k, "simtool") for k in st if k != "simtool"}}


def scipy_reference(fld, theta, T, rtol=1e-12, atol=1e-14):
    """Final state of the whole batch as one ODE, scipy DOP853 at a tight tolerance."""
    import numpy as np
    from scipy.integrate import solve_ivp

    shape = theta.shape

    def rhs(t, v):
        with torch.no_grad():
            return fld(t, torch.from_numpy(v).view(shape)).reshape(-1).numpy()

    sol = solve_ivp(rhs, (0.0, T), theta.reshape(-1).numpy().copy(), method="DOP853",
                    rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"scipy reference failed: {sol.message}")
    return torch.from_numpy(np.ascontiguousarray(sol.y[:, -1])).view(shape), int(sol.nfev)


def dopri5_contenders(model, X, y, theta, T):
    """name -> run(rtol) returning the final states, for simtool and the peers (each peer
    once with the autograd field a user would write, once driving simtool's field)."""
    from torchdiffeq import odeint

    fld = GradientFlowField(model, X, y)
    F = autograd_field(model, X, y)
    tt = torch.tensor([0.0, T], dtype=torch.float64)
    runs = {
        "simtool": lambda rtol: integrate(fld, theta, T, method="dopri5", rtol=rtol, atol=rtol * ATOL_RATIO).final,
        "simtool_all_rows": lambda rtol: integrate(fld, theta, T, method="dopri5", rtol=rtol,
                                                   atol=rtol * ATOL_RATIO, live_rows=False).final,
        "torchdiffeq": lambda rtol: odeint(F, theta, tt, method="dopri5", rtol=rtol, atol=rtol * ATOL_RATIO)[-1],
        "torchdiffeq+simtool": lambda rtol: odeint(fld, theta, tt, method="dopri5", rtol=rtol,
                                                   atol=rtol * ATOL_RATIO)[-1],
    }
    try:
        import torchode as to
    except ImportError:  # recorded as missing
        return runs, fld
    t_eval = tt.expand(len(theta), 2)

    def torchode_run(field):
        def run(rtol):
            term = to.ODETerm(lambda t, th: field(t, th))
            solver = to.AutoDiffAdjoint(to.Dopri5(term=term), to.IntegralController(
                atol=rtol * ATOL_RATIO, rtol=rtol, term=term))
            return solver.solve(to.InitialValueProblem(y0=theta, t_eval=t_eval)).ys[:, -1]
        return run

    runs["torchode"] = torchode_run(F)
    runs["torchode+simtool"] = torchode_run(fld)
    return runs, fld


#: atol = rtol × this for every contender
ATOL_RATIO = 1e-2
RTOLS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)


def equal_error_case(label, size, reps, spread=None, T=1.0, rtols=RTOLS):
    """dopri5 at equal final error: every contender over a grid of tolerances (timed
    interleaved), its error against a scipy DOP853 reference (rtol 1e-12), and the time
    each needs for a target error, by log–log interpolation of its (error, time) curve.
    The targets are errors every contender reaches within its grid."""
    import math

    import numpy as np

    model, X, y, theta = problem(*size, spread=spread)
    runs, fld = dopri5_contenders(model, X, y, theta, T)
    with torch.no_grad():
        ref, nfev = scipy_reference(fld, theta, T)
        curves = {k: [] for k in runs}
        for rtol in rtols:
            errs = {k: float((run(rtol) - ref).abs().max()) for k, run in runs.items()}
            st = interleaved({k: (lambda run=run, r=rtol: run(r)) for k, run in runs.items()}, reps,
                             warmup=False)  # the error runs just before were the warm-up
            for k in runs:
                curves[k].append({"rtol": rtol, "max_err": errs[k], "median_s": st[k]["median_s"],
                                  "min_s": st[k]["min_s"], "max_s": st[k]["max_s"]})
            print(f"  {label} rtol {rtol:g}: " + ", ".join(
                f"{k} {errs[k]:.1e}/{st[k]['median_s']:.2f}s" for k in runs), flush=True)

    def time_at(curve, err):
        pts = sorted((math.log(c["max_err"]), math.log(c["median_s"])) for c in curve if c["max_err"] > 0)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        if not xs or not xs[0] <= math.log(err) <= xs[-1]:
            return None
        return math.exp(float(np.interp(math.log(err), xs, ys)))

    lo = max(min(c["max_err"] for c in cv) for cv in curves.values())
    hi = min(max(c["max_err"] for c in cv) for cv in curves.values())
    targets = [float(e) for e in np.geomspace(lo, hi, 3)] if lo <= hi else []
    at = {f"{e:.2e}": {k: time_at(cv, e) for k, cv in curves.items()} for e in targets}
    speedup = {e: {k: (v[k] / v["simtool"]) if v[k] and v["simtool"] else None for k in v if k != "simtool"}
               for e, v in at.items()}
    return {"case": label, "size": size, "t_max": T, "spread": spread, "atol_ratio": ATOL_RATIO,
            "reference": {"method": "scipy DOP853", "rtol": 1e-12, "atol": 1e-14, "nfev": nfev},
            "curves": curves, "time_at_error": at, "speedup_at_error": speedup}


def mixed_case(reps):
    """Live rows against all rows on the mixed easy/stiff batch (same steps, same error)."""
    model, X, y, theta = problem(*MIXED, spread=1.0)
    fld = GradientFlowField(model, X, y)
    opts = {"rtol": 1e-7, "atol": 1e-9}
    T = 1.0
    with torch.no_grad():
        live = integrate(fld, theta, T, method="dopri5", **opts)
        full = integrate(GradientFlowField(model, X, y), theta, T, method="dopri5", live_rows=False, **opts)
        st = interleaved({"simtool_live": lambda: integrate(fld, theta, T, method="dopri5", **opts),
                          "simtool_all_rows": lambda: integrate(fld, theta, T, method="dopri5",
                                                                live_rows=False, **opts)}, reps)
    return {"problem": f"(B, m, d, n) = {MIXED}, t_max=1, parameter scales 1..10 (logspace)", "tolerances": opts,
            "live_row_evals": live.n_row_evals, "all_row_evals": full.n_row_evals,
            "same_steps": bool(torch.equal(live.n_steps, full.n_steps)),
            "max_diff_live_vs_all": float((live.final - full.final).abs().max()), "stats": st,
            "speedup": {"simtool_all_rows": ratio(st, "simtool_all_rows", "simtool_live")}}


MIXED = (256, 16, 8, 64)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--sizes", default="all", choices=["all", "quick"])
    p.add_argument("--dopri5", default="all", choices=["all", "none"], help="the equal-error dopri5 runs")
    p.add_argument("--dopri5-reps", type=int, default=2)
    p.add_argument("--busy", type=int, default=0, help="busy processes spinning during the run (load test)")
    p.add_argument("--compare", metavar="QUIET_JSON",
                   help="a quiet run's bench_peers.json: report how much each ratio dropped")
    a = p.parse_args(argv)
    with busy_load(a.busy):
        doc = run(a)
    if a.compare:
        doc["drops_vs_quiet"] = drops(json.loads(Path(a.compare).read_text()), doc)
        for k, d in doc["drops_vs_quiet"].items():
            change = f"drop {d['drop'] * 100:.0f} %" if d["drop"] > 0 else f"rise {-d['drop'] * 100:.0f} %"
            print(f"{k}: {d['quiet']:.2f}x quiet -> {d['loaded']:.2f}x loaded ({change})")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_peers.json").write_text(json.dumps(doc, indent=1, default=str))
    return 0


def contender_ratios(doc) -> dict[str, float]:
    """Every contender-relative ratio of a run (peer time ÷ simtool time), by name; the
    dopri5 ones by the rank of their target error in the case (the targets' values
    differ from run to run)."""
    out = {}
    for r in doc["rk4"]:
        for k, v in r["speedup"].items():
            out[f"rk4 {tuple(r['size'])} {k}"] = v
    for r in doc.get("dopri5_equal_error", []):
        for rank, sp in enumerate(r["speedup_at_error"].values()):
            for k, v in sp.items():
                if v:
                    out[f"dopri5 {r['case']} target #{rank} {k}"] = v
    return out


def drops(quiet, loaded) -> dict[str, dict]:
    """``1 − loaded/quiet`` of each ratio both runs have."""
    q, lo = contender_ratios(quiet), contender_ratios(loaded)
    return {k: {"quiet": q[k], "loaded": lo[k], "drop": 1 - lo[k] / q[k]} for k in q if k in lo}


def run(a) -> dict:
    torch.set_num_threads(1)
    info = machine()
    info["busy_processes"] = a.busy
    peak = gemm_peak()
    sizes = SIZES if a.sizes == "all" else [(64, 8, 4, 32)]
    rows = []
    for size in sizes:
        r = rk4_case(size, a.steps, a.reps)
        rows.append(r)
        print(size, {k: f"{v:.2f}x" for k, v in r["speedup"].items()},
              f"field/matmul {r['field_vs_matmul']:.2f} (tanh alone/matmul {r['tanh_only_vs_matmul']:.2f})",
              flush=True)
    mixed = mixed_case(a.reps)
    print("mixed dopri5 live vs all rows", {k: f"{v:.2f}x" for k, v in mixed["speedup"].items()},
          "row evals", mixed["live_row_evals"], "vs", mixed["all_row_evals"], flush=True)
    equal = []
    if a.dopri5 != "none":
        cases = [("uniform", SIZES[0], None), ("mixed", MIXED, 1.0)] if a.sizes == "all" else \
            [("uniform", (64, 8, 4, 32), None), ("mixed", (64, 8, 4, 32), 1.0)]
        for label, size, spread in cases:
            r = equal_error_case(label, size, a.dopri5_reps, spread=spread,
                                 rtols=RTOLS if a.sizes == "all" else RTOLS[1:4])
            equal.append(r)
            for e, sp in r["speedup_at_error"].items():
                print(f"dopri5 {label} {size} at max error {e}:",
                      {k: (f"{v:.2f}x" if v else "n/a") for k, v in sp.items()}, flush=True)
    info["loadavg_end"] = os.getloadavg()
    return {"machine": info, "gemm_peak_gflops": peak, "rk4": rows, "mixed_dopri5": mixed,
            "dopri5_equal_error": equal, "kernel_plans": chosen_plans()}


if __name__ == "__main__":
    raise SystemExit(main())
