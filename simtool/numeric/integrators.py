r"""Integrators for batched flows ``θ' = F(t, θ)`` behind one entry function.

``integrate(field, theta0, t_max, method="rk4", ...)`` validates its inputs once (like
``torchdiffeq.odeint``), runs the chosen integrator on all rows at once and returns a
:class:`~simtool.numeric.flow.FlowResult` with a status per row.  ``field`` is a
:class:`~simtool.numeric.fields.BatchField` (e.g.
:class:`~simtool.numeric.flow.GradientFlowField`) or any callable ``(t, θ) -> (batch, D)``
that treats rows independently and has no per-row data (wrapped by
:func:`~simtool.numeric.fields.as_batch_field`); fixed-step methods pass ``t`` as a
float, ``dopri5`` as a ``(batch,)`` tensor (each row has its own time).

Registry ``INTEGRATORS`` (name -> :class:`Integrator`, each with a declared ``order``):

=========  =====  =============================================================
``euler``    1    explicit Euler, fixed step ``dt``
``rk4``      4    classical Runge-Kutta, fixed step ``dt``
``dopri5``   5    Dormand-Prince 5(4), adaptive, ``rtol``/``atol``; *per-trajectory*
                  step-size control (each row has its own ``t``, ``h`` and
                  accept/reject, as in torchode); ``dt`` is the initial step
                  (default: Hairer's automatic choice)
``radau``    5    stiff option: scipy's implicit Radau IIA (order 5) run *per
                  trajectory* (a Python loop over rows, so meant for small ``D``
                  and batches); the row's field is ``field.rows(slice(b, b + 1))``
                  and its Jacobian ``field.jacobian`` (of that row's field, so
                  per-row data, metric and mask are that row's); a step-size
                  failure is ``NON_FINITE``
``gd``       1    discrete gradient descent, learning rate ``dt``: ``θ ← θ + dt F``;
                  time ``t = k·dt`` after ``k`` steps; save times round to steps
``sgd``      1    as ``gd`` on a minibatch of ``batch_size`` samples drawn without
                  replacement at every step from ``generator`` (one minibatch shared
                  by all rows); needs a ``MinibatchField`` (``field.subset``)
=========  =====  =============================================================

**Live rows only**: once some row has stopped (converged, diverged, non-finite, or —
for ``dopri5`` — reached ``t_max`` while others continue), the field is evaluated on
the active rows only (``field.rows(index)``, results scattered back); with a field
whose rows are bitwise independent of the batch (simtool's models fix their sample
blocks per field) the results and statuses are bit-identical to evaluating every row,
and ``FlowResult.n_row_evals`` counts the work actually done.

Fixed-step methods land exactly on every save time: each interval between save
times is split into ``ceil(length / dt)`` equal steps.  A row stops early with
``CONVERGED`` when ``‖F(θ)‖ ≤ gtol`` (if ``gtol`` is given), ``DIVERGED`` when
``‖θ‖ > max_norm``, ``NON_FINITE`` when a step gives NaN/inf (it keeps its last
finite state); ``MAX_STEPS`` when its step budget runs out — never an exception.
Runs are deterministic: the same inputs (and generator seed) give bit-identical
results on CPU; a row integrated alone or in a batch agrees to round-off (the field's
sample blocks depend on the batch size).  Integration runs under ``torch.no_grad``;
the integrators never modify the tensors a field returns.  ``chunk_size`` integrates
the rows in independent chunks (exact, since rows are independent) to bound memory.

Public API
----------
``integrate(field, theta0, t_max, *, method="rk4", dt=None, rtol=1e-6, atol=1e-9,
max_steps=100_000, save_at=None, gtol=None, max_norm=1e8, generator=None,
batch_size=None, chunk_size=None, live_rows=True) -> FlowResult``;
``Integrator`` (``name``, ``order``, ``adaptive``, ``stochastic``, ``summary``);
``INTEGRATORS``; ``get_integrator(name)``.

Examples
--------
>>> import torch
>>> decay = lambda t, th: -th
>>> res = integrate(decay, torch.ones(2, 1, dtype=torch.float64), 1.0, method="rk4", dt=0.1)
>>> round(res.final[0, 0].item(), 5), res.counts()["completed"]
(0.36788, 2)
>>> integrate(decay, torch.ones(1, 1), 1.0, method="midpoint")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
simtool.errors.IntegratorError: unknown integrator 'midpoint'; choose one of euler, rk4, ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from ..errors import IntegratorError
from .adaptive import _run_dopri5, _run_radau
from .fields import BatchField, MinibatchField, as_batch_field
from .flow import FlowResult, Status, _Recorder

__all__ = ["Integrator", "INTEGRATORS", "get_integrator", "integrate"]

Tensor = torch.Tensor
Field = Callable[[object, Tensor], Tensor]


@dataclass(frozen=True)
class Integrator:
    """A registered integrator: its declared ``order`` and how it runs."""

    name: str
    order: int
    adaptive: bool
    stochastic: bool
    summary: str
    run: Callable[..., None]


class _Buffers:
    """Scratch tensors reused across fixed steps (large fresh allocations page-fault).

    ``state()`` returns whichever of two state buffers the recorder does not hold, so
    a step never overwrites its own input.  Every ``k`` a field returns is consumed
    before the field is called again, so a field may even return aliases.
    """

    def __init__(self, like: Tensor) -> None:
        self.tmp, self.acc = torch.empty_like(like), torch.empty_like(like)
        self.states = (torch.empty_like(like), torch.empty_like(like))

    def state(self, current: Tensor) -> Tensor:
        a, b = self.states
        return b if current.data_ptr() == a.data_ptr() else a


def _euler_step(field: Field, t: float, y: Tensor, h: float, k1: Tensor,
                buf: _Buffers) -> Tensor:
    return torch.add(y, k1, alpha=h, out=buf.state(y))


def _rk4_step(field: Field, t: float, y: Tensor, h: float, k1: Tensor,
              buf: _Buffers) -> Tensor:
    tmp, acc = buf.tmp, buf.acc
    acc.copy_(k1)
    k2 = field(t + h / 2, torch.add(y, k1, alpha=h / 2, out=tmp))
    acc.add_(k2, alpha=2)
    k3 = field(t + h / 2, torch.add(y, k2, alpha=h / 2, out=tmp))
    acc.add_(k3, alpha=2)
    k4 = field(t + h, torch.add(y, k3, alpha=h, out=tmp))
    acc.add_(k4)
    return torch.add(y, acc, alpha=h / 6, out=buf.state(y))


def _grid(times: Tensor, dt: float, exact: bool) -> tuple[list[float], list[int]]:
    """Step sizes and the step index after which each save time is reached."""
    steps: list[float] = []
    marks: list[int] = []
    prev = 0.0
    for s in times.tolist():
        if exact:
            n = max(0, math.ceil((s - prev) / dt - 1e-9))
            steps += [(s - prev) / n] * n if n else []
        else:  # gd/sgd: steps of exactly dt
            n = round(s / dt) - round(prev / dt)
            steps += [dt] * n
        marks.append(len(steps))
        prev = s
    return steps, marks


def _run_fixed(step: Callable, extra_evals: int, exact: bool):
    def run(field: Field, rec: _Recorder, opts: dict) -> None:
        steps, marks = _grid(rec.times, opts["dt"], exact)
        if not exact:  # report the times gd/sgd actually reached: k · dt
            rec.times = torch.tensor([k * opts["dt"] for k in marks], dtype=torch.float64)
        generator, bs = opts["generator"], opts["batch_size"]
        n_total = min(len(steps), opts["max_steps"])
        mark_i = 0
        t = 0.0
        buf = _Buffers(rec.state)
        live_buf: _Buffers | None = None
        for i in range(n_total + 1):
            while mark_i < len(marks) and marks[mark_i] == i:
                rec.save(rec.active)
                mark_i += 1
            if i == n_total:
                break
            if i % 16 == 0 and not bool(rec.active.any()):
                return
            f = field
            if bs is not None:
                idx = torch.randperm(opts["n_samples"], generator=generator)[:bs]
                f = field.subset(idx.to(rec.state.device))
            h = steps[i]
            live = rec.live()
            if live is not None and len(live) == 0:
                return  # every row stopped (what the periodic check above also does)
            if live is None:
                k1 = f(t, rec.state)
                rec.check_field(k1)
                candidate = step(f, t, rec.state, h, k1, buf)
            else:  # only live rows enter the field; scatter back (stopped rows are frozen)
                if live_buf is None or live_buf.tmp.shape[0] != len(live):
                    live_buf = _Buffers(rec.state[live])
                fl, y = f.rows(live), rec.state[live]
                k1 = fl(t, y)
                full = torch.zeros_like(rec.state)
                full[live] = k1
                rec.check_field(full)
                candidate = rec.state.clone()
                candidate[live] = step(fl, t, y, h, k1, live_buf)
            n_live = rec.state.shape[0] if live is None else len(live)
            rec.n_evals += 1 + extra_evals
            rec.n_row_evals += (1 + extra_evals) * n_live
            rec.advance(candidate, rec.active, t + h)
            t = t + h
        if len(steps) > n_total:
            rec.stop(rec.active, Status.MAX_STEPS)
        elif opts["gtol"] is not None and bool(rec.active.any()):
            rec.check_field(field(t, rec.state))
            rec.n_evals += 1
            rec.n_row_evals += rec.state.shape[0]
    return run



INTEGRATORS: dict[str, Integrator] = {
    "euler": Integrator("euler", 1, False, False, "explicit Euler, fixed step",
                        _run_fixed(_euler_step, 0, True)),
    "rk4": Integrator("rk4", 4, False, False, "classical Runge-Kutta, fixed step",
                      _run_fixed(_rk4_step, 3, True)),
    "dopri5": Integrator("dopri5", 5, True, False,
                         "Dormand-Prince 5(4), adaptive, per-trajectory step control",
                         _run_dopri5),
    "radau": Integrator("radau", 5, True, False,
                        "implicit Radau IIA (scipy), per trajectory; stiff problems, small D",
                        _run_radau),
    "gd": Integrator("gd", 1, False, False, "gradient descent, learning rate = dt",
                     _run_fixed(_euler_step, 0, False)),
    "sgd": Integrator("sgd", 1, False, True,
                      "minibatch SGD, learning rate = dt, explicit generator",
                      _run_fixed(_euler_step, 0, False)),
}


def get_integrator(name: str) -> Integrator:
    """Registry lookup; unknown names raise :class:`IntegratorError` listing the choices."""
    try:
        return INTEGRATORS[str(name).strip().lower()]
    except KeyError:
        raise IntegratorError(
            f"unknown integrator {name!r}; choose one of {', '.join(INTEGRATORS)}") from None


def _positive(name: str, value: object, *, integer: bool = False) -> float:
    try:
        v = int(value) if integer and not isinstance(value, bool) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (v > 0 and math.isfinite(v)) or (integer and v != value):
        kind = "a positive integer" if integer else "a positive finite number"
        raise IntegratorError(f"{name} must be {kind}, got {value!r}")
    return v


def integrate(field: Field, theta0: Tensor, t_max: float, *, method: str = "rk4",
              dt: float | None = None, rtol: float = 1e-6, atol: float = 1e-9,
              max_steps: int = 100_000, save_at: Sequence[float] | Tensor | None = None,
              gtol: float | None = None, max_norm: float = 1e8,
              generator: torch.Generator | None = None, batch_size: int | None = None,
              chunk_size: int | None = None, live_rows: bool = True) -> FlowResult:
    r"""Integrate ``θ' = field(t, θ)`` from ``theta0`` (``(batch, D)``) over ``[0, t_max]``.

    Parameters
    ----------
    field : callable
        ``(t, θ) -> (batch, D)``, rows independent.
    theta0 : Tensor
        Initial states, ``(batch, D)``.
    t_max : float
        Final time (for ``gd``/``sgd``: ``steps · dt``).
    method : str
        A key of ``INTEGRATORS``.
    dt : float, optional
        Step size (fixed-step methods: required; ``gd``/``sgd``: learning rate;
        ``dopri5``/``radau``: initial step, default automatic).
    rtol, atol : float
        Tolerances of the adaptive methods (error norm: RMS over coordinates of
        ``err / (atol + rtol·max(|θ|, |θ_new|))``, accept when ≤ 1).
    max_steps : int
        Step budget per row (attempted steps for the adaptive methods).
    save_at : sequence of float, optional
        Increasing save times in ``[0, t_max]``; default ``(0, t_max)``.
    gtol : float, optional
        Stop a row with status ``CONVERGED`` once ``‖field(t, θ)‖ ≤ gtol``.
    max_norm : float
        Stop a row with status ``DIVERGED`` once ``‖θ‖ > max_norm``.
    generator : torch.Generator, optional
        Randomness source of ``sgd`` (required there).
    batch_size : int, optional
        Minibatch size of ``sgd`` (required there).
    chunk_size : int, optional
        Integrate at most this many rows at a time (memory).  Results equal the
        unchunked run.
    live_rows : bool
        Evaluate the field on active rows only once some row has stopped (default);
        ``False`` evaluates every row at every stage (the reference for tests and
        benchmarks).

    Returns
    -------
    FlowResult
    """
    integ = get_integrator(method)
    field = as_batch_field(field)
    if not isinstance(theta0, Tensor) or theta0.ndim != 2 or theta0.shape[0] == 0:
        shape = tuple(theta0.shape) if isinstance(theta0, Tensor) else type(theta0).__name__
        raise IntegratorError(f"theta0 must be a (batch, D) tensor with batch ≥ 1, got {shape}")
    if not theta0.is_floating_point():
        raise IntegratorError(f"theta0 must be floating point, got {theta0.dtype}")
    t_max = _positive("t_max", t_max)
    opts: dict = {"rtol": _positive("rtol", rtol), "atol": _positive("atol", atol),
                  "max_steps": int(_positive("max_steps", max_steps, integer=True)),
                  "max_norm": _positive("max_norm", max_norm),
                  "gtol": None if gtol is None else _positive("gtol", gtol),
                  "dt": None if dt is None else _positive("dt", dt),
                  "generator": generator, "batch_size": None, "n_samples": None}
    if not integ.adaptive and opts["dt"] is None:
        raise IntegratorError(f"integrator {integ.name!r} needs a step size dt")
    if integ.stochastic:
        if not isinstance(generator, torch.Generator):
            raise IntegratorError("integrator 'sgd' needs an explicit torch.Generator (generator=)")
        if not isinstance(field, MinibatchField):
            raise IntegratorError("integrator 'sgd' needs a MinibatchField (with .subset and "
                                  ".n_samples), e.g. GradientFlowField")
        opts["n_samples"] = int(field.n_samples)
        opts["batch_size"] = int(_positive("batch_size", batch_size if batch_size is not None
                                           else 0, integer=True))
        if opts["batch_size"] > opts["n_samples"]:
            raise IntegratorError(
                f"batch_size {batch_size} exceeds the {opts['n_samples']} samples")
    times = _save_times(save_at, t_max, theta0)
    if chunk_size is None or int(_positive("chunk_size", chunk_size, integer=True)) >= len(theta0):
        rec = _Recorder(theta0, times, integ.name, opts["gtol"], opts["max_norm"], bool(live_rows))
        with torch.no_grad():
            integ.run(field, rec, opts)
        return rec.finish()
    return _chunked(integ, field, theta0, times, opts, int(chunk_size), bool(live_rows))


def _save_times(save_at: object, t_max: float, like: Tensor) -> Tensor:
    if save_at is None:
        return torch.tensor([0.0, t_max], dtype=torch.float64)
    try:
        times = torch.as_tensor(save_at, dtype=torch.float64).detach().cpu().flatten()
    except (TypeError, ValueError, RuntimeError):
        raise IntegratorError(f"save_at must be a sequence of times, got {save_at!r}") from None
    if len(times) == 0 or not bool(torch.isfinite(times).all()):
        raise IntegratorError(
            f"save_at must be a non-empty sequence of finite times, got {save_at!r}")
    if bool((times[1:] <= times[:-1]).any()) or times[0] < 0 or times[-1] > t_max * (1 + 1e-12):
        raise IntegratorError(
            f"save_at must be strictly increasing within [0, t_max={t_max:g}], "
            f"got {times.tolist()}")
    return times


def _chunked(integ: Integrator, field: BatchField, theta0: Tensor, times: Tensor, opts: dict,
             size: int, live_rows: bool) -> FlowResult:
    """Integrate ``size`` rows at a time, writing into preallocated result tensors."""
    gen = opts["generator"]
    gen_state = gen.get_state() if gen is not None else None
    B = len(theta0)
    out: dict[str, Tensor] = {}
    n_evals, n_row_evals, result_times = 0, 0, times
    for start in range(0, B, size):
        rows = slice(start, start + size)
        f = field.rows(rows)
        if gen is not None:
            gen.set_state(gen_state)  # every chunk sees the same minibatch stream
        rec = _Recorder(theta0[rows], times, integ.name, opts["gtol"], opts["max_norm"], live_rows)
        with torch.no_grad():
            integ.run(f, rec, opts)
        part = rec.finish()
        del rec
        fields = {"states": part.states, "final": part.final, "status": part.status,
                  "t_final": part.t_final, "n_steps": part.n_steps,
                  "n_rejected": part.n_rejected}
        for name, value in fields.items():
            if name not in out:
                shape = (value.shape[0], B) + value.shape[2:] if name == "states" \
                    else (B,) + value.shape[1:]
                out[name] = value.new_empty(shape)
            (out[name][:, rows] if name == "states" else out[name][rows]).copy_(value)
        n_evals, result_times = n_evals + part.n_evals, part.times
        n_row_evals += part.n_row_evals or 0
        del part, fields
    return FlowResult(result_times, out["states"], out["final"], out["status"], out["t_final"],
                      out["n_steps"], out["n_rejected"], n_evals, integ.name, n_row_evals)
