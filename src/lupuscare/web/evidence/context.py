"""The /evidence/ page's content: the pure page structure (``lupuscare.evidence.lupus.page``)
for the packaged dataset, computed once per process.

The analysis is deterministic for the packaged dataset (the report names its sha256), so the
page is cached in memory (``lru_cache``); the first request after a start pays for it (about
2 s), every later one is a template render.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lupuscare.evidence.lupus import page, report


@lru_cache(maxsize=1)
def evidence_page() -> dict[str, Any]:
    """The page for the packaged dataset, computed on first use and kept for the process."""
    return page.build(report.report_context())
