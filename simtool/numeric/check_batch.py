"""Integrate many small flow jobs of one :class:`FlowSetup` as one batch per network.

The checks of an element (and of several elements) need runs of the wide net from
different starting sets and runs of narrow nets with a metric; :class:`FlowBatch`
queues them, integrates one batch per network and hands each job its own rows.
"""

from __future__ import annotations

from typing import Any

import torch

from ..symbolic.network import TwoLayerNet
from .check_setup import FlowSetup
from .flow import FlowResult

__all__ = ["FlowBatch"]


def _slice(res: FlowResult, rows: slice) -> FlowResult:
    return FlowResult(res.times, res.states[:, rows], res.final[rows], res.status[rows],
                      res.t_final[rows], res.n_steps[rows], res.n_rejected[rows], res.n_evals,
                      res.method)


class FlowBatch:
    """Collect flows of one :class:`FlowSetup` and integrate them together.

    Rows are independent for every integrator (per-row step control for dopri5, one
    shared minibatch stream for sgd), so integrating many small jobs as one batch per
    network gives the same trajectories as separate runs, with fewer, larger calls.
    :meth:`add` returns a handle; after :meth:`run`, calling the handle gives that
    job's own :class:`~simtool.numeric.flow.FlowResult`.
    """

    def __init__(self, setup: FlowSetup) -> None:
        self.setup = setup
        self._jobs: dict[TwoLayerNet, list[tuple[torch.Tensor, Any, Any]]] = {}
        self._results: dict[TwoLayerNet, FlowResult] | None = None

    def add(self, theta0: torch.Tensor, *, net: TwoLayerNet | None = None, metric=None,
            frozen: tuple[int, ...] = ()):
        """Queue ``theta0`` (``(batch, D)``); ``metric``/``frozen`` as in :meth:`FlowSetup.run`."""
        net = net or self.setup.net
        jobs = self._jobs.setdefault(net, [])
        start = sum(len(t) for t, _, _ in jobs)
        jobs.append((theta0, metric, tuple(frozen)))
        rows = slice(start, start + len(theta0))
        self._results = None

        def handle() -> FlowResult:
            if self._results is None:
                raise RuntimeError("FlowBatch.run() has not been called")
            return _slice(self._results[net], rows)

        return handle

    def run(self) -> None:
        dev = self.setup.torch_device
        out = {}
        for net, jobs in self._jobs.items():
            theta = torch.cat([t.to(dev) for t, _, _ in jobs])
            metric = mask = None
            if any(m is not None for _, m, _ in jobs):
                metric = torch.cat([
                    (torch.ones(net.dim, dtype=theta.dtype, device=dev) if m is None
                     else torch.as_tensor(m, dtype=theta.dtype, device=dev)).expand(len(t), net.dim)
                    for t, m, _ in jobs
                ])
            if any(f for _, _, f in jobs):
                mask = torch.ones_like(theta)
                start = 0
                for t, _, f in jobs:
                    if f:
                        mask[start:start + len(t), list(f)] = 0.0
                    start += len(t)
            out[net] = self.setup.run(theta, net=net, metric=metric, mask=mask)
        self._results = out
