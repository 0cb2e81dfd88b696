r"""Ready-made property checks for users' tests; each raises ``AssertionError`` with evidence.

Exact checks (sympy, no torch): :func:`assert_sim`, :func:`assert_not_sim`,
:func:`assert_reduces`, :func:`assert_equivariant`.  Numeric: :func:`assert_flow_equivariant`
(torch, float64, with the tolerance of :mod:`simtool.numeric.check_setup`).

>>> from simtool.symbolic import TwoLayerNet, Subspace, get_activation
>>> net = TwoLayerNet(2, get_activation("tanh"))
>>> condensed = Subspace.from_equations(net.dim, [{0: 1, 3: -1}, {1: 1, 4: -1}, {2: 1, 5: -1}])
>>> assert_sim(net, condensed).status
'proved'
>>> assert_sim(net, Subspace.from_equations(net.dim, [{0: 1}]))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: not proved a SIM (refuted): ∇f leaves S: ...
"""

from __future__ import annotations

from fractions import Fraction

import sympy

from ..symbolic import Subspace, TwoLayerNet, is_identically_zero, prove_invariant
from ..symbolic.tangency_general import prove_invariant_any
from ..verdict import PROVED, REFUTED, Verdict

__all__ = ["assert_sim", "assert_not_sim", "assert_reduces", "assert_equivariant", "assert_flow_equivariant"]


def _prove(net, subspace: Subspace) -> Verdict:
    # the tuned two-layer test where it applies, the general (deep) one elsewhere
    return prove_invariant(net, subspace) if isinstance(net, TwoLayerNet) else prove_invariant_any(net, subspace)


def _fail(what: str, v: Verdict) -> AssertionError:
    ce = f"; counterexample {v.counterexample}" if v.counterexample else ""
    return AssertionError(f"{what} ({v.status.value}): {v.evidence}{ce}")


def assert_sim(net, subspace: Subspace) -> Verdict:
    """``subspace`` is proved invariant for every loss and data set (exact tangency).

    ``net`` is a :class:`~simtool.symbolic.TwoLayerNet` or a deep
    :class:`~simtool.symbolic.deep.DeepNet`."""
    v = _prove(net, subspace)
    if v.status != PROVED:
        raise _fail("not proved a SIM", v)
    return v


def assert_not_sim(net, subspace: Subspace) -> Verdict:
    """``subspace`` is refuted, with an exact counterexample."""
    v = _prove(net, subspace)
    if v.status != REFUTED:
        raise _fail("not refuted", v)
    return v


def assert_reduces(net, element) -> None:
    """The element's reduction computes the same function and the metric flow (exact).

    ``element`` is a lattice element (anything with ``.reduction``) or a ``Reduction``.
    """
    red = getattr(element, "reduction", element)
    if red.wide != net:
        raise AssertionError(f"the reduction belongs to {red.wide.describe()}, not to {net.describe()}")
    if not red.verify():
        raise AssertionError(f"f(Lθ̃) = f̃(θ̃) and ∇f(Lθ̃) = L M ∇f̃(θ̃) were not proved for "
                             f"M = {red.metric_by_name()}")


def assert_equivariant(net, g, theta=None) -> None:
    r"""``f(gθ, x) ≡ f(θ, x)`` and ``∇f(gθ, x) ≡ g∇f(θ, x)`` (so every flow commutes with ``g``).

    ``g`` is a signed permutation (orthogonal); ``theta`` a point (default: symbolic θ).
    """
    th = list(net.symbols) if theta is None else [_exact(t) for t in theta]
    gth = g.apply(th)
    x = net.x_symbols
    if not is_identically_zero(net.function(gth, x) - net.function(th, x)):
        raise AssertionError(f"{g.label or g}: f(gθ, x) − f(θ, x) is not identically 0")
    f = net.function()
    grads = [sympy.diff(f, s) for s in net.symbols]
    at = [gr.xreplace(dict(zip(net.symbols, th))) for gr in grads]
    at_g = [gr.xreplace(dict(zip(net.symbols, gth))) for gr in grads]
    for i, (lhs, rhs) in enumerate(zip(at_g, g.apply(at))):
        if not is_identically_zero(lhs - rhs):
            raise AssertionError(f"{g.label or g}: ∇f(gθ) ≠ g∇f(θ) in component {net.names[i]}")


def _exact(value) -> sympy.Expr:
    """A number as an exact sympy Rational (floats exactly as stored); strings are refused."""
    if isinstance(value, (bool, str)) or not isinstance(value, (int, float, Fraction, sympy.Rational)):
        raise TypeError(f"theta entries must be numbers (int, float, Fraction), got {value!r}")
    if isinstance(value, sympy.Rational):
        return value
    q = Fraction(value)
    return sympy.Rational(q.numerator, q.denominator)


def assert_flow_equivariant(setup, g, theta0) -> float:
    """Numerically ``φ_t(gθ₀) = gφ_t(θ₀)`` on a ``FlowSetup``, to its accuracy tolerance.

    Returns the largest relative error; raises when it exceeds
    :meth:`~simtool.numeric.check_setup.FlowSetup.accuracy_tol`.
    """
    import torch

    th = torch.as_tensor(theta0, dtype=torch.float64).reshape(-1, setup.net.dim)
    perm, signs = torch.tensor(g.perm), torch.tensor(g.signs, dtype=torch.float64)

    def act(t):
        out = torch.empty_like(t)
        out[..., perm] = t * signs
        return out

    res = setup.run(torch.cat([th, act(th)]))
    n = th.shape[0]
    if not bool(res.ok.all()):
        raise AssertionError("some trajectories failed (diverged / non-finite); nothing was compared")
    base, img = res.states[:, :n], res.states[:, n:]
    err = float((torch.linalg.vector_norm(img - act(base), dim=-1)
                 / torch.linalg.vector_norm(act(base), dim=-1).clamp_min(1e-300)).max())
    tol = setup.accuracy_tol(int(res.n_steps.max()))
    if err > tol:
        raise AssertionError(f"max ‖φ_t(gθ) − gφ_t(θ)‖/‖gφ_t(θ)‖ = {err:.2e} > tol {tol:.1e}")
    return err
