r"""hypothesis strategies for networks, activations, SIM points, data sets and losses.

Every strategy builds objects through simtool's public constructors, so what it draws
is valid input by construction; activation expressions come from a small grammar and
are accepted only after simtool's safe parser has parsed them (never ``eval``).

>>> from hypothesis import find
>>> net = find(two_layer_nets(widths=(2, 2), activations=activations(("tanh",), expressions=False)),
...            lambda n: True)
>>> net.width, net.activation.name
(2, 'tanh')
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from hypothesis import strategies as st

from ..errors import ActivationError
from ..symbolic import Subspace, TwoLayerNet, enumerate_lattice, get_activation
from ..symbolic.deep import DeepNet
from ..symbolic.fixlattice import build_fix_lattice

__all__ = ["rationals", "activation_texts", "activations", "two_layer_nets", "deep_nets", "lattice_elements",
           "points_on",
           "datasets", "losses", "ANALYTIC_NAMES", "UNARY"]

#: registry activations that are real-analytic (the setting of the theorems, math.md §2)
ANALYTIC_NAMES = ("tanh", "sigmoid", "sin", "cos", "gauss", "softplus", "erf", "silu", "gelu")
#: functions the expression grammar may apply (analytic on all of R)
UNARY = ("tanh", "sin", "cos", "atan", "asinh", "erf", "sigmoid")


def rationals(bound: int = 3, max_denominator: int = 5) -> st.SearchStrategy[Fraction]:
    """Exact rationals in ``[-bound, bound]`` with small denominators."""
    return st.fractions(min_value=-bound, max_value=bound, max_denominator=max_denominator)


def _grammar(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.sampled_from(UNARY), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, st.sampled_from(("+", "-", "*")), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, st.integers(2, 3)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(st.sampled_from((-2, -1, 2, 3)), inner).map(lambda t: f"{t[0]}*{t[1]}"),
        st.tuples(inner, st.sampled_from(("1/3", "1/2", "2"))).map(lambda t: f"{t[0]}/{t[1]}" if "/" not in t[1]
                                                                   else f"{t[0]}*{t[1]}"),
    )


def _accepted(text: str) -> bool:
    try:
        get_activation(text)
    except ActivationError:  # e.g. "(z - z)": no z left; towers too large to evaluate
        return False
    return True


def activation_texts(max_leaves: int = 3) -> st.SearchStrategy[str]:
    """Expression texts in ``z`` from a small grammar, kept only if the safe parser accepts them."""
    return st.recursive(st.just("z"), _grammar, max_leaves=max_leaves).filter(_accepted)


def activations(names=ANALYTIC_NAMES, *, expressions: bool = True, max_leaves: int = 2):
    """Activations: registry names, and (``expressions=True``) parsed grammar expressions."""
    named = st.sampled_from(tuple(names)).map(get_activation)
    return st.one_of(named, activation_texts(max_leaves).map(get_activation)) if expressions else named


def two_layer_nets(widths: tuple[int, int] = (1, 3), activations=None, input_dims: tuple[int, int] = (1, 2),
                   bias=None, output_bias=None) -> st.SearchStrategy[TwoLayerNet]:
    """Two-layer nets with width and input dimension in the given inclusive ranges."""
    acts = activations if activations is not None else globals()["activations"](expressions=False)
    return st.builds(
        lambda m, act, d, b, ob: TwoLayerNet(m, act, input_dim=d, bias=b, output_bias=ob),
        st.integers(*widths), acts, st.integers(*input_dims),
        st.booleans() if bias is None else st.just(bias),
        st.booleans() if output_bias is None else st.just(output_bias),
    )


def deep_nets(widths: tuple[int, int] = (1, 2), depth: tuple[int, int] = (2, 2), activations=None,
              input_dims: tuple[int, int] = (1, 1), bias=None) -> st.SearchStrategy[DeepNet]:
    """Deep fully-connected nets: ``depth`` hidden layers, each of a width in ``widths``."""
    acts = activations if activations is not None else globals()["activations"](expressions=False)
    hidden = st.integers(*depth).flatmap(lambda n: st.lists(st.integers(*widths), min_size=n, max_size=n))
    return st.builds(lambda ws, act, d, b: DeepNet(tuple(ws), act, input_dim=d, bias=b),
                     hidden, acts, st.integers(*input_dims), st.booleans() if bias is None else st.just(bias))


@lru_cache(maxsize=64)
def _elements(net):
    lattice = enumerate_lattice(net) if isinstance(net, TwoLayerNet) else build_fix_lattice(net)
    return tuple(lattice.elements)


def lattice_elements(net):
    """Elements of ``net``'s proved SIM lattice, two-layer or deep (built once per net)."""
    return st.sampled_from(_elements(net))


def points_on(subspace: Subspace, values: st.SearchStrategy | None = None) -> st.SearchStrategy[list[Fraction]]:
    """Exact points of ``subspace`` (its free coordinates drawn from ``values``)."""
    vals = values if values is not None else rationals()
    n = len(subspace.free)
    return st.lists(vals, min_size=n, max_size=n).map(subspace.point)


def datasets(input_dim: int = 1, n_samples: tuple[int, int] = (4, 32), names=("teacher", "gaussian"),
             binary: bool = False):
    """Numeric data sets (:class:`simtool.numeric.data.Dataset`) from the registry, seeded."""
    import numpy as np

    from ..numeric.data import make_dataset

    return st.builds(lambda name, n, seed: make_dataset(name, n_samples=n, input_dim=input_dim,
                                                        rng=np.random.default_rng(seed), binary=binary),
                     st.sampled_from(tuple(names)), st.integers(*n_samples), st.integers(0, 2**32 - 1))


def losses(names=None) -> st.SearchStrategy[str]:
    """Loss names from :data:`simtool.numeric.losses.LOSSES`."""
    from ..numeric.losses import LOSSES

    return st.sampled_from(tuple(names) if names is not None else tuple(LOSSES))
