r"""Run task specs in parallel: a local process pool by default, Dask with a scheduler.

:func:`run_tasks` returns one result dict per spec, in spec order.  Results already in
the :class:`~simtool.sweep.store.ResultStore` are reused (marked ``"reused": true``);
the rest run on

* this process (``jobs=1``, no scheduler),
* a :class:`concurrent.futures.ProcessPoolExecutor` of ``jobs`` spawned workers, or
* a ``dask.distributed`` cluster at ``scheduler`` (``tcp://host:8786``), or an
  existing ``distributed.Client`` / ``LocalCluster`` passed as ``scheduler``.

Workers run :func:`~simtool.sweep.tasks.execute_with_timeout`, so a task that raises
or passes its time limit comes back as a failure dict with its case.  A worker that
dies (a crash, a killed process) fails only the tasks it held, reported the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any

from ..errors import SimtoolError
from .store import ResultStore
from .tasks import execute_with_timeout, failed, task_key

__all__ = ["run_tasks"]

Progress = Callable[[dict[str, Any]], None]
#: how long to wait for a Dask scheduler given by address
CONNECT_TIMEOUT = "10s"


def _init_worker() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import simtool.catalogue  # noqa: F401 - imports happen before any task's time limit starts
    try:
        import torch

        torch.set_num_threads(1)  # one task per core: no thread oversubscription
    except ImportError:  # pragma: no cover - torch is a base dependency
        pass


def run_tasks(
    specs: Sequence[dict[str, Any]],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    store: ResultStore | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Run every spec; see the module docstring."""
    results: list[dict[str, Any] | None] = [None] * len(specs)
    keys = [task_key(s) for s in specs] if store is not None else [None] * len(specs)
    pending = []
    for i in range(len(specs)):
        cached = store.get(keys[i]) if store is not None else None
        if cached is not None:
            cached["reused"] = True
            results[i] = cached
            if progress:
                progress(cached)
        else:
            pending.append(i)

    def done(i: int, res: dict[str, Any]) -> None:
        results[i] = res
        if store is not None:
            store.put(keys[i], res)
        if progress:
            progress(res)

    if scheduler is not None:
        _run_dask([specs[i] for i in pending], pending, scheduler, done)
    elif jobs <= 1 or len(pending) <= 1:
        for i in pending:
            done(i, execute_with_timeout(specs[i]))
    else:
        _run_pool(specs, pending, jobs, done)
    return [r if r is not None else failed(specs[i], "error", "lost: no result came back")
            for i, r in enumerate(results)]


def _run_pool(specs, pending, jobs: int, done) -> None:
    ctx = get_context("spawn")  # no fork after torch/OpenMP initialisation
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker) as pool:
        futures = {pool.submit(execute_with_timeout, specs[i]): i for i in pending}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. BrokenProcessPool: keep the case
                res = failed(specs[i], "error", f"worker failed: {type(exc).__name__}: {exc}")
            done(i, res)


def _client(scheduler: Any):
    try:
        from distributed import Client
    except ImportError:
        raise SimtoolError("--scheduler needs dask.distributed: pip install 'simtool[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    if isinstance(scheduler, str):
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT), True
        except (OSError, TimeoutError) as exc:
            raise SimtoolError(f"cannot reach Dask scheduler {scheduler!r}: {exc}") from None
    return Client(scheduler), True  # a cluster object (LocalCluster, …)


def _run_dask(specs, index, scheduler, done) -> None:
    if not specs:
        return
    from distributed import as_completed as dask_completed

    client, own = _client(scheduler)
    try:
        client.run(_init_worker)
        futures = client.map(execute_with_timeout, specs, pure=False)
        where = {f.key: (i, s) for f, i, s in zip(futures, index, specs)}
        for fut in dask_completed(futures):
            i, spec = where[fut.key]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, … : keep the case
                res = failed(spec, "error", f"dask task failed: {type(exc).__name__}: {exc}")
            done(i, res)
    finally:
        if own:
            client.close()
