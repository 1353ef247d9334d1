"""`newsstance compare`: formats, options, skipped documents; the plotting helpers (Agg)."""
from __future__ import annotations

import csv
import io
import json

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from newsstance import cli  # noqa: E402
from newsstance.compare import compare  # noqa: E402
from newsstance.compare_cli import render_table  # noqa: E402
from newsstance.plots import UNITS, forest_plot, paragraph_heatmap  # noqa: E402
from tests.conftest import SEEDS  # noqa: E402


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch, scorer):
    """The CLI builds its own Scorer; give it the session's model so that it is loaded once."""
    from newsstance import compare_cli  # noqa: F401
    from newsstance import scorer as scorer_module

    original = scorer_module.Scorer.__init__

    def init(self, model=None, **kwargs):
        original(self, model or scorer.model, **kwargs)

    monkeypatch.setattr(scorer_module.Scorer, "__init__", init)


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def seed_files():
    if not SEEDS:
        pytest.skip("seed corpus not found")
    return [str(p) for p in SEEDS]


def test_json_output_is_the_library_report(seed_files, capsys):
    code, out, _ = run(["compare", *seed_files, "--format", "json", "-q", "--resamples", "200"], capsys)
    report = json.loads(out)
    assert code == cli.EXIT_OK
    assert [o["outlet"] for o in report["outlets"]] == [p.split("/")[-1][:-4] for p in seed_files]
    assert report["settings"]["resamples"] == 200 and report["settings"]["correction"] == "benjamini-hochberg"
    assert len(report["duplicates"]["groups"]) == 1


def test_table_csv_out_file_and_collapse(seed_files, tmp_path, capsys):
    code, out, _ = run(["compare", *seed_files, "--format", "table", "-q", "--resamples", "200", "--collapse"],
                       capsys)
    assert code == cli.EXIT_OK
    assert "target: russia" in out and "near-duplicate groups: 1" in out
    assert "each near-duplicate group counted once" in out and "largest stance shifts" in out
    out_path = tmp_path / "cmp.csv"
    code, _, _ = run(["compare", *seed_files, "--format", "csv", "--out", str(out_path), "-q", "--resamples", "200",
                      "--correction", "holm"], capsys)
    rows = list(csv.DictReader(open(out_path, encoding="utf-8")))
    sections = {r["section"] for r in rows}
    assert code == cli.EXIT_OK and sections == {"outlet", "difference", "group", "aligned"}
    assert sum(r["section"] == "outlet" for r in rows) == 5 * 3
    assert all(r["p_adjusted"] == "" for r in rows if r["section"] == "difference")  # one document each


def test_documents_without_outlet_or_text_are_skipped_with_a_message(tmp_path, capsys):
    path = tmp_path / "docs.jsonl"
    lines = [{"outlet": "A", "text": "Russia spoke.\n\nThe Kremlin said more."},
             {"outlet": "B", "text": "The US answered.\n\nWashington said more."},
             {"text": "No outlet here about Russia."}, {"outlet": "C", "text": 5}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n", encoding="utf-8")
    code, out, err = run(["compare", str(path), "--format", "json", "-q", "--resamples", "50"], capsys)
    report = json.loads(out)
    assert code == cli.EXIT_SOME_FAILED and report["documents"] == 2
    assert "no 'outlet'" in err and "3 document(s) could not be compared" in err


def test_nothing_to_compare_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    code, _, err = run(["compare", str(path), "-q"], capsys)
    assert code == cli.EXIT_USAGE and "no document" in err


def synthetic_report(n_outlets=6, per_outlet=8, seed=0):
    rng = np.random.default_rng(seed)
    documents, results = [], []
    for o in range(n_outlets):
        for i in range(per_outlet):
            documents.append({"outlet": f"outlet {o}", "text": f"text {o} {i}"})
            results.append({"targets": {t: {"score": float(np.clip(rng.normal(0.1 * o - 0.3, 0.3), -1, 1)),
                                             "paragraphs": 2, "coverage": 0.5} for t in ("russia", "us")},
                            "paragraphs": []})
    return compare(documents, results=results, resamples=200)


def test_table_sorts_outlets_by_score():
    report = synthetic_report()
    text = render_table(report)
    block = text.split("target: russia")[1].split("target: us")[0]
    names = [line.split("  ")[0] for line in block.strip().splitlines()[2:]]
    scores = {o["outlet"]: o["targets"]["russia"]["score"] for o in report["outlets"]}
    assert names == sorted(scores, key=lambda n: -scores[n])


def test_forest_plot_and_heatmap_render(scorer, seed_texts, tmp_path):
    report = synthetic_report()
    figure = forest_plot(report)
    axes = figure.get_axes()
    assert [ax.get_title() for ax in axes] == ["russia", "us"]
    assert all(ax.get_xlabel().startswith(UNITS) for ax in axes)
    labels = [t.get_text().split(" (n=")[0] for t in axes[0].get_yticklabels()]
    scores = {o["outlet"]: o["targets"]["russia"]["score"] for o in report["outlets"]}
    assert labels == sorted(scores, key=lambda n: scores[n])  # bottom to top: lowest to highest
    figure.savefig(tmp_path / "forest.png")
    name = sorted(seed_texts)[2]
    text = seed_texts[name]
    result = scorer.score(text, id=name)
    heat = paragraph_heatmap(result, text=text)
    ticks = [t.get_text() for t in heat.get_axes()[0].get_yticklabels()]
    kinds = [p["kind"] for p in result["paragraphs"]]
    assert len(ticks) == len(kinds)
    assert all(("[boilerplate]" in tick) == (kind == "boilerplate") for tick, kind in zip(ticks, kinds))
    heat.savefig(tmp_path / "heat.png")
    assert (tmp_path / "forest.png").stat().st_size > 5000 and (tmp_path / "heat.png").stat().st_size > 5000
