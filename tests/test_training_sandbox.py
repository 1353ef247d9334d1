"""Retraining helpers for notebooks: the temporary registry, label sources, capped data, evaluation sets,
diagnostics tables and training figures."""
import io
import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from newsstance import explore, registry  # noqa: E402
from training import diagnostics, plots, sandbox  # noqa: E402
from training.agreement import agreement  # noqa: E402
from training.data import Example  # noqa: E402
from training.train import TrainingData  # noqa: E402


def _example(label, group, target="russia", uncertain=False, source="allsides"):
    return Example(f"Russia text {group} {label}.", [(0, 6)], label, target=target, group=group, source=source,
                   uncertain=uncertain)


def _data():
    train = {"russia": [_example(l, f"g{i}") for i in range(30) for l in ("favor", "against", "neutral")],
             "us": [_example("neutral", f"u{i}", "us") for i in range(40)],  # one label only
             "neutrality": [_example("favor", "n1", "neutrality"), _example("against", "n2", "neutrality")]}
    dev = {"russia": [_example("against", "d1")], "us": [_example("neutral", "d2", "us")], "neutrality": []}
    return TrainingData(train, dev, [], [], ["x.jsonl"], {})


def test_temporary_registry_copies_the_current_model_only(tmp_path):
    source_before = sorted(p.name for p in registry.default_root().rglob("*"))
    root = sandbox.temporary_registry()
    try:
        assert registry.current(root) == registry.current()
        name, version = registry.current(root)
        assert (root / name / version / registry.MODEL_FILE).is_file()
        assert not (root / name / version).is_symlink()
        listing = sandbox.registry_listing(root)
        assert [(r["name"], r["version"], r["current"]) for r in listing] == [(name, version, True)]
    finally:
        import shutil
        shutil.rmtree(root)
    assert sorted(p.name for p in registry.default_root().rglob("*")) == source_before


def test_label_sources_fall_back_to_written_paragraphs(tmp_path):
    absent = explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path), "NEWSSTANCE_ALLSIDES": "none"})
    sources = sandbox.label_sources(absent)
    assert [p.name for p in sources.files] == ["written_neutrality.jsonl"] and sources.corpus is None
    corpus = tmp_path / "c.jsonl.gz"
    corpus.write_bytes(b"")
    present = explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path), "NEWSSTANCE_ALLSIDES": str(corpus)})
    sources = sandbox.label_sources(present)
    assert [p.name for p in sources.files] == ["allsides.jsonl", "written_neutrality.jsonl"]
    assert sources.corpus == corpus and all(p.exists() for p in sources.files)


def test_capped_keeps_whole_articles_and_the_dev_split():
    data = _data()
    capped = sandbox.capped(data, per_target=10, seed=3)
    assert set(capped.train) == {"russia"}  # us: one label; neutrality: too few examples
    russia = capped.train["russia"]
    assert 10 <= len(russia) < 13  # whole articles of three examples each
    groups = {e.group for e in russia}
    assert all(sum(e.group == g for e in data.train["russia"]) == sum(e.group == g for e in russia) for g in groups)
    assert capped.dev == {"russia": data.dev["russia"]}
    assert sandbox.capped(data, per_target=10, seed=3).train == capped.train  # deterministic


def test_evaluation_sets_use_dev_split_and_seeds(tmp_path):
    data = _data()
    nowhere = explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path)})
    sets = sandbox.evaluation_sets(nowhere, data)
    assert list(sets) == ["dev split"] and set(sets["dev split"]) == {"russia", "us"}


def test_seed_evaluation_joins_the_seeds(seed_texts):
    sets = sandbox.seed_evaluation(explore.paths_from_env())
    assert set(sets) == {"russia", "us", "neutrality"}
    assert all(e.mentions and e.source == "allsides" for examples in sets.values() for e in examples)


def test_label_frame_and_class_balance():
    frame = diagnostics.label_frame(_data())
    assert len(frame) == 90 + 40 + 2 + 2
    balance = diagnostics.class_balance(frame)
    russia = balance[(balance["split"] == "train") & (balance["target"] == "russia")]
    assert list(russia["label"]) == ["favor", "against", "neutral"] and list(russia["total"]) == [30, 30, 30]
    assert russia["share"].sum() == pytest.approx(1.0, abs=0.01)
    assert "neutrality" not in set(balance[balance["split"] == "dev"]["target"])  # no dev examples: no rows


class _Fixed:
    """A stand-in model that answers fixed probabilities."""

    def __init__(self, p):
        self.p = np.array(p, dtype=float)

    def predict_proba(self, instances):
        return np.tile(self.p, (len(instances), 1))

    def label(self, probabilities, target=None):
        return ("favor", "against", "neutral")[int(np.argmax(probabilities))]


def test_predictions_and_reliability():
    examples = {"russia": [_example("favor", "a"), _example("against", "b"), _example("favor", "c", uncertain=True)]}
    frame = diagnostics.predictions(_Fixed([0.7, 0.2, 0.1]), examples)
    assert list(frame["predicted"]) == ["favor"] * 3 and list(frame["correct"]) == [True, False, True]
    table = diagnostics.reliability_table(frame)
    assert len(table) == 1 and table["count"].iloc[0] == 2  # the uncertain label is left out
    row = table.iloc[0]
    assert row["accuracy"] == 0.5 and row["accuracy_low"] < 0.5 < row["accuracy_high"]
    assert diagnostics.expected_calibration_error(table) == pytest.approx(0.2)
    assert diagnostics.reliability_table(frame.iloc[0:0]).empty


def test_wilson_interval():
    low, high = diagnostics.wilson_interval(0, 10)
    assert low == 0.0 and 0.2 < high < 0.35
    low, high = diagnostics.wilson_interval(50, 100)
    assert low == pytest.approx(0.404, abs=0.001) and high == pytest.approx(0.596, abs=0.001)
    assert all(np.isnan(diagnostics.wilson_interval(0, 0)))
    for n in range(1, 120):  # the interval always holds the observed proportion (plots draw it as error bars)
        for k in range(n + 1):
            low, high = diagnostics.wilson_interval(k, n)
            assert low <= k / n <= high


def _report(matrix, f1=0.5):
    return {"examples": 10, "strict_examples": int(np.sum(matrix)),
            "model": {"macro_f1": f1, "brier": 0.3, "ece": 0.05,
                      "confusion_matrix": {"labels": ["favor", "against", "neutral"],
                                           "rows_true_cols_predicted": matrix}},
            "majority_baseline": {"macro_f1": 0.3}, "vader_baseline": {"macro_f1": 0.2}}


def _renders(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.tell() > 1000


def test_metrics_and_training_figures():
    matrix = [[1, 0, 1], [0, 3, 1], [1, 0, 9]]
    reports = {"current": {"russia": _report(matrix, 0.6), "us": {"examples": 0}},
               "new": {"russia": _report(matrix, 0.4), "us": {"examples": 0}}}
    metrics = diagnostics.metrics_frame(reports)
    assert list(metrics["model"]) == ["current", "new"] and list(metrics["macro-F1"]) == [0.6, 0.4]
    both = diagnostics.comparison_frame({"dev": reports, "seeds": reports})
    assert list(both.columns[:2]) == ["set", "model"] and len(both) == 4
    figure = plots.confusion_plot(reports, set_name="dev")
    assert "recall" in figure.axes[-1].get_ylabel() and _renders(figure)
    table = pd.DataFrame([{"bin_low": 0.6, "bin_high": 0.7, "confidence": 0.65, "accuracy": 0.6, "accuracy_low": 0.5,
                           "accuracy_high": 0.7, "count": 40}])
    figure = plots.reliability_plot({"a": table, "b": table.iloc[0:0]})
    assert "accuracy" in figure.axes[0].get_ylabel() and _renders(figure)
    balance = diagnostics.class_balance(diagnostics.label_frame(_data()))
    figure = plots.class_balance_plot(balance)
    assert "count" in figure.axes[0].get_ylabel() and _renders(figure)


def test_agreement_plot(tmp_path):
    rows = [{"id": i, "russia": l, "us": "neutral", "neutrality": "neutral", "kind": "body"}
            for i, l in enumerate(["favor", "against", "neutral", "neutral"])]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("\n".join(json.dumps(r) for r in rows))
    second.write_text("\n".join(json.dumps({**r, "russia": "neutral"} if r["id"] == 0 else r) for r in rows))
    figure = plots.agreement_plot(agreement(first, second))
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles[0].startswith("russia: κ =") and "undefined" in titles[1]
    assert _renders(figure)
