"""Atomic writers: a failed write leaves the previous file and no temporary file behind."""
import json
import os

import pytest

from hwsim import fileio
from hwsim.report.writers import csv_text, json_ready, write_json, write_text


def test_write_creates_folders_and_leaves_only_the_file(tmp_path):
    path = write_text(tmp_path / "a" / "b.md", "# x\n")
    assert path.read_text() == "# x\n"
    assert os.listdir(tmp_path / "a") == ["b.md"]


def test_killed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = write_text(tmp_path / "summary.md", "old\n")

    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["summary.md"]


def test_json_is_strict_non_finite_numbers_become_null(tmp_path):
    """JSON has no Infinity / NaN: an infinite saving is written as null."""
    assert json_ready({"x": float("inf"), "t": (1, 2.0)}) == {"x": None, "t": [1, 2.0]}
    path = write_json(tmp_path / "r.json", {"x": float("nan")})
    assert json.loads(path.read_text()) == {"x": None}


def test_csv_keeps_full_float_precision_and_blank_none():
    text = csv_text([{"a": 0.1 + 0.2, "b": None}], ["a", "b"])
    assert text == "a,b\n0.30000000000000004,\n"


def test_atomic_files_get_ordinary_permissions(tmp_path):
    """mkstemp creates 0600 files; the shared writer publishes 0644 less the umask."""
    mask = os.umask(0o022)
    try:
        path = fileio.write_text_atomic(tmp_path / "w.yaml", "x: 1\n")
    finally:
        os.umask(mask)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
