"""A BuildMemo (hwsim/arch/build.py) never changes what is built: every shipped accelerator
and every variant built with a memo equals the one built without, the unchanged levels of a
variant are reused, and a changed clock or energy table rebuilds what depends on it."""
import copy
from pathlib import Path

import pytest
import yaml

from hwsim.arch.build import BuildMemo, build_accelerator
from hwsim.config import tables
from hwsim.config.loader import load_arch_config, parse_arch_config

ARCHS = sorted((Path(__file__).parents[2] / "arch_configs").glob("*.yaml"))
SYSTOLIC = Path(__file__).parents[2] / "arch_configs" / "systolic_ws.yaml"


@pytest.mark.parametrize("path", ARCHS, ids=lambda p: p.stem)
def test_memo_builds_the_same_accelerator(path):
    config = load_arch_config(path)
    memo = BuildMemo()
    plain = build_accelerator(config, base_dir=str(path.parent))
    first = build_accelerator(config, base_dir=str(path.parent), memo=memo)
    second = build_accelerator(config, base_dir=str(path.parent), memo=memo)
    assert plain == first == second


def variant(data: dict, **changes) -> dict:
    data = copy.deepcopy(data)
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for part in path:
            node = node[part]
        node[last] = value
    return data


def test_a_variant_reuses_the_levels_it_does_not_change():
    data = yaml.safe_load(SYSTOLIC.read_text())
    base_dir = str(SYSTOLIC.parent)
    memo = BuildMemo()
    base = build_accelerator(parse_arch_config(data, base_dir=base_dir), base_dir, memo=memo)
    changed = variant(data, memories__filter_sram__size_bytes=98304)
    built = build_accelerator(parse_arch_config(changed, base_dir=base_dir), base_dir,
                              memo=memo)
    assert built == build_accelerator(parse_arch_config(changed, base_dir=base_dir), base_dir)
    assert built.level("ofmap_sram") is base.level("ofmap_sram")      # reused
    assert built.level("filter_sram") is not base.level("filter_sram")  # rebuilt
    # 96 KiB x 256 bits: 3.80 x 96^0.4726 x 256 / 64 pJ, not the 512 KiB level's energy
    assert built.level("filter_sram").read_energy_pj < base.level("filter_sram").read_energy_pj


def test_a_new_clock_gives_the_kept_dram_level_its_bandwidth():
    """DRAM bandwidth comes from its preset in GB/s, so it depends on the clock: 19.2 GB/s
    (DDR4) at 700 MHz = 27.43 bytes per cycle, at 500 MHz = 38.4. The memo keeps the level
    once and sets the bandwidth per build; back at 700 MHz it is the first level again."""
    data = yaml.safe_load(SYSTOLIC.read_text())
    base_dir = str(SYSTOLIC.parent)
    memo = BuildMemo()
    first = build_accelerator(parse_arch_config(data, base_dir=base_dir), base_dir, memo=memo)
    slow = build_accelerator(parse_arch_config(variant(data, compute__clock_hz=5e8),
                                               base_dir=base_dir), base_dir, memo=memo)
    assert slow.dram.bandwidth_bytes_per_cycle == pytest.approx(38.4)
    assert slow == build_accelerator(parse_arch_config(variant(data, compute__clock_hz=5e8),
                                                       base_dir=base_dir), base_dir)
    again = build_accelerator(parse_arch_config(data, base_dir=base_dir), base_dir, memo=memo)
    assert again.dram is first.dram
    assert first.dram.bandwidth_bytes_per_cycle == pytest.approx(19.2e9 / 7e8)


def test_another_table_or_scale_is_another_group():
    data = yaml.safe_load(SYSTOLIC.read_text())
    base_dir = str(SYSTOLIC.parent)
    memo = BuildMemo()
    at45 = build_accelerator(parse_arch_config(data, base_dir=base_dir), base_dir, memo=memo)
    at7 = build_accelerator(parse_arch_config(variant(data, technology_nm=7),
                                              base_dir=base_dir), base_dir, memo=memo)
    plain7 = build_accelerator(parse_arch_config(variant(data, technology_nm=7),
                                                 base_dir=base_dir), base_dir)
    assert at7 == plain7 and at7.level("ofmap_sram") != at45.level("ofmap_sram")


def test_memo_is_bounded():
    data = yaml.safe_load(SYSTOLIC.read_text())
    base_dir = str(SYSTOLIC.parent)
    memo = BuildMemo(limit=8)
    table = tables.energy_table("horowitz_45nm")
    for size in range(40960, 40960 + 20 * 1024, 1024):
        config = parse_arch_config(variant(data, memories__ifmap_sram__size_bytes=size),
                                   base_dir=base_dir)
        build_accelerator(config, base_dir, memo=memo)
    assert len(memo._parts(table, 1.0)) <= 8


def test_a_config_object_seen_twice_is_found_by_identity_and_equal_content_still_hits():
    """BuildMemo.get with ``same``: the first call builds (the key hashed to look and to
    store), the second (same object) finds it by content (hashed once more) and remembers
    the object, the third finds it without hashing the key: 3 hashes for 3 calls; an equal
    but distinct object still finds the part by content."""
    memo, built, table = BuildMemo(), [], object()

    class Config(tuple):
        hashed = 0

        def __hash__(self):
            Config.hashed += 1
            return tuple.__hash__(self)

    config = Config((1, 2))
    for _ in range(3):
        memo.get(table, 1.0, ("level", "glb", config), lambda: built.append(1) or "part",
                 same=(config, ("glb", id(config))))
    assert built == [1] and Config.hashed == 3
    twin = Config((1, 2))
    assert memo.get(table, 1.0, ("level", "glb", twin), lambda: "other",
                    same=(twin, ("glb", id(twin)))) == "part"
