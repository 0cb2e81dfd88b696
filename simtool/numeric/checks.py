r"""Numerical confirmation of SIMs by batched gradient flow (math.md §8).

One :class:`ElementReport` per lattice element, made of :class:`CheckResult`\ s:

=============  ==============================================================
``stays``      started on ``S`` (and on ``g·S``), the flow stays on it to
               round-off (:func:`~simtool.numeric.check_flows.check_stays`)
``control``    started on a non-invariant look-alike, the flow leaves it
               (:func:`~simtool.numeric.check_flows.check_control`)
``reduces``    the wide trajectory equals the lifted metric flow of the narrow
               net; the naive Euclidean flow does not
               (:func:`~simtool.numeric.check_reduce.check_reduces`)
``equiv``      ``φ_t(gθ) = g φ_t(θ)`` for the verified symmetry generators
``risk``       the risk does not increase along the flow
``stability``  (optional) started ``ε`` off ``S``: attracted or repelled
=============  ==============================================================

``stays``, ``equiv`` and ``risk`` share one batch (points of ``S`` and their images).
The random samples of an element come from
:func:`~simtool.numeric.check_setup.element_generator` ``(seed, S.key)``: the same
whether the element is checked alone or inside ``check_elements``.
An element works by duck typing: anything with ``id``, ``subspace``, ``dim``,
``description``, ``class_id`` and ``reduction`` (and optionally ``invariance``, the
exact proof verdict) can be checked, so deeper architectures slot in unchanged.

Examples
--------
>>> import numpy as np, torch
>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.lattice import enumerate_lattice
>>> from simtool.symbolic.network import TwoLayerNet
>>> from simtool.numeric.data import make_dataset
>>> net = TwoLayerNet(2, get_activation("tanh"))
>>> data = make_dataset("teacher", n_samples=16, rng=np.random.default_rng(0))
>>> setup = FlowSetup(net, data.x, data.y, t_max=1.0, dt=0.1, n_save=3)
>>> lat = enumerate_lattice(net)
>>> rep = check_element(setup, lat.element("S1"), symmetries=lat.symmetries.generators,
...                     n_traj=4, seed=0)
>>> rep.description, rep.verdict, rep.result("stays").verdict
('units 1,2 condensed', 'confirmed', 'confirmed')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from .check_batch import FlowBatch
from .check_control import (
    check_control,
    check_stability,
    choose_lookalike,
    plan_control,
    plan_stability,
)
from .check_flows import (
    IMAGES,
    check_equivariance,
    check_risk,
    check_stays,
    equivariance_from,
    plan_on_subspace,
    risk_from,
    stays_from,
)
from .check_reduce import ReductionLike, check_reduces, plan_reduces
from .check_setup import (
    CONFIRMED,
    INCONCLUSIVE,
    NOT_APPLICABLE,
    VERDICTS,
    VIOLATED,
    CheckResult,
    FlowSetup,
    element_generator,
    worst,
)

__all__ = [
    "CHECKS",
    "CONFIRMED",
    "VIOLATED",
    "INCONCLUSIVE",
    "NOT_APPLICABLE",
    "VERDICTS",
    "CheckResult",
    "ElementReport",
    "FlowSetup",
    "FlowBatch",
    "plan_element",
    "check_element",
    "check_elements",
    "check_stays",
    "check_control",
    "check_stability",
    "check_reduces",
    "check_equivariance",
    "check_risk",
    "choose_lookalike",
    "exit_status",
    "worst",
]

#: the checks run on every element, in table order (``stability`` is opt-in)
CHECKS = ("stays", "control", "reduces", "equivariance", "risk")
#: :func:`check_elements` groups elements into batches of about this many trajectories
ROWS_PER_BATCH = 8192


@dataclass(frozen=True, eq=False)
class ElementReport:
    """All check results for one lattice element."""

    id: str
    description: str
    dim: int
    class_id: str
    proof: str
    results: tuple[CheckResult, ...]

    @property
    def verdict(self) -> str:
        """Worst verdict over the checks (``n/a`` ignored unless all are)."""
        return worst(r.verdict for r in self.results)

    def result(self, check: str) -> CheckResult | None:
        return next((r for r in self.results if r.check == check), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "dim": self.dim,
            "class": self.class_id,
            "proof": self.proof,
            "verdict": self.verdict,
            "checks": {r.check: r.as_dict() for r in self.results},
        }


def element_reduction(setup: FlowSetup, element) -> ReductionLike:
    """The element's general reduction (``P``, ``M``, fiber, …; math.md §5).

    Lattices of the generic core carry one; the two-layer unit-partition lattice
    carries the diagonal two-layer ``Reduction``, which lacks ``P Π_S Pᵀ`` and the
    fiber, so for it the general reduction of ``element.subspace`` is computed here.
    """
    from ..symbolic.reduction_general import Reduction, reduce_subspace

    red = element.reduction
    return red if isinstance(red, Reduction) else reduce_subspace(setup.net, element.subspace)


def _skip(check: str, reason: str) -> CheckResult:
    return CheckResult(check, NOT_APPLICABLE, reason)


def plan_element(
    batch: FlowBatch,
    element,
    *,
    symmetries: Sequence = (),
    n_traj: int = 64,
    generator: torch.Generator,
    stability: bool = False,
) -> Callable[[], ElementReport]:
    """Queue every run the checks of ``element`` need; call the result after ``batch.run()``."""
    setup = batch.setup
    sub = element.subspace
    run = plan_on_subspace(batch, sub, n_traj=n_traj, generator=generator, symmetries=symmetries)
    finishers: list[Callable[[], CheckResult]] = [lambda: stays_from(run)]
    if sub.dim == sub.ambient:
        finishers.append(lambda: _skip("control", "no look-alike of the whole space"))
    else:
        choice = choose_lookalike(setup, sub, generator=generator)
        if choice is None:
            finishers.append(lambda: CheckResult(
                "control", INCONCLUSIVE,
                "no non-invariant look-alike found (the field looked tangent to every candidate)"))
        else:
            label, cand, note = choice
            control = plan_control(batch, cand, n_traj=n_traj, generator=generator, label=label)
            finishers.append(lambda: _with_note(control(), note))
    finishers.append(plan_reduces(batch, element_reduction(setup, element), n_traj=n_traj,
                                  generator=generator))
    finishers.append(lambda: equivariance_from(run))
    finishers.append(lambda: risk_from(run))
    if stability:
        finishers.append(plan_stability(batch, sub, n_traj=n_traj, generator=generator))
    inv = getattr(element, "invariance", None)

    def finish() -> ElementReport:
        return ElementReport(
            id=element.id,
            description=element.description,
            dim=int(element.dim),
            class_id=str(getattr(element, "class_id", "")),
            proof=getattr(inv, "status", "—") if inv is not None else "—",
            results=tuple(f() for f in finishers),
        )

    return finish


def _with_note(res: CheckResult, note: str) -> CheckResult:
    if not note:
        return res
    return CheckResult(res.check, res.verdict, f"{res.reason}; {note}", res.figures, res.traces)


def check_element(
    setup: FlowSetup,
    element,
    *,
    symmetries: Sequence = (),
    n_traj: int = 64,
    seed: int = 0,
    stability: bool = False,
) -> ElementReport:
    """Run every check on one lattice element (see the module docstring); its samples
    come from ``element_generator(seed, element.subspace.key)``."""
    batch = FlowBatch(setup)
    finish = plan_element(batch, element, symmetries=symmetries, n_traj=n_traj,
                          generator=element_generator(seed, element.subspace.key),
                          stability=stability)
    batch.run()
    return finish()


def check_elements(
    setup: FlowSetup,
    elements: Iterable,
    *,
    symmetries: Sequence = (),
    n_traj: int = 64,
    seed: int = 0,
    stability: bool = False,
    rows_per_batch: int = ROWS_PER_BATCH,
) -> Iterator[tuple[list, list[ElementReport]]]:
    """Check many elements, integrating several elements' runs in one batch.

    Yields ``(elements, reports)`` after each batch (for progress bars); elements are
    grouped until a batch would exceed about ``rows_per_batch`` trajectories.  Each
    element draws from its own ``element_generator(seed, element.subspace.key)``, so
    its report equals :func:`check_element`'s for the same seed.
    """
    per_element = n_traj * (4 + (1 if stability else 0)) + min(n_traj, IMAGES) * len(symmetries)
    group = max(1, int(rows_per_batch) // max(per_element, 1))
    pending = list(elements)
    for start in range(0, len(pending), group):
        chunk = pending[start:start + group]
        batch = FlowBatch(setup)
        finishers = [plan_element(batch, el, symmetries=symmetries, n_traj=n_traj,
                                  generator=element_generator(seed, el.subspace.key),
                                  stability=stability) for el in chunk]
        batch.run()
        yield chunk, [f() for f in finishers]


def exit_status(reports: Iterable[ElementReport]) -> int:
    """``0`` all confirmed (``n/a`` ignored), ``1`` any violated, ``3`` inconclusive only.

    >>> exit_status([])
    0
    """
    v = worst(r.verdict for r in reports)
    return {VIOLATED: 1, INCONCLUSIVE: 3}.get(v, 0)
