"""Tables that fit the terminal (hwsim/report/layout.py): blocks, wrapping, COLUMNS."""
from hwsim.report.layout import markdown_table, terminal_width, text_table, wrap_text

HEAD = ("layer", "energy", "latency", "DRAM")
ROWS = [("fc1", "2.6 µJ", "6.04 µs", "398 KiB")]


def test_the_module_docstring_example_splits_into_two_blocks():
    """5 + 6 + 7 + 7 + 3 gaps of 2 = 31 > 24: DRAM moves to a second block with the layer."""
    assert text_table(HEAD, ROWS, width=24) == (
        "layer  energy  latency\n"
        "-----  ------  -------\n"
        "fc1    2.6 µJ  6.04 µs\n"
        "\n"
        "layer     DRAM\n"
        "-----  -------\n"
        "fc1    398 KiB\n")
    assert text_table(HEAD, ROWS, width=31).count("layer") == 1


def test_a_wide_cell_wraps_and_no_line_exceeds_the_width():
    rows = [("fc1", "x" * 10, "a long free-text note " * 8)]
    out = text_table(("layer", "n", "note"), rows, width=40, wrap_last=True)
    assert max(len(line) for line in out.splitlines()) <= 40
    assert out.splitlines()[0].startswith("layer")
    assert "".join(out.split()).count("alongfree-textnote") == 8


def test_a_long_override_breaks_after_its_equals_sign_not_inside_a_unit():
    """``memories.filter_sram.size_bytes=128 KiB`` (39 characters) in a 37-wide cell breaks
    after the ``=``; "128 KiB" stays whole, and a short ``key=value`` is never split."""
    from hwsim.report.layout import _wrap
    assert _wrap("memories.filter_sram.size_bytes=128 KiB", 37) == \
        ["memories.filter_sram.size_bytes=", "128 KiB"]
    assert _wrap("a=1 memories.dram.preset=hbm2", 37) == ["a=1 memories.dram.preset=hbm2"]
    assert _wrap("x" * 50, 20) == ["x" * 20, "x" * 20, "x" * 10]


def test_rule_before_total_and_multi_line_cells():
    out = text_table(("k", "v"), [("a", "1\n2"), ("total", "3")], rule_before_last=True,
                     width=40).splitlines()
    assert out == ["k      v", "-----  -", "a      1", "       2", "-----  -", "total  3"]


def test_terminal_width(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width() == 100
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width() == 80
    monkeypatch.setenv("COLUMNS", "abc")
    assert terminal_width() == 100
    monkeypatch.setenv("COLUMNS", "10")
    assert terminal_width() == 40


def test_wrap_and_markdown():
    assert wrap_text("one two three four", 9) == ["one two", "  three", "  four"]
    assert markdown_table(("a", "b"), [("x | y", "1")], caption="units").splitlines() == \
        ["*units*", "", "| a | b |", "|:--|--:|", "| x \\| y | 1 |"]


def test_progress_only_on_a_terminal():
    from hwsim.report.progress import progress_enabled

    class Stream:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

    assert progress_enabled(False, Stream(True)) is True
    assert progress_enabled(False, Stream(False)) is False
    assert progress_enabled(True, Stream(True)) is False
    assert progress_enabled(False, object()) is False
