"""Within-person trigger insights (pure): pre-specified, lag-aware, autocorrelation-aware
associations between a trigger and the following days' symptoms, with data gates, Holm
correction and wording that says "went together", never more."""

from lupuscare.insights.analysis import Insight, InsightReport, analyse
from lupuscare.insights.hypotheses import HYPOTHESES, Exposure, Hypothesis
from lupuscare.insights.series import DiarySeries

__all__ = ["HYPOTHESES", "DiarySeries", "Exposure", "Hypothesis", "Insight", "InsightReport", "analyse"]
