"""Evaluation metrics: mode coverage on toy data; FID, KID, IS, precision/recall and Parzen
log-likelihood on images, from pluggable feature extractors; class metrics for conditional
generators."""

from .classes import (
    CodeMatch,
    IntraFID,
    by_class,
    class_accuracy,
    class_conditional_samples,
    class_histogram,
    conditional_scores,
    infogan_samples,
    intra_fid,
    match_codes,
    predicted_classes,
)
from .evaluate import evaluate
from .features import FashionNetFeatures, InceptionFeatures, extract
from .fid import feature_statistics, fid, fid_from_stats
from .inception_score import inception_score
from .kid import KIDEstimate, kid, kid_blocks
from .modes import (
    ChanceCoverage,
    CoverageSummary,
    ModeCoverage,
    chance_coverage,
    coverage_table,
    mode_coverage,
    summarize_coverage,
)
from .nearest import MemorisationCheck, memorisation_check, nearest_neighbours
from .paired import psnr, shape_kept, sharpness, ssim
from .parzen import parzen_log_likelihood, select_parzen_sigma
from .precision_recall import inside_knn_balls, knn_radii, precision_recall
from .tracking import FIDTracker

__all__ = [
    "CodeMatch",
    "IntraFID",
    "by_class",
    "class_accuracy",
    "class_conditional_samples",
    "class_histogram",
    "conditional_scores",
    "infogan_samples",
    "intra_fid",
    "match_codes",
    "predicted_classes",
    "ChanceCoverage",
    "CoverageSummary",
    "FIDTracker",
    "FashionNetFeatures",
    "InceptionFeatures",
    "KIDEstimate",
    "MemorisationCheck",
    "ModeCoverage",
    "chance_coverage",
    "coverage_table",
    "evaluate",
    "extract",
    "feature_statistics",
    "fid",
    "fid_from_stats",
    "inception_score",
    "inside_knn_balls",
    "kid",
    "kid_blocks",
    "knn_radii",
    "memorisation_check",
    "mode_coverage",
    "nearest_neighbours",
    "parzen_log_likelihood",
    "precision_recall",
    "psnr",
    "select_parzen_sigma",
    "shape_kept",
    "sharpness",
    "ssim",
    "summarize_coverage",
]
