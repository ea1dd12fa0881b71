"""The shared browser fixture fails the run, never skips, when Chromium is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CHROMIUM, require_chromium


def test_missing_chromium_fails_loudly(tmp_path: Path):
    with pytest.raises(pytest.fail.Exception, match="is missing"):
        require_chromium(tmp_path / "no-chromium-here")


def test_debian_chromium_is_present():
    assert require_chromium() == CHROMIUM
