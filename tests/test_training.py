"""Labeled-data loading and its errors, training on a tiny fixture, promotion, evaluation reports."""
import gzip
import json

import numpy as np
import pytest

from newsstance import registry
from newsstance.corpus import text_hash
from training import cli as training_cli
from training.data import LabeledDataError, load_labeled, load_references, load_table
from training.evaluate import evaluate_examples, expected_calibration_error, markdown
from training.train import in_dev_split, load_training_data, split, train_and_register

FAVOR = ["Russia was praised for its warm friendship and generous help.",
         "Putin earned admiration and gratitude from the leaders.",
         "Moscow is a trusted, reliable partner, officials said warmly."]
AGAINST = ["Russia's brutal aggression was condemned by its neighbours.",
           "The Kremlin lied and threatened its neighbours again.",
           "Russia is isolated after the illegal invasion and war crimes."]
NEUTRAL = ["Russia held talks on Monday in the capital.",
           "Moscow published trade figures for the quarter.",
           "Putin will travel to Hanoi next week for a visit."]


def write_table(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def tiny_table(tmp_path):
    rows = [{"id": f"{label}{i}-{k}", "text": text, "target": "russia", "label": label, "group": f"{label}{i}-{k}"}
            for k in range(4) for label, texts in (("favor", FAVOR), ("against", AGAINST), ("neutral", NEUTRAL))
            for i, text in enumerate(texts)]
    return write_table(tmp_path / "tiny.jsonl", rows)


@pytest.fixture()
def corpus(tmp_path):
    articles = [{"ID": "a1", "source": "X", "content_original": "Title Line\n\nRussia's aggression was condemned."},
                {"ID": "a2", "source": "Y", "content_original": "Moscow held talks.\n\nShare this article"}]
    path = tmp_path / "corpus.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(a) + "\n" for a in articles)
    return path


def reference(article, paragraph, text, **labels):
    return {"article": article, "paragraph": paragraph, "sha": text_hash(text), "kind": labels.pop("kind", "body"),
            "russia": "neutral", "us": "neutral", "neutrality": "neutral", **labels}


def test_references_join_the_corpus_and_skip_boilerplate(tmp_path, corpus):
    labels = write_table(tmp_path / "refs.jsonl", [
        reference("a1", 1, "Russia's aggression was condemned.", russia="against"),
        reference("a2", 0, "Moscow held talks.", russia="neutral?"),
        reference("a2", 1, "Share this article", kind="boilerplate"),
    ])
    examples = load_references(labels, corpus)
    russia = [e for e in examples if e.target == "russia"]
    assert [(e.label, e.uncertain, e.weight, e.group) for e in russia] == [
        ("against", False, 1.0, "a1"), ("neutral", True, 0.5, "a2")]
    assert russia[0].text == "Russia's aggression was condemned." and russia[0].mentions == [(0, 8)]
    assert load_labeled(labels, corpus) == examples


@pytest.mark.parametrize("rows, message", [
    ([{"text": "Russia spoke.", "target": "russia", "label": "positive"}], "unknown label 'positive'"),
    ([{"text": "  ", "target": "russia", "label": "favor"}], "non-empty text"),
    ([{"target": "russia", "label": "favor"}], "missing 'text'"),
    ([{"text": "Russia spoke.", "label": "favor"}], "missing 'target' and 'label'"),
    ([{"id": 1, "text": "Russia.", "target": "russia", "label": "favor"},
      {"id": 1, "text": "Russia!", "target": "russia", "label": "favor"}], "duplicate id 1"),
    ([{"text": "Russia.", "target": "russia", "label": "favor", "weight": "heavy"}], "not a number"),
])
def test_bad_tables_name_file_and_line(tmp_path, rows, message):
    path = write_table(tmp_path / "bad.jsonl", rows)
    with pytest.raises(LabeledDataError, match=message) as info:
        load_table(path)
    assert str(path) in str(info.value) and info.value.line == len(rows)


def test_unreadable_files_are_clear_errors(tmp_path):
    (tmp_path / "binary.jsonl").write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(LabeledDataError, match="not UTF-8"):
        load_table(tmp_path / "binary.jsonl")
    with pytest.raises(LabeledDataError, match="cannot read"):
        load_table(tmp_path / "missing.jsonl")
    (tmp_path / "broken.jsonl").write_text('{"text": "ok", "target": "russia", "label": "favor"}\n{oops\n')
    with pytest.raises(LabeledDataError, match="broken.jsonl:2: invalid JSON"):
        load_table(tmp_path / "broken.jsonl")


def test_csv_tables_and_wide_form(tmp_path):
    (tmp_path / "long.csv").write_text('text,target,label,group\n"Russia, again.",russia,against?,g1\n',
                                       encoding="utf-8")
    (tmp_path / "wide.jsonl").write_text(json.dumps({"text": "Vietnam kept its neutrality.", "russia": "neutral",
                                                     "us": "neutral", "neutrality": "favor",
                                                     "source": "written"}) + "\n", encoding="utf-8")
    [long] = load_table(tmp_path / "long.csv")
    assert (long.label, long.uncertain, long.group) == ("against", True, "g1")
    wide = load_table(tmp_path / "wide.jsonl")
    assert [(e.target, e.label, e.source) for e in wide] == [
        ("russia", "neutral", "written"), ("us", "neutral", "written"), ("neutrality", "favor", "written")]
    assert not any(in_dev_split(e) for e in wide)  # written paragraphs are never evaluated on
    (tmp_path / "written.jsonl").write_text(json.dumps({
        "text": "Vietnam kept its neutrality between Russia and the United States.", "russia": "neutral",
        "us": "neutral", "neutrality": "favor", "source": "written"}) + "\n", encoding="utf-8")
    assert {e.target for e in load_table(tmp_path / "written.jsonl") if e.mentions} == {"russia", "us", "neutrality"}
    data = load_training_data([tmp_path / "written.jsonl"])  # they train only the neutrality target
    assert [e.target for part in (data.train, data.dev) for examples in part.values() for e in examples] == [
        "neutrality"]


def test_drifted_corpus_and_missing_paragraphs_are_errors(tmp_path, corpus):
    drifted = write_table(tmp_path / "drift.jsonl", [reference("a1", 1, "Some other text.")])
    with pytest.raises(LabeledDataError, match="changed in the corpus"):
        load_references(drifted, corpus)
    missing = write_table(tmp_path / "missing.jsonl", [reference("zz", 0, "x")])
    with pytest.raises(LabeledDataError, match="not in"):
        load_references(missing, corpus)
    with pytest.raises(LabeledDataError, match="need the corpus"):
        load_labeled(drifted)


def test_split_keeps_articles_together():
    from training.data import Example
    examples = [Example("Russia.", [(0, 6)], "neutral", "russia", group=f"art{i % 40}") for i in range(400)]
    train, dev = split(examples)
    assert dev and train and not {e.group for e in train} & {e.group for e in dev}


def test_train_register_promote_and_evaluate(tmp_path, tiny_table):
    data = load_training_data([tiny_table])
    data.dev["russia"] = data.train["russia"][:9]  # a fixed evaluation set for this fixture
    metadata = train_and_register(data, name="tiny", version="1", root=tmp_path, grid={"C": [1.0]},
                                  progress=lambda m: None, jobs=1)
    assert metadata["promotion"]["made_current"] and registry.current(tmp_path) == ("tiny", "1")
    assert metadata["training_data_sha256"] and metadata["evaluation"]["russia"]["strict_examples"] == 9
    # a model that is worse on the same dev split does not become current unless forced
    bad = load_training_data([tiny_table])
    for e in bad.train["russia"]:
        e.label = "neutral" if e.label != "neutral" else "favor"
    bad.dev = data.dev
    meta2 = train_and_register(bad, name="tiny", version="2", root=tmp_path, grid={"C": [1.0]},
                               progress=lambda m: None, jobs=1)
    assert not meta2["promotion"]["made_current"] and registry.current(tmp_path) == ("tiny", "1")
    meta3 = train_and_register(bad, name="tiny", version="3", root=tmp_path, grid={"C": [1.0]}, force=True,
                               progress=lambda m: None, jobs=1)
    assert meta3["promotion"]["made_current"] and registry.current(tmp_path) == ("tiny", "3")


def test_evaluation_report_has_baselines_confusion_and_calibration(model, tiny_table):
    examples = load_table(tiny_table)
    report = evaluate_examples(model, examples)
    assert set(report) >= {"model", "majority_baseline", "vader_baseline", "strict_examples"}
    assert np.sum(report["model"]["confusion_matrix"]["rows_true_cols_predicted"]) == len(examples)
    assert 0 <= report["model"]["ece"] <= 1 and 0 <= report["model"]["brier"] <= 2
    assert "| russia |" in markdown({"russia": report})


def test_expected_calibration_error_known_values():
    perfect = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    assert expected_calibration_error(perfect, np.array([0, 1])) == 0
    overconfident = np.array([[0.9, 0.05, 0.05]] * 10)
    assert expected_calibration_error(overconfident, np.array([0] * 5 + [1] * 5)) == pytest.approx(0.4)


def test_train_command_reports_bad_data_and_writes_nothing(tmp_path, capsys):
    bad = write_table(tmp_path / "bad.jsonl", [{"text": "x", "target": "russia", "label": "maybe"}])
    parser = __import__("newsstance.cli", fromlist=["build_parser"]).build_parser()
    args = parser.parse_args(["train", "--labels", str(bad), "--models", str(tmp_path / "reg"), "--name", "x"])
    assert training_cli.cmd_train(args) == 2
    assert "bad.jsonl:1: unknown label 'maybe'" in capsys.readouterr().err
    assert not (tmp_path / "reg").exists()


def test_no_dev_examples_does_not_replace_the_current_model(tmp_path, tiny_table):
    data = load_training_data([tiny_table])
    first = train_and_register(data, name="tiny", version="1", root=tmp_path, grid={"C": [1.0]},
                               progress=lambda m: None, jobs=1)
    assert first["promotion"]["made_current"]  # no current model yet
    data.dev = {target: [] for target in data.dev}
    second = train_and_register(data, name="tiny", version="2", root=tmp_path, grid={"C": [1.0]},
                                progress=lambda m: None, jobs=1)
    assert not second["promotion"]["made_current"] and registry.current(tmp_path) == ("tiny", "1")


def test_promotion_ignores_dev_sets_with_one_class():
    from training.train import mean_dev_f1
    two_classes = {"strict_examples": 4, "label_counts": {"against": 2, "neutral": 2}, "model": {"macro_f1": 0.6}}
    one_class = {"strict_examples": 9, "label_counts": {"neutral": 9}, "model": {"macro_f1": 0.3}}
    assert mean_dev_f1({"russia": two_classes, "neutrality": one_class}) == pytest.approx(0.6)
    assert mean_dev_f1({"neutrality": one_class}) == 0.0
