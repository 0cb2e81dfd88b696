r"""Continuous orthogonal symmetries: the Lie algebra ``{A = −Aᵀ : ∇f(θ, x)·Aθ ≡ 0}``.

If ``A`` is skew-symmetric and ``∇_θ f(θ, x) · Aθ ≡ 0``, then ``f(e^{tA}θ, x) = f(θ, x)``
for all ``t``: a one-parameter group of *orthogonal* symmetries, so every subspace
fixed by a subgroup of it is a SIM (math.md §3, §7) and the SIMs form a continuum
(identity σ: ``O(m)`` acting on ``(a, w, b)``).

* Polynomial σ: ``∇f·Aθ`` is a polynomial in ``θ, x`` linear in the entries of ``A``;
  every coefficient must vanish, an exact rational linear system.  Its null space
  is the algebra, **exactly**.
* Other σ: the same equations sampled at random float points; the numerical
  null-space dimension is *evidence* (with its singular-value gap), never a proof.

>>> from simtool.symbolic.activation import get_activation
>>> from simtool.symbolic.network import TwoLayerNet
>>> orthogonal_algebra(TwoLayerNet(3, get_activation("identity"))).dim   # so(3) on (a, w, b)
3
>>> orthogonal_algebra(TwoLayerNet(2, get_activation("identity"), bias=False)).dim  # so(2) × so(2)
2
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import sympy

from .subspace import rref

__all__ = ["OrthogonalAlgebra", "orthogonal_algebra", "NUMERIC_GAP"]

#: numerical null directions need singular values below this relative to the largest
NUMERIC_GAP = 1e-9


@dataclass(frozen=True)
class OrthogonalAlgebra:
    """Dimension of the algebra of continuous orthogonal symmetries and how it was found."""

    dim: int
    exact: bool
    evidence: str

    def describe(self) -> str:
        how = "exact" if self.exact else "numerical evidence only"
        return f"Lie algebra of dimension {self.dim}, {how}"


def _pairs(D: int):
    return [(i, j) for i in range(D) for j in range(i + 1, D)]


def _exact(net, f: sympy.Expr) -> OrthogonalAlgebra:
    th = list(net.symbols)
    gens = th + list(net.x_symbols)
    grads = [sympy.diff(f, t) for t in th]
    rows: dict = {}
    pairs = _pairs(net.dim)
    for col, (i, j) in enumerate(pairs):
        p = sympy.Poly(sympy.expand(th[j] * grads[i] - th[i] * grads[j]), *gens)
        for mono, coef in p.terms():
            q = sympy.Rational(coef)
            rows.setdefault(mono, {})[col] = Fraction(int(q.p), int(q.q))
    rank = len(rref(rows.values()))
    dim = len(pairs) - rank
    return OrthogonalAlgebra(dim, True, f"exact: the {len(rows)} monomial coefficients of ∇f·Aθ give "
                             f"rank {rank} on the {len(pairs)} entries of a skew A")


def _numeric(net, f: sympy.Expr, seed: int) -> OrthogonalAlgebra:
    import numpy as np

    th = list(net.symbols)
    xs = list(net.x_symbols)
    from .signed_search import value_and_gradient_function

    fg = value_and_gradient_function(net)
    pairs = _pairs(net.dim)
    rng = random.Random(seed)
    M = []
    for _ in range(len(pairs) + 20):
        theta = [rng.uniform(-1.5, 1.5) for _ in th]
        x = [rng.uniform(-1.5, 1.5) for _ in xs]
        g = fg(*theta, *x)[1:]
        M.append([theta[j] * g[i] - theta[i] * g[j] for i, j in pairs])
    if not pairs:
        return OrthogonalAlgebra(0, True, "one parameter: no rotations")
    s = _singular_values(np.array(M, dtype=float))
    null = int(np.sum(s <= NUMERIC_GAP * s[0]))
    kept = s[s > NUMERIC_GAP * s[0]]
    return OrthogonalAlgebra(null, False, f"numerical: {null} singular value(s) ≤ {NUMERIC_GAP:g}·σ_max of the "
                             f"sampled {len(M)}×{len(pairs)} system; smallest kept {kept[-1] / s[0]:.2e}·σ_max")


def _singular_values(M):
    """Singular values, single-threaded when threadpoolctl is installed (a 100×100 SVD
    is faster on one thread than after waking a BLAS thread pool on a busy machine)."""
    import numpy as np

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return np.linalg.svd(M, compute_uv=False)
    with threadpool_limits(limits=1):
        return np.linalg.svd(M, compute_uv=False)


def orthogonal_algebra(net, *, seed: int = 0) -> OrthogonalAlgebra:
    """Dimension of ``{A skew : ∇f·Aθ ≡ 0}``: exact for polynomial ``f``, else numerical evidence."""
    f = net.function()
    gens = list(net.symbols) + list(net.x_symbols)
    if f.is_polynomial(*gens):
        return _exact(net, f)
    return _numeric(net, f, seed)
