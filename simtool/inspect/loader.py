r"""Load the model to inspect: ``file.py:Name``, a TOML spec, or a module object.

``path/to/model.py:ClassName`` instantiates the class with ``--args`` (a JSON list of
positional or object of keyword arguments); ``path:factory`` calls the function with
them; ``path:instance`` takes a module object defined in the file.  Executing that
file is the only user code simtool runs.  A ``.toml`` spec runs no user code at all:

.. code-block:: toml

    input_dim = 2
    outputs = ["out"]            # optional: the layers whose outputs are returned
    [[layer]]
    name = "fc1"
    width = 4
    activation = "tanh"          # a registry name; omitted = linear
    [[layer]]
    name = "fc2"
    width = 4
    activation = "tanh"
    skip = "fc1"                 # add fc1's output (same width) after the activation
    [[layer]]
    name = "out"
    width = 1
    inputs = ["fc1", "fc2"]      # concatenation of earlier outputs ("input" = x)
    bias = false
    tie = "fc1"                  # reuse fc1's weight (transposed when the shape asks)
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import tomllib
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ModelError

__all__ = ["load_model", "SpecModel", "TOML_ACTIVATIONS"]

TOML_ACTIVATIONS = {
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu, "silu": F.silu, "gelu": F.gelu,
    "softplus": F.softplus, "sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "erf": torch.erf,
    "identity": None,
}
_LAYER_KEYS = {"name", "width", "activation", "bias", "skip", "inputs", "tie"}


def load_model(target: str, args_json: str | None = None) -> tuple[nn.Module, str]:
    """The module named by ``target`` (``file.py:Name`` or ``spec.toml``) and a description."""
    if target.endswith(".toml"):
        return _from_toml(Path(target)), f"TOML spec {target}"
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise ModelError(f"model {target!r}: expected path/to/model.py:ClassName, path:factory or a .toml spec")
    file = Path(path)
    if not file.is_file():
        raise ModelError(f"model file {path!r} not found")
    args, kwargs = _parse_args(args_json)
    spec = importlib.util.spec_from_file_location(f"_simtool_user_model_{abs(hash(str(file.resolve())))}", file)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot import {path!r} as a Python file")
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(file.resolve().parent))
    try:
        spec.loader.exec_module(mod)
    except Exception as exc:
        raise ModelError(f"executing {path!r} failed: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    obj = vars(mod).get(name)
    if obj is None:
        raise ModelError(f"{path!r} defines no {name!r}")
    if isinstance(obj, nn.Module):
        model = obj
    elif callable(obj):
        try:
            model = obj(*args, **kwargs)
        except Exception as exc:
            raise ModelError(f"{name}(*{args!r}, **{kwargs!r}) failed: {type(exc).__name__}: {exc}") from None
    else:
        raise ModelError(f"{name!r} in {path!r} is neither an nn.Module, a class nor a factory")
    if not isinstance(model, nn.Module):
        raise ModelError(f"{name}(…) returned {type(model).__name__}, not a torch.nn.Module")
    return model.eval(), f"{target}"


def _parse_args(text: str | None) -> tuple[list, dict]:
    if not text:
        return [], {}
    try:
        val = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"--args is not valid JSON: {exc}") from None
    if isinstance(val, list):
        return val, {}
    if isinstance(val, dict):
        return [], val
    raise ModelError(f"--args must be a JSON list or object, got {text!r}")


class SpecModel(nn.Module):
    """The module a TOML spec describes (built by simtool; no user code)."""

    def __init__(self, spec: dict):
        super().__init__()
        self.spec = spec
        self.layers = nn.ModuleDict()
        widths = {"input": int(spec["input_dim"])}
        for layer in spec["layer"]:
            n_in = sum(widths[s] for s in layer["inputs"])
            tie = layer.get("tie")
            if tie is None:
                self.layers[layer["name"]] = nn.Linear(n_in, layer["width"], bias=layer.get("bias", True))
            else:
                self.layers[layer["name"]] = _TiedLinear(n_in, layer["width"], layer.get("bias", True))
            widths[layer["name"]] = layer["width"]

    def forward(self, x):
        vals = {"input": x}
        for layer in self.spec["layer"]:
            parts = [vals[s] for s in layer["inputs"]]
            h = parts[0] if len(parts) == 1 else torch.cat(parts, dim=-1)
            lin = self.layers[layer["name"]]
            if layer.get("tie") is None:
                h = lin(h)
            else:
                w = self.layers[layer["tie"]].weight
                h = F.linear(h, w.t() if layer["tie_transposed"] else w, lin.bias)
            act = TOML_ACTIVATIONS[layer.get("activation", "identity")]
            if act is not None:
                h = act(h)
            if layer.get("skip"):
                h = h + vals[layer["skip"]]
            vals[layer["name"]] = h
        outs = self.spec["outputs"]
        return vals[outs[0]] if len(outs) == 1 else tuple(vals[o] for o in outs)


class _TiedLinear(nn.Module):
    def __init__(self, n_in: int, n_out: int, bias: bool):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None


def _from_toml(path: Path) -> nn.Module:
    try:
        spec = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"spec file {str(path)!r} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{str(path)!r} is not valid TOML: {exc}") from None
    return SpecModel(_validate(spec, str(path))).eval()


def _validate(spec: dict, where: str) -> dict:
    if "input_dim" not in spec or not isinstance(spec["input_dim"], int) or spec["input_dim"] < 1:
        raise ModelError(f"{where}: input_dim must be a positive integer")
    layers = spec.get("layer")
    if not isinstance(layers, list) or not layers:
        raise ModelError(f"{where}: at least one [[layer]] table is needed")
    seen = {"input": spec["input_dim"]}
    shapes: dict[str, tuple[int, int]] = {}
    out = []
    for k, layer in enumerate(layers):
        bad = set(layer) - _LAYER_KEYS
        if bad:
            raise ModelError(f"{where}: layer {k + 1}: unknown keys {sorted(bad)}; allowed {sorted(_LAYER_KEYS)}")
        name = layer.get("name", f"layer{k + 1}")
        if not isinstance(name, str) or not name.isidentifier() or name in seen:
            raise ModelError(f"{where}: layer {k + 1}: name {name!r} must be a new identifier")
        width = layer.get("width")
        if not isinstance(width, int) or width < 1:
            raise ModelError(f"{where}: layer {name!r}: width must be a positive integer, got {width!r}")
        act = layer.get("activation", "identity")
        if act not in TOML_ACTIVATIONS:
            raise ModelError(f"{where}: layer {name!r}: unknown activation {act!r}; choose one of "
                             f"{', '.join(TOML_ACTIVATIONS)}")
        inputs = layer.get("inputs", [out[-1]["name"] if out else "input"])
        if isinstance(inputs, str):
            inputs = [inputs]
        for s in inputs:
            if s not in seen:
                raise ModelError(f"{where}: layer {name!r}: input {s!r} is not an earlier layer or 'input'")
        n_in = sum(seen[s] for s in inputs)
        entry = dict(layer, name=name, inputs=list(inputs), activation=act)
        skip = layer.get("skip")
        if skip is not None and seen.get(skip) != width:
            raise ModelError(f"{where}: layer {name!r}: skip {skip!r} must be an earlier layer of width {width}")
        tie = layer.get("tie")
        if tie is not None:
            if tie not in shapes:
                raise ModelError(f"{where}: layer {name!r}: tie {tie!r} is not an earlier untied layer")
            if shapes[tie] == (width, n_in):
                entry["tie_transposed"] = False
            elif shapes[tie] == (n_in, width):
                entry["tie_transposed"] = True
            else:
                raise ModelError(f"{where}: layer {name!r}: tie {tie!r} has weight shape {shapes[tie]}, "
                                 f"need ({width}, {n_in}) or its transpose")
        else:
            shapes[name] = (width, n_in)
        seen[name] = width
        out.append(entry)
    outputs = spec.get("outputs", [out[-1]["name"]])
    for o in outputs:
        if o not in seen or o == "input":
            raise ModelError(f"{where}: output {o!r} is not a layer")
    return {"input_dim": spec["input_dim"], "layer": out, "outputs": list(outputs)}
