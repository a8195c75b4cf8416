"""Reading files: malformed YAML with file and line, duplicate keys, relative table paths."""
import textwrap

import pytest

from hwsim.config import load_arch_config
from hwsim.errors import ConfigError

GOOD = """\
name: tiny
dataflow: weight_stationary
memories:
  dram: {kind: dram, preset: lpddr4, size_bytes: 1 GiB}
  glb: {kind: sram, size_bytes: 64 KiB, width_bits: 64, operands: [weights, inputs, outputs]}
compute: {pe_count: 16, array_rows: 4, array_cols: 4, clock_hz: 500e6,
          weight_bits: 8, activation_bits: 8, accumulator_bits: 32}
"""


def write(tmp_path, text, name="arch.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems(path):
    with pytest.raises(ConfigError) as err:
        load_arch_config(path)
    return [str(p) for p in err.value.problems]


def test_good_file_loads_with_yaml_friendly_numbers(tmp_path):
    """500e6 is a string to PyYAML; sizes accept '1 GiB'."""
    config = load_arch_config(write(tmp_path, GOOD))
    assert config.compute.clock_hz == 500e6
    assert config.memories["dram"].size_bytes == 2 ** 30


def test_syntax_error_reports_file_and_line(tmp_path):
    path = write(tmp_path, GOOD.replace("dataflow: weight_stationary",
                                        "dataflow: weight_stationary: oops"))
    (msg,) = problems(path)
    # PyYAML says "not allowed here", libyaml "not allowed in this context"
    assert msg.startswith(f"{path}: line 2, column 28 must be valid YAML (mapping values are "
                          "not allowed")
    assert msg.endswith("). Got 'dataflow: weight_stationary: oops' instead.")


def test_unclosed_bracket_reports_a_line(tmp_path):
    path = write(tmp_path, GOOD.replace("operands: [weights, inputs, outputs]}",
                                        "operands: [weights, inputs, outputs}"))
    (msg,) = problems(path)
    assert msg.startswith(f"{path}: line 5, column ") and "must be valid YAML" in msg


def test_duplicate_level_names_are_reported_with_lines(tmp_path):
    text = GOOD + "  # second glb\n"
    text = text.replace("compute:", "  glb: {kind: sram, size_bytes: 1 KiB, width_bits: 8, "
                                     "operands: [weights, inputs, outputs]}\ncompute:")
    (msg,) = problems(write(tmp_path, text))
    assert msg.endswith("memories.glb must appear only once in memories (first on line 5, "
                        "again on line 6). Got 'glb' instead.")


def test_duplicates_reported_with_other_problems(tmp_path):
    second = ("  glb: {kind: sram, size_bytes: 1 KiB, width_bits: 8, "
              "operands: [weights, inputs, outputs]}\n")
    text = GOOD.replace("compute:", second + "compute:").replace("pe_count: 16", "pe_count: 15")
    msgs = problems(write(tmp_path, text))
    assert len(msgs) == 2 and "memories.glb must appear only once" in msgs[0]
    assert "compute.pe_count must be 16" in msgs[1]


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    assert problems(path) == [f"{path}: <root> must be a mapping with keys such as name, "
                              "memories, compute. Got nothing instead."]


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_arch_config(tmp_path / "none.yaml")


def test_energy_reference_relative_to_the_arch_file(tmp_path):
    """A copied table at another node loads from the arch file's folder."""
    from importlib import resources
    table = resources.files("hwsim").joinpath("data", "energy_45nm.yaml").read_text()
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "mine.yaml").write_text(table.replace("name: horowitz_45nm",
                                                                 "name: mine"))
    config = load_arch_config(write(tmp_path, GOOD + "energy_reference: tables/mine.yaml\n"))
    assert config.energy_reference == "tables/mine.yaml"


def test_bad_energy_table_file_reports_its_own_problems(tmp_path):
    (tmp_path / "bad_table.yaml").write_text("name: x\ntechnology_nm: 45\n")
    msgs = problems(write(tmp_path, GOOD + "energy_reference: bad_table.yaml\n"))
    assert any(m.startswith(str((tmp_path / "bad_table.yaml").resolve()) + ": vdd_v must be given")
               for m in msgs), msgs
