r"""Seed 001 (arXiv 2305.01604): do training trajectories of many nets share one low-dimensional manifold?

Design (experiments.md §Seed 001).  Ensembles of MLPs on digits (10 classes) --
architectures × optimisers × seeds -- each recorded at ~30 log-spaced checkpoints
as its predicted probabilities on a fixed probe set of training points.  All
checkpoints of all trajectories are embedded by InPCA
(:mod:`simtool.measure.inpca`).

Claims and their controls:

1. *Low dimension*: χ_3 is large.  Control: the same trajectories with the probe
   samples shuffled independently per trajectory (each trajectory stays an
   intact curve, but the correspondence of samples across trajectories is
   destroyed).  Effect: Δχ_3 = χ_3 - χ_3(control) with a 95 % normal interval
   whose standard error comes from half-samples (the same random halves of the
   trajectories for both arms; a bootstrap with replacement would duplicate
   trajectories, which collapses the control).
2. *Architecture matters, the rest barely*: trajectory distance
   (symmetrised mean nearest-checkpoint Bhattacharyya distance, insensitive to speed)
   for pairs differing only in seed, only in optimiser, or in architecture.
   Effect: ratio of means with bootstrap intervals over pairs.
3. *Sloppy inputs* (synthetic, λ_k ∝ e^{-ck}): χ_3 at c = 0.5 vs c = 0.001;
   difference with a half-sample standard error over trajectories.

Progress toward the truth (geodesic progress, simtool's operationalisation of the
paper's P*) is reported against the final training error per trajectory.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from ..measure import (
    bhattacharyya_matrix,
    bootstrap_interval,
    explained_stress,
    geodesic_progress,
    inpca,
    one_hot_model,
    uniform_model,
)
from ..numeric.classifier import MLPClassifier
from ..numeric.training import log_spaced_steps, train
from . import sources
from .runner import new_figure, save_figure

NAME = "seed001_inpca"
QUESTION = ("Do the prediction-space trajectories of many MLPs (architectures x optimisers x seeds) lie on one "
            "low-dimensional InPCA manifold, more than when sample correspondence is destroyed; does architecture "
            "separate trajectories more than optimiser or seed; do sloppy inputs lower the dimension?")

FULL = {
    "n_train": 1000, "n_probe": 500, "steps": 1000, "checkpoints": 30, "seeds_per_group": 4,
    "architectures": {"w32d1": [32], "w32d2": [32, 32], "w128d1": [128]},
    "optimisers": {"sgd": {"lr": 0.1, "batch_size": 32}, "adam": {"lr": 0.001, "batch_size": 32}},
    "sloppy": {"decays": [0.001, 0.5], "n_train": 1000, "width": 32, "seeds": 8, "steps": 1000},
    "n_boot": 100,
}
SMOKE = {
    "n_train": 200, "n_probe": 60, "steps": 60, "checkpoints": 8, "seeds_per_group": 2,
    "architectures": {"w16d1": [16], "w16d2": [16, 16]},
    "optimisers": {"sgd": {"lr": 0.1, "batch_size": 32}, "adam": {"lr": 0.003, "batch_size": 32}},
    "sloppy": {"decays": [0.001, 0.5], "n_train": 200, "width": 16, "seeds": 3, "steps": 60},
    "n_boot": 20,
}


def _trajectories(split, hidden, opt, n_seeds, steps, n_ckpt, probe, seed):
    """Probabilities on the probe set, ``(n_seeds, T, N, C)``, and final train error per seed."""
    model = MLPClassifier([split.x_train.shape[1], *hidden, split.n_classes], "tanh", device="cpu")
    g = torch.Generator().manual_seed(seed)
    theta0 = model.sample_theta(n_seeds, generator=g)
    X, y = torch.as_tensor(split.x_train), torch.as_tensor(split.y_train)
    Xp = X[probe]
    res = train(model, theta0, X, y, steps=steps, lr=opt["lr"], optimizer=opt["optimizer"],
                batch_size=opt["batch_size"], checkpoints=log_spaced_steps(steps, n_ckpt),
                record=lambda t, s: {"p": model.probabilities(t, Xp)}, generator=g)
    err = (model.forward(res.theta, X).argmax(-1) != y).double().mean(-1).numpy()
    return np.transpose(res.records["p"], (1, 0, 2, 3)), err, res.steps


def _chi(D: np.ndarray, ks=(1, 3, 10)) -> dict:
    """χ_k of the InPCA embedding of the distance matrix ``D``."""
    chi = explained_stress(inpca(D).eigenvalues)
    return {f"chi_{k}": float(chi[min(k, chi.size) - 1]) for k in ks}


def _all_checkpoints(traj: np.ndarray) -> np.ndarray:
    """``(R, T, N, C)`` trajectories → the ``(R·T, R·T)`` Bhattacharyya matrix."""
    return bhattacharyya_matrix(traj.reshape(-1, *traj.shape[2:]))


def _half_samples(D: np.ndarray, R: int, T: int, n_draws: int, rng) -> list[np.ndarray]:
    """Sub-matrices of ``D`` for random halves of the ``R`` trajectories (no duplicates)."""
    out = []
    for _ in range(n_draws):
        keep = np.sort(rng.choice(R, size=max(2, R // 2), replace=False))
        rows = (keep[:, None] * T + np.arange(T)).ravel()
        out.append(D[np.ix_(rows, rows)])
    return out


def _interval(estimate: float, draws: np.ndarray) -> dict:
    """Normal interval with the half-sample standard error ``SD(half draws) / √2``.

    (A half-sample statistic has about twice the variance of the full one; the half
    draws' median is reported too, since χ also depends on the ensemble size.)
    """
    se = float(np.std(draws, ddof=1) / np.sqrt(2.0)) if draws.size > 1 else float("nan")
    return {"estimate": float(estimate), "low": float(estimate - 1.96 * se), "high": float(estimate + 1.96 * se),
            "level": 0.95, "standard_error": se, "half_sample_median": float(np.median(draws)),
            "kind": "normal interval, half-sample standard error (random halves of the trajectories)"}


def _shuffled(traj: np.ndarray, rng) -> np.ndarray:
    """Control: the probe samples permuted independently per trajectory."""
    return np.stack([t[:, rng.permutation(t.shape[1])] for t in traj])


def _traj_distance(Dab: np.ndarray) -> float:
    return 0.5 * (Dab.min(axis=1).mean() + Dab.min(axis=0).mean())


def run(config: dict, seed: int, out):
    rng = np.random.default_rng(seed)
    split = sources.digits("classes", n_train=config["n_train"], seed=seed)
    probe = rng.choice(split.y_train.size, size=config["n_probe"], replace=False)
    trajs, meta, errs = [], [], []
    for gi, ((arch, hidden), (opt_name, opt)) in enumerate(itertools.product(config["architectures"].items(),
                                                                            config["optimisers"].items())):
        p, err, steps = _trajectories(split, hidden, {"optimizer": opt_name, **opt}, config["seeds_per_group"],
                                      config["steps"], config["checkpoints"], probe, seed * 1000 + gi)
        for s in range(p.shape[0]):
            trajs.append(p[s])
            meta.append((arch, opt_name, s))
            errs.append(float(err[s]))
    traj = np.stack(trajs)  # (R, T, N, C)
    R, T = traj.shape[:2]
    control = _shuffled(traj, rng)

    # claim 1: χ_k against the shuffled control; half-sample intervals over trajectories
    D_all, D_ctrl = _all_checkpoints(traj), _all_checkpoints(control)
    real, ctrl = _chi(D_all), _chi(D_ctrl)
    draws_seed = int(rng.integers(2**31))
    halves = _half_samples(D_all, R, T, config["n_boot"], np.random.default_rng(draws_seed))
    halves_c = _half_samples(D_ctrl, R, T, config["n_boot"], np.random.default_rng(draws_seed))  # same halves
    diffs = np.array([_chi(a)["chi_3"] - _chi(b)["chi_3"] for a, b in zip(halves, halves_c)])
    delta = _interval(real["chi_3"] - ctrl["chi_3"], diffs)
    emb = inpca(D_all)
    full_chi = explained_stress(emb.eigenvalues)
    ctrl_chi = explained_stress(inpca(D_ctrl).eigenvalues)

    # claim 2: trajectory distances by what differs
    blocks = D_all.reshape(R, T, R, T)
    groups = {"seed": [], "optimiser": [], "architecture": []}
    for a, b in itertools.combinations(range(R), 2):
        (aa, oa, _), (ab, ob, _) = meta[a], meta[b]
        key = "seed" if (aa == ab and oa == ob) else "optimiser" if aa == ab else "architecture" if oa == ob else None
        if key:
            groups[key].append(_traj_distance(blocks[a, :, b, :]))
    dist = {k: bootstrap_interval(np.array(v), np.mean, rng, n_boot=1000) for k, v in groups.items()}
    ratio = {f"{k}_over_seed": float(np.mean(groups[k]) / np.mean(groups["seed"]))
             for k in ("optimiser", "architecture")}

    # progress toward the truth at the end of each trajectory
    P0, Ps = uniform_model(probe.size, split.n_classes), one_hot_model(split.y_train[probe], split.n_classes)
    progress = geodesic_progress(traj[:, -1], P0, Ps)

    # claim 3: sloppy inputs
    sl = config["sloppy"]
    sloppy_res, sloppy_chi = {}, {}
    for c in sl["decays"]:
        sp = sources.sloppy(c, n_samples=sl["n_train"] + 200, n_train=sl["n_train"], seed=seed)
        probe_s = np.arange(min(config["n_probe"], sp.y_train.size))
        ps = []
        for oi, (opt_name, opt) in enumerate(config["optimisers"].items()):
            p, _, _ = _trajectories(sp, [sl["width"]], {"optimizer": opt_name, **opt}, sl["seeds"], sl["steps"],
                                    config["checkpoints"], probe_s, seed * 1000 + 500 + oi)
            ps.append(p)
        ps = np.concatenate(ps)
        Ds = _all_checkpoints(ps)
        sloppy_chi[c] = explained_stress(inpca(Ds).eigenvalues)
        draws = np.array([_chi(h)["chi_3"] for h in _half_samples(Ds, ps.shape[0], ps.shape[1],
                                                                    config["n_boot"], rng)])
        sloppy_res[f"c={c:g}"] = {**_interval(sloppy_chi[c][2], draws), "draws": draws}
    keys = list(sloppy_res)
    sloppy_diff = None
    if len(keys) == 2:
        a, b = (np.asarray(sloppy_res[k]["draws"]) for k in keys)
        sloppy_diff = {**_interval(sloppy_res[keys[1]]["estimate"] - sloppy_res[keys[0]]["estimate"], b - a),
                       "meaning": f"chi_3({keys[1]}) - chi_3({keys[0]}); independent half-sample draws"}
    for v in sloppy_res.values():
        v.pop("draws")

    figures = [_figure_embedding(emb, meta, T, out), _figure_stress(full_chi, ctrl_chi, sloppy_chi, out)]
    verdicts = {
        "low_dimension_vs_control": "supported" if delta["low"] > 0 else "not supported",
        "architecture_dominates": "supported" if dist["architecture"].low > max(dist["seed"].high,
                                                                                 dist["optimiser"].high)
        else "not supported",
        "sloppy_lowers_dimension": None if sloppy_diff is None else
        ("supported" if sloppy_diff["low"] > 0 else "contradicted" if sloppy_diff["high"] < 0 else "inconclusive"),
    }
    results = {
        "summary": {"chi": real, "chi_control": ctrl, "delta_chi_3": delta, "verdicts": verdicts},
        "n_trajectories": R, "n_checkpoints": T, "checkpoint_steps": steps,
        "chi_curve": full_chi[:20], "n_negative_directions": int(np.sum(emb.signature < 0)),
        "trajectory_distance": dist, "distance_ratio": ratio,
        "final_train_error": errs, "final_progress": progress,
        "progress_vs_error_spearman": _spearman(progress, np.array(errs)),
        "sloppy": sloppy_res, "sloppy_difference": sloppy_diff,
        "meta": [list(m) for m in meta],
    }
    return results, figures


def _spearman(a, b) -> float | None:
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return float(spearmanr(a, b).statistic)


def _figure_embedding(emb, meta, T, out):
    fig, (ax,) = new_figure(1, 1, size=(6, 5), projection="3d")
    archs = sorted({m[0] for m in meta})
    colours = {a: f"C{i}" for i, a in enumerate(archs)}
    styles = {"sgd": "-", "adam": "--"}
    x = emb.coords[:, :3]
    for r, (arch, opt, _) in enumerate(meta):
        seg = x[r * T:(r + 1) * T]
        ax.plot(seg[:, 0], seg[:, 1], seg[:, 2], styles.get(opt, ":"), color=colours[arch], lw=1)
        ax.scatter(*seg[-1], color=colours[arch], s=10)
    for a in archs:
        ax.plot([], [], color=colours[a], label=a)
    for o, st in styles.items():
        ax.plot([], [], st, color="k", label=o)
    sig = "".join("+" if s > 0 else "-" for s in emb.signature[:3])
    ax.set(title=f"InPCA of trajectories (signature {sig})", xlabel="PC1", ylabel="PC2", zlabel="PC3")
    ax.legend(fontsize=7)
    return save_figure(fig, out, "seed001_inpca_3d")


def _figure_stress(chi, cc, sloppy_chi, out):
    fig, (ax,) = new_figure(1, 1, size=(5, 3.8))
    k = np.arange(1, min(20, chi.size) + 1)
    ax.plot(k, chi[:k.size], "o-", label="digits ensemble")
    ax.plot(k, cc[:k.size], "s--", label="control: probe shuffled per trajectory")
    for c, curve in sloppy_chi.items():
        kk = k[:min(k.size, curve.size)]
        ax.plot(kk, curve[:kk.size], ".:", label=f"sloppy inputs c={c:g}")
    ax.set(xlabel="components k", ylabel="explained stress χ_k", ylim=(0, 1.02), title="Explained stress")
    ax.legend(fontsize=7)
    return save_figure(fig, out, "seed001_explained_stress")
