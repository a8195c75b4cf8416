"""The JSONL results file: torn last lines, duplicates, error rows, atomic CSV."""
import json

import pytest

from hwsim.errors import HwsimError
from hwsim.sweep import ResultStore, read_rows, write_csv


def row(ident, status="ok", value=1.0):
    return {"id": ident, "status": status, "energy_pj": value}


def test_append_then_reopen(tmp_path):
    path = tmp_path / "out" / "results.jsonl"
    store = ResultStore.open(path)
    assert store.append([row("a"), row("b")]) == 2
    assert store.append([row("a", value=9.0)]) == 0          # done: never written twice
    again = ResultStore.open(path)
    assert again.rows == {"a": row("a"), "b": row("b")}
    assert path.read_text().count("\n") == 2


def test_lines_encoded_by_a_worker_are_written_as_they_are(tmp_path):
    """A worker's encode_rows text is written when every row is new; when some are done
    already, only the new rows are written (encoded here)."""
    from hwsim.sweep.store import encode_rows
    path = tmp_path / "results.jsonl"
    store = ResultStore.open(path)
    rows = [row("a"), row("b")]
    assert store.append(rows, encode_rows(rows)) == 2
    assert path.read_bytes() == encode_rows(rows)
    more = [row("b", value=5.0), row("c")]
    assert store.append(more, encode_rows(more)) == 1
    assert path.read_bytes() == encode_rows(rows + [row("c")])
    assert ResultStore.open(path).rows == {"a": row("a"), "b": row("b"), "c": row("c")}


def test_a_torn_last_line_is_ignored_and_cut_before_appending(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(row("a")) + "\n" + '{"id": "b", "sta')
    assert read_rows(path) == {"a": row("a")}                 # reading alone changes nothing
    assert path.read_text().endswith('"sta')
    store = ResultStore.open(path)                            # opening repairs the tail
    store.append([row("b")])
    lines = path.read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "b"]


def test_a_corrupt_line_in_the_middle_is_an_error(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(row("a")) + "\nnot json\n" + json.dumps(row("b")) + "\n")
    with pytest.raises(HwsimError, match="line 2 must be a JSON object"):
        read_rows(path)


def test_error_rows_are_retried_and_the_newest_wins(tmp_path):
    path = tmp_path / "results.jsonl"
    store = ResultStore.open(path)
    store.append([row("a", status="error")])
    assert not store.is_done("a")
    store = ResultStore.open(path)
    assert store.append([row("a")]) == 1
    assert ResultStore.open(path).rows["a"]["status"] == "ok"


def test_restart_discards_earlier_rows(tmp_path):
    path = tmp_path / "results.jsonl"
    ResultStore.open(path).append([row("a")])
    assert ResultStore.open(path, restart=True).rows == {}


def test_write_csv_replaces_the_file_whole(tmp_path):
    path = tmp_path / "t.csv"
    write_csv(path, [{"a": 1, "b": 2}, {"a": 3}], ["a", "b"])
    assert path.read_text().splitlines() == ["a,b", "1,2", "3,"]
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]   # no temp file left behind
