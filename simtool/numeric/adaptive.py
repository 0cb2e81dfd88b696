"""Adaptive integrators: Dormand–Prince 5(4) with per-trajectory step control, and
scipy's Radau IIA run per trajectory (the stiff option).

Registered in :data:`simtool.numeric.integrators.INTEGRATORS`; see that module for the
entry function and the contract (statuses, save times, determinism).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .fields import BatchField
from .flow import Status, _Recorder

Tensor = torch.Tensor
Field = Callable[[object, Tensor], Tensor]


# -- Dormand-Prince 5(4) with per-row step control ------------------------------
# Hairer, Nørsett, Wanner, "Solving ODEs I", 2nd ed., Table 5.2 (p. 178); FSAL.
_DP_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_DP_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
# error weights: 5th-order minus embedded 4th-order solution
_DP_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)
_SAFETY, _FAC_MIN, _FAC_MAX = 0.9, 0.2, 10.0


def _rms(x: Tensor) -> Tensor:
    return torch.sqrt(torch.mean(x * x, dim=1))


def _dopri5_step(field: Field, t: Tensor, y: Tensor, h: Tensor,
                 k1: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """One Dormand-Prince step with per-row ``t``, ``h``: ``(y5, error estimate, F(y5))``."""
    hc = h[:, None]
    ks = [k1]
    for i in range(1, 7):
        yi = y
        for a, k in zip(_DP_A[i], ks, strict=False):
            if a != 0.0:
                yi = yi + (a * hc) * k
        ks.append(field(t + _DP_C[i] * h, yi))
    # stage 7 is evaluated at the 5th-order solution (first same as last)
    err = hc * sum(e * k for e, k in zip(_DP_E, ks, strict=True) if e != 0.0)
    return yi, err, ks[6]


def _initial_step(field: Field, t: Tensor, y: Tensor, f0: Tensor, rtol: float, atol: float,
                  order: int) -> Tensor:
    """Hairer's starting step, per row (Solving ODEs I, II.4, p. 169)."""
    scale = atol + rtol * y.abs()
    d0, d1 = _rms(y / scale), _rms(f0 / scale)
    h0 = torch.where((d0 < 1e-5) | (d1 < 1e-5), torch.full_like(d0, 1e-6), 0.01 * d0 / d1)
    f1 = field(t + h0, y + h0[:, None] * f0)
    d2 = _rms((f1 - f0) / scale) / h0
    big = torch.maximum(d1, d2)
    h1 = torch.where(big <= 1e-15, torch.maximum(torch.full_like(h0, 1e-6), h0 * 1e-3),
                     (0.01 / big) ** (1.0 / (order + 1)))
    h = torch.minimum(100 * h0, h1)
    return torch.where(torch.isfinite(h) & (h > 0), h, torch.full_like(h, 1e-6))


def _run_dopri5(field: BatchField, rec: _Recorder, opts: dict) -> None:
    rtol, atol = opts["rtol"], opts["atol"]
    stops = rec.times.to(device=rec.state.device, dtype=rec.state.dtype)
    T = len(stops)
    at_zero = stops[0] <= 0
    if bool(at_zero):
        rec.save(rec.active)
    t, y = rec.t, rec.state
    k1 = field(t, y)
    rec.n_evals += 1
    rec.n_row_evals += y.shape[0]
    rec.check_field(k1)
    if opts["dt"] is not None:
        h = torch.full_like(t, opts["dt"])
    else:
        h = _initial_step(field, t, y, k1, rtol, atol, 5)
        rec.n_evals += 1
        rec.n_row_evals += y.shape[0]
    fails = torch.zeros_like(rec.n_steps)
    while bool(rec.active.any()):
        active = rec.active
        stop = stops[rec.next_save.clamp(max=T - 1)]
        remaining = stop - rec.t
        hit = h >= remaining
        h_eff = torch.where(active, torch.where(hit, remaining, h), torch.zeros_like(h))
        y = rec.state
        live = rec.live()
        if live is None:
            y5, err, k7 = _dopri5_step(field, rec.t, y, h_eff, k1)
            rec.n_row_evals += 6 * y.shape[0]
        else:  # only live rows enter the field; waiting/stopped rows keep y, k1, err = 0
            y5l, errl, k7l = _dopri5_step(field.rows(live), rec.t[live], y[live], h_eff[live],
                                          k1[live])
            y5, err, k7 = y.clone(), torch.zeros_like(y), k1.clone()
            y5[live], err[live], k7[live] = y5l, errl, k7l
            rec.n_row_evals += 6 * len(live)
        rec.n_evals += 6
        scale = atol + rtol * torch.maximum(y.abs(), y5.abs())
        en = _rms(err / scale)
        finite = torch.isfinite(en) & torch.isfinite(k7).all(dim=1)
        accept = active & finite & (en <= 1.0)
        rec.n_rejected += active & ~accept
        fails = torch.where(accept, 0, fails + (active & ~finite))
        rec.stop(fails >= 10, Status.NON_FINITE)
        t_new = torch.where(hit, stop, rec.t + h_eff)
        rec.advance(y5, accept, t_new)
        rec.n_steps += active & ~accept  # advance counted accepted steps; count attempts
        k1 = torch.where(accept[:, None], k7, k1)
        factor = _SAFETY * en.clamp(min=1e-10) ** (-0.2)
        factor = torch.where(finite, factor.clamp(_FAC_MIN, _FAC_MAX),
                             torch.full_like(en, _FAC_MIN))
        factor = torch.where(accept, factor, factor.clamp(max=1.0))
        h = torch.where(accept & hit, torch.maximum(h, h_eff * factor), h_eff * factor)
        reached = accept & hit & rec.active
        rec.save(reached)
        rec.stop(reached & (rec.next_save >= T), Status.COMPLETED)
        rec.check_field(torch.where(accept[:, None], k1, torch.full_like(k1, math.inf)))
        rec.stop(rec.n_steps >= opts["max_steps"], Status.MAX_STEPS)


# -- stiff option: scipy Radau IIA per trajectory ----------------------------------

def _radau_row(row_field: BatchField, y0: Tensor, times: list[float], opts: dict,
               rec: _Recorder) -> tuple[list, Tensor, float, int, Status]:
    """Integrate one row with scipy's Radau; returns saves, final state, time, steps, status."""
    import numpy as np
    from scipy.integrate import Radau

    dev, dtype = y0.device, y0.dtype

    def fun(t, y):
        rec.n_evals += 1
        rec.n_row_evals += 1
        th = torch.as_tensor(y, dtype=dtype, device=dev)[None]
        return row_field(float(t), th)[0].cpu().numpy()

    def jac(t, y):
        th = torch.as_tensor(y, dtype=dtype, device=dev)[None]
        return row_field.jacobian(th)[0].cpu().numpy()

    y_last, t_last = y0.cpu().numpy(), 0.0
    solver = Radau(fun, 0.0, y_last, times[-1], rtol=opts["rtol"], atol=opts["atol"],
                   jac=jac, first_step=opts["dt"])
    saves: list = [y_last if times[0] <= 0 else None] + [None] * (len(times) - 1)
    status, steps = Status.COMPLETED, 0
    while solver.status == "running":
        if opts["gtol"] is not None and np.linalg.norm(fun(solver.t, solver.y)) <= opts["gtol"]:
            status = Status.CONVERGED
            break
        if steps >= opts["max_steps"]:
            status = Status.MAX_STEPS
            break
        t_old = solver.t
        msg = solver.step()
        steps += 1
        if msg is not None or not np.all(np.isfinite(solver.y)):
            status = Status.NON_FINITE  # scipy's step-size failure lands here too
            break
        for i, ts in enumerate(times):
            if saves[i] is None and t_old < ts <= solver.t:
                saves[i] = solver.y.copy() if ts == solver.t else solver.dense_output()(ts)
        y_last, t_last = solver.y.copy(), solver.t
        if np.linalg.norm(y_last) > opts["max_norm"]:
            status = Status.DIVERGED
            break
    final = torch.as_tensor(y_last, dtype=dtype, device=dev)
    return [s for s in saves if s is not None], final, t_last, steps, status


def _run_radau(field: Field, rec: _Recorder, opts: dict) -> None:
    times = rec.times.tolist()
    for b in range(rec.state.shape[0]):
        row_field = field.rows(slice(b, b + 1))
        saves, final, t_last, steps, status = _radau_row(row_field, rec.state[b], times, opts, rec)
        for i, y in enumerate(saves):
            rec.states[i, b] = torch.as_tensor(y, dtype=final.dtype, device=final.device)
        rec.next_save[b] = len(saves)
        rec.state[b], rec.t[b], rec.n_steps[b], rec.status[b] = final, t_last, steps, int(status)
    rec.active[:] = False
