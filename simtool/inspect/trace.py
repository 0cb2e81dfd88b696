r"""``torch.fx`` graph of an ``nn.Module`` → :class:`~simtool.inspect.graph.NeuronGraph`.

Supported (anything else is a :class:`~simtool.errors.ModelError` naming the node):

* ``nn.Linear`` (bias on/off), ``F.linear(h, W, b)``, ``h @ W`` / ``torch.matmul``
  with a parameter, ``W.t()`` / ``W.T`` / ``transpose(0, 1)`` of a parameter, and
  ``y + b`` adding a 1-D parameter as the bias of a bias-free linear map;
* elementwise activations as modules, functions or methods, mapped exactly by
  :mod:`simtool.inspect.elementwise` (``h**2``, ``h**3`` included);
* ``+``, ``-`` of equal-length vectors (skips, parallel branches), ``c * h``,
  ``h / c``, ``-h`` for numeric constants ``c``; ``torch.cat(…, dim=-1 or 1)``;
* ``nn.Identity``, ``nn.Flatten`` and ``view``/``reshape``/``flatten`` that keep the
  ``(batch, features)`` layout, ``nn.Dropout`` in eval mode; one input tensor ``(batch, d)``;
  outputs a tensor, a tuple/list or a dict of tensors (labelled, never permuted).
"""

from __future__ import annotations

import operator
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import fx, nn

from ..errors import ModelError
from . import elementwise as ew
from .graph import NeuronGraph, Vertex
from .trace_builder import SUPPORTED, Builder, Param, target_name

__all__ = ["trace_module", "SUPPORTED"]


_ACT_FUNCS = {
    torch.tanh: "tanh", F.tanh: "tanh", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
    torch.relu: "relu", F.relu: "relu", F.silu: "silu", torch.sin: "sin", torch.cos: "cos",
    torch.exp: "exp", torch.erf: "erf", torch.special.erf: "erf",
}
_ACT_METHODS = {"tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu", "sin": "sin", "cos": "cos",
                "exp": "exp", "erf": "erf"}
_ACT_MODULES = {nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.ReLU: "relu", nn.SiLU: "silu"}


def trace_module(model: nn.Module, input_dim: int | None = None) -> tuple[NeuronGraph, dict[str, torch.Tensor]]:
    """Trace ``model`` with ``torch.fx``; return the neuron graph and the used parameter values."""
    try:
        gm = fx.symbolic_trace(model)
    except Exception as exc:  # fx raises TraceError, TypeError, … on untraceable code
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"torch.fx cannot trace {type(model).__name__}: {first} (data-dependent control "
                         f"flow and in-place tricks are not supported)") from None
    b = Builder(model, input_dim)
    env: dict[str, object] = {}
    outputs: list[tuple[str, list[int]]] = []
    modules = dict(gm.named_modules())
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise ModelError(f"forward takes {len(placeholders)} tensor arguments; "
                         "exactly one input (batch, d) is supported")
    d = input_dim if input_dim is not None else _infer_input_dim(gm, modules, b)
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            b.input_dim = d
            env[node.name] = [b.add(Vertex("input", f"x{j + 1}" if d > 1 else "x", "", j + 1)) for j in range(d)]
        elif node.op == "get_attr":
            obj = _get_attr(gm, node.target)
            if not isinstance(obj, nn.Parameter):
                raise ModelError(f"node {node.name!r}: attribute {node.target!r} is not a parameter "
                                 "(buffers and constants are not supported)")
            env[node.name] = b.param(obj, node)
        elif node.op == "output":
            outputs = _outputs(node.args[0], env, b, node)
        else:
            env[node.name] = _apply(node, env, b, modules)
    inputs = tuple(i for i, v in enumerate(b.vertices) if v.kind == "input")
    outs = []
    for label, vec in outputs:
        for k, s in enumerate(vec):
            outs.append(b.add(Vertex("output", f"{label}[{k + 1}]", label, k + 1, sources=(s,))))
    graph = NeuronGraph(tuple(b.tensors.values()), tuple(b.vertices), tuple(b.uses), inputs, tuple(outs),
                        dict(b.activations))
    return graph, b.values


def _get_attr(gm, target: str):
    obj = gm
    for part in target.split("."):
        obj = getattr(obj, part)
    return obj


def _outputs(arg, env, b: Builder, node) -> list[tuple[str, list[int]]]:
    if isinstance(arg, fx.Node):
        return [("out", b.vec(env[arg.name], node))]
    if isinstance(arg, (tuple, list)):
        return [(f"out{k}", b.vec(env[a.name], node)) for k, a in enumerate(arg)]
    if isinstance(arg, dict):
        return [(str(k), b.vec(env[a.name], node)) for k, a in arg.items()]
    raise ModelError(f"unsupported output {arg!r}; return a tensor, a tuple or a dict of tensors")


def _infer_input_dim(gm, modules, b: Builder) -> int:
    """``in_features`` of the first linear map applied to the input through elementwise ops only."""
    reach = {n.name for n in gm.graph.nodes if n.op == "placeholder"}
    for node in gm.graph.nodes:
        args = [a for a in node.args if isinstance(a, fx.Node)]
        if not args or args[0].name not in reach:
            continue
        if node.op == "call_module" and isinstance(modules[node.target], nn.Linear):
            return modules[node.target].in_features
        if node.op == "call_function" and node.target is F.linear:
            w = _get_attr(gm, node.args[1].target) if node.args[1].op == "get_attr" else None
            if w is not None:
                return w.shape[1]
        reshape = node.op == "call_method" and node.target in ("view", "reshape", "flatten", "contiguous")
        if node.op in ("call_module", "call_function", "call_method") and (len(args) == 1 or reshape) and \
                node.target not in (torch.cat, operator.matmul, torch.matmul):
            reach.add(node.name)
    raise ModelError("cannot infer the input dimension from the model; pass it explicitly (--input-dim)")


def _const(x, node, what: str) -> Fraction:
    return ew.exact_constant(x, f"node {node.name!r} {what}")


def _apply(node, env, b: Builder, modules):
    args = [env[a.name] if isinstance(a, fx.Node) else a for a in node.args]
    kw = {k: env[v.name] if isinstance(v, fx.Node) else v for k, v in node.kwargs.items()}
    if node.op == "call_module":
        return _module(modules[node.target], node, args, b)
    if node.op == "call_method":
        name = node.target
        if name.endswith("_") and not name.endswith("__"):
            raise ModelError(f"node {node.name!r}: in-place method .{name}() is not supported")
        if name in _ACT_METHODS:
            return b.act(b.vec(args[0], node), ew.registry(_ACT_METHODS[name]), node)
        if name in ("t", "transpose") or (name == "permute" and tuple(args[1:]) == (1, 0)):
            return _transpose(args[0], node)
        if name in ("add", "sub", "mul", "div", "matmul"):
            fn = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
                  "matmul": operator.matmul}[name]
            return _binary(fn, args[0], args[1], node, b)
        if name == "neg":
            return b.scale(b.vec(args[0], node), Fraction(-1), node)
        if name in ("contiguous", "clone"):
            return args[0]
        if name == "size" and tuple(args[1:]) in ((0,), ()):
            return _BATCH
        if name in ("view", "reshape", "flatten"):
            return _reshape(b.vec(args[0], node), args[1:], name, node)
        raise ModelError(f"node {node.name!r}: method .{name}() is not supported; supported: {SUPPORTED}")
    fn = node.target
    if kw.get("inplace"):
        kw.pop("inplace")
    if fn in _ACT_FUNCS:
        return b.act(b.vec(args[0], node), ew.registry(_ACT_FUNCS[fn]), node)
    if fn is F.gelu:
        return b.act(b.vec(args[0], node), ew.gelu(kw.get("approximate", "none")), node)
    if fn is F.softplus:
        beta = args[1] if len(args) > 1 else kw.get("beta", 1)
        thr = args[2] if len(args) > 2 else kw.get("threshold", 20)
        return b.act(b.vec(args[0], node), ew.softplus(beta, thr), node)
    if fn is F.leaky_relu:
        slope = args[1] if len(args) > 1 else kw.get("negative_slope", 0.01)
        return b.act(b.vec(args[0], node), ew.leaky_relu(slope), node)
    if fn is F.linear:
        bias = args[2] if len(args) > 2 else kw.get("bias")
        w = args[1] if len(args) > 1 else kw["weight"]
        if not isinstance(w, Param) or (bias is not None and not isinstance(bias, Param)):
            raise ModelError(f"node {node.name!r}: F.linear needs parameters as weight and bias")
        return b.linear(b.vec(args[0], node), w, bias, w.name.rsplit(".", 1)[0], node)
    if fn is F.dropout:
        training = args[2] if len(args) > 2 else kw.get("training", True)
        if training:
            raise ModelError(f"node {node.name!r}: F.dropout with training=True is random; call model.eval()")
        return args[0]
    if fn in (torch.t,) or fn is torch.transpose:
        return _transpose(args[0], node)
    if fn is getattr and args[1] == "T":
        return _transpose(args[0], node)
    if fn is torch.cat:
        parts = args[0]
        dim = args[1] if len(args) > 1 else kw.get("dim", 0)
        if dim not in (-1, 1):
            raise ModelError(f"node {node.name!r}: torch.cat along dim {dim}; only the feature dim (-1 or 1)")
        return [v for p in parts for v in b.vec(env[p.name] if isinstance(p, fx.Node) else p, node)]
    if fn in (operator.add, operator.sub, operator.mul, operator.truediv, operator.matmul,
              torch.add, torch.sub, torch.mul, torch.matmul):
        alpha = kw.pop("alpha", 1)
        if alpha != 1:
            raise ModelError(f"node {node.name!r}: alpha={alpha!r} is not supported")
        return _binary(fn, args[0], args[1], node, b)
    if fn in (operator.neg, torch.neg):
        return b.scale(b.vec(args[0], node), Fraction(-1), node)
    if fn in (operator.pow, torch.pow) and args[1] in (2, 3):
        return b.act(b.vec(args[0], node), ew.registry("square" if args[1] == 2 else "cube"), node)
    raise ModelError(f"node {node.name!r}: unsupported operation {target_name(node)}; supported: {SUPPORTED}")


class _Batch:
    """``x.size(0)``: the batch size, only good as the first argument of ``view``/``reshape``."""


_BATCH = _Batch()


def _reshape(h: list[int], shape, name: str, node) -> list[int]:
    """``view``/``reshape``/``flatten`` that keep ``(batch, features)`` are the identity."""
    dims = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    ok = (name == "flatten" and dims in ((), (1,))) or (
        len(dims) == 2 and (dims[0] is _BATCH or dims[0] == -1) and dims[1] in (-1, len(h)))
    if not ok:
        raise ModelError(f"node {node.name!r}: .{name}{dims} changes the (batch, features) layout; "
                         "only reshapes that keep it are supported")
    return h


def _transpose(p, node):
    if not isinstance(p, Param):
        raise ModelError(f"node {node.name!r}: transposing an activation is not supported")
    if p.tensor.dim() != 2:
        raise ModelError(f"node {node.name!r}: transposing a {p.tensor.dim()}-D parameter")
    return Param(p.name, p.tensor, not p.transposed)


def _binary(fn, a, c, node, b: Builder):
    name = getattr(fn, "__name__", "")
    if name in ("matmul",):
        if not isinstance(c, Param):
            raise ModelError(f"node {node.name!r}: matmul is supported only as h @ parameter")
        # h @ W computes out_i = Σ_j h_j W[j, i]: a transposed use of W
        return b.linear(b.vec(a, node), Param(c.name, c.tensor, not c.transposed), None,
                        c.name.rsplit(".", 1)[0], node)
    if name in ("add", "sub"):
        if isinstance(c, Param) and isinstance(a, list) and name == "add":
            return b.add_bias(a, c, node)
        if isinstance(a, Param) and isinstance(c, list) and name == "add":
            return b.add_bias(c, a, node)
        va, vc = b.vec(a, node), b.vec(c, node)
        if name == "sub":
            vc = b.scale(vc, Fraction(-1), node)
        return b.plus(va, vc, node)
    if name in ("mul", "truediv"):
        if isinstance(a, list) and not isinstance(c, (list, Param)):
            k = _const(c, node, "factor")
            if name == "truediv":
                if k == 0:
                    raise ModelError(f"node {node.name!r}: division by zero")
                k = 1 / k
            return b.scale(a, k, node)
        if name == "mul" and isinstance(c, list) and not isinstance(a, (list, Param)):
            return b.scale(c, _const(a, node, "factor"), node)
        raise ModelError(f"node {node.name!r}: only multiplication by a numeric constant is supported "
                         "(no products of activations or parameters)")
    raise ModelError(f"node {node.name!r}: unsupported operation {name}")  # pragma: no cover


def _module(mod: nn.Module, node, args, b: Builder):
    h = args[0]
    if isinstance(mod, nn.Linear):
        bias = b.param(mod.bias, node) if mod.bias is not None else None
        return b.linear(b.vec(h, node), b.param(mod.weight, node), bias, node.target, node)
    for cls, name in _ACT_MODULES.items():
        if type(mod) is cls:
            return b.act(b.vec(h, node), ew.registry(name), node)
    if type(mod) is nn.GELU:
        return b.act(b.vec(h, node), ew.gelu(mod.approximate), node)
    if type(mod) is nn.Softplus:
        return b.act(b.vec(h, node), ew.softplus(mod.beta, mod.threshold), node)
    if type(mod) is nn.LeakyReLU:
        return b.act(b.vec(h, node), ew.leaky_relu(mod.negative_slope), node)
    if type(mod) in (nn.Identity, nn.Flatten):  # the input is (batch, d): flattening keeps it
        return h
    if isinstance(mod, nn.Dropout):
        if mod.training and mod.p > 0:
            raise ModelError(f"module {node.target!r} (Dropout) is in training mode; call model.eval()")
        return h
    raise ModelError(f"module {node.target!r} ({type(mod).__name__}) is not supported; supported: {SUPPORTED}")
