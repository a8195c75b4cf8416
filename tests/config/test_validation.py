"""One failing input per validation rule; each asserts the dotted path and the bad value."""
import pytest

from hwsim.config import ArchConfig, parse_arch_config
from hwsim.errors import ConfigError


def only(msgs):
    assert len(msgs) == 1, msgs
    return msgs[0]


def test_the_base_config_is_valid(base, messages):
    assert messages(base) == []


def test_unknown_key_lists_allowed_keys_and_suggests(base, messages):
    base["memories"]["glb"]["sizebytes"] = 3
    msg = only(messages(base))
    assert msg.startswith("t.yaml: memories.glb.sizebytes must be a known key")
    assert "size_bytes, source, width_bits" in msg and "did you mean 'size_bytes'?" in msg
    assert msg.endswith("Got 'sizebytes' instead.")


def test_unknown_top_level_key(base, messages):
    base["dataflw"] = "weight_stationary"
    msg = only(messages(base))
    assert "dataflw must be a known key (allowed in the top level:" in msg
    assert "did you mean 'dataflow'?" in msg


def test_missing_field(base, messages):
    del base["compute"]["clock_hz"]
    assert only(messages(base)) == "t.yaml: compute.clock_hz must be given. Got nothing instead."


def test_clock_must_be_positive(base, messages):
    base["compute"]["clock_hz"] = -1
    assert only(messages(base)) == "t.yaml: compute.clock_hz must be >= 1000. Got -1 instead."


def test_width_must_be_positive(base, messages):
    base["memories"]["glb"]["width_bits"] = 0
    assert only(messages(base)) == "t.yaml: memories.glb.width_bits must be > 0. Got 0 instead."


def test_size_string_must_use_binary_units(base, messages):
    base["memories"]["glb"]["size_bytes"] = "64 KB"
    msg = only(messages(base))
    assert msg.startswith("t.yaml: memories.glb.size_bytes must be a whole number of bytes")
    assert msg.endswith("Got '64 KB' instead.")


def test_size_string_is_accepted(base):
    base["memories"]["glb"]["size_bytes"] = "64 KiB"
    assert parse_arch_config(base).memories["glb"].size_bytes == 65536


def test_capacity_grows_outwards(base, messages):
    """The example of the style guide, verbatim: 4 MiB glb inside a 2 MiB DRAM."""
    base["memories"]["dram"]["size_bytes"] = 2097152
    base["memories"]["glb"]["size_bytes"] = 4194304
    assert only(messages(base, "eie.yaml")) == ("eie.yaml: memories.glb.size_bytes must be <= "
                                                "2097152 (memories.dram.size_bytes). Got 4194304 "
                                                "instead.")


def test_capacity_counts_instances(base, messages):
    """16 RFs of 8192 B = 131072 B > the 65536 B glb: at most 65536 / 16 = 4096 B each."""
    base["memories"]["rf"]["size_bytes"] = 8192
    assert only(messages(base)) == ("t.yaml: memories.rf.size_bytes must be <= 4096 "
                                    "(memories.glb.size_bytes, shared by 16 instances). "
                                    "Got 8192 instead.")


def test_capacity_only_compares_levels_holding_the_same_operand(base, messages):
    base["memories"]["rf"].update(size_bytes=8192, operands=["outputs"])
    base["memories"]["glb"]["operands"] = ["weights", "inputs"]
    base["memories"]["sbuf"] = {"kind": "sram", "size_bytes": 2 ** 20, "width_bits": 64,
                                "operands": ["outputs"]}
    base["memories"] = {k: base["memories"][k] for k in ("dram", "glb", "sbuf", "rf")}
    assert messages(base) == []


def test_dram_comes_first(base, messages):
    mems = base["memories"]
    base["memories"] = {"glb": mems["glb"], "dram": mems["dram"], "rf": mems["rf"]}
    msgs = messages(base)
    assert "t.yaml: memories.glb.kind must be 'dram' (memories run from DRAM, listed first, " \
           "inwards to register files). Got 'sram' instead." in msgs


def test_exactly_one_dram(base, messages):
    base["memories"]["rf"] = {"kind": "dram", "preset": "ddr4", "size_bytes": 2 ** 20}
    msgs = messages(base)
    assert any(m.startswith("t.yaml: memories.rf.kind must be 'sram' or 'regfile' (exactly one "
                            "DRAM level") and m.endswith("Got 'dram' instead.") for m in msgs)


def test_dram_holds_every_operand(base, messages):
    base["memories"]["dram"]["operands"] = ["weights", "inputs"]
    assert only(messages(base)) == ("t.yaml: memories.dram.operands must include weights, inputs "
                                    "and outputs (DRAM holds every tensor). Got ['weights', "
                                    "'inputs'] instead.")


def test_every_operand_has_an_on_chip_level(base, messages):
    for name in ("glb", "rf"):
        base["memories"][name]["operands"] = ["weights", "outputs"]
    assert only(messages(base)) == ("t.yaml: memories must include an on-chip level holding "
                                    "inputs (its path from DRAM to the MACs). Got ['glb', 'rf'] "
                                    "instead.")


def test_resident_policy_needs_on_chip_weights(base, messages):
    base["residency"] = {"policy": "network"}
    for name in ("glb", "rf"):
        base["memories"][name]["operands"] = ["inputs", "outputs"]
    assert only(messages(base)) == ("t.yaml: residency.policy must be streamed when no on-chip "
                                    "level holds weights (resident weights need on-chip weight "
                                    "capacity). Got 'network' instead.")


def test_unknown_operand(base, messages):
    base["memories"]["glb"]["operands"] = ["weights", "psums"]
    msg = only(messages(base))
    assert msg == ("t.yaml: memories.glb.operands.1 must be one of 'weights', 'inputs' or "
                   "'outputs'. Got 'psums' instead.")


def test_level_without_operands_needs_metadata_for(base, messages):
    base["memories"]["ptr"] = {"kind": "sram", "size_bytes": 1024, "width_bits": 16,
                               "operands": []}
    assert only(messages(base)) == ("t.yaml: memories.ptr.operands must list at least one operand "
                                    "(or give metadata_for for a level holding only format "
                                    "metadata). Got [] instead.")
    base["memories"]["ptr"]["metadata_for"] = ["weights"]
    assert messages(base) == []


def test_invalid_level_kind(base, messages):
    base["memories"]["glb"]["kind"] = "sramm"
    assert only(messages(base)) == ("t.yaml: memories.glb.kind must be one of 'dram', 'sram', "
                                    "'regfile'. Got 'sramm' instead.")


def test_index_bits_in_range(base, messages):
    base["sparsity"] = {"weight_format": {"format": "csc", "index_bits": 40}}
    assert only(messages(base)) == ("t.yaml: sparsity.weight_format.index_bits must be <= 32. "
                                    "Got 40 instead.")


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_index_bits_required(base, fmt, messages):
    base["sparsity"] = {"weight_format": {"format": fmt}}
    assert only(messages(base)) == (f"t.yaml: sparsity.weight_format.index_bits must be given "
                                    f"for format {fmt} (1..32). Got nothing instead.")


def test_run_bits_required_for_rle(base, messages):
    base["sparsity"] = {"activation_format": {"format": "rle"}}
    assert only(messages(base)) == ("t.yaml: sparsity.activation_format.run_bits must be given "
                                    "for format rle (1..32). Got nothing instead.")


def test_index_bits_meaningless_for_dense(base, messages):
    base["sparsity"] = {"activation_format": {"format": "dense", "index_bits": 4}}
    assert only(messages(base)) == ("t.yaml: sparsity.activation_format.index_bits must be "
                                    "omitted for format dense. Got 4 instead.")


def test_n_below_m(base, messages):
    base["sparsity"] = {"structured": {"n": 4, "m": 4}}
    assert only(messages(base)) == ("t.yaml: sparsity.structured.n must be < 4 "
                                    "(sparsity.structured.m). Got 4 instead.")


def test_n_positive(base, messages):
    base["sparsity"] = {"structured": {"n": 0, "m": 4}}
    assert only(messages(base)) == "t.yaml: sparsity.structured.n must be > 0. Got 0 instead."


def test_nm_metadata_bits_enough(base, messages):
    """1:4 has C(4,1) = 4 patterns: ceil(log2 4) = 2 bits for the one kept weight."""
    base["sparsity"] = {"structured": {"n": 1, "m": 4, "metadata_bits": 1}}
    assert only(messages(base)) == ("t.yaml: sparsity.structured.metadata_bits must be >= 2 (to "
                                    "encode which 1 of 4 weights are kept). Got 1 instead.")


def test_pe_count_is_rows_times_cols(base, messages):
    base["compute"]["pe_count"] = 15
    assert only(messages(base)) == ("t.yaml: compute.pe_count must be 16 (compute.array_rows x "
                                    "compute.array_cols = 4 x 4). Got 15 instead.")


def test_accumulator_at_least_operand_width(base, messages):
    base["compute"]["accumulator_bits"] = 4
    assert only(messages(base)) == ("t.yaml: compute.accumulator_bits must be >= 8 (the wider of "
                                    "weight_bits and activation_bits). Got 4 instead.")


def test_fifo_depth_at_least_one(base, messages):
    base["sparsity"] = {"fifo_depth": 0}
    assert only(messages(base)) == "t.yaml: sparsity.fifo_depth must be > 0. Got 0 instead."


def test_codebook_fits_index_width(base, messages):
    base["sparsity"] = {"weight_sharing": {"codebook_entries": 32, "stored_bits": 4}}
    assert only(messages(base)) == ("t.yaml: sparsity.weight_sharing.codebook_entries must be <= "
                                    "16 (2 ** sparsity.weight_sharing.stored_bits). Got 32 "
                                    "instead.")


def test_codebook_value_bits_match_stored_bits(base, messages):
    base["sparsity"] = {"weight_format": {"value_bits": 8},
                        "weight_sharing": {"codebook_entries": 16, "stored_bits": 4}}
    assert only(messages(base)) == ("t.yaml: sparsity.weight_format.value_bits must be 4 "
                                    "(sparsity.weight_sharing.stored_bits) or omitted. Got 8 "
                                    "instead.")


def test_energies_not_negative(base, messages):
    base["memories"]["glb"]["read_energy_pj"] = -1
    assert only(messages(base)) == ("t.yaml: memories.glb.read_energy_pj must be >= 0. Got -1 "
                                    "instead.")


def test_energy_given_one_way(base, messages):
    base["memories"]["glb"].update(read_energy_pj=10, read_energy_pj_per_bit=0.2)
    assert only(messages(base)) == ("t.yaml: memories.glb.read_energy_pj_per_bit must be omitted "
                                    "when read_energy_pj is given (give one of them). Got 0.2 "
                                    "instead.")


def test_bandwidth_given_one_way(base, messages):
    base["memories"]["dram"].update(bandwidth_gb_per_s=10, bandwidth_bytes_per_cycle=4)
    assert only(messages(base)) == ("t.yaml: memories.dram.bandwidth_gb_per_s must be omitted "
                                    "when bandwidth_bytes_per_cycle is given (give one of them). "
                                    "Got 10.0 instead.")


def test_gated_fraction_in_unit_interval(base, messages):
    base["compute"]["gated_mac_energy_fraction"] = 1.5
    assert only(messages(base)) == ("t.yaml: compute.gated_mac_energy_fraction must be <= 1. "
                                    "Got 1.5 instead.")


def test_width_fits_the_level(base, messages):
    base["memories"]["rf"]["width_bits"] = 1024
    assert only(messages(base)) == ("t.yaml: memories.rf.width_bits must be <= 512 "
                                    "(memories.rf.size_bytes x 8 bits). Got 1024 instead.")


def test_unknown_dram_preset(base, messages):
    base["memories"]["dram"]["preset"] = "lpddr5"
    assert only(messages(base)) == ("t.yaml: memories.dram.preset must be one of ['ddr4', "
                                    "'hbm2', 'lpddr2', 'lpddr4']. Got 'lpddr5' instead.")


def test_dram_without_preset_needs_energy_width_bandwidth(base, messages):
    del base["memories"]["dram"]["preset"]
    msgs = messages(base)
    assert [m.split(" must")[0] for m in msgs] == [
        "t.yaml: memories.dram.read_energy_pj_per_bit", "t.yaml: memories.dram.width_bits",
        "t.yaml: memories.dram.bandwidth_gb_per_s"]
    assert all(m.endswith("Got nothing instead.") for m in msgs)


def test_technology_node_must_be_tabulated(base, messages):
    base["technology_nm"] = 28
    assert only(messages(base)) == ("t.yaml: technology_nm must be 45 (the energy table's node) "
                                    "or a node the scaling table knows: [7, 10, 14, 16, 20, 32, "
                                    "45, 65, 90, 130]. Got 28.0 instead.")


def test_mac_energy_needed_beyond_the_table(base, messages):
    base["compute"].update(weight_bits=64, activation_bits=64, accumulator_bits=64)
    msg = only(messages(base))
    assert msg.startswith("t.yaml: compute.mac_energy_pj must be given: the energy table "
                          "horowitz_45nm has no int multiply of >= 64 bits")
    base["compute"]["mac_energy_pj"] = 12.0
    assert messages(base) == []


def test_energy_reference_must_exist(base, messages):
    base["energy_reference"] = "no/such/table.yaml"
    msg = only(messages(base))
    assert msg.startswith("t.yaml: energy_reference must name a built-in table")
    assert msg.endswith("Got 'no/such/table.yaml' instead.")


def test_root_must_be_a_mapping():
    with pytest.raises(ConfigError) as err:
        parse_arch_config([1, 2], "x.yaml")
    assert str(err.value) == ("x.yaml: <root> must be a mapping with keys such as name, memories, "
                              "compute. Got 'list' instead.")


def test_every_problem_of_a_file_at_once(base, messages):
    """Field errors (pydantic) and cross-field rules together, one message each."""
    base["memories"]["glb"]["sizebytes"] = 1          # unknown key
    base["memories"]["rf"]["size_bytes"] = -3        # field range
    base["compute"]["mac_energy_pj"] = -1            # field range in compute ...
    base["compute"]["pe_count"] = 10                 # ... and a rule on the same section
    base["memories"]["dram"]["preset"] = "lpddr5"    # rule: preset
    base["sparsity"] = {"weight_format": {"format": "csc"},               # rule: index bits
                        "structured": {"n": 4, "m": 4},                   # rule: N:M
                        "weight_sharing": {"codebook_entries": 32, "stored_bits": 4}}
    msgs = messages(base)
    paths = [m.split(": ", 1)[1].split(" ")[0] for m in msgs]
    assert paths == ["memories.glb.sizebytes", "memories.rf.size_bytes", "compute.mac_energy_pj",
                     "memories.dram.preset", "compute.pe_count",
                     "sparsity.weight_format.index_bits", "sparsity.structured.n",
                     "sparsity.weight_sharing.codebook_entries"]
    assert all(m.startswith("t.yaml: ") and " instead." in m for m in msgs)


def test_model_validate_alone_runs_the_rules(base):
    """Sweeps may call ArchConfig.model_validate: the cross-field rules still run."""
    base["compute"]["pe_count"] = 15
    with pytest.raises(ConfigError) as err:
        ArchConfig.model_validate(base)
    assert "compute.pe_count must be 16" in str(err.value)


def test_config_is_frozen(base):
    config = parse_arch_config(base)
    with pytest.raises(Exception):
        config.name = "other"
    with pytest.raises(Exception):
        config.compute.clock_hz = 1.0
