"""Exploration helpers for notebooks: paths from the environment, documents, tidy tables, figures."""
import gzip
import io
import json
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from newsstance import explore, plots_explore  # noqa: E402
from newsstance.compare import compare  # noqa: E402

TEXTS = {
    "Alpha": "Russia and Vietnam\n\nPutin praised the warm friendship between Russia and Vietnam.\n\n"
             "The United States criticised the visit.\n\nShare this article",
    "Beta": "Hanoi talks\n\nRussia's brutal war was condemned in Washington.\n\n"
            "Vietnam keeps its bamboo diplomacy, friends with all.",
}


@pytest.fixture(scope="module")
def documents():
    return [{"id": f"{outlet}-{k}", "outlet": outlet, "text": text + ("" if k == 0 else f"\n\nMore on day {k}.")}
            for outlet, text in TEXTS.items() for k in range(3)]


@pytest.fixture(scope="module")
def results(scorer, documents):
    return scorer.score_documents(documents, explain=True)


@pytest.fixture(scope="module")
def report(documents, results):
    return compare(documents, results=results, resamples=200)


def test_paths_defaults_and_overrides(tmp_path):
    shared = tmp_path / "shared"
    (shared / "seeds").mkdir(parents=True)
    paths = explore.paths_from_env({"NEWSSTANCE_SHARED": str(shared)})
    assert paths.shared == shared.resolve() and paths.seeds == shared.resolve() / "seeds"
    assert paths.allsides is None and paths.newsmtsc is None  # absent files are None, not errors
    assert paths.articles == explore.DEFAULT_ARTICLES and paths.train_per_target == explore.DEFAULT_TRAIN_PER_TARGET
    corpus = tmp_path / "corpus.jsonl.gz"
    corpus.write_bytes(gzip.compress(b"{}\n"))
    paths = explore.paths_from_env({"NEWSSTANCE_SHARED": str(shared), "NEWSSTANCE_ALLSIDES": str(corpus),
                                    "NEWSSTANCE_NB_ARTICLES": "7"})
    assert paths.allsides == corpus and paths.articles == 7
    assert explore.paths_from_env({"NEWSSTANCE_SHARED": str(shared), "NEWSSTANCE_ALLSIDES": "none"}).allsides is None
    assert "absent" in explore.paths_from_env({"NEWSSTANCE_SHARED": str(shared)}).describe()
    with pytest.raises(ValueError, match="NEWSSTANCE_NB_ARTICLES"):
        explore.paths_from_env({"NEWSSTANCE_NB_ARTICLES": "many"})
    with pytest.raises(ValueError, match="1 or more"):
        explore.paths_from_env({"NEWSSTANCE_NB_TRAIN_PER_TARGET": "0"})


def test_default_shared_folder_is_beside_the_checkout():
    paths = explore.paths_from_env({})
    assert paths.shared == (explore.repo_root().parent / "shared").resolve()


def test_documents_from_folder_and_jsonl_with_limit(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "b.txt").write_text("Second text.", encoding="utf-8")
    (folder / "a.txt").write_text("First text.", encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    docs = explore.read_documents(folder)
    assert [(d["id"], d["outlet"]) for d in docs] == [("a.txt", "a"), ("b.txt", "b")]
    corpus = tmp_path / "c.jsonl.gz"
    rows = [{"ID": f"x{i}", "source": "S", "title": "T", "content_original": "Text." if i != 1 else ""}
            for i in range(5)]
    corpus.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    docs = explore.read_documents(corpus, limit=2)
    assert [d["id"] for d in docs] == ["x0", "x2"] and docs[0]["title"] == "T"
    paths = explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path), "NEWSSTANCE_ALLSIDES": str(corpus),
                                    "NEWSSTANCE_NB_ARTICLES": "3"})
    name, docs = explore.exploration_corpus(paths)
    assert len(docs) == 3 and "AllSides" in name
    name, docs = explore.exploration_corpus(explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path),
                                                                    "NEWSSTANCE_ALLSIDES": "none"}))
    assert len(docs) == 2 and "seed" in name
    with pytest.raises(FileNotFoundError, match="NEWSSTANCE_SHARED"):
        explore.seed_documents(explore.paths_from_env({"NEWSSTANCE_SHARED": str(tmp_path / "nowhere")}))


def test_document_and_paragraph_frames(results):
    frame = explore.document_frame(results)
    assert len(frame) == len(results) * 3
    assert set(frame["target"]) == {"russia", "us", "neutrality"}
    first = results[0]["targets"]["russia"]
    row = frame[(frame["id"] == "Alpha-0") & (frame["target"] == "russia")].iloc[0]
    assert row["score"] == first["score"] and row["paragraphs"] == first["paragraphs"]
    assert row["model"] == f"{results[0]['model']['name']}/{results[0]['model']['version']}"
    paragraphs = explore.paragraph_frame(results)
    assert set(paragraphs["kind"]) == {"body"}
    addressed = sum(1 for r in results for p in r["paragraphs"] if p["kind"] == "body"
                    for s in p["stances"].values() if s is not None)
    assert len(paragraphs) == addressed
    assert ((paragraphs["p_favor"] - paragraphs["p_against"]).round(3) == paragraphs["score"].round(3)).all()


def test_outlet_and_difference_frames(report):
    frame = explore.outlet_frame(report)
    for _, part in frame.groupby("target"):
        scores = part["score"].dropna().tolist()
        assert scores == sorted(scores)
    wide = explore.outlet_frame(report, wide=True)
    assert list(wide.index) == ["Alpha", "Beta"] and "russia" in wide.columns
    assert "[" in wide.loc["Alpha", "russia"] and "(n=3)" in wide.loc["Alpha", "russia"]
    differences = explore.differences_frame(report)
    assert not differences.empty and differences["ci_low"].notna().all()
    p = differences["p_adjusted"].tolist()
    assert p == sorted(p)


def test_groups_alignments_and_shifts(report):
    groups = explore.groups_frame(report)
    assert set(groups.columns) >= {"group", "outlet", "representative"}
    assert groups.groupby("group")["representative"].sum().eq(1).all()
    shifts = explore.shifts_frame(report, top=3)
    assert len(shifts) <= 3
    explore.alignments_frame(report)  # runs on any report


def test_explanations(results, documents):
    result, text = results[0], documents[0]["text"]
    table = explore.explanation_frame(result, "russia", text=text)
    assert len(table) == sum(p["stances"]["russia"] is not None for p in result["paragraphs"])
    assert table["excerpt"].str.len().max() <= 70
    index = explore.strongest_paragraph(result, "russia")
    assert index is not None
    plain = {**result, "paragraphs": [{**p, "stances": {t: s and {k: v for k, v in s.items() if k != "explanation"}
                                                        for t, s in p["stances"].items()}} for p in result["paragraphs"]]}
    with pytest.raises(ValueError, match="explain=True"):
        explore.explanation_frame(plain, "russia")


def test_feature_labels():
    assert explore.feature_label("words__vietnam") == "word: vietnam"
    assert explore.feature_label("context__tgtmention as") == "near the mention: [mention] as"
    assert explore.feature_label("sentiment__targeted_neg") == "VADER: targeted_neg"
    assert explore.feature_label("other") == "other"


def test_preview_and_json_text():
    value = {"spans": [[1, 2], [3, 4], [5, 6]], "ci": [-0.1, 0.2], "text": "x" * 300, "n": 1}
    short = explore.preview(value, max_items=2, max_chars=20)
    assert short["spans"] == [[1, 2], [3, 4], "... 1 more"] and short["ci"] == [-0.1, 0.2]
    assert len(short["text"]) == 20
    text = explore.json_text({"a": {"ci": [-0.1, 0.2], "long": ["y" * 60, "z" * 60]}}, width=60)
    assert '"ci": [-0.1, 0.2]' in text and json.loads(text)["a"]["ci"] == [-0.1, 0.2]


def _labels(figure):
    return [ax.get_xlabel() for ax in figure.axes], [ax.get_title() for ax in figure.axes]


def _renders(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.tell() > 1000


def test_outlet_forest_plot_sorts_and_labels(report):
    figure = plots_explore.outlet_forest_plot(report, min_documents=2)
    xlabels, titles = _labels(figure)
    assert titles == ["russia", "us", "neutrality"] and all("P(favor)" in x for x in xlabels)
    frame = explore.outlet_frame(report)
    for ax, target in zip(figure.axes, titles):
        shown = [t.get_text().split(" (n=")[0] for t in ax.get_yticklabels()]
        part = frame[(frame["target"] == target) & (frame["documents"] >= 2)].sort_values("score")
        assert shown == list(part["outlet"])  # bottom-up: ascending score, the highest on top
    assert _renders(figure)


def test_other_figures_render(results, report, documents):
    assert _renders(plots_explore.document_forest_plot(results))
    assert _renders(plots_explore.shift_plot(report))
    assert _renders(plots_explore.shift_plot({"largest_shifts": []}))
    index = explore.strongest_paragraph(results[0], "russia")
    figure = plots_explore.explanation_plot(results[0], index, "russia", text=documents[0]["text"])
    assert "log-odds" in figure.axes[0].get_xlabel() and _renders(figure)
    figure = plots_explore.sentiment_stance_scatter(explore.paragraph_frame(results))
    assert [ax.get_title() for ax in figure.axes][:1] == ["russia"] and _renders(figure)


def test_plot_limits_are_symmetric_and_bounded():
    assert plots_explore._limit([0.1, -0.2]) == 0.5
    assert plots_explore._limit([0.62]) == 0.75
    assert plots_explore._limit([0.99, None, float("nan")]) == 1.05


def test_notebook_sources_hold_no_function_definitions():
    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "def " not in code and "class " not in code, f"{path.name}: keep logic in the library"
