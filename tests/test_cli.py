"""`newsstance score`: inputs, order, error records, exit status, formats, jobs."""
import csv
import io
import json

import pytest

from newsstance import cli
from newsstance.batch import score_records
from newsstance.io import read_records


def run(argv, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_jsonl_with_bad_lines_keeps_order_and_fails_exit(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "Russia spoke."}\nnot json\n{"id": "c", "text": 5}\n\n'
                    '{"id": "d", "text": "The US spoke.", "targets": ["us"]}\n{"id": "e", "text": "x", '
                    '"targets": ["pluto"]}\n', encoding="utf-8")
    code, out, err = run(["score", str(path), "-q"], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == cli.EXIT_SOME_FAILED and "3 document(s)" in err
    assert [line.get("id") for line in lines] == ["a", None, "c", "d", "e"]
    assert [("error" in line) for line in lines] == [False, True, True, False, True]
    assert lines[1]["line"] == 2 and "invalid JSON" in lines[1]["error"]["detail"]
    assert lines[4]["error"]["type"] == "UnknownTargetError"
    assert list(lines[3]["targets"]) == ["us"]


def test_text_files_csv_input_and_csv_output(tmp_path, capsys):
    (tmp_path / "bbc.txt").write_text("Russia spoke.\n\nThe US answered.", encoding="utf-8")
    with open(tmp_path / "docs.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "outlet", "text"])
        writer.writerow(["r1", "Fox", "Putin spoke,\n\nwith commas."])
    out_path = tmp_path / "out.csv"
    code, _, _ = run(["score", str(tmp_path / "bbc.txt"), str(tmp_path / "docs.csv"), "--format", "csv",
                      "--out", str(out_path), "-q"], capsys)
    rows = list(csv.DictReader(open(out_path, encoding="utf-8")))
    assert code == cli.EXIT_OK
    assert [(r["outlet"], r["target"]) for r in rows][:4] == [("bbc", "russia"), ("bbc", "us"), ("bbc", "neutrality"),
                                                               ("Fox", "russia")]
    assert rows[0]["paragraphs"] == "1" and rows[2]["score"] == ""


def test_csv_without_text_column_is_an_error_record(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, _ = run(["score", str(tmp_path / "bad.csv"), "-q"], capsys)
    assert code == cli.EXIT_SOME_FAILED and "text" in json.loads(out)["error"]["detail"]


def test_binary_and_missing_files_are_error_records(tmp_path, capsys):
    (tmp_path / "junk.txt").write_bytes(b"\xff\xfe\x00\x81garbage")
    code, out, _ = run(["score", str(tmp_path / "junk.txt"), str(tmp_path / "missing.txt"), "-q"], capsys)
    errors = [json.loads(line)["error"]["detail"] for line in out.splitlines()]
    assert code == cli.EXIT_SOME_FAILED and "UTF-8" in errors[0] and "cannot read" in errors[1]


def test_stdin(capsys, monkeypatch):
    code, out, _ = run(["score", "-", "-q"], capsys, stdin='{"text": "Moscow spoke."}\n', monkeypatch=monkeypatch)
    assert code == 0 and json.loads(out)["targets"]["russia"]["mentions"] == 1


def test_bad_arguments_exit_with_usage(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["score", "x.txt", "--jobs", "0"])
    assert info.value.code == 2


def test_two_jobs_give_the_same_results_in_order(scorer, tmp_path, seed_texts):
    path = tmp_path / "docs.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(12):
            text = list(seed_texts.values())[i % len(seed_texts)]
            handle.write(json.dumps({"id": str(i), "text": text if i != 5 else ""}) + "\n")
    serial = list(score_records(read_records([str(path)]), scorer=scorer, jobs=1, chunk_size=3))
    parallel = list(score_records(read_records([str(path)]), scorer=scorer, jobs=2, chunk_size=3))
    assert serial == parallel
    assert [r.get("id") for r in parallel] == [str(i) for i in range(12)] and "error" in parallel[5]
