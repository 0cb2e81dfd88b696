"""Integrate many small flow jobs of one :class:`FlowSetup` as one batch per network.

The checks of an element (and of several elements) need runs of the wide net from
different starting sets and runs of narrow nets with a metric; :class:`FlowBatch`
queues them, integrates one batch per network and hands each job its own rows.
"""

from __future__ import annotations

from typing import Any

import torch

from .check_setup import FlowSetup
from .fields import Metric, as_metric
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
        self._jobs: dict[Any, list[tuple[torch.Tensor, Metric | None, tuple[int, ...]]]] = {}
        self._results: dict[Any, FlowResult] | None = None

    def add(self, theta0: torch.Tensor, *, net: Any = None, metric: Metric | Any = None,
            frozen: tuple[int, ...] = ()):
        """Queue ``theta0`` (``(batch, D)``) for ``net`` (default: the set-up's);
        ``metric`` (a shared :class:`~simtool.numeric.fields.Metric` or diagonal array)
        and ``frozen`` coordinates as in :meth:`FlowSetup.run`."""
        net = net if net is not None else self.setup.net
        metric = as_metric(metric, int(net.dim), theta0.dtype, self.setup.torch_device)
        if metric is not None and metric.per_row:
            raise ValueError("FlowBatch.add takes one metric shared by the job's rows")
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
            metric = _stack_metrics([(len(t), m) for t, m, _ in jobs], int(net.dim), theta)
            mask = None
            if any(f for _, _, f in jobs):
                mask = torch.ones_like(theta)
                start = 0
                for t, _, f in jobs:
                    if f:
                        mask[start:start + len(t), list(f)] = 0.0
                    start += len(t)
            out[net] = self.setup.run(theta, net=net, metric=metric, mask=mask)
        self._results = out


def _stack_metrics(jobs: list[tuple[int, Metric | None]], dim: int, like: torch.Tensor
                   ) -> Metric | None:
    """One per-row metric for consecutive jobs (``None``: the identity): diagonal when
    every job's is, else matrices."""
    if all(m is None for _, m in jobs):
        return None
    ones = torch.ones(dim, dtype=like.dtype, device=like.device)
    if all(m is None or m.diagonal for _, m in jobs):
        return Metric(torch.cat([(ones if m is None else m.values).expand(k, dim)
                                 for k, m in jobs]), True)
    eye = torch.diag(ones)
    mats = [eye if m is None else torch.diag(m.values) if m.diagonal else m.values
            for _, m in jobs]
    return Metric(torch.cat([M.expand(k, dim, dim) for (k, _), M in zip(jobs, mats, strict=True)]),
                  False)
