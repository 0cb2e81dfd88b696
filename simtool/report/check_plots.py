"""Figures for ``simtool check --plot DIR`` (matplotlib, Agg backend, PNG files).

* ``summary.png``: per element, the largest distance from the SIM (round-off level)
  next to the distance reached from its look-alike control (orders of magnitude
  larger), with the round-off tolerance;
* ``distance_<ID>.png``: distance to the subspace against time, log scale: the
  trajectories started on the SIM and those started on the control;
* ``reduction_<ID>.png``: the wide trajectory against the reduced narrow metric flow
  and the naive Euclidean flow: errors against time (log), and the narrow
  coordinates of one trajectory.

Exact zeros cannot be drawn on a log axis; they are drawn at :data:`FLOOR` and the
figure says so.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

__all__ = ["FLOOR", "write_check_plots", "plot_summary", "plot_distance", "plot_reduction"]

#: where exact zeros are drawn on log axes
FLOOR = 1e-18


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _floor(a: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(a, dtype=float), FLOOR)


def _band(ax, t, series, color, label):
    """Median line and min–max band of ``series`` (T, B)."""
    s = _floor(series)
    ax.fill_between(t, s.min(axis=1), s.max(axis=1), color=color, alpha=0.2, linewidth=0)
    ax.plot(t, np.median(s, axis=1), color=color, label=label)


def plot_distance(report, path: str) -> bool:
    """Distance to S (trajectories from S) and to the look-alike (control) vs time."""
    stays, control = report.result("stays"), report.result("control")
    have = [r for r in (stays, control) if r is not None and "dist" in r.traces]
    if not have:
        return False
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    if stays is not None and "dist" in stays.traces:
        _band(ax, stays.traces["times"], stays.traces["dist"], "tab:blue", f"started on {report.id}")
        if "tol" in stays.figures:
            ax.axhline(stays.figures["tol"], color="tab:blue", ls=":", lw=1,
                       label="round-off tolerance")
    if control is not None and "dist" in control.traces:
        label = f"control {{{control.figures.get('lookalike', '')}}}"
        _band(ax, control.traces["times"], control.traces["dist"], "tab:red", label[:60])
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel("dist(θ(t), subspace) / ‖θ(t)‖")
    ax.set_title(f"{report.id}: {report.description}"[:70], fontsize=10)
    ax.legend(fontsize=8, loc="center right")
    ax.text(0.01, 0.01, f"exact zeros drawn at {FLOOR:g}; band = min–max, line = median",
            transform=ax.transAxes, fontsize=7, color="0.4")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_reduction(report, path: str) -> bool:
    """Wide vs reduced trajectories: error vs time, and one trajectory's narrow coordinates."""
    red = report.result("reduces")
    if red is None or "metric_err" not in red.traces:
        return False
    tr = red.traces
    plt = _plt()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    t = tr["times"]
    _band(ax1, t, tr["metric_err"], "tab:green", "metric flow (docs/math.md §5)")
    _band(ax1, t, tr["naive_err"], "tab:red", "naive Euclidean flow")
    if "tol" in red.figures:
        ax1.axhline(red.figures["tol"], color="tab:green", ls=":", lw=1, label="tolerance")
    ax1.set_yscale("log")
    ax1.set_xlabel("t")
    ax1.set_ylabel("‖θ(t) − L θ̃(t)‖ / ‖θ(t)‖")
    ax1.set_title(f"{report.id}: wide vs lifted narrow flow", fontsize=10)
    ax1.legend(fontsize=8)
    names = list(tr["names"])
    colors = _plt().rcParams["axes.prop_cycle"].by_key()["color"]
    for j, name in enumerate(names):
        c = colors[j % len(colors)]
        ax2.plot(t, tr["wide_projected"][:, j], color=c, lw=2, alpha=0.5,
                 label=name if j < 8 else None)
        ax2.plot(t, tr["metric"][:, j], color=c, ls="--", lw=1)
        ax2.plot(t, tr["naive"][:, j], color=c, ls=":", lw=1)
    ax2.set_xlabel("t")
    ax2.set_title("one trajectory: wide projected (thick), metric (--), naive (:)", fontsize=9)
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_summary(reports: Sequence, path: str) -> bool:
    """Largest distance from each SIM vs the distance reached from its control."""
    rows = [r for r in reports if r.result("stays") is not None
            and "max_dist" in r.result("stays").figures]
    if not rows:
        return False
    plt = _plt()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.35 * len(rows) + 2) + 2.5, 4.2))
    x = np.arange(len(rows))
    stay = _floor([r.result("stays").figures["max_dist"] for r in rows])
    ctrl = [r.result("control") for r in rows]
    ctrl_v = _floor([c.figures.get("max_dist", np.nan) if c is not None else np.nan for c in ctrl])
    tol = [r.result("stays").figures.get("tol", np.nan) for r in rows]
    base = FLOOR / 10
    ax.bar(x - 0.2, stay - base, 0.4, bottom=base, color="tab:blue", label="started on the SIM (max)")
    ax.bar(x + 0.2, ctrl_v - base, 0.4, bottom=base, color="tab:red",
           label="started on its control (median)")
    ax.plot(x, tol, "k_", ms=12, label="round-off tolerance")
    ax.set_yscale("log")
    ax.set_xticks(x, [r.id for r in rows], rotation=90 if len(rows) > 20 else 0, fontsize=8)
    ax.set_ylabel("max_t dist(θ(t), S) / ‖θ(t)‖")
    ax.set_title("SIMs stay at round-off; non-invariant look-alikes leave", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.text(1.01, 0.0, f"exact zeros drawn\nat {FLOOR:g}", transform=ax.transAxes, fontsize=7,
            color="0.4", va="bottom")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_check_plots(reports: Sequence, directory: str, *, max_elements: int = 24) -> list[str]:
    """Write the figures into ``directory`` (created if needed); return the paths.

    Per-element figures are written for at most ``max_elements`` elements (the first
    ones checked); the summary covers all of them.
    """
    os.makedirs(directory, exist_ok=True)
    out = []
    p = os.path.join(directory, "summary.png")
    if plot_summary(reports, p):
        out.append(p)
    for rep in list(reports)[:max_elements]:
        p = os.path.join(directory, f"distance_{rep.id}.png")
        if plot_distance(rep, p):
            out.append(p)
        p = os.path.join(directory, f"reduction_{rep.id}.png")
        if plot_reduction(rep, p):
            out.append(p)
    return out
