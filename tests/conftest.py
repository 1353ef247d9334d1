"""Shared fixtures: the shipped model (loaded once), a scorer, paths to ../shared."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsstance import Scorer, registry

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSSTANCE_SHARED", ROOT.parent / "shared"))
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


@pytest.fixture(scope="session")
def model():
    """The registry's current model, loaded once per test session."""
    return registry.load()


@pytest.fixture(scope="session")
def scorer(model):
    """A scorer with the shipped model and fewer bootstrap resamples (faster, still deterministic)."""
    return Scorer(model, resamples=200)


@pytest.fixture(scope="session")
def seed_texts():
    """The five seed articles, by file name."""
    if not SEEDS:
        pytest.skip(f"seed corpus not found under {SHARED}")
    return {path.name: path.read_text(encoding="utf-8") for path in SEEDS}
