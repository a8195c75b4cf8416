"""compute.weight_double_buffer: a strict boolean, weight-stationary arrays only."""
import pytest

from hwsim.arch import arch_from_dict, load_arch


def test_default_is_off_and_true_is_carried(base):
    assert arch_from_dict(base).compute.weight_double_buffer is False
    base["dataflow"] = "weight_stationary"
    base["compute"]["weight_double_buffer"] = True
    assert arch_from_dict(base).compute.weight_double_buffer is True


@pytest.mark.parametrize("dataflow", ["output_stationary", "input_stationary",
                                      "row_stationary"])
def test_refused_on_other_dataflows(base, messages, dataflow):
    base["dataflow"] = dataflow
    base["compute"]["weight_double_buffer"] = True
    assert messages(base) == [
        "t.yaml: compute.weight_double_buffer must be false unless dataflow is "
        f"weight_stationary (dataflow is {dataflow}). Got True instead."]


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_only_a_boolean(base, messages, value):
    base["dataflow"] = "weight_stationary"
    base["compute"]["weight_double_buffer"] = value
    found = messages(base)
    assert len(found) == 1 and found[0].startswith("t.yaml: compute.weight_double_buffer ")


def test_shipped_systolic_ws_is_double_buffered_and_scalesim_translation_is_not():
    """systolic_ws is TPU-like (TPU1 Sec. 2 double-buffers weight tiles); the SCALE-Sim
    translation must not overlap the fill, as SCALE-Sim does not."""
    assert load_arch("arch_configs/systolic_ws.yaml").compute.weight_double_buffer
    assert not load_arch("benchmarks/peers/scalesim_32x32.yaml").compute.weight_double_buffer


def test_wavefront_needs_double_buffering(base, messages):
    base["dataflow"] = "weight_stationary"
    base["compute"]["weight_wavefront"] = True
    assert messages(base) == [
        "t.yaml: compute.weight_wavefront must be false unless compute.weight_double_buffer "
        "is true (the next fold's weights must be preloaded). Got True instead."]
    base["compute"]["weight_double_buffer"] = True
    assert arch_from_dict(base).compute.weight_wavefront is True


def test_ports_shared_or_separate(base, messages):
    name = next(n for n, l in base["memories"].items() if l["kind"] != "dram")
    assert arch_from_dict(base).level(name).ports == "shared"
    base["memories"][name]["ports"] = "separate"
    assert arch_from_dict(base).level(name).ports == "separate"
    base["memories"][name]["ports"] = "dual"
    found = messages(base)
    assert len(found) == 1 and found[0].startswith(f"t.yaml: memories.{name}.ports ")

