"""Shared fixtures: where the repository is, and which pages the table of contents lists."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's top folder (where _config.yml and _toc.yml are)."""
    return ROOT
