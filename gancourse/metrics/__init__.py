"""Evaluation metrics: mode coverage on toy data; FID, KID, IS, precision/recall and Parzen
log-likelihood on images, from pluggable feature extractors."""

from .evaluate import evaluate
from .features import FashionNetFeatures, InceptionFeatures, extract
from .fid import feature_statistics, fid, fid_from_stats
from .inception_score import inception_score
from .kid import kid
from .modes import (
    ChanceCoverage,
    CoverageSummary,
    ModeCoverage,
    chance_coverage,
    coverage_table,
    mode_coverage,
    summarize_coverage,
)
from .nearest import nearest_neighbours
from .parzen import parzen_log_likelihood, select_parzen_sigma
from .precision_recall import precision_recall
from .tracking import FIDTracker

__all__ = [
    "ChanceCoverage",
    "CoverageSummary",
    "FIDTracker",
    "FashionNetFeatures",
    "InceptionFeatures",
    "ModeCoverage",
    "chance_coverage",
    "coverage_table",
    "evaluate",
    "extract",
    "feature_statistics",
    "fid",
    "fid_from_stats",
    "inception_score",
    "kid",
    "mode_coverage",
    "nearest_neighbours",
    "parzen_log_likelihood",
    "precision_recall",
    "select_parzen_sigma",
    "summarize_coverage",
]
