"""Brute-force oracle for symmetry groups, independent of the graph pipeline.

A *unit* is a list of slices ``(parameter name, axis, index)`` of the module's own
parameters; a *block* is a list of units of the same shape.  Every candidate is a
choice, per block, of a permutation of its units and a sign per unit (negating all
its slices); it acts directly on the module's tensors.  The oracle counts the
candidates that leave the module's output unchanged at random parameters and inputs
(float64).  The blocks encode the hand derivation of what could be a symmetry.
"""

from __future__ import annotations

import copy
import itertools

import torch

from tests.tolerances import BATCH_VS_SINGLE


def _outputs(model, X):
    out = model(X)
    parts = out if isinstance(out, (tuple, list)) else (out,)
    return torch.cat([p.reshape(X.shape[0], -1) for p in parts], dim=1)


def _apply(model, params, blocks, choice):
    new = {k: v.clone() for k, v in params.items()}
    for block, (perm, signs) in zip(blocks, choice):  # blocks act one after the other
        old = {k: v.clone() for k, v in new.items()}
        for u, (pu, su) in enumerate(zip(perm, signs)):
            for (name, axis, idx), (name2, axis2, idx2) in zip(block[u], block[pu]):
                new[name2].select(axis2, idx2).copy_(su * old[name].select(axis, idx))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(new[name])


def brute_force_order(model, blocks, input_dim: int, seed: int = 0) -> int:
    """Number of block candidates that preserve the module's output."""
    gen = torch.Generator().manual_seed(seed)
    m = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    params = {k: v.detach().clone() for k, v in m.named_parameters()}
    X = torch.randn(8, input_dim, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        ref = _outputs(m, X)
    per_block = [list(itertools.product(itertools.permutations(range(len(b))),
                                        itertools.product((1, -1), repeat=len(b)))) for b in blocks]
    count = 0
    for choice in itertools.product(*per_block):
        _apply(m, params, blocks, choice)
        with torch.no_grad():
            if torch.allclose(_outputs(m, X), ref, rtol=BATCH_VS_SINGLE, atol=BATCH_VS_SINGLE):
                count += 1
    return count


def units(spec, n: int):
    """``n`` units, unit ``i`` made of the slices ``(name, axis, i + shift)`` of ``spec``."""
    return [[(name, axis, i + shift) for name, axis, shift in spec] for i in range(n)]
