"""Evaluation metrics. This issue: mode coverage on toy mixtures."""

from .modes import ModeCoverage, mode_coverage

__all__ = ["ModeCoverage", "mode_coverage"]
