"""Speed of simtool's batched gradient flows, measured side by side in one run.

    python benchmarks/bench_flow.py --out DIR [--device cpu|cuda] [--threads N]
                                    [--only a,b,c,d] [--quick]

Sections (see benchmarks/README.md for the targets and the measured numbers):

a. batched flow vs a per-trajectory Python loop over the same integrator and steps
   (rk4, batch 256, width 16, d = 8, n = 512; plus the same at n = 32);
b. against ``torchdiffeq.odeint`` (rk4, same fixed step, autograd vector field) on the
   same batch, with both final errors against a fine-step reference;
c. achieved FLOP/s of the vector field relative to a plain ``torch.matmul`` of the
   same shapes;
d. scale: width 1024, d = 100, batch 1024, 1000 rk4 steps, integrated in row chunks
   (run in a fresh subprocess so that its peak memory is its own).

Prints a table and writes ``DIR/bench_flow.json`` (numbers, configuration, versions,
load average at start and end: the machine may be shared, so read timings with it).
Times are the minimum over repetitions, interleaving the contenders.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch

from simtool import __version__
from simtool.numeric import GradientFlowField, TwoLayerModel, integrate


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device: str) -> tuple[float, object]:
    _sync(device)
    t0 = time.perf_counter()
    out = fn()
    _sync(device)
    return time.perf_counter() - t0, out


def _problem(B: int, m: int, d: int, n: int, device: str, seed: int = 0):
    model = TwoLayerModel.from_spec(m, "tanh", input_dim=d, device=device)
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.tanh(X @ torch.randn(d, generator=g, dtype=torch.float64))
    theta0 = model.sample_theta(B, generator=g, std=0.5)
    return model, GradientFlowField(model, X, y), theta0


def _autograd_field(model: TwoLayerModel, field: GradientFlowField):
    """The vector field a torchdiffeq user would write: risk in plain torch + autograd."""
    m, d = model.width, model.input_dim
    X, y = field.X, field.y

    def f(t, theta):
        with torch.enable_grad():
            th = theta.detach().requires_grad_(True)
            units = th.view(th.shape[0], m, d + 2)
            a, W, b = units[:, :, 0], units[:, :, 1:1 + d], units[:, :, -1]
            z = torch.einsum("nd,bmd->bnm", X, W) + b[:, None, :]
            out = (torch.tanh(z) * a[:, None, :]).sum(-1)
            risk = 0.5 * ((out - y) ** 2).mean(1)
            (g,) = torch.autograd.grad(risk.sum(), th)
        return -g

    return f


def _batched_vs_loop(n: int, device: str, quick: bool) -> dict:
    B, m, d, steps, dt = 256, 16, 8, (3 if quick else 20), 0.01
    _, field, theta0 = _problem(B, m, d, n, device)
    T = steps * dt

    def batched():
        return integrate(field, theta0, T, method="rk4", dt=dt).final

    def loop():
        return torch.cat([integrate(field, theta0[b:b + 1], T, method="rk4", dt=dt).final
                          for b in range(B)])

    integrate(field, theta0[:2], 2 * dt, method="rk4", dt=dt)  # warm-up
    tb, tl = [], []
    for _ in range(2 if quick else 5):
        t, fb = _timed(batched, device)
        tb.append(t)
        t, fl = _timed(loop, device)
        tl.append(t)
    return {"config": f"B={B} m={m} d={d} n={n} rk4 steps={steps}",
            "batched_s": min(tb), "loop_s": min(tl), "ratio": min(tl) / min(tb),
            "max_abs_diff": float((fb - fl).abs().max())}


def bench_batched_vs_loop(device: str, quick: bool) -> list[dict]:
    return [_batched_vs_loop(n, device, quick) for n in (512, 32)]


def bench_torchdiffeq(device: str, quick: bool) -> dict:
    import math

    import torchdiffeq

    B, m, d, n, steps, dt = 256, 16, 8, 512, (3 if quick else 20), 0.01
    model, field, theta0 = _problem(B, m, d, n, device)
    T = steps * dt
    ad_field = _autograd_field(model, field)
    t_grid = torch.tensor([0.0, T], dtype=torch.float64, device=device)
    ref = integrate(field, theta0, T, method="rk4", dt=dt / 16).final

    def ours(h):
        return integrate(field, theta0, T, method="rk4", dt=h).final

    def tdq(f):
        with torch.no_grad():
            return torchdiffeq.odeint(f, theta0, t_grid, method="rk4",
                                      options={"step_size": dt})[-1]

    err = {"simtool": float((ours(dt) - ref).abs().max()),
           "torchdiffeq": float((tdq(field) - ref).abs().max())}
    # torchdiffeq's rk4 is the 3/8 rule, with a smaller error constant: give simtool the
    # (4th-order) smaller step that matches torchdiffeq's final error
    ratio = max(1.0, err["simtool"] / err["torchdiffeq"])
    dt_eq = T / math.ceil(steps * ratio ** 0.25)
    contenders = {"simtool": lambda: ours(dt), "simtool_equal_error": lambda: ours(dt_eq),
                  "torchdiffeq_autograd": lambda: tdq(ad_field),
                  "torchdiffeq_simtool_field": lambda: tdq(field)}
    times: dict[str, list[float]] = {k: [] for k in contenders}
    finals = {}
    for _ in range(2 if quick else 5):
        for name, fn in contenders.items():
            t, finals[name] = _timed(fn, device)
            times[name].append(t)
    out: dict = {"config": f"B={B} m={m} d={d} n={n} rk4 dt={dt} steps={steps}",
                 "simtool_equal_error_dt": dt_eq}
    for name in contenders:
        out[f"{name}_s"] = min(times[name])
        out[f"{name}_error"] = float((finals[name] - ref).abs().max())
    out["speedup_same_step"] = out["torchdiffeq_autograd_s"] / out["simtool_s"]
    out["speedup_equal_error"] = out["torchdiffeq_autograd_s"] / out["simtool_equal_error_s"]
    return out


def _flops(B: int, m: int, d: int, n: int, device: str, quick: bool) -> dict:
    model, field, theta0 = _problem(B, m, d, n, device)
    Xd = model.prepare(field.X)
    U = torch.randn(B * m, d + 1, dtype=torch.float64, device=device)
    reps = 3 if quick else 10
    tf, tm = [], []
    with torch.no_grad():
        field(0.0, theta0)
        for _ in range(reps):
            tf.append(_timed(lambda: field(0.0, theta0), device)[0])
            tm.append(_timed(lambda: torch.matmul(Xd, U.T), device)[0])
    field_flops = 4 * B * n * m * (d + 2)  # two GEMMs (n, d+1, B·m) + two reductions
    mm_flops = 2 * n * (d + 1) * B * m
    f_rate, m_rate = field_flops / min(tf), mm_flops / min(tm)
    return {"config": f"B={B} m={m} d={d} n={n}", "field_s": min(tf),
            "field_gflops": f_rate / 1e9, "matmul_gflops": m_rate / 1e9, "ratio": f_rate / m_rate}


def bench_flops(device: str, quick: bool) -> list[dict]:
    shapes = ((256, 16, 8, 512), (4, 1024, 100, 8), (64, 256, 32, 256))
    return [_flops(*shape, device, quick) for shape in shapes]


def _scale_child(device: str, steps: int, n: int, chunk: int | None) -> dict:
    B, m, d = 1024, 1024, 100
    model, field, theta0 = _problem(B, m, d, n, device)
    theta0.div_(4)
    dt = 1e-3
    t, res = _timed(lambda: integrate(field, theta0, steps * dt, method="rk4", dt=dt,
                                      chunk_size=chunk, save_at=[steps * dt]), device)
    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    return {"config": f"B={B} m={m} d={d} n={n} D={model.dim} rk4 steps={steps} "
                      f"chunk={chunk}", "seconds": t, "peak_mem_mib": peak,
            "state_mib": B * model.dim * 8 / 2**20, "status": res.counts(),
            "field_evals": res.n_evals}


def bench_scale(device: str, quick: bool, threads: int) -> dict:
    steps = 20 if quick else 1000
    chunk = None if device.startswith("cuda") else 4
    cmd = [sys.executable, __file__, "--scale-child", "--device", device, "--threads",
           str(threads), "--steps", str(steps), "--chunk", str(chunk or 0)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _print_table(title: str, rows: list[dict]) -> None:
    print(f"\n== {title}")
    for row in rows:
        print("  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in row.items()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--only", default="a,b,c,d")
    p.add_argument("--quick", action="store_true", help="few steps: a smoke test, not numbers")
    p.add_argument("--scale-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=1000, help=argparse.SUPPRESS)
    p.add_argument("--chunk", type=int, default=4, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float64)
    if args.scale_child:
        print(json.dumps(_scale_child(args.device, args.steps, 8, args.chunk or None)))
        return 0
    if args.out is None:
        p.error("--out DIR is required")
    only = set(args.only.split(","))
    result: dict = {"meta": {
        "simtool": __version__, "torch": torch.__version__, "python": platform.python_version(),
        "device": args.device, "threads": args.threads, "cpu_count": os.cpu_count(),
        "machine": platform.processor() or platform.machine(), "quick": args.quick,
        "loadavg_start": os.getloadavg(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
    }}
    if "a" in only:
        result["a_batched_vs_loop"] = bench_batched_vs_loop(args.device, args.quick)
        _print_table("a. batched vs per-trajectory loop (ratio = loop / batched)",
                     result["a_batched_vs_loop"])
    if "b" in only:
        result["b_torchdiffeq"] = bench_torchdiffeq(args.device, args.quick)
        _print_table("b. vs torchdiffeq rk4 (errors vs rk4 at dt/16)", [result["b_torchdiffeq"]])
    if "c" in only:
        result["c_flops"] = bench_flops(args.device, args.quick)
        _print_table("c. vector-field FLOP/s vs plain matmul of the same shapes",
                     result["c_flops"])
    if "d" in only:
        result["d_scale"] = bench_scale(args.device, args.quick, args.threads)
        _print_table("d. scale", [result["d_scale"]])
    result["meta"]["loadavg_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_flow.json").write_text(json.dumps(result, indent=2))
    print(f"\nwrote {args.out / 'bench_flow.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
