r"""Verification of each lifted generator ``g``: ``f(gθ, x) = f(θ, x)`` for every output.

* **Exact, symbolic** (``D ≤`` :data:`SYMBOLIC_DIM`): each ``f_k(gθ, x) − f_k(θ, x)``
  simplifies to 0 (:func:`~simtool.symbolic.zero.is_identically_zero`), else a rational
  point where it is provably non-zero refutes ``g``.
* **Structural** (larger nets): a permutation is a colour-preserving automorphism of
  the traced digraph, rechecked exactly here — relabelling a computation by such an
  automorphism cannot change ``f``; a flip solves the GF(2) parity system whose
  activation parities are *proved* symbolically.  Plus an **exact integer spot
  check**: ``f`` evaluated in integer arithmetic at a random integer ``(θ, x)`` with each
  σ replaced by an integer polynomial of the *same proved parity class* (distinct per
  activation), so the check tests exactly the structural claim.
"""

from __future__ import annotations

import numpy as np

from ..symbolic.activation import Parity
from ..symbolic.symmetry import SignedPermutation
from ..symbolic.zero import is_identically_zero, refute_at_rationals
from ..verdict import PROVED, REFUTED, UNDECIDED, Verdict
from .automorphism import Digraph, is_automorphism
from .graph import NeuronGraph
from .numeric_forward import use_index
from .traced_net import TracedNet

__all__ = ["Verifier", "integer_forward", "SYMBOLIC_DIM"]

#: up to this many parameters every generator is verified on the symbolic f
SYMBOLIC_DIM = 40


def _surrogates(g: NeuronGraph) -> dict:
    out = {}
    for c, (name, act) in enumerate(sorted(g.activations.items()), start=1):
        p = act.parity
        if p is Parity.ODD:
            out[name] = lambda z, c=c: z**3 + c * z
        elif p is Parity.EVEN:
            out[name] = lambda z, c=c: c * z**2 + z**4
        else:
            out[name] = lambda z, c=c: z**2 + c * z
    return out


def integer_forward(g: NeuronGraph, theta, x: list[int]) -> list[int]:
    """Exact forward pass in Python integers with the parity-class surrogates of σ."""
    sur = _surrogates(g)
    th = np.asarray(theta, dtype=object)
    val: list = [0] * len(g.vertices)
    for k, v in enumerate(g.inputs):
        val[v] = x[k]
    done = set()
    for v, vert in enumerate(g.vertices):
        if vert.kind == "affine":
            k, _ = g.use_of[v]
            if k not in done:
                u = g.uses[k]
                res = th[use_index(g, k)].dot(np.array([val[s] for s in u.inputs], dtype=object))
                for i, o in enumerate(u.outputs):
                    val[o] = res[i]
                done.add(k)
            if vert.bias is not None:
                val[v] = val[v] + th[vert.bias]
        elif vert.kind == "act":
            val[v] = sur[vert.activation](val[vert.sources[0]])
        elif vert.kind == "add":
            val[v] = sum(val[s] for s in vert.sources)
        elif vert.kind == "scale":
            val[v] = vert.scale * val[vert.sources[0]]
        elif vert.kind == "output":
            val[v] = val[vert.sources[0]]
    return [val[o] for o in g.outputs]


def _symbolic(net: TracedNet, e: SignedPermutation) -> Verdict:
    base = net.outputs()
    moved = net.outputs(theta=e.apply(list(net.symbols)))
    for k, (a, b) in enumerate(zip(moved, base)):
        diff = a - b
        if not is_identically_zero(diff):
            found = refute_at_rationals(diff, sorted(diff.free_symbols, key=str))
            if found is not None:
                return Verdict(REFUTED, f"f_{k + 1}(gθ, x) − f_{k + 1}(θ, x) = {found[1]} ≠ 0 at a rational point")
            return Verdict(UNDECIDED, f"f_{k + 1}(gθ, x) − f_{k + 1}(θ, x) did not simplify to 0")
    return Verdict(PROVED, f"f_k(gθ, x) − f_k(θ, x) simplifies to 0 for all {len(base)} output(s)")


class Verifier:
    """Verifies generators of one traced net; the spot-check base point is computed once."""

    def __init__(self, net: TracedNet, dg: Digraph, *, mode: str = "auto", seed: int = 0):
        if mode not in ("auto", "symbolic", "structural"):
            raise ValueError(f"unknown verification mode {mode!r}")
        self.net, self.dg, self.seed = net, dg, seed
        self.symbolic = mode == "symbolic" or (mode == "auto" and net.dim <= SYMBOLIC_DIM)
        self._base: tuple | None = None

    def _spot_check(self, e: SignedPermutation) -> tuple[bool, str]:
        net = self.net
        if self._base is None:
            rng = np.random.default_rng(self.seed)
            theta = np.asarray([int(v) for v in rng.integers(-3, 4, size=net.dim)], dtype=object)
            x = [int(v) for v in rng.integers(-3, 4, size=net.input_dim)]
            self._base = (theta, x, integer_forward(net.graph, theta, x))
        theta, x, base = self._base
        moved = np.empty(net.dim, dtype=object)
        moved[np.asarray(e.perm, dtype=np.int64)] = np.asarray(e.signs, dtype=object) * theta
        ok = integer_forward(net.graph, moved, x) == base
        return ok, f"exact integer spot check (seed {self.seed}, σ → integer polynomial of the same parity class)"

    def __call__(self, gamma, e: SignedPermutation) -> Verdict:
        """Verify one generator; ``gamma`` is its digraph automorphism (``None`` for a flip)."""
        if self.symbolic:
            return _symbolic(self.net, e)
        if gamma is not None:
            if not is_automorphism(self.dg, gamma):
                return Verdict(REFUTED, "not an automorphism of the traced digraph")
            why = "structural: a colour-preserving automorphism of the traced digraph (rechecked exactly)"
        else:
            why = "structural: a solution of the parity system, with σ parities proved symbolically"
        ok, spot = self._spot_check(e)
        if not ok:
            return Verdict(REFUTED, f"{spot} failed: f(gθ, x) ≠ f(θ, x)")
        return Verdict(PROVED, f"{why}; {spot} passed")
