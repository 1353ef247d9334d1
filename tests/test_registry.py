"""Saving and loading models: round trip, trusted types, versions, missing models."""
import json
import os

import numpy as np
import pytest
import skops.io
from sklearn.preprocessing import FunctionTransformer

from newsstance import ModelError, registry
from newsstance.model import StanceModel
from training import registry as writer
from training.data import Example
from training.train import fit

TINY = [
    Example("Russia was praised for its warm friendship.", [(0, 6)], "favor", group="g1"),
    Example("Putin earned admiration and gratitude for his help.", [(0, 5)], "favor", group="g2"),
    Example("Moscow is a trusted, generous partner.", [(0, 6)], "favor", group="g3"),
    Example("Russia's brutal aggression was condemned.", [(0, 6)], "against", group="g4"),
    Example("The Kremlin lied and threatened its neighbours.", [(4, 11)], "against", group="g5"),
    Example("Russia is isolated after the illegal invasion.", [(0, 6)], "against", group="g6"),
    Example("Russia held talks on Monday.", [(0, 6)], "neutral", group="g7"),
    Example("Moscow published trade figures.", [(0, 6)], "neutral", group="g8"),
    Example("Putin will travel to Hanoi next week.", [(0, 5)], "neutral", group="g9"),
] * 2


@pytest.fixture(scope="module")
def tiny_pipeline():
    return fit(TINY, min_df=1, calibration_folds=2)


def test_save_load_round_trip_gives_identical_predictions(tiny_pipeline, tmp_path):
    folder = writer.save(tiny_pipeline, "tiny", "1", {"note": "test"}, root=tmp_path, make_current=True)
    assert registry.current(tmp_path) == ("tiny", "1")
    loaded = registry.load(root=tmp_path)
    instances = [e.instance() for e in TINY]
    assert np.array_equal(StanceModel(tiny_pipeline).predict_proba(instances), loaded.predict_proba(instances))
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["libraries"]["scikit-learn"] and metadata["created"] and metadata["note"] == "test"
    with pytest.raises(FileExistsError):
        writer.save(tiny_pipeline, "tiny", "1", {}, root=tmp_path)


class Unreviewed:
    """A type no reviewer has looked at."""


@pytest.mark.parametrize("payload", [FunctionTransformer(os.system), Unreviewed()])
def test_untrusted_type_is_refused(tmp_path, payload):
    path = tmp_path / "evil.skops"
    skops.io.dump(payload, path)
    with pytest.raises(ModelError, match="not on the reviewed trusted list"):
        registry.load_file(path)


def test_other_scikit_learn_version_is_refused(tiny_pipeline, tmp_path):
    folder = writer.save(tiny_pipeline, "tiny", "2", {}, root=tmp_path)
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["libraries"]["scikit-learn"] = "0.24.2"
    (folder / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2"):
        registry.load("tiny", "2", root=tmp_path)


def test_missing_and_corrupt_models_are_clear_errors(tmp_path):
    with pytest.raises(ModelError, match="no current model"):
        registry.load(root=tmp_path)
    (tmp_path / "current.json").write_text("{oops")
    with pytest.raises(ModelError, match="not a valid pointer"):
        registry.current(tmp_path)
    (tmp_path / "bad.skops").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable skops file"):
        registry.load_file(tmp_path / "bad.skops")


def test_failed_save_leaves_nothing_behind(tmp_path):
    with pytest.raises(ModelError):
        writer.save(Unreviewed(), "bad", "1", {}, root=tmp_path)
    assert not (tmp_path / "bad" / "1").exists()
    assert [p.name for p in (tmp_path / "bad").iterdir()] == []


def test_shipped_model_loads_and_is_current():
    model = registry.load()
    assert model.info == dict(zip(("name", "version"), registry.current()))


def test_rich_context_pipeline_round_trips_and_explains(tmp_path):
    rich = fit(TINY, min_df=1, calibration_folds=2, rich_context=True)
    writer.save(rich, "rich", "1", {}, root=tmp_path, make_current=True)
    loaded = registry.load(root=tmp_path)  # its extra transformers are on the trusted list
    instances = [e.instance() for e in TINY]
    assert np.array_equal(StanceModel(rich).predict_proba(instances), loaded.predict_proba(instances))
    _, explanations = loaded.predict(instances[:1], explain=50)
    features = {e["feature"] for e in explanations[0]}
    assert any(f.startswith("sides__l_") or f.startswith("sides__r_") for f in features)
    assert any(f.startswith("characters__") for f in features)


def test_malformed_decision_weights_are_a_model_error(tiny_pipeline, tmp_path):
    folder = writer.save(tiny_pipeline, "tiny", "5", {"decision": {"*": {"weights": {"favor": 2.0}}}},
                         root=tmp_path, make_current=True)
    with pytest.raises(ModelError, match="does not fit its metadata.json"):
        registry.load(root=tmp_path)
    assert (folder / "model.skops").exists()
