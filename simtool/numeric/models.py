r"""The numeric model protocol and the registry ``network → model`` (math.md §1–2).

A *model* evaluates a network of the :class:`~simtool.symbolic.architecture.Network`
protocol in floating point, batched over parameter vectors: ``θ`` has shape
``(batch, D)`` in the network's own layout (the network object is the one place that
knows it).  :class:`~simtool.numeric.flow.GradientFlowField` and every check use only
the :class:`Model` protocol, so any network with a model runs through the flow engine.

Data flow: inputs are validated once (:meth:`Model.as_inputs`, :meth:`Model.as_targets`)
and *prepared* once (:meth:`Model.prepare`: e.g. the design matrix ``[X, 1]`` of the
two-layer kernel); the hot kernels :meth:`Model.output` and
:meth:`Model.risk_and_grad_prepared` read the prepared tensor.  A prepared tensor keeps
the samples on axis ``-2`` and, for per-row data ``(batch, n, ·)``, the rows on axis 0,
so a field can slice it by rows or by samples without knowing what it holds.

Implementations (registry :data:`MODELS`, looked up by :func:`model_for`):

=====================  ==========================================================
``TwoLayerNet``        :class:`~simtool.numeric.model.TwoLayerModel` (tuned kernel)
``DeepNet``            :class:`~simtool.numeric.deep_model.DeepModel` (per-layer bmm)
anything else          :class:`~simtool.numeric.func_model.FuncModel`: ``torch.func``
                       (``vmap``/``grad``/``jacrev``) of a torch forward, the net's
                       own ``torch_forward`` (:class:`TorchForwardNetwork`) or, for a
                       layered net described by its roles, the generic layered one
=====================  ==========================================================

``FuncModel`` is also the oracle every hand-written kernel is tested against.

Public API
----------
``Model`` (Protocol), ``TorchForwardNetwork`` (Protocol), ``ModelBase`` (shared
validation and the public wrappers), ``MODELS``, ``register_model(net_type, factory)``,
``model_for(net, *, device=None, dtype=torch.float64) -> Model``.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.deep import DeepNet
>>> type(model_for(DeepNet((2, 2), get_activation("tanh")))).__name__
'DeepModel'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import torch

from ..errors import ArchitectureError, DataError
from .losses import Loss, get_loss

__all__ = ["Model", "TorchForwardNetwork", "ModelBase", "MODELS", "register_model", "model_for",
           "sample_block"]

Tensor = torch.Tensor


@runtime_checkable
class Model(Protocol):
    """What the flow engine asks of a numeric model (``θ``: ``(batch, D)``).

    Attributes: ``net`` (the symbolic network), ``dim`` (``D``), ``input_dim``
    (``d``), ``device``, ``dtype``.
    """

    net: Any
    device: torch.device
    dtype: torch.dtype

    @property
    def dim(self) -> int: ...

    @property
    def input_dim(self) -> int: ...

    def as_inputs(self, X: object) -> Tensor:
        """Validate inputs to ``(n, d)`` (shared) or ``(batch, n, d)`` (per row)."""

    def as_targets(self, y: object, X: Tensor, loss: Loss | None = None) -> Tensor:
        """Validate targets to ``(n,)`` or ``(batch, n)`` against prepared-size ``X``."""

    def prepare(self, X: Tensor) -> Tensor:
        """The tensor the kernels read (samples on axis ``-2``; rows on axis 0 if 3-D)."""

    def output(self, theta: Tensor, Xp: Tensor) -> Tensor:
        """``f(θ_b, x_i)``, ``(batch, n)``, from prepared inputs."""

    def risk_and_grad_prepared(self, theta: Tensor, Xp: Tensor, y: Tensor, loss: Loss, *,
                               need_risk: bool = True, scale: float = 1.0,
                               workspace: dict | None = None) -> tuple[Tensor | None, Tensor]:
        """``(R(θ) or None, scale · ∇_θ R(θ))`` with shapes ``(batch,)``, ``(batch, D)``.

        ``workspace``: a dict the caller keeps between calls for scratch buffers (one
        per thread).  Must work under autograd and ``torch.func`` transforms too.
        """

    def forward(self, theta: Tensor, X: object) -> Tensor:
        """Validating ``f``: ``(batch, n)``."""

    def jacobian(self, theta: Tensor, X: object) -> Tensor:
        """Per-sample ``∇_θ f(θ_b, x_i)``: ``(batch, n, D)``."""

    def risk_and_grad(self, theta: Tensor, X: object, y: object,
                      loss: Loss | str = "mse") -> tuple[Tensor, Tensor]:
        """Validating ``(R, ∇R)``."""


@runtime_checkable
class TorchForwardNetwork(Protocol):
    """A network that brings its own torch forward for one parameter vector.

    ``torch_forward(theta, X)``: ``theta`` of shape ``(D,)``, ``X`` of shape
    ``(n, d)``, returns ``(n,)``; it must be composable with ``torch.func``.
    ``layer_widths[0]`` is the input dimension ``d``.
    """

    @property
    def dim(self) -> int: ...

    @property
    def layer_widths(self) -> tuple[int, ...]: ...

    def describe(self) -> str: ...

    def torch_forward(self, theta: Tensor, X: Tensor) -> Tensor: ...


class ModelBase:
    """Validation and the public wrappers shared by every model (not a protocol).

    Subclasses set ``net``, ``device``, ``dtype`` and implement ``prepare``,
    ``output``, ``risk_and_grad_prepared`` and ``jacobian_prepared``.
    """

    net: Any
    device: torch.device
    dtype: torch.dtype

    def _init_device(self, device: torch.device | str | None, dtype: torch.dtype) -> None:
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype

    @property
    def dim(self) -> int:
        return int(self.net.dim)

    @property
    def input_dim(self) -> int:
        return int(self.net.layer_widths[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.net.describe()}, device={self.device}, dtype={self.dtype})"

    def check_theta(self, theta: Tensor) -> Tensor:
        """``θ`` must be a ``(batch, D)`` tensor."""
        if not isinstance(theta, Tensor) or theta.ndim != 2 or theta.shape[1] != self.dim:
            shape = tuple(theta.shape) if isinstance(theta, Tensor) else type(theta).__name__
            raise ArchitectureError(f"θ must have shape (batch, {self.dim}), got {shape}")
        return theta

    def as_inputs(self, X: object) -> Tensor:
        """Validate and convert inputs to ``(n, d)`` or ``(batch, n, d)`` on device."""
        d = self.input_dim
        X = torch.as_tensor(X, dtype=self.dtype, device=self.device)
        if X.ndim == 1 and d == 1:
            X = X[:, None]
        if X.ndim not in (2, 3) or X.shape[-1] != d or X.shape[-2] == 0:
            raise DataError(f"inputs must have shape (n, {d}) or (batch, n, {d}) with n ≥ 1, "
                            f"got {tuple(X.shape)}")
        if not bool(torch.isfinite(X).all()):
            raise DataError("inputs contain NaN or inf")
        return X

    def as_targets(self, y: object, X: Tensor, loss: Loss | None = None) -> Tensor:
        """Validate targets against inputs ``X`` (already converted) and ``loss``."""
        y = torch.as_tensor(y, dtype=self.dtype, device=self.device)
        n = X.shape[-2]
        if y.ndim == 2 and y.shape[1] == 1 and n != 1:
            y = y[:, 0]
        if y.ndim not in (1, 2) or y.shape[-1] != n:
            raise DataError(f"targets must have shape ({n},) or (batch, {n}), got {tuple(y.shape)}")
        (loss or get_loss("mse")).check_targets(y)
        return y

    def prepare(self, X: Tensor) -> Tensor:
        return X

    # -- public, validating API ---------------------------------------------------
    def forward(self, theta: Tensor, X: object) -> Tensor:
        """Outputs ``f(θ_b, x_i)``, shape ``(batch, n)``."""
        return self.output(self.check_theta(theta), self.prepare(self.as_inputs(X)))  # type: ignore[attr-defined]

    __call__ = forward

    def jacobian(self, theta: Tensor, X: object) -> Tensor:
        """Per-sample gradients ``∇_θ f(θ_b, x_i)``, shape ``(batch, n, D)``."""
        return self.jacobian_prepared(self.check_theta(theta),  # type: ignore[attr-defined]
                                      self.prepare(self.as_inputs(X)))

    def risk_and_grad(self, theta: Tensor, X: object, y: object,
                      loss: Loss | str = "mse") -> tuple[Tensor, Tensor]:
        """``(R(θ), ∇R(θ))`` with shapes ``(batch,)`` and ``(batch, D)``."""
        loss = get_loss(loss)
        theta = self.check_theta(theta)
        X = self.as_inputs(X)
        y = self.as_targets(y, X, loss)
        risk, grad = self.risk_and_grad_prepared(theta, self.prepare(X), y, loss)  # type: ignore[attr-defined]
        return risk, grad

    def risk(self, theta: Tensor, X: object, y: object, loss: Loss | str = "mse") -> Tensor:
        """Empirical risk ``R(θ) = mean_i ℓ(f(θ, x_i), y_i)``, shape ``(batch,)``."""
        loss = get_loss(loss)
        theta = self.check_theta(theta)
        X = self.as_inputs(X)
        y = self.as_targets(y, X, loss)
        return loss.value(self.output(theta, self.prepare(X)), y).mean(1)  # type: ignore[attr-defined]

    def risk_grad(self, theta: Tensor, X: object, y: object, loss: Loss | str = "mse") -> Tensor:
        """``∇_θ R(θ)``, shape ``(batch, D)``."""
        return self.risk_and_grad(theta, X, y, loss)[1]

    def sample_theta(self, batch: int, *, generator: torch.Generator, std: float = 1.0) -> Tensor:
        """``batch`` i.i.d. ``N(0, std²)`` parameter vectors drawn from ``generator``."""
        if not isinstance(generator, torch.Generator):
            raise DataError("sample_theta needs an explicit torch.Generator (seeded)")
        out = torch.randn(batch, self.dim, generator=generator, dtype=self.dtype,
                          device=generator.device)
        return out.mul_(std).to(self.device)


def sample_block(workspace: dict | None, n: int, choose: Callable[[], int]) -> int:
    """Samples per block of a blocked kernel: ``choose()`` on the first call, then the
    same number for every later call sharing ``workspace`` (a field and its ``rows``),
    so that a row's sums run in the same order whichever rows are evaluated with it
    (live-row integration stays bit-identical to full-batch integration)."""
    if workspace is None:
        return choose()
    key = ("sample_block", n)
    if key not in workspace:
        workspace[key] = choose()
    return workspace[key]


ModelFactory = Callable[..., Model]
#: network type → model factory ``(net, *, device, dtype) -> Model``
MODELS: dict[type, ModelFactory] = {}


def register_model(net_type: type, factory: ModelFactory) -> None:
    """Register the numeric model of a network type (replaces an earlier entry)."""
    MODELS[net_type] = factory


def _defaults() -> None:
    if MODELS:
        return
    from ..symbolic.deep import DeepNet
    from ..symbolic.network import TwoLayerNet
    from .deep_model import DeepModel
    from .model import TwoLayerModel

    register_model(TwoLayerNet, TwoLayerModel)
    register_model(DeepNet, DeepModel)


def model_for(net: object, *, device: torch.device | str | None = None,
              dtype: torch.dtype = torch.float64) -> Model:
    """The numeric model of ``net``: the registered one for its type, else ``FuncModel``.

    ``FuncModel`` uses the net's ``torch_forward`` when it has one
    (:class:`TorchForwardNetwork`), else the generic layered forward built from the
    net's roles and activations (:class:`~simtool.symbolic.architecture.Network`).
    """
    from ..symbolic.architecture import Network
    from .func_model import FuncModel

    _defaults()
    for kind in type(net).__mro__:
        if kind in MODELS:
            return MODELS[kind](net, device=device, dtype=dtype)
    if isinstance(net, TorchForwardNetwork):
        return FuncModel(net, net.torch_forward, device=device, dtype=dtype)
    if isinstance(net, Network):
        return FuncModel(net, None, device=device, dtype=dtype)
    known = ", ".join(sorted(t.__name__ for t in MODELS))
    raise ArchitectureError(f"no numeric model for {type(net).__name__}; choose one of {known}, "
                            "or a network with torch_forward(theta, X) or roles and activations")
