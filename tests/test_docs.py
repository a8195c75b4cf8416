"""Every code block of README.md and docs/*.md runs (or is checked), so the docs cannot drift.

* ``python`` blocks are executed, in a temporary folder holding a link to ``arch_configs/``;
* ``bash`` blocks run each ``hwsim ...`` command through ``hwsim.cli.main`` in such a folder
  (exit code 0 required; commands of one block share the folder, so a later command can read
  an earlier one's output); a ``bash`` block may hold nothing but ``hwsim`` commands;
* ``yaml`` blocks must parse;
* ``text`` blocks (synopses, sample output) are shown, not run; a block without a language
  tag is an error, so nothing is left unchecked by accident.

A block preceded by ``<!-- docs-test: skip (reason) -->`` is not run; the reason is shown
in the test id. The skipped set is kept small (:data:`MAX_SKIPPED`).
"""
from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path

import pytest
import yaml

from hwsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LANGUAGES = ("bash", "python", "yaml", "text")
MAX_SKIPPED = 8
_FENCE = re.compile(r"(?m)^(?P<indent> *)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```",
                    re.S)
_SKIP = re.compile(r"<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$")


def blocks():
    """(id, language, body, skip reason or None) of every fenced block."""
    out = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
            skip = _SKIP.search(before)
            body = "\n".join(l[len(m["indent"]):] for l in m["body"].splitlines())
            out.append((f"{path.relative_to(ROOT)}:{line}", m["lang"], body,
                        skip["reason"] if skip else None))
    return out


BLOCKS = blocks()


def commands(body: str) -> list[str]:
    """The commands of a bash block: comments and blank lines dropped, ``\\`` continuations
    joined, a trailing ``# comment`` removed."""
    joined = re.sub(r"\\\n\s*", " ", body)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(shlex.split(line, comments=True))
    return [" ".join(shlex.quote(a) for a in argv) for argv in out if argv]


def test_every_block_has_a_known_language_and_bash_blocks_run_hwsim_only():
    problems = [f"{where}: language {lang!r} must be one of {LANGUAGES}"
                for where, lang, _, _ in BLOCKS if lang not in LANGUAGES]
    problems += [f"{where}: {cmd!r} is not an hwsim command (mark the block skip or text)"
                 for where, lang, body, skip in BLOCKS if lang == "bash" and skip is None
                 for cmd in commands(body) if not cmd.startswith("hwsim ")]
    assert not problems, "\n".join(problems)


def test_the_skipped_set_is_small_and_says_why():
    skipped = [(where, reason) for where, _, _, reason in BLOCKS if reason is not None]
    assert len(skipped) <= MAX_SKIPPED, skipped
    assert all(len(reason.split()) >= 3 for _, reason in skipped)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An empty folder with ``arch_configs`` linked in, as the current directory."""
    (tmp_path / "arch_configs").symlink_to(ROOT / "arch_configs", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLUMNS", raising=False)
    return tmp_path


def _runnable(lang):
    return [pytest.param(body, id=where) for where, l, body, skip in BLOCKS
            if l == lang and skip is None]


@pytest.mark.parametrize("body", _runnable("python"))
def test_python_block_runs(body, workdir, capsys):
    script = workdir / "block.py"
    script.write_text(body, encoding="utf-8")
    runpy.run_path(str(script), run_name="docs_block")


@pytest.mark.parametrize("body", _runnable("bash"))
def test_bash_block_runs(body, workdir, capsys):
    for command in commands(body):
        argv = shlex.split(command)[1:]
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 0, f"{command!r} exited {code}: {err}"


@pytest.mark.parametrize("body", _runnable("yaml"))
def test_yaml_block_parses(body):
    assert yaml.safe_load(body) is not None
