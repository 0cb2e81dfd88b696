"""How a blocked field kernel runs, chosen by a one-time measurement (issue 12).

A :class:`KernelPlan` is the layout of a kernel's ``(block, ·, ·)`` intermediates and
its samples per block.  Which plan is fastest depends on the CPU, its caches, the
thread count and the problem shape (measured here: the unit-major layout is 3× faster
for the sums at ``m = 4`` and about even at ``m = 128``), so it is not guessed:
:func:`calibrate` times every candidate plan on the actual problem, once per model,
sample count, thread count and process, and keeps the fastest.  The candidates are
sized from cache-sized element budgets at the batch first seen; the plan itself is in
samples, so a row's sums do not depend on which other rows share its batch (an element
checked alone or inside ``--all``, live rows or all rows).  Different plans add the
per-sample terms in a different order, so their results agree to round-off, not bit for
bit; a run is reproducible bit for bit by pinning the plan it recorded:
``GradientFlowField(..., kernel="unit:32")``, or ``SIMTOOL_KERNEL_PLAN=unit:32`` for a
whole process (CLI runs included).  :func:`chosen_plans` lists what this process
chose, and check/simulate results record it.

>>> KernelPlan.parse("unit:32")
KernelPlan(layout='unit', samples=32)
>>> KernelPlan.parse("rows:7")
Traceback (most recent call last):
...
simtool.errors.DataError: unknown kernel layout 'rows'; choose one of row, unit
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from ..errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from .losses import Loss

__all__ = ["KernelPlan", "calibrate", "chosen_plans", "pinned_plan", "LAYOUTS",
           "CANDIDATE_BLOCKS", "ENV_VAR"]

#: row-major ``(block, B, m)`` or unit-major ``(block, m, B)`` intermediates
LAYOUTS = ("row", "unit")
#: element budgets of one intermediate from which the candidate samples-per-block are
#: sized (:func:`calibrate`, on the CPU): L2-sized to L3-sized on the machines measured
CANDIDATE_BLOCKS = (1 << 15, 1 << 17, 1 << 19)
#: environment variable pinning one plan for every kernel of a process
ENV_VAR = "SIMTOOL_KERNEL_PLAN"
#: timed calls per candidate (after one untimed call); the minimum is kept
_TIMED_CALLS = 3

_CHOSEN: dict[tuple, dict[str, Any]] = {}


@dataclass(frozen=True)
class KernelPlan:
    """Layout (``"row"`` or ``"unit"``) and samples per block of a blocked kernel."""

    layout: str
    samples: int

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise DataError(f"unknown kernel layout {self.layout!r}; choose one of {', '.join(LAYOUTS)}")
        if not isinstance(self.samples, int) or isinstance(self.samples, bool) or self.samples < 1:
            raise DataError(f"kernel samples per block must be a positive integer, got {self.samples!r}")

    @classmethod
    def parse(cls, text: str) -> KernelPlan:
        """``"LAYOUT:SAMPLES"``, e.g. ``"unit:32"`` (what :meth:`__str__` writes)."""
        if not isinstance(text, str) or text.count(":") != 1:
            raise DataError(f"a kernel plan is LAYOUT:SAMPLES (e.g. unit:32), got {text!r}")
        layout, samples = text.split(":")
        if not samples.strip().isdigit():
            raise DataError(f"kernel samples per block must be a positive integer, got {samples!r}")
        return cls(layout.strip(), int(samples))

    def __str__(self) -> str:
        return f"{self.layout}:{self.samples}"


def as_plan(spec: KernelPlan | str | None) -> KernelPlan | None:
    """``None`` (calibrate), a plan, or its ``LAYOUT:SAMPLES`` text; ``"auto"`` is ``None``."""
    if spec is None or isinstance(spec, KernelPlan):
        return spec
    if isinstance(spec, str):
        return None if spec.strip() == "auto" else KernelPlan.parse(spec)
    raise DataError(f"kernel must be 'auto', LAYOUT:SAMPLES or a KernelPlan, got {type(spec).__name__}")


def pinned_plan() -> KernelPlan | None:
    """The plan ``SIMTOOL_KERNEL_PLAN`` pins for the process, or ``None``."""
    text = os.environ.get(ENV_VAR, "").strip()
    return as_plan(text) if text else None


def _key(model: Any, theta: torch.Tensor, Xd: torch.Tensor, loss: Loss) -> tuple:
    """Not the batch size: one plan for every batch of the same model and samples."""
    return (repr(model), tuple(Xd.shape[-2:]), Xd.ndim == 2, str(theta.device), str(theta.dtype),
            torch.get_num_threads(), loss.name)


def calibrate(model: Any, theta: torch.Tensor, Xd: torch.Tensor, y: torch.Tensor,
              loss: Loss) -> KernelPlan:
    """The fastest of ``model.plan_candidates(B, n, shared)`` on this problem, measured
    once per model, samples, thread count and process (later calls, at any batch size,
    return the same plan).

    Each candidate is run once untimed and then ``_TIMED_CALLS`` times on the actual
    ``θ`` and data; the smallest time wins (ties go to the earlier candidate).  A plan
    pinned by ``SIMTOOL_KERNEL_PLAN`` is returned without measuring.
    """
    pinned = pinned_plan()
    if pinned is not None:
        return pinned
    key = _key(model, theta, Xd, loss)
    if key in _CHOSEN:
        return _CHOSEN[key]["plan"]
    candidates = model.plan_candidates(theta.shape[0], Xd.shape[-2], Xd.ndim == 2)
    times: dict[str, float] = {}
    if len(candidates) == 1:
        best = candidates[0]
    else:
        for plan in candidates:
            scratch: dict = {}  # buffers per candidate
            run = lambda p=plan, w=scratch: model.risk_and_grad_prepared(  # noqa: E731
                theta, Xd, y, loss, need_risk=False, scale=-1.0, workspace=w, plan=p)
            run()
            best_t = float("inf")
            for _ in range(_TIMED_CALLS):
                t0 = time.perf_counter()
                run()
                best_t = min(best_t, time.perf_counter() - t0)
            times[str(plan)] = best_t
        best = min(candidates, key=lambda p: times[str(p)])
    _CHOSEN[key] = {"plan": best, "times_s": times,
                    "shape": {"batch": int(theta.shape[0]), "n": int(Xd.shape[-2]),
                              "shared_inputs": Xd.ndim == 2}}
    return best


def chosen_plans() -> list[dict[str, Any]]:
    """What :func:`calibrate` chose in this process: per shape the plan (``LAYOUT:SAMPLES``),
    the measured seconds per candidate and the model, JSON-ready."""
    out = []
    for key, rec in _CHOSEN.items():
        out.append({"model": key[0], **rec["shape"], "threads": key[5], "device": key[3],
                    "plan": str(rec["plan"]), "times_s": dict(rec["times_s"])})
    return out
