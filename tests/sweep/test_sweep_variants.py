"""VariantBuilder (hwsim/sweep/variants.py) builds what arch_from_dict builds from the merged
mapping, and an invalid variant gets arch_from_dict's message, word for word."""
from pathlib import Path

import pytest
import yaml

from hwsim.arch import arch_from_dict
from hwsim.errors import ConfigError
from hwsim.sweep.keys import apply_overrides
from hwsim.sweep.variants import VariantBuilder

ROOT = Path(__file__).parents[2]
SYSTOLIC = ROOT / "arch_configs" / "systolic_ws.yaml"
SOURCE = f"{SYSTOLIC} + overrides"

VALID = [
    [("memories.filter_sram.size_bytes", "96 KiB"), ("compute.clock_hz", 5e8)],
    [("compute", {"pe_count": 256, "array_rows": 16, "array_cols": 16}),
     ("memories.dram.preset", "hbm2")],
    [("memories.ifmap_sram", {"size_bytes": 65536, "width_bits": 128}),
     ("memories.ofmap_sram.leakage_power_mw", 3.5)],
    [("sparsity.weight_zeros", "skip"), ("sparsity.weight_format",
                                        {"format": "csr", "index_bits": 8})],
    [("residency.policy", "streamed"), ("vector.lanes", 64)],
    [("technology_nm", 7)],                             # a top-level value: whole file
    [("dataflow", "output_stationary"),
     ("compute", {"weight_double_buffer": False, "weight_wavefront": False})],
    [("memories.weight_reg.kind", "sram")],
    [],
]

INVALID = [
    [("memories.filter_sram.size_bytes", "16 GiB")],       # larger than DRAM
    [("compute.pe_count", 1000)],                          # != rows x cols
    [("compute.clock_hz", float("inf"))],
    [("compute.weight_bits", True)],
    [("memories.dram.preset", "ddr9")],
    [("memories.ifmap_sram.width_bits", 1 << 30)],
    [("memories.ifmap_sram", {"size_bytes": 8, "width_bits": 256})],
    [("sparsity.weight_format", {"format": "csr"})],       # index_bits missing
    [("vector.lanes", 0)],
    [("technology_nm", -3)],
    [("memories.filter_sram.size_bytes", "lots"), ("compute.pe_count", 3)],
]


@pytest.fixture(scope="module")
def base():
    return yaml.safe_load(SYSTOLIC.read_text())


def expected(base, overrides):
    try:
        return arch_from_dict(apply_overrides(base, overrides), SOURCE, str(SYSTOLIC.parent))
    except ConfigError as exc:
        return exc


@pytest.mark.parametrize("overrides", VALID, ids=str)
def test_a_valid_variant_is_the_one_arch_from_dict_builds(base, overrides):
    builder = VariantBuilder(base, SOURCE, str(SYSTOLIC.parent))
    want = expected(base, overrides)
    assert not isinstance(want, Exception), want
    for _ in range(2):  # the second build reuses the memo's parts
        assert builder.build(overrides) == want


@pytest.mark.parametrize("overrides", INVALID, ids=str)
def test_an_invalid_variant_gets_the_files_message(base, overrides):
    builder = VariantBuilder(base, SOURCE, str(SYSTOLIC.parent))
    got, want = builder.build(overrides), expected(base, overrides)
    assert isinstance(got, ConfigError) and isinstance(want, ConfigError)
    assert str(got) == str(want)
    assert str(got).startswith(SOURCE)


def test_variants_do_not_leak_into_each_other(base):
    """One builder, variants in turn: each equals its own arch_from_dict build (the base
    mapping and the memo are shared, never edited)."""
    builder = VariantBuilder(base, SOURCE, str(SYSTOLIC.parent))
    for overrides in VALID + INVALID + VALID:
        got, want = builder.build(overrides), expected(base, overrides)
        assert str(got) == str(want) if isinstance(want, Exception) else got == want
    assert base == yaml.safe_load(SYSTOLIC.read_text())


def test_an_invalid_base_reports_through_every_variant(base):
    bad = {**base, "compute": {**base["compute"], "pe_count": 7}}
    builder = VariantBuilder(bad, SOURCE, str(SYSTOLIC.parent))
    got = builder.build([("compute.clock_hz", 5e8)])
    assert isinstance(got, ConfigError) and "compute.pe_count" in str(got)


def test_section_overrides_skip_the_whole_file_and_top_level_ones_do_not(base):
    builder = VariantBuilder(base, SOURCE, str(SYSTOLIC.parent))
    sections = [("memories.filter_sram.size_bytes", 65536), ("compute.clock_hz", 5e8),
                ("compute", {"pe_count": 64, "array_rows": 8, "array_cols": 8})]
    assert builder._config(apply_overrides(base, sections), sections) is not None
    top = [("technology_nm", 7)]
    assert builder._config(apply_overrides(base, top), top) is None


def test_the_whole_file_adds_only_the_cross_field_rules_the_builder_runs():
    """The builder copies the base config with the validated sections in place and runs
    the cross-field rules itself; that equals validating the whole file only while
    ArchConfig's one validator is those rules (a validator added later must be run there
    too)."""
    from hwsim.config.schema import ArchConfig
    found = ArchConfig.__pydantic_decorators__
    assert list(found.model_validators) == ["_semantic_checks"]
    assert not found.field_validators and not found.validators and not found.root_validators
