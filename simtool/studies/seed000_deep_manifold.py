r"""Seed 000 (arXiv 2409.17592, "Deep Manifold"): simtool's operationalisation of qualitative claims.

The paper is theory only (no code, data or numbers).  Each qualitative claim is
turned into a measurement on ReLU MLPs of depth 1-4 at a *fixed parameter budget*
(width chosen per depth), trained with minibatch Adam on digits (10 classes),
with a linear model (depth 0) as the control where a measurement needs one.
These are simtool's readings of the claims, not the paper's definitions.

1. *Capacity grows (exponentially) with depth*: linear regions crossed along
   segments between training inputs of different classes
   (:func:`simtool.measure.count_pattern_changes`, 2000 points per segment), at
   init and after training.  Statistic: slope of log(regions) against depth with a
   bootstrap interval over (depth, seed) points.  Counts against: slope ≤ 0.
2. *Hidden bottleneck (slow late decline)*: steps to 90 % of the loss decrease (as a
   fraction of training) and the plateau fraction of log-spaced intervals, against
   depth (Spearman ρ, bootstrap interval).  Counts against: ρ ≤ 0.
3. *Dynamic degrees of freedom*: activation-pattern churn between consecutive
   checkpoints; late churn (last quarter of the checkpoints) relative to early churn.
   Counts against: late churn ≈ 0.
4. *Self-progressing boundaries*: fraction of training points with ≥ 1 forgetting
   event between checkpoints, deepest net vs the linear control (difference with a
   bootstrap interval over seeds).  Counts against: no more forgetting than linear.
5. *Completion*: first checkpoint after which < 0.1 % of training predictions change
   for 3 intervals, compared with the 90 %-loss time.
"""

from __future__ import annotations

import numpy as np
import torch

from ..measure import (
    bootstrap_interval,
    completion_step,
    count_pattern_changes,
    difference_interval,
    forgetting_events,
    pattern_churn,
    plateau_fraction,
    prediction_flips,
    segment_points,
    time_to_fraction,
)
from ..numeric.classifier import MLPClassifier
from ..numeric.training import log_spaced_steps, train
from . import sources
from .runner import new_figure, save_figure

NAME = "seed000_deep_manifold"
QUESTION = ("At a fixed parameter budget, do deeper ReLU nets cross more linear regions, show a longer late "
            "plateau, keep changing activation patterns, and forget more than a linear control "
            "(simtool's operationalisation of the Deep Manifold claims)?")

FULL = {"n_train": 1200, "budget": 3000, "depths": [0, 1, 2, 3, 4], "seeds": 5, "steps": 3000, "checkpoints": 30,
        "lr": 0.001, "batch_size": 64, "n_segments": 30, "segment_points": 2000, "n_pattern": 300}
SMOKE = {"n_train": 200, "budget": 600, "depths": [0, 1, 2], "seeds": 2, "steps": 80, "checkpoints": 8,
         "lr": 0.003, "batch_size": 32, "n_segments": 4, "segment_points": 200, "n_pattern": 50}


def width_for_budget(depth: int, d: int, c: int, budget: int) -> int:
    """Largest width ``w`` whose ``depth``-hidden-layer MLP ``d → w … w → c`` has ≤ ``budget`` parameters.

    >>> width_for_budget(1, 64, 10, 3000)
    39
    """
    def count(w):
        return (d + 1) * w + (depth - 1) * (w + 1) * w + (w + 1) * c

    w = 1
    while count(w + 1) <= budget:
        w += 1
    return w


def _patterns(model, theta, X):
    return torch.cat([z > 0 for z in model.preactivations(theta, X)], dim=-1).cpu().numpy()


def _regions(model, theta, seg):
    """Mean linear regions crossed per segment, per row; ``seg`` ``(K, S, d)``."""
    K, S, d = seg.shape
    pats = _patterns(model, theta, torch.as_tensor(seg.reshape(K * S, d)))  # (batch, K*S, U)
    return count_pattern_changes(pats.reshape(theta.shape[0], K, S, -1)).mean(axis=1)


def _depth_run(depth, split, config, seg, seed):
    d, c = split.x_train.shape[1], split.n_classes
    width = width_for_budget(depth, d, c, config["budget"]) if depth else 0
    model = MLPClassifier([d, *[width] * depth, c], "relu", device="cpu")
    g = torch.Generator().manual_seed(seed)
    theta0 = model.sample_theta(config["seeds"], generator=g)
    X, y = torch.as_tensor(split.x_train), torch.as_tensor(split.y_train)
    Xp = X[:config["n_pattern"]]

    def record(theta, step):
        logits = model.forward(theta, X)
        rec = {"loss": model.loss.value(logits, y).mean(-1), "pred": logits.argmax(-1)}
        if depth:
            rec["patterns"] = _patterns(model, theta, Xp)
        return rec

    res = train(model, theta0, X, y, steps=config["steps"], lr=config["lr"], optimizer="adam",
                batch_size=config["batch_size"], checkpoints=log_spaced_steps(config["steps"], config["checkpoints"]),
                record=record, generator=g)
    steps, loss, pred = res.steps, res.records["loss"], res.records["pred"]
    correct = pred == split.y_train
    per_seed = []
    for b in range(config["seeds"]):
        flips = [prediction_flips(pred[t, b], pred[t + 1, b]) for t in range(len(steps) - 1)]
        row = {"t90_fraction": time_to_fraction(steps, loss[:, b]) / steps[-1],
               "plateau_fraction": plateau_fraction(loss[:, b]),
               "forgetting_fraction": float(np.mean(forgetting_events(correct[:, b]) > 0)),
               "completion_step": completion_step(steps, flips), "t90_step": time_to_fraction(steps, loss[:, b]),
               "final_loss": float(loss[-1, b]), "final_train_error": float(1 - correct[-1, b].mean())}
        if depth:
            churn = [pattern_churn(res.records["patterns"][t, b], res.records["patterns"][t + 1, b])
                     for t in range(len(steps) - 1)]
            q = max(1, len(churn) // 4)
            row.update({"churn": churn, "early_churn": float(np.mean(churn[:q])),
                        "late_churn": float(np.mean(churn[-q:]))})
        per_seed.append(row)
    out = {"depth": depth, "width": width, "parameters": model.dim, "per_seed": per_seed, "steps": steps}
    if depth:
        out["regions_init"] = _regions(model, theta0, seg)
        out["regions_final"] = _regions(model, res.theta, seg)
    return out


def _slope(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.polyfit(x, y, 1)[0]) if np.ptp(x) > 0 else 0.0


def _spearman(x, y):
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic) if np.ptp(x) > 0 and np.ptp(y) > 0 else 0.0


def run(config: dict, seed: int, out):
    rng = np.random.default_rng(seed)
    split = sources.digits("classes", n_train=config["n_train"], seed=seed)
    # segments between training inputs of different classes
    a = rng.choice(split.y_train.size, size=4 * config["n_segments"])
    b = rng.choice(split.y_train.size, size=4 * config["n_segments"])
    ok = np.flatnonzero(split.y_train[a] != split.y_train[b])[:config["n_segments"]]
    seg = segment_points(split.x_train[a[ok]], split.x_train[b[ok]], config["segment_points"])
    runs = [_depth_run(depth, split, config, seg, seed * 100 + depth) for depth in config["depths"]]
    deep = [r for r in runs if r["depth"] > 0]

    def points(key, source="per_seed"):
        xs, ys = [], []
        for r in deep:
            vals = r[key] if source == "regions" else [s[key] for s in r["per_seed"]]
            xs += [r["depth"]] * len(vals)
            ys += list(vals)
        return np.array(xs, float), np.array(ys, float)

    res = {}
    for when in ("regions_init", "regions_final"):
        x, y = points(when, "regions")
        res[f"log_{when}_slope_per_layer"] = bootstrap_interval((x, np.log(y)), _slope, rng, n_boot=1000)
    for key in ("t90_fraction", "plateau_fraction", "late_churn"):
        x, y = points(key)
        res[f"{key}_spearman_with_depth"] = bootstrap_interval((x, y), _spearman, rng, n_boot=1000)
    late = np.array([s["late_churn"] for r in deep for s in r["per_seed"]])
    early = np.array([s["early_churn"] for r in deep for s in r["per_seed"]])
    res["late_over_early_churn"] = bootstrap_interval((late, early), lambda a, b: a.mean() / b.mean(), rng,
                                                      n_boot=1000)
    res["late_churn"] = bootstrap_interval(late, np.mean, rng, n_boot=1000)
    linear = [r for r in runs if r["depth"] == 0]
    if linear:
        deepest = max(deep, key=lambda r: r["depth"])
        res["forgetting_deepest_minus_linear"] = difference_interval(
            np.array([s["forgetting_fraction"] for s in deepest["per_seed"]]),
            np.array([s["forgetting_fraction"] for s in linear[0]["per_seed"]]), np.mean, rng, n_boot=1000)
    completion = [(s["completion_step"], s["t90_step"]) for r in runs for s in r["per_seed"]]
    res["completion_reached_fraction"] = float(np.mean([c is not None for c, _ in completion]))
    res["completion_after_t90_fraction"] = float(np.mean([c is not None and c >= t for c, t in completion]))

    def verdict(iv, positive=True):
        return "supported" if (iv.low > 0 if positive else iv.high < 0) else \
            "contradicted" if (iv.high < 0 if positive else iv.low > 0) else "inconclusive"

    verdicts = {
        "regions_grow_with_depth_after_training": verdict(res["log_regions_final_slope_per_layer"]),
        "regions_grow_with_depth_at_init": verdict(res["log_regions_init_slope_per_layer"]),
        "later_90pct_loss_with_depth": verdict(res["t90_fraction_spearman_with_depth"]),
        "patterns_keep_changing_late": "supported" if res["late_churn"].low > 0 else "not supported",
        "deep_forgets_more_than_linear": verdict(res["forgetting_deepest_minus_linear"]) if linear else None,
    }
    table = [{"depth": r["depth"], "width": r["width"], "parameters": r["parameters"],
              "regions_init": float(np.mean(r["regions_init"])) if r["depth"] else 1.0,
              "regions_final": float(np.mean(r["regions_final"])) if r["depth"] else 1.0,
              **{k: float(np.mean([s[k] for s in r["per_seed"]])) for k in
                 ("t90_fraction", "plateau_fraction", "forgetting_fraction", "final_train_error")},
              "late_churn": float(np.mean([s["late_churn"] for s in r["per_seed"]])) if r["depth"] else None}
             for r in runs]
    figures = [_figure(runs, table, out)]
    return {"summary": {"by_depth": table, "verdicts": verdicts}, "statistics": res, "runs": runs}, figures


def _figure(runs, table, out):
    fig, axes = new_figure(2, 2, size=(10, 7.5))
    depths = [t["depth"] for t in table]
    axes[0].plot(depths, [t["regions_init"] for t in table], "o-", label="init")
    axes[0].plot(depths, [t["regions_final"] for t in table], "s-", label="trained")
    axes[0].set(xlabel="depth (hidden layers; fixed budget)", ylabel="linear regions per segment", yscale="log",
                title="Regions crossed along input segments")
    axes[0].legend(fontsize=8)
    axes[1].plot(depths, [t["t90_fraction"] for t in table], "o-", label="steps to 90% of loss decrease / T")
    axes[1].plot(depths, [t["plateau_fraction"] for t in table], "s-", label="plateau fraction")
    axes[1].plot(depths, [t["forgetting_fraction"] for t in table], "^-", label="fraction with forgetting")
    axes[1].set(xlabel="depth", title="Loss-curve shape and forgetting")
    axes[1].legend(fontsize=8)
    for r in runs:
        if r["depth"]:
            churn = np.mean([s["churn"] for s in r["per_seed"]], axis=0)
            axes[2].plot(r["steps"][1:], churn, label=f"depth {r['depth']}")
    axes[2].set(xscale="log", yscale="log", xlabel="step", ylabel="activation-pattern churn per interval",
                title="Churn between checkpoints")
    axes[2].legend(fontsize=8)
    axes[3].bar([str(t["depth"]) for t in table], [t["final_train_error"] for t in table])
    axes[3].set(xlabel="depth", ylabel="final train error", title="Fit at the end")
    return save_figure(fig, out, "seed000_deep_manifold")
