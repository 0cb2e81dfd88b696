r"""Seed 002 (arXiv 2411.12626): is there a manifold of networks on which performance varies smoothly?

Design (experiments.md §Seed 002).  A pool of MLPs on digits (10 classes) over a
hyperparameter grid (depth × width × learning rate × seed, minibatch SGD).  Each
trained network is a point; networks are compared by their last hidden layer's
representation of a common probe set (centred, scale-normalised Gram matrices,
:func:`simtool.measure.representation_distances`); PHATE (the ``phate`` package)
embeds the pool for the figure.

Claims, statistics and nulls:

1. *Accuracy is a low-frequency signal on the manifold*: Dirichlet energy of the
   standardised held-out accuracy on the kNN graph of networks vs 2000 random
   permutations of accuracy over the nodes (ratio E/E_null, z, permutation p).
2. *High performers cluster*: mean representation distance among the top 20 %
   vs random subsets of the same size (permutation z and p).
3. *Diffusion spectral entropy relates to performance*: Spearman ρ of each
   network's DSE (diffusion operator of its probe representation) with accuracy,
   bootstrap interval over networks.  No direction is assumed.
4. *The manifold helps hyperparameter search*: with a budget of ``k`` evaluations,
   random search vs a manifold-guided search (``k/2`` random, then greedily the
   unevaluated network nearest, in *early-checkpoint* representations -- a few %
   of training -- to the best found so far), and a cheap baseline that ranks by
   early-checkpoint accuracy.  Effect: mean difference of the best accuracy found,
   paired over trials, bootstrap interval.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import torch

from ..measure import (
    bootstrap_interval,
    diffusion_operator,
    diffusion_spectral_entropy,
    dirichlet_energy,
    knn_graph,
    permutation_zscore,
    phate_embedding,
    representation_distances,
)
from ..numeric.classifier import MLPClassifier
from ..numeric.training import train
from . import sources
from .runner import new_figure, save_figure

NAME = "seed002_network_manifold"
QUESTION = ("On the manifold of trained networks (representation distance, diffusion geometry), is held-out "
            "accuracy smooth, do good networks cluster, does diffusion spectral entropy track accuracy, and does "
            "the manifold beat random hyperparameter search?")

FULL = {"n_train": 1000, "n_probe": 300, "steps": 600, "early_step": 30, "batch_size": 64,
        "depths": [1, 2], "widths": [8, 16, 32, 64], "lrs": [0.01, 0.03, 0.1, 0.3, 1.0], "seeds": 2,
        "knn": 5, "dse_knn": 10, "n_perm": 2000, "budget": 10, "trials": 1000, "top_fraction": 0.2}
SMOKE = {"n_train": 300, "n_probe": 80, "steps": 40, "early_step": 5, "batch_size": 32,
         "depths": [1, 2], "widths": [8, 16], "lrs": [0.03, 0.3, 1.0], "seeds": 1,
         "knn": 3, "dse_knn": 5, "n_perm": 100, "budget": 4, "trials": 50, "top_fraction": 0.25}


def _pool(config, split, seed):
    """Train the grid; per network: hyperparameters, accuracy, final/early probe representations."""
    X, y = torch.as_tensor(split.x_train), torch.as_tensor(split.y_train)
    Xt, yt = torch.as_tensor(split.x_test), split.y_test
    probe = Xt[:config["n_probe"]]
    nets, reps, early_reps, early_acc = [], [], [], []
    for gi, (depth, width) in enumerate(itertools.product(config["depths"], config["widths"])):
        model = MLPClassifier([split.x_train.shape[1], *[width] * depth, split.n_classes], "relu", device="cpu")
        lrs = np.repeat(config["lrs"], config["seeds"])
        g = torch.Generator().manual_seed(seed * 1000 + gi)
        theta0 = model.sample_theta(lrs.size, generator=g)

        def record(theta, step, model=model):
            return {"rep": model.hidden(theta, probe)[-1], "acc": (model.forward(theta, Xt).argmax(-1).numpy() == yt)
                    .mean(axis=1)}

        res = train(model, theta0, X, y, steps=config["steps"], lr=torch.as_tensor(lrs), optimizer="sgd",
                    batch_size=config["batch_size"], checkpoints=[0, config["early_step"], config["steps"]],
                    record=record, generator=g)
        for b, lr in enumerate(lrs):
            nets.append({"depth": depth, "width": width, "lr": float(lr), "seed": b % config["seeds"],
                         "accuracy": float(res.records["acc"][-1, b]), "finite": bool(res.finite[b])})
            reps.append(res.records["rep"][-1, b])
            early_reps.append(res.records["rep"][1, b])
            early_acc.append(float(res.records["acc"][1, b]))
    return nets, reps, early_reps, np.array(early_acc)


def _search(acc, D_early, early_acc, budget, trials, rng):
    """Best accuracy found by random, manifold-guided and early-accuracy search, per trial."""
    n = acc.size
    out = {"random": [], "manifold": [], "early_accuracy": []}
    half = budget // 2
    for _ in range(trials):
        order = rng.permutation(n)
        out["random"].append(acc[order[:budget]].max())
        seen = list(order[:half])
        while len(seen) < budget:
            best = seen[int(np.argmax(acc[seen]))]
            d = D_early[best].copy()
            d[seen] = np.inf
            seen.append(int(np.argmin(d)))
        out["manifold"].append(acc[seen].max())
        seen = list(order[:half])
        rest = np.setdiff1d(np.arange(n), seen)
        seen += list(rest[np.argsort(-early_acc[rest], kind="stable")[:budget - half]])
        out["early_accuracy"].append(acc[seen].max())
    return {k: np.array(v) for k, v in out.items()}


def run(config: dict, seed: int, out):
    rng = np.random.default_rng(seed)
    split = sources.digits("classes", n_train=config["n_train"], seed=seed)
    nets, reps, early_reps, early_acc = _pool(config, split, seed)
    acc = np.array([m["accuracy"] for m in nets])
    M = acc.size
    D = representation_distances(reps)
    D_early = representation_distances(early_reps)

    # 1. Dirichlet energy of accuracy vs permutations
    A = knn_graph(D, config["knn"]).astype(float)
    f = (acc - acc.mean()) / acc.std() if acc.std() > 0 else acc - acc.mean()
    perms = np.stack([f[rng.permutation(M)] for _ in range(config["n_perm"])])
    e_obs = float(dirichlet_energy(f, A))
    e_null = dirichlet_energy(perms, A)
    smooth = permutation_zscore(e_obs, e_null, lower=True)
    smooth["ratio_to_null_mean"] = e_obs / smooth["null_mean"]

    # 2. clustering of high performers
    k_top = max(2, int(round(config["top_fraction"] * M)))
    top = np.argsort(-acc, kind="stable")[:k_top]

    def mean_within(idx):
        sub = D[np.ix_(idx, idx)]
        return sub[np.triu_indices(idx.size, 1)].mean()

    cluster = permutation_zscore(float(mean_within(top)),
                                 np.array([mean_within(rng.choice(M, k_top, replace=False))
                                           for _ in range(config["n_perm"])]), lower=True)

    # 3. DSE of each network's representation vs accuracy
    dse = np.array([diffusion_spectral_entropy(diffusion_operator(_pairwise(r), knn=config["dse_knn"]))
                    for r in reps])
    rho = bootstrap_interval((dse, acc), _spearman, rng, n_boot=1000)

    # 4. search
    found = _search(acc, D_early, early_acc, config["budget"], config["trials"], rng)
    search = {k: bootstrap_interval(v, np.mean, rng, n_boot=1000) for k, v in found.items()}
    search["manifold_minus_random"] = bootstrap_interval(found["manifold"] - found["random"], np.mean, rng,
                                                         n_boot=1000)
    search["manifold_minus_early_accuracy"] = bootstrap_interval(found["manifold"] - found["early_accuracy"],
                                                                 np.mean, rng, n_boot=1000)
    search["best_in_pool"] = float(acc.max())

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Y = phate_embedding(D, knn=config["knn"], random_state=seed)
    phate_warnings = sorted({str(w.message) for w in caught})
    figures = [_figure(Y, acc, dse, nets, out)]
    verdicts = {
        "accuracy_smooth": "supported" if smooth["p_value"] < 0.05 else "not supported",
        "good_networks_cluster": "supported" if cluster["p_value"] < 0.05 else "not supported",
        "dse_tracks_accuracy": "supported" if rho.excludes(0.0) else "not supported",
        "manifold_search_beats_random": "supported" if search["manifold_minus_random"].low > 0
        else "contradicted" if search["manifold_minus_random"].high < 0 else "inconclusive",
    }
    results = {
        "summary": {"dirichlet": {k: smooth[k] for k in ("observed", "null_mean", "z", "p_value",
                                                         "ratio_to_null_mean")},
                    "top_cluster_z": cluster["z"], "dse_spearman": rho,
                    "search_gain_vs_random": search["manifold_minus_random"], "verdicts": verdicts},
        "n_networks": M, "accuracy": {"min": float(acc.min()), "max": float(acc.max()),
                                      "mean": float(acc.mean())},
        "dirichlet_energy": smooth, "top_performers_within_distance": cluster, "dse": dse,
        "search": search, "networks": nets, "phate_warnings": phate_warnings,
    }
    return results, figures


def _pairwise(H):
    sq = np.sum(H * H, axis=1)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * H @ H.T, 0.0))


def _spearman(a, b):
    from scipy.stats import spearmanr

    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(spearmanr(a, b).statistic)


def _figure(Y, acc, dse, nets, out):
    fig, axes = new_figure(2, 1, size=(10, 4))
    sc = axes[0].scatter(Y[:, 0], Y[:, 1], c=acc, cmap="viridis", s=[8 + 4 * m["width"] ** 0.5 for m in nets],
                         marker="o")
    fig.colorbar(sc, ax=axes[0], label="held-out accuracy")
    axes[0].set(title="PHATE map of networks (size ~ width)", xlabel="PHATE 1", ylabel="PHATE 2")
    axes[1].scatter(dse, acc, c=[m["depth"] for m in nets], cmap="coolwarm", s=12)
    axes[1].set(xlabel="diffusion spectral entropy of the representation", ylabel="held-out accuracy",
                title="DSE vs accuracy (colour: depth)")
    return save_figure(fig, out, "seed002_network_manifold")
