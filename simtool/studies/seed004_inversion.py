r"""Seed 004 (arXiv 2303.05161): inversion of class-manifold segregation, triggered by stragglers.

Design (experiments.md §Seed 004): input → 20 tanh → 2 logits with bias, PyTorch's
default init, cross-entropy, full-batch gradient descent (lr 0.1, 500 epochs),
binary parity tasks on digits and on mnist1d (the harder arm).  At every epoch,
on L2-normalised hidden vectors of the training points: gyration radii R_0, R_1,
centroid distance D (:mod:`simtool.measure.class_manifold`) and the train error.

Claims, tests and nulls (per arm):

1. *Inversion*: R_0 first shrinks and later grows (interior minimum), D the
   reverse.  t* = first epoch after a 20-epoch burn-in where R_0 stops decreasing.
   Reported: the fraction of runs with t* inside the run and the relative rise
   (R_0(T) - R_0(t*)) / R_0(t*) with a bootstrap interval over runs (zero rise =
   no inversion).
2. *Train error at t* is stable*: its mean and spread across ≥10 seeds and across
   ≥10 random 80 % subsamples of the training set.
3. *Stragglers (misclassified at t*) are stable*: pairwise overlaps across the
   independent runs, z-scored against the hypergeometric null (mean z with a
   bootstrap interval over pairs; "supported" when every pair has z > 3); and whether t* maximises the overlap among the
   misclassified sets at other train-error levels (the paper's "maximally conserved").
4. *Stragglers cause the inversion*: retraining from the same init without the
   stragglers vs without an equally large random subset (the control); the
   relative rise of R_0 and the fraction of runs with an inversion in each.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from ..measure import (
    bootstrap_interval,
    centroid_distance,
    difference_interval,
    gyration_radius,
    inversion_epoch,
    overlap_zscore,
    straggler_set,
)
from ..numeric.classifier import MLPClassifier
from ..numeric.training import train
from . import sources
from .runner import new_figure, save_figure

NAME = "seed004_inversion"
QUESTION = ("Do class manifolds of a 20-unit tanh net first segregate and then re-entangle after an inversion epoch "
            "t*, with a stable train error at t* and a stable straggler set whose removal removes the inversion?")

FULL = {"epochs": 500, "lr": 0.1, "hidden": 20, "runs": 10, "burn_in": 20, "subsample": 0.8,
        "arms": {"digits-parity": {"source": "digits", "n_train": 1500},
                 "mnist1d-parity": {"source": "mnist1d", "num_samples": 4000, "n_train": 3200}}}
SMOKE = {"epochs": 250, "lr": 0.2, "hidden": 20, "runs": 3, "burn_in": 20, "subsample": 0.8,
         "arms": {"digits-parity": {"source": "digits", "n_train": 400}}}


def _split(arm: dict, seed: int):
    if arm["source"] == "digits":
        return sources.digits("parity", n_train=arm["n_train"], seed=seed)
    return sources.mnist1d("parity", num_samples=arm["num_samples"], n_train=arm["n_train"], seed=seed)


def _train_runs(split, config, theta0, masks):
    """Full-batch GD of each row on its own mask; per-epoch R_0, R_1, D, train error, correctness."""
    model = MLPClassifier([split.x_train.shape[1], config["hidden"], 2], "tanh", device="cpu")
    X, y = torch.as_tensor(split.x_train), torch.as_tensor(split.y_train)
    labels = split.y_train
    keep = np.asarray(masks) > 0

    def record(theta, step):
        H = model.hidden(theta, X)[0].cpu().numpy()
        correct = model.forward(theta, X).argmax(-1).cpu().numpy() == labels
        err = 1.0 - (correct * keep).sum(axis=1) / keep.sum(axis=1)
        return {"R0": gyration_radius(H, labels, 0, mask=keep), "R1": gyration_radius(H, labels, 1, mask=keep),
                "D": centroid_distance(H, labels, mask=keep), "err": err, "correct": correct}

    res = train(model, theta0, X, y, steps=config["epochs"], lr=config["lr"], weights=torch.as_tensor(masks),
                checkpoints=np.arange(config["epochs"] + 1), record=record)
    return res.records


def _inversions(rec, burn_in):
    """Per run: t*, relative rise of R_0 after t*, train error at t*."""
    out = []
    for b in range(rec["R0"].shape[1]):
        R = rec["R0"][:, b]
        t = inversion_epoch(R, burn_in)
        rise = 0.0 if t is None else float((R[-1] - R[t]) / R[t])
        out.append({"t_star": t, "rise": rise, "err_at_t_star": None if t is None else float(rec["err"][t, b]),
                    "R0_argmin": int(np.argmin(R)), "D_argmax": int(np.argmax(rec["D"][:, b])),
                    "interior_min_R0": bool(0 < np.argmin(R) < R.size - 1),
                    "interior_max_D": bool(0 < np.argmax(rec["D"][:, b]) < R.size - 1)})
    return out


def _pairwise_z(sets, n):
    return [overlap_zscore(a, b, n) for a, b in itertools.combinations(sets, 2)]


def _summ(values, rng):
    v = np.array([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return None
    iv = bootstrap_interval(v, np.mean, rng, n_boot=1000) if v.size > 1 else None
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0, "n": int(v.size),
            "min": float(v.min()), "max": float(v.max()), "interval": iv}


def _arm(name, arm, config, seed, rng, out):
    split = _split(arm, seed)
    n, runs = split.y_train.size, config["runs"]
    model = MLPClassifier([split.x_train.shape[1], config["hidden"], 2], "tanh", device="cpu")
    theta0 = model.sample_theta(runs, generator=torch.Generator().manual_seed(seed))
    full = np.ones((runs, n))
    # 2. subsamples: fresh inits, a random 80 % of the training set each; trained in one batch with the main runs
    sub_masks = np.zeros((runs, n))
    for b in range(runs):
        sub_masks[b, rng.choice(n, size=int(config["subsample"] * n), replace=False)] = 1.0
    theta_sub = model.sample_theta(runs, generator=torch.Generator().manual_seed(seed + 7919))
    both = _train_runs(split, config, torch.cat([theta0, theta_sub]), np.concatenate([full, sub_masks]))
    rec = {k: v[:, :runs] for k, v in both.items()}
    inv = _inversions(rec, config["burn_in"])
    inv_sub = _inversions({k: v[:, runs:] for k, v in both.items()}, config["burn_in"])

    # 3. straggler sets and their stability
    stragglers = [straggler_set(rec["correct"][r["t_star"], b]) if r["t_star"] is not None else None
                  for b, r in enumerate(inv)]
    valid = [s for s in stragglers if s is not None]
    zs = _pairwise_z(valid, n) if len(valid) > 1 else []
    by_level = _overlap_by_error_level(rec, inv, n)

    # 4. retrain from the same init without stragglers vs without a random subset of equal size
    no_strag, no_rand = full.copy(), full.copy()
    for b, s in enumerate(stragglers):
        if s is not None and 0 < s.size < n:
            no_strag[b, s] = 0.0
            no_rand[b, rng.choice(n, size=s.size, replace=False)] = 0.0
    removed = _train_runs(split, config, torch.cat([theta0, theta0]), np.concatenate([no_strag, no_rand]))
    inv_ns = _inversions({k: v[:, :runs] for k, v in removed.items()}, config["burn_in"])
    inv_nr = _inversions({k: v[:, runs:] for k, v in removed.items()}, config["burn_in"])
    rise_ns, rise_nr = np.array([r["rise"] for r in inv_ns]), np.array([r["rise"] for r in inv_nr])

    result = {
        "data": split.describe(),
        "inversion": {"fraction_with_t_star": float(np.mean([r["t_star"] is not None for r in inv])),
                      "fraction_interior_min_R0": float(np.mean([r["interior_min_R0"] for r in inv])),
                      "fraction_interior_max_D": float(np.mean([r["interior_max_D"] for r in inv])),
                      "t_star": _summ([r["t_star"] for r in inv], rng),
                      "rise_R0": _summ([r["rise"] for r in inv], rng), "runs": inv},
        "train_error_at_t_star": {"seeds": _summ([r["err_at_t_star"] for r in inv], rng),
                                  "subsamples": _summ([r["err_at_t_star"] for r in inv_sub], rng)},
        "final_train_error": _summ(list(rec["err"][-1]), rng),
        "stragglers": {"sizes": [int(s.size) for s in valid],
                       "pairwise_z": _summ([z.z for z in zs], rng),
                       "pairwise_overlap_over_expected": _summ([z.overlap / z.expected for z in zs if z.expected > 0],
                                                               rng),
                       "max_one_sided_p": max((z.p_value for z in zs), default=None),
                       "mean_z_by_error_level": by_level},
        "removal": {"without_stragglers": {"fraction_with_t_star": float(np.mean([r["t_star"] is not None
                                                                                  for r in inv_ns])),
                                           "rise_R0": _summ(rise_ns, rng)},
                    "without_random_subset": {"fraction_with_t_star": float(np.mean([r["t_star"] is not None
                                                                                     for r in inv_nr])),
                                              "rise_R0": _summ(rise_nr, rng)},
                    "rise_difference": difference_interval(rise_ns, rise_nr, np.mean, rng, n_boot=1000)},
    }
    fig = _figure(name, rec, inv, rec_err=rec["err"], out=out)
    return result, fig


def _overlap_by_error_level(rec, inv, n):
    """Mean pairwise z of the misclassified sets at the first epoch each run reaches error ε."""
    t_err = [r["err_at_t_star"] for r in inv if r["err_at_t_star"] is not None]
    if len(t_err) < 2:
        return None
    e_star = float(np.median(t_err))
    final = float(rec["err"][-1].max())
    levels = np.unique(np.round(np.linspace(max(final, 0.2 * e_star), min(0.5, 3.0 * e_star), 9), 4))
    rows = []
    for eps in levels:
        sets = []
        for b in range(rec["err"].shape[1]):
            hit = np.flatnonzero(rec["err"][:, b] <= eps)
            if hit.size:
                sets.append(straggler_set(rec["correct"][hit[0], b]))
        zs = [z.z for z in _pairwise_z([s for s in sets if s.size], n)]
        rows.append({"error_level": float(eps), "mean_z": float(np.mean(zs)) if zs else None,
                     "mean_overlap_over_expected": float(np.mean([z.overlap / z.expected for z in
                                                                  _pairwise_z([s for s in sets if s.size], n)
                                                                  if z.expected > 0])) if zs else None})
    best = max((r for r in rows if r["mean_z"] is not None), key=lambda r: r["mean_z"], default=None)
    return {"median_error_at_t_star": e_star, "levels": rows,
            "level_of_max_z": None if best is None else best["error_level"]}


def _figure(name, rec, inv, rec_err, out):
    fig, axes = new_figure(3, 1, size=(13, 3.6))
    epochs = np.arange(rec["R0"].shape[0])
    for b in range(rec["R0"].shape[1]):
        c = f"C{b % 10}"
        axes[0].plot(epochs, rec["R0"][:, b], color=c, lw=0.8)
        axes[0].plot(epochs, rec["R1"][:, b], color=c, lw=0.8, ls="--")
        axes[1].plot(epochs, rec["D"][:, b], color=c, lw=0.8)
        axes[2].plot(rec_err[:, b], rec["R0"][:, b], color=c, lw=0.8)
        t = inv[b]["t_star"]
        if t is not None:
            for ax, v in ((axes[0], rec["R0"][t, b]), (axes[1], rec["D"][t, b])):
                ax.plot([t], [v], "kx")
            axes[2].plot([rec_err[t, b]], [rec["R0"][t, b]], "kx")
    axes[0].set(xlabel="epoch", ylabel="gyration radius (R_0 solid, R_1 dashed)", xscale="symlog",
                title=f"{name}: x = inversion t*")
    axes[1].set(xlabel="epoch", ylabel="centroid distance D", xscale="symlog")
    axes[2].set(xlabel="train error", ylabel="R_0", xscale="log")
    axes[2].invert_xaxis()
    return save_figure(fig, out, f"seed004_{name}")


def run(config: dict, seed: int, out):
    rng = np.random.default_rng(seed)
    arms, figures = {}, []
    for name, arm in config["arms"].items():
        arms[name], fig = _arm(name, arm, config, seed, rng, out)
        figures.append(fig)
    summary, verdicts = {}, {}
    for name, a in arms.items():
        diff = a["removal"]["rise_difference"]
        summary[name] = {
            "fraction_with_inversion": a["inversion"]["fraction_with_t_star"],
            "rise_R0_mean": a["inversion"]["rise_R0"]["mean"] if a["inversion"]["rise_R0"] else None,
            "train_error_at_t_star": a["train_error_at_t_star"]["seeds"],
            "straggler_pairwise_z_mean": a["stragglers"]["pairwise_z"]["mean"] if a["stragglers"]["pairwise_z"]
            else None,
            "removal_rise_difference": diff,
        }
        z = a["stragglers"]["pairwise_z"]
        verdicts[name] = {
            "inversion": "supported" if a["inversion"]["fraction_with_t_star"] == 1.0 and a["inversion"]["rise_R0"]
            and a["inversion"]["rise_R0"]["interval"] and a["inversion"]["rise_R0"]["interval"].low > 0
            else "not supported",
            "stragglers_stable": None if z is None else "supported" if z["min"] > 3.0 else "not supported",
            "stragglers_cause_inversion": "supported" if diff.high < 0 else "not supported",
        }
    summary["verdicts"] = verdicts
    return {"summary": summary, "arms": arms}, figures
