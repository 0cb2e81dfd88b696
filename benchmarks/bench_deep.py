"""DeepModel's risk gradient against the torch.func oracle (issue 6 bar), side by side.

    python benchmarks/bench_deep.py --out DIR [--device cpu|cuda] [--threads N]
                                    [--batches 256,...] [--reps N] [--quick]

Configuration of the bar: batch 256, widths (32, 32), d = 8, n = 256, tanh, float64.
Contenders (interleaved A B A B …, medians and min–max, see ``timing.py``):

* ``deep``: :class:`simtool.numeric.deep_model.DeepModel` (hand-written back-propagation);
* ``oracle``: :class:`simtool.numeric.func_model.FuncModel`, ``vmap(grad(...))``;
* ``bmm``: the same batched products alone (``[W|b] h̃`` forward, both backward GEMMs),
  no elementwise work: the hardware floor for this network.

Reports the max difference of the two gradients, GFLOP/s of each against the 1024³
GEMM peak, the load average and thread settings.  Writes ``DIR/bench_deep.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import gemm_peak, interleaved, machine, ratio  # noqa: E402

from simtool.numeric import get_loss  # noqa: E402
from simtool.numeric.deep_model import DeepModel  # noqa: E402
from simtool.numeric.func_model import FuncModel  # noqa: E402
from simtool.symbolic.activation import get_activation  # noqa: E402
from simtool.symbolic.deep import DeepNet  # noqa: E402


def flops(B: int, widths: tuple[int, ...], n: int) -> int:
    """GEMM FLOPs of one risk gradient (forward, δ propagation, weight gradients)."""
    lw = widths
    fwd = sum(2 * B * n * lw[l] * (lw[l - 1] + 1) for l in range(1, len(lw)))
    back_w = fwd
    back_delta = sum(2 * B * n * lw[l] * lw[l + 1] for l in range(1, len(lw) - 2))
    return fwd + back_w + back_delta


def case(B: int, hidden=(32, 32), d: int = 8, n: int = 256, device="cpu", reps: int = 9) -> dict:
    net = DeepNet(hidden, get_activation("tanh"), input_dim=d)
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, d, generator=g, dtype=torch.float64).to(device)
    y = torch.randn(n, generator=g, dtype=torch.float64).to(device)
    theta = (0.3 * torch.randn(B, net.dim, generator=g, dtype=torch.float64)).to(device)
    fast, oracle = DeepModel(net, device=device), FuncModel(net, device=device)
    loss = get_loss("mse")
    Xp = fast.prepare(X)
    widths = net.layer_widths
    mats = [torch.randn(B, widths[l], widths[l - 1] + 1, dtype=torch.float64, device=device)
            for l in range(2, len(widths))]
    hs = [torch.randn(B, widths[l - 1] + 1, n, dtype=torch.float64, device=device)
          for l in range(2, len(widths))]

    def products():  # the GEMMs of the deep kernel, nothing else
        A1 = torch.randn(B * widths[1], d + 1, dtype=torch.float64, device=device)
        z = A1 @ Xp.T
        z.reshape(B * widths[1], n) @ Xp
        for A, h in zip(mats, hs, strict=True):
            z = torch.bmm(A, h)
            torch.bmm(A[:, :, :-1].transpose(1, 2), z)
            torch.bmm(z, h.transpose(1, 2))

    with torch.no_grad():
        g_fast = fast.risk_and_grad_prepared(theta, Xp, y, loss, need_risk=False)[1]
        g_orc = oracle.risk_and_grad_prepared(theta, X, y, loss, need_risk=False)[1]
        stats = interleaved({
            "deep": lambda: fast.risk_and_grad_prepared(theta, Xp, y, loss, need_risk=False),
            "oracle": lambda: oracle.risk_and_grad_prepared(theta, X, y, loss, need_risk=False),
            "bmm": products,
        }, reps, device)
    F = flops(B, widths, n)
    return {"batch": B, "widths": list(hidden), "d": d, "n": n, "dim": net.dim, "gflop": F / 1e9,
            "max_grad_diff": float((g_fast - g_orc).abs().max()),
            "max_grad": float(g_orc.abs().max()),
            "speedup_vs_oracle": ratio(stats, "oracle", "deep"),
            "gflops": {k: F / v["median_s"] / 1e9 for k, v in stats.items()},
            "stats": stats}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batches", default="256")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--quick", action="store_true")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    info = machine(a.device)
    peak = gemm_peak(a.device)
    rows = [case(int(b), device=a.device, reps=2 if a.quick else a.reps, n=32 if a.quick else 256)
            for b in a.batches.split(",")]
    info["loadavg_end"] = __import__("os").getloadavg()
    doc = {"machine": info, "gemm_peak_gflops": peak, "cases": rows}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_deep.json").write_text(json.dumps(doc, indent=1))
    print(f"GEMM peak {peak:.1f} GFLOP/s; load {info['loadavg']} → {info['loadavg_end']}")
    for r in rows:
        st = r["stats"]
        print(f"B={r['batch']}: deep {st['deep']['median_s'] * 1e3:.1f} ms "
              f"[{st['deep']['min_s'] * 1e3:.1f}–{st['deep']['max_s'] * 1e3:.1f}], oracle "
              f"{st['oracle']['median_s'] * 1e3:.1f} ms [{st['oracle']['min_s'] * 1e3:.1f}–"
              f"{st['oracle']['max_s'] * 1e3:.1f}], GEMMs alone {st['bmm']['median_s'] * 1e3:.1f} ms; "
              f"speed-up {r['speedup_vs_oracle']:.2f}×; GFLOP/s deep {r['gflops']['deep']:.1f}, "
              f"oracle {r['gflops']['oracle']:.1f}, GEMMs {r['gflops']['bmm']:.1f}; "
              f"max |Δgrad| {r['max_grad_diff']:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
