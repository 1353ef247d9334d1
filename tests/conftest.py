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


# --- HTTP service (service/): an app per test with the shipped model and a fresh data directory ---

SERVICE_TOKEN = "test-reload-token"


@pytest.fixture
def app(model, tmp_path):
    """The service app in testing configuration: the session's model, a SQLite file under tmp_path."""
    from service import create_app

    app = create_app({"MODEL": model, "DATA_DIR": str(tmp_path / "data"), "RELOAD_TOKEN": SERVICE_TOKEN})
    yield app
    app.extensions["newsstance"].storage.close()


@pytest.fixture
def client(app):
    """Flask test client of the service app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Flask CLI runner of the service app."""
    return app.test_cli_runner()


@pytest.fixture
def model_registry(tmp_path):
    """A registry folder holding the shipped model twice, as newsmtsc-baseline/1 (current) and candidate/2,
    to test reloads: `.root` is the folder, `.set_current(name, version)` moves the pointer."""
    import json
    from types import SimpleNamespace

    source = registry.default_root().joinpath(*registry.current())
    root = tmp_path / "registry"
    for name, version in (("newsmtsc-baseline", "1"), ("candidate", "2")):
        (root / name).mkdir(parents=True)
        (root / name / version).symlink_to(source, target_is_directory=True)

    def set_current(name, version):
        (root / "current.json").write_text(json.dumps({"name": name, "version": version}), encoding="utf-8")

    set_current("newsmtsc-baseline", "1")
    return SimpleNamespace(root=root, set_current=set_current)
