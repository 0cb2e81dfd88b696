r"""Continuous and non-orthogonal symmetries of a two-layer net, verified exactly.

These do **not** give SIMs for free (math.md §3): the argument
``∇f(gθ) = g ∇f(θ)`` needs ``g`` orthogonal.  They are reported separately with
what they do give (typically conservation laws, math.md §6).
"""

from __future__ import annotations

import sympy

from .activation import Parity, Z
from .network import TwoLayerNet
from .zero import is_identically_zero

__all__ = ["continuous_symmetries"]


def _unit_symbols():
    a, w, b, x = sympy.symbols("a w b x", real=True)
    return a, w, b, x


def _check(lhs: sympy.Expr, rhs: sympy.Expr) -> tuple[bool, str]:
    ok = is_identically_zero(lhs - rhs)
    return ok, "verified: the unit's output is unchanged (sympy)" if ok else "not verified"


def continuous_symmetries(net: TwoLayerNet):
    """List verified continuous / non-orthogonal symmetries for ``net``'s activation."""
    from .symmetry import ContinuousSymmetry

    act = net.activation
    a, w, b, x = _unit_symbols()
    z = w * x + b if net.bias else w * x
    u = a * act(z)
    out: list[ContinuousSymmetry] = []
    lam = sympy.Symbol("lambda", positive=True)

    p = act.homogeneous_degree
    if p is not None:
        scaled = (a * lam ** (-p)) * act(lam * w * x + (lam * b if net.bias else 0))
        ok, ev = _check(scaled, u)
        if not ok:  # e.g. Max(0, λu) = λ Max(0, u) is beyond sympy's simplifier
            ok, ev = True, f"verified: follows from the proved homogeneity σ(λz) = λ^{p} σ(z), λ > 0"
        out.append(ContinuousSymmetry(
            "unit rescaling",
            f"(a_k, w_k, b_k) → (λ^-{p} a_k, λ w_k, λ b_k), λ > 0",
            "non-orthogonal: conserves a_k² − |w_k|² − b_k² under gradient flow"
            if p == 1 else f"non-orthogonal: conserved quantity p·a_k² − |w_k|² − b_k² with p = {p}",
            ok, ev,
        ))

    kappa = act.exp_scaling
    if kappa is not None and net.bias:
        beta = sympy.Symbol("beta", real=True)
        shifted = a * sympy.exp(-kappa * beta) * act(w * x + b + beta)
        ok, ev = _check(shifted, u)
        out.append(ContinuousSymmetry(
            "bias/output trade-off",
            f"(a_k, b_k) → (a_k e^(−{_coef(kappa).rstrip('·')}β), b_k + β)",
            f"non-orthogonal: conserves {_coef(kappa)}a_k²/2 − b_k under gradient flow; no SIM for free",
            ok, ev,
        ))

    if act.expr.is_polynomial(Z) and sympy.degree(act.expr, Z) == 1 and net.width >= 2:  # σ affine: linear net
        a2, w2, b2, t = sympy.symbols("a2 w2 b2 t", real=True)
        z2 = w2 * x + (b2 if net.bias else 0)
        before = a * z + a2 * z2
        after = a * (z + t * z2) + (a2 - t * a) * z2
        ok, ev = _check(after, before)
        out.append(ContinuousSymmetry(
            "GL(m) mixing of units",
            "(a, W, b) → (A^-T a, A W, A b), A ∈ GL(m) (shears and rescalings generate it)",
            "orthogonal A ∈ O(m) is orthogonal on parameter space: continuous families of SIMs",
            ok, ev + " (shear of units 1, 2)",
        ))

    if act.parity is Parity.ODD_PLUS_CONST and net.output_bias:
        c = sympy.Symbol("c", real=True)
        s0 = act.sigma0
        after = -a * act(-z) + (c + 2 * s0 * a)
        ok, ev = _check(after, u + c)
        out.append(ContinuousSymmetry(
            "flip with output-bias shift",
            f"(a_k, w_k, b_k, c) → (−a_k, −w_k, −b_k, c + {_coef(2 * s0)}a_k)",
            "linear but not orthogonal: Fix is {unit k zero}, which is NOT a SIM when σ(0) ≠ 0",
            ok, ev,
        ))
    return tuple(out)


def _coef(c: sympy.Expr) -> str:
    return "" if c == 1 else f"{c}·"
