"""Activations applied in a MAC layer's output path (compute.output_activations, hwsim/cost/
fusion.py): fused rows on EIE and the systolic array, unfused where the producer runs elsewhere,
the same rule in the simulator, the config key's validation and the workload-file round trip."""
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from hwsim.arch import load_arch
from hwsim.config.loader import parse_arch_config
from hwsim.cost import estimate_network
from hwsim.errors import ConfigError
from hwsim.sim.layer import simulate_network
from hwsim.types import LayerKind
from hwsim.workload import load_network, save_network
from hwsim.workload.layer import LayerWorkload, Network

ROOT = Path(__file__).resolve().parents[2]
EIE = load_arch(ROOT / "arch_configs" / "eie.yaml")
SYSTOLIC = load_arch(ROOT / "arch_configs" / "systolic_ws.yaml")

FC1 = LayerWorkload("fc1", LayerKind.LINEAR, 784, 300, weight_density=0.1,
                    input_density=0.2, output_density=0.5)
RELU = LayerWorkload("fc1.relu", LayerKind.VECTOR, 300, 300, input_density=0.9,
                     output_density=0.5, vector_op="activation", activation="relu",
                     producer="fc1")


def test_relu_after_an_fc_layer_is_free_on_eie_and_the_total_is_the_fc_alone():
    """EIE applies ReLU in its PEs: the ReLU row is supported with 0 pJ and 0 cycles, the
    network is whole (EIE has no vector unit: without fusion the ReLU would be left out)."""
    both = estimate_network([FC1, RELU], EIE)
    alone = estimate_network([FC1], EIE)
    relu = both.layer("fc1.relu")
    assert relu.supported and relu.energy_pj == 0.0 and relu.latency_cycles == 0.0
    assert "fc1's output path" in relu.notes[0]
    assert both.coverage.complete
    assert both.total.energy_pj == pytest.approx(alone.total.energy_pj)
    assert both.total.latency_cycles == pytest.approx(alone.total.latency_cycles)


def test_fused_relu_on_the_systolic_array_costs_its_ops_on_the_activation_unit():
    """300 outputs x 1 op x 0.1 pJ (the vector unit's int32 add) = 30 pJ, no cycles, no
    traffic."""
    relu = estimate_network([FC1, RELU], SYSTOLIC).layer("fc1.relu")
    assert relu.energy_pj == pytest.approx(30.0)
    assert relu.latency_cycles == 0.0 and relu.dram_read_bytes == 0.0


def test_without_the_key_the_relu_is_a_vector_layer_eie_cannot_run():
    plain = replace(EIE, output_activations=())
    net = estimate_network([FC1, RELU], plain)
    assert not net.layer("fc1.relu").supported
    assert "no vector unit" in net.layer("fc1.relu").unsupported_reason
    assert not net.coverage.complete


def test_a_relu_whose_producer_runs_elsewhere_is_not_fused():
    """EIE cannot run conv2d: the ReLU after the conv is not applied in EIE's PEs; with the
    systolic array as fallback both run there and the systolic array fuses the ReLU."""
    conv = LayerWorkload("conv", LayerKind.CONV2D, 3, 8, 8, 8, kernel=3)
    relu = LayerWorkload("conv.relu", LayerKind.VECTOR, 288, 288, vector_op="activation",
                         activation="relu", producer="conv")
    alone = estimate_network([conv, relu], EIE)
    assert not alone.layer("conv.relu").supported
    with_fallback = estimate_network([conv, relu], replace(EIE, fallback=SYSTOLIC))
    row = with_fallback.layer("conv.relu")
    assert row.supported and row.arch == "systolic_ws" and row.latency_cycles == 0.0
    assert any("conv's output path" in n for n in row.notes)


def test_the_simulator_applies_the_same_rule():
    rows = simulate_network([FC1, RELU], EIE)
    assert [r.cost.supported for r in rows] == [True, True]
    assert rows[1].cost.energy_pj == 0.0 and rows[1].cost.model == "simulator"
    plain = simulate_network([FC1, RELU], replace(EIE, output_activations=()))
    assert not plain[1].cost.supported


def test_output_activations_are_validated_with_their_path():
    data = yaml.safe_load((ROOT / "arch_configs" / "eie.yaml").read_text())
    data["compute"]["output_activations"] = ["relu", "swish_typo"]
    with pytest.raises(ConfigError) as bad:
        parse_arch_config(data, "eie.yaml")
    assert any(p.path.startswith("compute.output_activations") for p in bad.value.problems)
    data["compute"]["output_activations"] = ["relu", "relu"]
    with pytest.raises(ConfigError) as twice:
        parse_arch_config(data, "eie.yaml")
    assert "twice" in str(twice.value)


def test_activation_and_producer_survive_a_workload_file(tmp_path):
    path = save_network(Network("n", (FC1, RELU)), tmp_path / "n.yaml")
    back = load_network(path).layer("fc1.relu")
    assert (str(back.activation), back.producer) == ("relu", "fc1")
    dense = back.with_densities()
    assert (str(dense.activation), dense.producer) == ("relu", "fc1")


def test_a_producer_without_an_activation_is_rejected():
    with pytest.raises(ConfigError, match="producer"):
        LayerWorkload("x", LayerKind.VECTOR, 4, 4, vector_op="elementwise", producer="fc1")
    with pytest.raises(ConfigError, match="activation"):
        LayerWorkload("x", LayerKind.VECTOR, 4, 4, vector_op="softmax", activation="relu")
