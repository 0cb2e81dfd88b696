"""The builder that turns traced values into neuron-graph vertices (used by :mod:`.trace`).

Values of fx nodes are vertex lists (one vertex per feature), :class:`Param` references
to parameter tensors (possibly transposed), or constants.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import torch
from torch import nn

from ..errors import ModelError
from .graph import LinearUse, Tensor, Vertex

__all__ = ["Builder", "Param", "SUPPORTED", "target_name"]

SUPPORTED = ("nn.Linear / F.linear / @ with a parameter (tied and transposed weights), elementwise "
             "activations (tanh, sigmoid, relu, leaky_relu, gelu, silu, softplus, sin, cos, exp, erf, "
             "x**2, x**3), +, -, scalar *, /, torch.cat on the last dim, nn.Identity, nn.Flatten, eval-mode dropout")


def target_name(node) -> str:
    t = node.target
    return getattr(t, "__name__", str(t))


class Param:
    """A traced reference to a parameter tensor (possibly transposed)."""

    def __init__(self, name: str, tensor: torch.Tensor, transposed: bool = False):
        self.name, self.tensor, self.transposed = name, tensor, transposed


class Builder:
    def __init__(self, model: nn.Module, input_dim: int | None):
        self.model = model
        self.names = {id(p): n for n, p in model.named_parameters()}
        self.tensors: dict[str, Tensor] = {}
        self.values: dict[str, torch.Tensor] = {}
        self.vertices: list[Vertex] = []
        self.uses: list[LinearUse] = []
        self.activations: dict = {}
        self.input_dim = input_dim
        self.offset = 0

    # -- helpers -------------------------------------------------------------
    def add(self, v: Vertex) -> int:
        self.vertices.append(v)
        return len(self.vertices) - 1

    def register(self, name: str, t: torch.Tensor, node) -> Tensor:
        if name not in self.tensors:
            if t.dim() not in (1, 2):
                raise ModelError(f"node {node.name!r}: parameter {name!r} has shape {tuple(t.shape)}; "
                                 f"supported: 1-D biases and 2-D weights")
            self.tensors[name] = Tensor(name, tuple(t.shape), self.offset)
            self.values[name] = t.detach()
            self.offset += t.numel()
        return self.tensors[name]

    def param(self, p: torch.Tensor, node) -> Param:
        name = self.names.get(id(p))
        if name is None:
            raise ModelError(f"node {node.name!r}: a tensor that is not a parameter of the model "
                             f"(buffers and constants are not supported)")
        return Param(name, p)

    def vec(self, value, node) -> list[int]:
        if isinstance(value, list):
            return value
        what = "a parameter" if isinstance(value, Param) else repr(value)
        raise ModelError(f"node {node.name!r} ({node.op} {target_name(node)}): {what} used as an activation "
                         f"vector; supported: {SUPPORTED}")

    def linear(self, h: list[int], w: Param, b: Param | None, module: str, node) -> list[int]:
        t = self.register(w.name, w.tensor, node)
        if len(t.shape) != 2:
            raise ModelError(f"node {node.name!r}: weight {w.name!r} must be 2-D, got shape {t.shape}")
        n_out, n_in = (t.shape[1], t.shape[0]) if w.transposed else t.shape
        if len(h) != n_in:
            raise ModelError(f"node {node.name!r}: {module} expects {n_in} inputs, got {len(h)}")
        if len(set(h)) != len(h):
            raise ModelError(f"node {node.name!r}: the same value enters {module} twice (e.g. cat(h, h)); "
                             "not supported")
        bias_t = None
        if b is not None:
            bias_t = self.register(b.name, b.tensor, node)
            if bias_t.shape != (n_out,):
                raise ModelError(f"node {node.name!r}: bias {b.name!r} has shape {bias_t.shape}, expected ({n_out},)")
        out = [self.add(Vertex("affine", f"{module}[{i + 1}]", module, i + 1,
                               bias=None if bias_t is None else bias_t.offset + i))
               for i in range(n_out)]
        self.uses.append(LinearUse(w.name, w.transposed, tuple(h), tuple(out), module))
        return out

    def act(self, h: list[int], act, node) -> list[int]:
        self.activations[act.name] = act
        out = []
        for s in h:
            src = self.vertices[s]
            out.append(self.add(Vertex("act", f"{act.name}({src.label})", src.module, src.unit,
                                       activation=act.name, sources=(s,))))
        return out

    def scale(self, h: list[int], c: Fraction, node) -> list[int]:
        if c == 1:
            return h
        return [self.add(Vertex("scale", f"{c}·{self.vertices[s].label}", self.vertices[s].module,
                                self.vertices[s].unit, scale=c, sources=(s,))) for s in h]

    def plus(self, a: list[int], b: list[int], node) -> list[int]:
        if len(a) != len(b):
            raise ModelError(f"node {node.name!r}: adding vectors of lengths {len(a)} and {len(b)} "
                             "(broadcasting is not supported)")
        return [self.add(Vertex("add", f"{node.name}[{i + 1}]", node.name, i + 1, sources=(s, t)))
                for i, (s, t) in enumerate(zip(a, b))]

    def add_bias(self, y: list[int], b: Param, node) -> list[int]:
        t = self.register(b.name, b.tensor, node)
        if len(t.shape) != 1 or t.shape[0] != len(y):
            raise ModelError(f"node {node.name!r}: adding parameter {b.name!r} of shape {t.shape} "
                             f"to a vector of length {len(y)}")
        for i, v in enumerate(y):
            vert = self.vertices[v]
            if vert.kind != "affine" or vert.bias is not None:
                raise ModelError(f"node {node.name!r}: a parameter vector can be added only as the bias "
                                 "of a bias-free linear map")
            self.vertices[v] = replace(vert, bias=t.offset + i)
        return y


