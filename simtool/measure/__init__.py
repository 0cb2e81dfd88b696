"""Measurements of training dynamics for the companion experiments (numpy; no torch, no rich).

Pure functions on arrays of predictions, representations and activation patterns,
each with exact identities tested in ``tests/measure``:

* :mod:`~simtool.measure.inpca`: ``bhattacharyya_distance``, ``bhattacharyya_matrix``,
  ``double_centre``, ``InPCA``, ``inpca``, ``explained_stress``, ``geodesic_progress``,
  ``uniform_model``, ``one_hot_model`` (seed 001)
* :mod:`~simtool.measure.class_manifold`: ``normalise_rows``, ``gyration_radius``,
  ``centroid_distance``, ``inversion_epoch``, ``straggler_set``, ``OverlapScore``,
  ``overlap_zscore`` (seed 004)
* :mod:`~simtool.measure.network_manifold`: ``representation_distance``,
  ``representation_distances``, ``diffusion_operator``, ``diffusion_spectral_entropy``,
  ``knn_graph``, ``dirichlet_energy``, ``phate_embedding`` (seed 002; PHATE lazily)
* :mod:`~simtool.measure.regions`: ``segment_points``, ``count_pattern_changes``,
  ``crossings_one_layer``, ``pattern_churn``, ``forgetting_events``,
  ``prediction_flips`` (seed 000)
* :mod:`~simtool.measure.loss_curve`: ``time_to_fraction``, ``plateau_fraction``,
  ``completion_step`` (seed 000)
* :mod:`~simtool.measure.resampling`: ``Interval``, ``bootstrap_interval``,
  ``difference_interval``, ``permutation_zscore``, ``cohens_d``
"""

from .class_manifold import (
    OverlapScore,
    centroid_distance,
    gyration_radius,
    inversion_epoch,
    normalise_rows,
    overlap_zscore,
    straggler_set,
)
from .inpca import (
    InPCA,
    bhattacharyya_distance,
    bhattacharyya_matrix,
    double_centre,
    explained_stress,
    geodesic_progress,
    inpca,
    one_hot_model,
    uniform_model,
)
from .loss_curve import completion_step, plateau_fraction, time_to_fraction
from .network_manifold import (
    diffusion_operator,
    diffusion_spectral_entropy,
    dirichlet_energy,
    knn_graph,
    phate_embedding,
    representation_distance,
    representation_distances,
)
from .regions import (
    count_pattern_changes,
    crossings_one_layer,
    forgetting_events,
    pattern_churn,
    prediction_flips,
    segment_points,
)
from .resampling import Interval, bootstrap_interval, cohens_d, difference_interval, permutation_zscore

__all__ = [
    "bhattacharyya_distance", "bhattacharyya_matrix", "double_centre", "InPCA", "inpca",
    "explained_stress", "geodesic_progress", "uniform_model", "one_hot_model",
    "normalise_rows", "gyration_radius", "centroid_distance", "inversion_epoch", "straggler_set",
    "OverlapScore", "overlap_zscore",
    "representation_distance", "representation_distances", "diffusion_operator",
    "diffusion_spectral_entropy", "knn_graph", "dirichlet_energy", "phate_embedding",
    "segment_points", "count_pattern_changes", "crossings_one_layer", "pattern_churn",
    "forgetting_events", "prediction_flips",
    "time_to_fraction", "plateau_fraction", "completion_step",
    "Interval", "bootstrap_interval", "difference_interval", "permutation_zscore", "cohens_d",
]
