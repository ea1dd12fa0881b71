"""Serve Plotly's JavaScript from the installed ``plotly`` package, never a CDN.

Only ``plotly.min.js`` is exposed (as ``vendor/plotly/plotly.min.js``), not the package's datasets
or templates. whitenoise serves it through ``WHITENOISE_USE_FINDERS`` (and ``collectstatic`` copies
it for deployments that prefer that).
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_FILE = "plotly.min.js"
PLOTLY_PREFIX = "vendor/plotly"
PLOTLY_STATIC_PATH = f"{PLOTLY_PREFIX}/{PLOTLY_FILE}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PLOTLY_DIR))
        self.storage.prefix = PLOTLY_PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == PLOTLY_STATIC_PATH and (PLOTLY_DIR / PLOTLY_FILE).is_file():
            match = str(PLOTLY_DIR / PLOTLY_FILE)
            return [match] if (find_all or kwargs.get("all")) else match
        return [] if (find_all or kwargs.get("all")) else None

    def list(self, ignore_patterns):
        if (PLOTLY_DIR / PLOTLY_FILE).is_file():
            yield PLOTLY_FILE, self.storage
