r"""Verification of each lifted generator ``g``: ``f(gθ, x) = f(θ, x)`` for every output.

* **Exact, symbolic** (``D ≤`` :data:`SYMBOLIC_DIM`): each ``f_k(gθ, x) − f_k(θ, x)``
  simplifies to 0 (:func:`~simtool.symbolic.zero.is_identically_zero`), else a rational
  point where it is provably non-zero refutes ``g``.
* **Structural** (larger nets): a permutation is a colour-preserving automorphism of
  the traced digraph, rechecked exactly here — relabelling a computation by such an
  automorphism cannot change ``f``; a flip solves the GF(2) parity system whose
  activation parities are *proved* symbolically.  Plus an **exact spot check**: ``f``
  evaluated exactly in ``Z/pZ`` (``p = 2^26 − 5``) at a random point, each σ replaced by
  an integer polynomial of the *same proved parity class* (distinct per activation), so
  the check tests exactly the structural claim: a difference is a refutation, agreement
  at a random residue is a Schwartz–Zippel identity test (false agreement has
  probability ≤ degree/p).
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

__all__ = ["Verifier", "modular_forward", "SYMBOLIC_DIM", "PRIME"]

#: up to this many parameters every generator is verified on the symbolic f
SYMBOLIC_DIM = 40


#: the prime of the spot check: products of two residues stay below 2^52 in int64
PRIME = 2**26 - 5
_CHUNK = 1024  # columns per partial sum: 1024 products < 2^62


def _surrogates(g: NeuronGraph) -> dict:
    """σ → an integer polynomial of σ's proved parity class, distinct per activation."""
    out = {}
    for c, (name, act) in enumerate(sorted(g.activations.items()), start=1):
        par = act.parity
        if par is Parity.ODD:
            out[name] = lambda z, c=c: ((z * z % PRIME) * z + c * z) % PRIME
        elif par is Parity.EVEN:
            out[name] = lambda z, c=c: (c * (z * z % PRIME) + (z * z % PRIME) ** 2 % PRIME) % PRIME
        else:
            out[name] = lambda z, c=c: (z * z % PRIME + c * z) % PRIME
    return out


def modular_forward(g: NeuronGraph, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``f(θ, x)`` computed exactly in ``Z/pZ`` (int64 residues), σ replaced by its surrogate."""
    sur = _surrogates(g)
    th = np.asarray(theta, dtype=np.int64) % PRIME
    val = np.zeros(len(g.vertices), dtype=np.int64)
    val[list(g.inputs)] = np.asarray(x, dtype=np.int64) % PRIME
    done = set()
    for v, vert in enumerate(g.vertices):
        if vert.kind == "affine":
            k, _ = g.use_of[v]
            if k not in done:
                u = g.uses[k]
                W, h = th[use_index(g, k)], val[list(u.inputs)]
                acc = np.zeros(len(u.outputs), dtype=np.int64)
                for c in range(0, len(u.inputs), _CHUNK):
                    acc = (acc + W[:, c:c + _CHUNK] @ h[c:c + _CHUNK]) % PRIME
                val[list(u.outputs)] = acc
                done.add(k)
            if vert.bias is not None:
                val[v] = (val[v] + th[vert.bias]) % PRIME
        elif vert.kind == "act":
            val[v] = sur[vert.activation](int(val[vert.sources[0]]))
        elif vert.kind == "add":
            val[v] = int(val[list(vert.sources)].sum()) % PRIME
        elif vert.kind == "scale":
            q = vert.scale
            val[v] = q.numerator % PRIME * pow(q.denominator, -1, PRIME) % PRIME * int(val[vert.sources[0]]) % PRIME
        elif vert.kind == "output":
            val[v] = val[vert.sources[0]]
    return val[list(g.outputs)]


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
            theta = rng.integers(0, PRIME, size=net.dim, dtype=np.int64)
            x = rng.integers(0, PRIME, size=net.input_dim, dtype=np.int64)
            self._base = (theta, x, modular_forward(net.graph, theta, x))
        theta, x, base = self._base
        moved = np.empty(net.dim, dtype=np.int64)
        moved[np.asarray(e.perm, dtype=np.int64)] = np.asarray(e.signs, dtype=np.int64) * theta % PRIME
        ok = bool(np.array_equal(modular_forward(net.graph, moved, x), base))
        return ok, (f"exact spot check in Z/{PRIME}Z at a random point (seed {self.seed}; σ → an integer "
                    "polynomial of the same parity class)")

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
