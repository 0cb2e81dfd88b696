r"""What every numerical check shares: the flow set-up, the result type, tolerances.

A :class:`FlowSetup` fixes the network (any network with a numeric model,
:func:`~simtool.numeric.models.model_for`), the data, the loss and the integrator; its
:meth:`FlowSetup.run` integrates a batch of initial conditions, optionally on a
narrower net with a metric (diagonal or matrix, math.md §5) and frozen coordinates.

Fixed-step methods integrate with the step actually used, ``h = t_max / ⌈t_max/dt⌉``
(``dt`` itself when it divides ``t_max``), and save on that step grid: the save times
are the grid points nearest the ``n_save`` equally spaced ones (fewer when the grid is
coarser).  :meth:`FlowSetup.describe` records both ``dt`` (the step used) and
``dt_requested``.  :func:`element_generator` derives the random stream of one
element's checks from ``(seed, exact subspace key)`` with SHA-256, so an element gets
the same samples whether it is checked alone or with others.  Every check returns a frozen
:class:`CheckResult`: a verdict (``confirmed``, ``violated``, ``inconclusive``, or
``n/a`` when the check says nothing for this subspace, e.g. "stays" on the whole
space), the reason in words, the measured figures, and the traces a plot needs.
Nothing passes silently: a trivial check is ``n/a`` with its reason, a check whose
trajectories failed or did not move is ``inconclusive``.

Tolerances (floating point gives evidence, never proof; conventions.md rule 7):

* round-off: a trajectory that should stay on a subspace may leave it by at most
  ``ROUNDOFF_FACTOR · ε · max(n_steps, 1)`` relative to ``‖θ‖`` (``ε`` the machine
  epsilon of the dtype, ``n_steps`` the integrator steps of that run);
* integrator accuracy (comparing two different flows, e.g. wide vs reduced):
  ``ACCURACY_FACTOR · rtol`` for adaptive integrators; fixed-step and discrete
  methods commute exactly with the linear maps involved, so there the round-off
  tolerance times ``AMPLIFICATION`` applies;
* a control has "left" when its distance grows by at least ``CONTROL_GROWTH`` over
  ``max(dist(0), ε)`` and ends above ``CONTROL_GROWTH`` times the round-off tolerance.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import torch

from ..errors import SimtoolError
from ..verdict import CONFIRMED, INCONCLUSIVE, NOT_APPLICABLE, VIOLATED
from .fields import Metric
from .flow import FlowResult, GradientFlowField
from .integrators import get_integrator, integrate
from .kernel_plan import chosen_plans, pinned_plan
from .losses import get_loss
from .models import Model, model_for

__all__ = [
    "CONFIRMED",
    "VIOLATED",
    "INCONCLUSIVE",
    "NOT_APPLICABLE",
    "VERDICTS",
    "DEFAULT_STEPS",
    "ROUNDOFF_FACTOR",
    "ACCURACY_FACTOR",
    "AMPLIFICATION",
    "CONTROL_GROWTH",
    "MIN_MOVEMENT",
    "CheckResult",
    "FlowSetup",
    "element_generator",
    "threading_config",
    "worst",
]

# the one status vocabulary of the package (simtool/verdict.py)
#: verdicts from best to worst (``worst`` picks the last one present)
VERDICTS = (NOT_APPLICABLE, CONFIRMED, INCONCLUSIVE, VIOLATED)

#: fixed-step methods take ``t_max / DEFAULT_STEPS`` as step size unless told otherwise
DEFAULT_STEPS = 50
#: round-off budget per integrator step, in units of machine epsilon
ROUNDOFF_FACTOR = 16.0
#: two flows agree "to integrator accuracy" within this multiple of rtol (adaptive)
ACCURACY_FACTOR = 1000.0
#: extra room for round-off amplified along a trajectory (comparisons of two runs)
AMPLIFICATION = 1000.0
#: a control must grow its distance by at least this factor
CONTROL_GROWTH = 1e4
#: a "stays" run whose trajectories moved less than this (relative) is inconclusive
MIN_MOVEMENT = 1e-6


def worst(verdicts) -> str:
    """The worst verdict in an iterable (``n/a`` if empty).

    >>> worst(["confirmed", "n/a", "inconclusive"])
    'inconclusive'
    """
    rank = {v: i for i, v in enumerate(VERDICTS)}
    return max(verdicts, key=rank.__getitem__, default=NOT_APPLICABLE)


@dataclass(frozen=True, eq=False)
class CheckResult:
    """Outcome of one numerical check.

    Attributes
    ----------
    check : str
        ``stays``, ``control``, ``stability``, ``reduces``, ``equivariance``, ``risk``.
    verdict : str
        One of :data:`VERDICTS`.
    reason : str
        Why, in words, with the numbers that decided it.
    figures : Mapping
        The measured numbers (JSON-friendly scalars and strings).
    traces : Mapping
        numpy arrays for plots (``times`` and per-trajectory series); not compared.
    """

    check: str
    verdict: str
    reason: str
    figures: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    traces: Mapping[str, np.ndarray] = field(
        default_factory=lambda: MappingProxyType({}), repr=False
    )

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        object.__setattr__(self, "figures", MappingProxyType(dict(self.figures)))
        object.__setattr__(self, "traces", MappingProxyType(dict(self.traces)))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without traces)."""
        return {"verdict": self.verdict, "reason": self.reason, "figures": dict(self.figures)}


def threading_config() -> dict[str, Any]:
    """Thread settings a timing depends on: torch threads, cores, ``OMP_WAIT_POLICY``."""
    return {"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)")}


def element_generator(seed: int, key: object) -> torch.Generator:
    """A CPU generator seeded from SHA-256 of ``(seed, key)`` (never ``hash()``).

    ``key`` is an exact, reproducible object (a subspace's ``key``); its ``repr`` is
    hashed, so the stream depends only on the seed and the element.

    >>> a = element_generator(0, (3, ((0, 1),)))
    >>> b = element_generator(0, (3, ((0, 1),)))
    >>> bool(torch.equal(torch.randn(2, generator=a), torch.randn(2, generator=b)))
    True
    """
    digest = hashlib.sha256(f"simtool check|{int(seed)}|{key!r}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def _copy(a: Any) -> Any:
    """A writable copy of numpy input (torch warns on read-only arrays)."""
    return np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a


def _device(device: str | torch.device) -> torch.device:
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SimtoolError(
            f"device {str(device)!r} requested but CUDA is not available here; use --device cpu"
        )
    if dev.type not in ("cpu", "cuda"):
        raise SimtoolError(f"unknown device {str(device)!r}; choose cpu or cuda")
    return dev


@dataclass(frozen=True, eq=False)
class FlowSetup:
    """Network, data, loss and integrator of a batch of gradient flows.

    Parameters
    ----------
    net : Network
        The (wide) network, any type :func:`~simtool.numeric.models.model_for` knows
        (``TwoLayerNet``, ``DeepNet``, …); reduced flows pass their own narrow net to
        :meth:`run`.
    X, y : array-like
        Inputs ``(n, d)`` and targets ``(n,)``.
    loss : str
        A key of :data:`~simtool.numeric.losses.LOSSES`.
    integrator : str
        A key of :data:`~simtool.numeric.integrators.INTEGRATORS`.
    t_max : float
        Final time (``gd``/``sgd``: number of steps times ``dt``).
    dt : float, optional
        Requested step size (fixed-step methods; default ``t_max / DEFAULT_STEPS``;
        the step used is :attr:`step`) or the initial step of adaptive ones.
    rtol, atol : float
        Tolerances of adaptive integrators.
    n_save : int
        Number of equally spaced save times in ``[0, t_max]``.
    device : str
        ``cpu`` or ``cuda`` (refused with a clear message when unavailable).
    seed : int
        Seed of the minibatch stream of ``sgd`` (identical for every run, so wide and
        reduced runs see the same minibatches).
    """

    net: Any
    X: Any
    y: Any
    loss: str = "mse"
    integrator: str = "rk4"
    t_max: float = 1.0
    dt: float | None = None
    rtol: float = 1e-10
    atol: float = 1e-12
    n_save: int = 41
    max_steps: int = 100_000
    device: str = "cpu"
    seed: int = 0

    def __post_init__(self) -> None:
        dev = _device(self.device)
        get_loss(self.loss)
        integ = get_integrator(self.integrator)
        if not (isinstance(self.t_max, (int, float)) and self.t_max > 0 and math.isfinite(self.t_max)):
            raise SimtoolError(f"t_max must be a positive finite number, got {self.t_max!r}")
        if int(self.n_save) < 2:
            raise SimtoolError(f"n_save must be at least 2, got {self.n_save!r}")
        dt = self.dt
        if dt is None and not integ.adaptive:
            dt = self.t_max / DEFAULT_STEPS
        object.__setattr__(self, "dt", dt)
        model = model_for(self.net, device=dev)
        X = model.as_inputs(_copy(self.X))
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", model.as_targets(_copy(self.y), X, get_loss(self.loss)))

    # -- derived ------------------------------------------------------------------
    @property
    def torch_device(self) -> torch.device:
        return self.X.device

    @property
    def eps(self) -> float:
        return float(torch.finfo(torch.float64).eps)

    @property
    def adaptive(self) -> bool:
        return get_integrator(self.integrator).adaptive

    @property
    def stochastic(self) -> bool:
        return get_integrator(self.integrator).stochastic

    @property
    def discrete(self) -> bool:
        """``gd``/``sgd``: the iteration itself, not a discretised flow."""
        return self.integrator in ("gd", "sgd")

    @property
    def step(self) -> float | None:
        """The step actually used: ``t_max / ⌈t_max/dt⌉`` (euler, rk4), ``dt`` (gd, sgd),
        ``None`` for adaptive methods (``dt`` is only their first step)."""
        if self.adaptive:
            return None
        if self.discrete:
            return float(self.dt)  # type: ignore[arg-type]
        n = max(1, math.ceil(float(self.t_max) / float(self.dt) - 1e-9))  # type: ignore[arg-type]
        return float(self.t_max) / n

    @property
    def save_times(self) -> torch.Tensor:
        """``n_save`` equally spaced times; fixed-step ODE methods: snapped to the step grid."""
        even = torch.linspace(0.0, float(self.t_max), int(self.n_save), dtype=torch.float64)
        if self.adaptive or self.discrete:
            return even
        n = round(float(self.t_max) / self.step)  # type: ignore[operator]
        k = torch.unique(torch.round(even / float(self.t_max) * n))
        return k * (float(self.t_max) / n)

    def step_text(self) -> str:
        """``"dt = 0.02"`` (fixed step) or ``"rtol = 1e-10, atol = 1e-12"`` (adaptive)."""
        if self.adaptive:
            return f"rtol = {self.rtol:g}, atol = {self.atol:g}"
        return f"dt = {self.step:g}"

    def roundoff_tol(self, n_steps: int) -> float:
        """Round-off tolerance for a run of ``n_steps`` steps (see module docstring)."""
        return ROUNDOFF_FACTOR * self.eps * max(int(n_steps), 1)

    def accuracy_tol(self, n_steps: int) -> float:
        """Tolerance for the agreement of two different (but equal in exact math) runs."""
        base = AMPLIFICATION * self.roundoff_tol(n_steps)
        return max(base, ACCURACY_FACTOR * self.rtol) if self.adaptive else base

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary of the set-up."""
        return {
            "net": self.net.describe(),
            "loss": self.loss,
            "integrator": self.integrator,
            "t_max": self.t_max,
            "dt": self.step if not self.adaptive else self.dt,
            "dt_requested": self.dt,
            "rtol": self.rtol if self.adaptive else None,
            "atol": self.atol if self.adaptive else None,
            "n_samples": int(self.X.shape[0]),
            "device": str(self.torch_device),
            "threads": threading_config(),
            # what the kernels ran (simtool.numeric.kernel_plan): pin one with
            # SIMTOOL_KERNEL_PLAN=LAYOUT:SAMPLES to rerun bit for bit
            "kernel_plans": {"pinned": None if (pin := pinned_plan()) is None else str(pin),
                             "calibrated": [{k: v for k, v in c.items() if k != "model"}
                                            for c in chosen_plans()]},
        }

    # -- flows ----------------------------------------------------------------------
    def model(self, net: Any = None) -> Model:
        """The numeric model of ``net`` (default: the set-up's net) on the set-up's device."""
        return model_for(net if net is not None else self.net, device=self.torch_device)

    def field(self, net: Any = None, metric: Metric | Any = None,
              mask: torch.Tensor | None = None) -> GradientFlowField:
        """The gradient-flow field of ``net`` on the set-up's data (see :meth:`run`)."""
        return GradientFlowField(self.model(net), self.X, self.y, self.loss, metric=metric,
                                 mask=mask)

    def risk(self, theta: torch.Tensor, net: Any = None) -> torch.Tensor:
        """``R(θ)`` for rows of ``θ`` (any leading shape)."""
        f = self.field(net)
        flat = theta.reshape(-1, theta.shape[-1])
        return f.risk(flat).reshape(theta.shape[:-1])

    def run(
        self,
        theta0: torch.Tensor,
        *,
        net: Any = None,
        metric: Metric | Any = None,
        mask: torch.Tensor | None = None,
    ) -> FlowResult:
        """Integrate from the rows of ``theta0``.

        ``metric``: a :class:`~simtool.numeric.fields.Metric` (diagonal or matrix,
        shared or one per trajectory, math.md §5) or an array taken as a diagonal;
        ``mask`` (``(D,)`` or ``(batch, D)``, 0/1) zeroes the velocity of frozen
        coordinates.  Both live in the field, so per-row methods (``radau``,
        ``chunk_size``) see each row's own metric and mask.
        """
        fld = self.field(net, metric, None if mask is None else mask.to(self.torch_device))
        gen = None
        kwargs: dict[str, Any] = {}
        if self.stochastic:
            gen = torch.Generator(device="cpu").manual_seed(int(self.seed))
            kwargs["batch_size"] = max(1, int(self.X.shape[0]) // 4)
        return integrate(
            fld,
            theta0.to(self.torch_device),
            float(self.t_max),
            method=self.integrator,
            dt=self.step if self.step is not None else self.dt,
            rtol=self.rtol,
            atol=self.atol,
            max_steps=self.max_steps,
            save_at=self.save_times,
            generator=gen,
            **kwargs,
        )
