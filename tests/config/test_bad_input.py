"""One negative test per class of bad input (issue 14 part 4): each asserts the one-line
message that names the file, the dotted key and the value. The CLI-level corpus that runs every
command on ~150 malformed inputs is tests/test_fuzz_cli.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from hwsim.config import load_arch_config
from hwsim.config.mapping import load_mapping_file
from hwsim.config.yaml_io import MAX_DEPTH, load_json_text, parse_yaml
from hwsim.errors import ConfigError, HwsimError, Problem
from hwsim.fileio import check_output_file, check_output_folder, write_text_atomic

ARCH = Path(__file__).resolve().parents[2] / "arch_configs" / "systolic_ws.yaml"


def _arch(tmp_path: Path, old: str = "", new: str = "", extra: str = "",
          name: str = "a.yaml") -> Path:
    text = ARCH.read_text()
    if old:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text + extra)
    return path


def _messages(path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_arch_config(path)
    return str(err.value).splitlines()


def test_non_utf8_file_names_the_byte_and_where(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert _messages(path) == [f"{path}: <file> must be UTF-8 text (a YAML or JSON file). "
                               "Got byte 0xe9 at line 1, column 10 instead."]


def test_binary_file_with_nul_bytes(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"name: x\n\x00\x00\x00")
    assert _messages(path) == [f"{path}: <file> must be UTF-8 text (a YAML or JSON file). "
                               "Got byte 0x00 at line 2, column 1 instead."]


def test_deep_nesting_is_refused_with_its_path(tmp_path):
    """Block nesting of 70 levels (libyaml itself stops flow nesting at 1,000)."""
    text = "meta:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(70)) + "  " * 71 + "v: 1\n"
    msg = _messages(_arch(tmp_path, extra=text.replace("meta:", "deep:")))
    assert len(msg) == 1 and msg[0].endswith(f"must nest at most {MAX_DEPTH} levels. "
                                             "Got deeper nesting instead.")
    assert msg[0].startswith(f"{tmp_path / 'a.yaml'}: deep.k0.k1.")


def test_alias_bomb_is_refused_before_anything_is_built(tmp_path):
    """9 anchors of 9 aliases: 9^9 strings; refused from the node graph (each node once)."""
    lines = ['  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"  a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = _arch(tmp_path, "meta:\n", "meta:\n" + "\n".join(lines) + "\nold_meta:\n")
    msg = _messages(path)
    assert len(msg) == 1 and msg[0].startswith(
        f"{path}: meta must expand to at most 1,000,000 values (YAML aliases repeat what their "
        "anchor holds). Got 490,329,1")  # 9^9 strings + the lists holding them + old_meta's


def test_duplicate_key_walk_visits_a_shared_anchor_once():
    """The duplicate inside the anchor is reported once, where the anchor is defined."""
    text = "a: &x {k: 1, k: 2}\nb: *x\nc: *x\n"
    _, problems = parse_yaml(text, "f.yaml")
    assert [str(p) for p in problems] == ["f.yaml: a.k must appear only once in a (first on "
                                          "line 1, again on line 1). Got 'k' instead."]


def test_self_containing_alias():
    with pytest.raises(ConfigError) as err:
        parse_yaml("a: &x [1, *x]\n", "f.yaml")
    assert str(err.value) == ("f.yaml: a.1 must not contain itself (a YAML alias inside its own "
                              "anchor). Got alias instead.")


def test_long_values_are_cut_in_messages(tmp_path):
    msg = _messages(_arch(tmp_path, "dataflow: weight_stationary", "dataflow: " + "x" * 100_000))
    assert len(msg) == 1 and len(msg[0]) < 400
    assert msg[0].endswith("Got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                           "xxxxxxxxxxxxxxxxx'... (100,000 characters) instead.")
    assert str(Problem("k", "must be short", list(range(10_000)), "f")).endswith(
        "..] (10,000 items) instead.".replace("..]", "...]"))


def test_missing_required_section_does_not_crash_the_cross_field_checks(tmp_path):
    text = ARCH.read_text()
    start = text.index("compute:\n")
    end = text.index("vector:\n")
    path = tmp_path / "a.yaml"
    path.write_text(text[:start] + text[end:])
    assert _messages(path) == [f"{path}: compute must be given. Got nothing instead."]


def test_absurd_counts_are_refused(tmp_path):
    path = _arch(tmp_path, "pe_count: 1024 ", "pe_count: " + "9" * 40 + " ")
    assert f"{path}: compute.pe_count must be <= 1099511627776. Got {'9' * 40} instead." \
        in _messages(path)


def test_infinite_clock_is_refused(tmp_path):
    """An infinite clock gave every layer 0 s."""
    path = _arch(tmp_path, "clock_hz: 700e6", "clock_hz: .inf")
    assert _messages(path) == [f"{path}: compute.clock_hz must be a finite number. "
                               "Got inf instead."]


def test_nan_energy_is_refused(tmp_path):
    path = _arch(tmp_path, "    width_bits: 256                # 32 rows",
                 "    read_energy_pj: .nan\n    width_bits: 256                # 32 rows")
    assert _messages(path) == [f"{path}: memories.ifmap_sram.read_energy_pj must be a finite "
                               "number. Got nan instead."]


def test_boolean_where_an_integer_is_meant(tmp_path):
    path = _arch(tmp_path, "weight_bits: 8 ", "weight_bits: true ")
    assert _messages(path) == [f"{path}: compute.weight_bits must be a number, not true or "
                               "false. Got True instead."]


def test_energy_reference_outside_the_folder_tree_is_not_read(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    (tmp_path / "arch").mkdir()
    path = _arch(tmp_path / "arch", extra="energy_reference: ../secret.yaml\n")
    msg = _messages(path)
    assert msg == [f"{path}: energy_reference must name a built-in table (horowitz_45nm) or a "
                   f"table file inside {(tmp_path / 'arch').resolve()} (the arch file's folder "
                   "tree). Got '../secret.yaml' instead."]


def test_energy_reference_to_a_non_table_file_never_echoes_it(tmp_path):
    (tmp_path / "notes.yaml").write_text("TOP-SECRET: 42\n")
    path = _arch(tmp_path, extra="energy_reference: notes.yaml\n")
    msg = _messages(path)
    assert msg == [f"{path}: energy_reference must name an energy-table file (keys name, "
                   "technology_nm, vdd_v, arithmetic, register_file, sram_model); notes.yaml "
                   "has none of them. Got 'notes.yaml' instead."]
    assert not any("TOP-SECRET" in m for m in msg)


def test_json_nan_is_refused_with_its_dotted_path(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"constraints": [{"layer": "fc1", "spatial": [["K", NaN]]}]}')
    with pytest.raises(ConfigError) as err:
        load_mapping_file(path)
    assert str(err.value) == (f"{path}: constraints.0.spatial.0.1 must be a finite number (JSON "
                              "has no NaN or Infinity). Got nan instead.")


def test_deep_json_is_refused():
    with pytest.raises(ConfigError, match=f"must nest at most {MAX_DEPTH} levels"):
        load_json_text("[" * 500 + "]" * 500, "f.json")


@pytest.mark.parametrize("given, flag, suffixes, message", [
    ("t.xyz", "--timeline", (".png", ".svg", ".pdf"),
     "--timeline must end in .png, .svg or .pdf. Got 't.xyz' instead."),
    ("{tmp}", "--output", None, "--output must be a file path, not a folder. Got '{tmp}' "
     "instead."),
    ("{tmp}/a_file/x.json", "--output", None, "--output must be under a folder ({tmp}/a_file "
     "is a file). Got '{tmp}/a_file/x.json' instead."),
])
def test_output_file_checked_before_the_work(tmp_path, given, flag, suffixes, message):
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ConfigError) as err:
        check_output_file(given.format(tmp=tmp_path), flag, suffixes)
    assert str(err.value) == message.format(tmp=tmp_path)


def test_output_folder_that_is_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ConfigError) as err:
        check_output_folder(tmp_path / "f", "--out")
    assert str(err.value) == (f"--out must be a folder (or a path where one can be made), not a "
                              f"file. Got '{tmp_path / 'f'}' instead.")
    assert not (tmp_path / "new").exists()
    check_output_folder(tmp_path / "new" / "deeper", "--out")
    assert not (tmp_path / "new").exists()  # checked, not made


def test_failed_atomic_write_names_the_path_not_the_temp_file(tmp_path):
    with pytest.raises(HwsimError) as err:
        write_text_atomic(tmp_path, "x")
    assert str(err.value) == f"cannot write {tmp_path}: it is a folder"
    assert not list(tmp_path.glob(".*.tmp"))


def test_atomic_write_never_changes_the_umask(tmp_path, monkeypatch):
    def refuse(_mask):
        raise AssertionError("os.umask changes the mask of every thread")
    monkeypatch.setattr(os, "umask", refuse)
    path = write_text_atomic(tmp_path / "out.txt", "x")
    from hwsim.fileio import _umask
    assert path.read_text() == "x" and path.stat().st_mode & 0o777 == 0o644 & ~_umask()
