"""ZigZag's eyeriss_like with hwsim's row-stationary mapping pinned, beside hwsim (AlexNet conv).

``benchmarks/compare_zigzag.py --pinned-rs`` runs this. hwsim prices AlexNet's conv layers
(ZigZag's workload file: batch 1, no groups) on ``arch_configs/eyeriss.yaml`` with its
row-stationary model; each layer's chosen mapping is translated to a ZigZag mapping entry
(:mod:`peers.rs_zigzag`: spatial unrolling and a complete temporal ordering, padded where a
spatial factor does not divide) and ZigZag 3.9.1 evaluates its bundled ``eyeriss_like`` with
it (its memory allocator places the loops in its own memories; no search).

Two energies are compared per layer:

* **as modelled**: each tool's own total (hwsim: eyeriss.yaml's 65 nm table, 16-bit words,
  NoC; ZigZag: eyeriss_like's unitless costs, 8-bit I/W). Different accelerators: shown for
  the record, not checked.
* **same table** (checked, 15 %): hwsim's element moves per level and operand priced with
  eyeriss_like's per-access costs (cost x element bits / port bits) plus its 0.5 per MAC,
  against ZigZag's total. What this excludes: hwsim's NoC (ZigZag has none), eyeriss_like's
  8 KB psum SRAM (hwsim's psums go spad <-> GLB; ZigZag's between the spad and its 1 MB
  SRAM are priced at that level), and the padded MACs (ZigZag's count is used for the MAC
  term of both).
"""
from __future__ import annotations

from pathlib import Path

import yaml

from peers import common, rs_zigzag
from peers.topologies import zigzag_layers

# eyeriss_like (ZigZag 3.9.1 inputs/hardware/eyeriss_like.yaml): r_cost, w_cost, port bits
ZZ_MEMORIES = {"rf_64B_A": (1.0, 1.5, 8), "rf_64B_W": (1.0, 1.5, 8), "rf_16B": (1.5, 2.0, 24),
               "sram_8KB": (10.0, 15.0, 128), "sram_64KB": (20.0, 25.0, 128),
               "sram_1M": (100.0, 130.0, 384), "dram": (1000.0, 1000.0, 64)}
ZZ_MAC_PJ = 0.5
ZZ_BITS = {"weights": 8, "inputs": 8, "outputs": 16}
# hwsim (level, operand) -> eyeriss_like memory of that operand
LEVEL_MAP = {("filter_spad", "weights"): "rf_64B_W", ("ifmap_spad", "inputs"): "rf_64B_A",
             ("psum_spad", "outputs"): "rf_16B", ("glb", "weights"): "sram_64KB",
             ("glb", "inputs"): "sram_1M", ("glb", "outputs"): "sram_1M",
             ("dram", "weights"): "dram", ("dram", "inputs"): "dram", ("dram", "outputs"): "dram"}
ZZ_OPERAND = {"W": "weights", "I": "inputs", "O": "outputs"}
BAND_PCT = 15.0
# the chip's scratchpads in elements (JSSC 2017: filter 224, ifmap 12, psum 24 x 16 b) at
# ZigZag's precisions (I, W 8 bit; psums 16 bit), bits
# and its GLB: 2 x 4 KB filter banks (4,096 16-bit words -> elements of 8 bit) and 25 x 4 KB
# ifmap/psum banks (51,200 16-bit words: psums are 16 bit in both tools)
CHIP_RF_BITS = {"rf_64B_W": 224 * 8, "rf_64B_A": 12 * 8, "rf_16B": 24 * 16,
                "sram_64KB": 4096 * 8, "sram_1M": 51200 * 16}


def chip_sized_accelerator(folder: Path) -> Path:
    """eyeriss_like with its register files and weight / ifmap-psum SRAMs resized to the chip's
    scratchpads and GLB banks (elements as in the chip; costs, ports and the 8 KB psum SRAM
    unchanged), written to ``folder``."""
    venv = common.venv_python(common.ZIGZAG).parent.parent
    bundled = next(venv.glob("lib/python3*/site-packages/zigzag/inputs/hardware/"
                             "eyeriss_like.yaml"))
    data = yaml.safe_load(bundled.read_text())
    for name, bits in CHIP_RF_BITS.items():
        data["memories"][name]["size"] = bits
    data["name"] = "eyeriss_like_chip_spads"
    path = folder / "eyeriss_like_chip_spads.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def hwsim_rs(workload: Path, arch) -> list:
    """(workload entry, hwsim LayerCost) for every conv layer of a ZigZag workload file."""
    from hwsim.cost import estimate_layer

    entries = {e["name"]: e for e in yaml.safe_load(workload.read_text())}
    return [(entries[l.name], estimate_layer(l, arch)) for l in zigzag_layers(workload)
            if entries[l.name]["operator_type"] == "Conv"]


def zigzag_inputs(pairs: list, folder: Path) -> tuple[Path, Path, dict]:
    """Write the pinned mapping and the (padded) workload for ZigZag; returns their paths and
    the per-layer translation notes {layer: {"adjusted": [...], "padded": {...}}}."""
    mapping, workload, notes = [], [], {}
    for entry, cost in pairs:
        sizes = dict(zip(entry["loop_dims"], entry["loop_sizes"]))
        zz = rs_zigzag.zigzag_entry(entry["name"], sizes, cost.mapping, cost.notes[0])
        notes[entry["name"]] = {"adjusted": zz.pop("adjusted"), "padded": zz.pop("padded")}
        mapping.append(zz)
        padded = dict(entry)
        padded["loop_sizes"] = [notes[entry["name"]]["padded"].get(d, [0, s])[1]
                                for d, s in zip(entry["loop_dims"], entry["loop_sizes"])]
        workload.append(padded)
    # ZigZag's validator wants a "default" entry; every layer here has its own
    mapping.append({"name": "default", "spatial_mapping": {"D1": ["OX, 14"], "D2": ["K, 12"]},
                    "memory_operand_links": dict(rs_zigzag.LINKS)})
    folder.mkdir(parents=True, exist_ok=True)
    map_path, wl_path = folder / "rs_pinned_mapping.yaml", folder / "rs_pinned_workload.yaml"
    map_path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    wl_path.write_text(yaml.safe_dump(workload, sort_keys=False))
    return map_path, wl_path, notes


def hwsim_elements(cost) -> dict[str, dict[str, float]]:
    """hwsim's element moves {eyeriss_like memory: {operand: reads + writes}} (16-bit words)."""
    out: dict[str, dict[str, float]] = {}
    for t in cost.traffic:
        mem = LEVEL_MAP.get(("dram" if t.kind == "dram" else t.level, str(t.operand)))
        if mem is not None:
            row = out.setdefault(mem, {})
            row[str(t.operand)] = row.get(str(t.operand), 0.0) + (t.read_bytes + t.write_bytes) / 2
    return out


def per_word(memory: str, operand: str) -> int:
    """Elements one ZigZag word access moves: whole elements per port word, at least one
    (a 16-bit psum on rf_16B's 24-bit port: 1; an 8-bit input on sram_1M's 384 bits: 48)."""
    return max(1, ZZ_MEMORIES[memory][2] // ZZ_BITS[operand])


def hwsim_same_table_pj(cost, mac_count: int) -> float:
    """hwsim's moves priced with eyeriss_like's costs (read / write cost per word access
    over the elements a word moves, :func:`per_word`) plus 0.5 per MAC."""
    total = ZZ_MAC_PJ * mac_count
    for t in cost.traffic:
        mem = LEVEL_MAP.get(("dram" if t.kind == "dram" else t.level, str(t.operand)))
        if mem is None:
            continue
        r_cost, w_cost, _ = ZZ_MEMORIES[mem]
        per = 1 / per_word(mem, str(t.operand))
        total += (t.read_bytes / 2 * r_cost + t.write_bytes / 2 * w_cost) * per
    return total


def zigzag_elements(record: dict) -> dict[str, dict[str, float]]:
    """ZigZag's element moves {memory: {operand: reads + writes}} from its word accesses."""
    out: dict[str, dict[str, float]] = {}
    for op, levels in record["memory_word_access"].items():
        operand = ZZ_OPERAND[op]
        for level in levels:
            words = sum(v for k, v in level.items() if k != "memory")
            out.setdefault(level["memory"], {})[operand] = words * per_word(level["memory"],
                                                                            operand)
    return out


def hwsim_cycle_parts(cost, filter_words_per_cycle: float) -> dict[str, float]:
    """hwsim's row-stationary cycles split as rs_cycles builds them: MAC cycles (passes x p q
    S n f), psum additions from the PE below (passes x p n f), filter loads (passes x max(p q
    S, r t R p q S / words per cycle)), and the DRAM fill / drain (latency - compute)."""
    pe = dict(next(lv for lv in cost.mapping.levels if lv.level == "pe").factors)
    sp = dict(cost.mapping.spatial)
    p, q, n, f, s = (pe.get(d, 1) for d in ("K", "C", "N", "Q", "S"))
    pqs = p * q * s
    load = max(pqs, sp.get("C", 1) * sp.get("K", 1) * sp.get("R", 1) * pqs
               / filter_words_per_cycle)
    adds = p * n * f if sp.get("R", 1) > 1 else 0
    passes = cost.compute_cycles / (pqs * n * f + adds + load)
    return {"mac": passes * pqs * n * f, "psum_add": passes * adds,
            "filter_load": passes * load, "fill_drain": cost.latency_cycles - cost.compute_cycles}


def pinned_ok(record: dict, ordering: list) -> bool:
    """ZigZag's temporal mapping (per operand, innermost first) uses exactly our loops."""
    ours = [(d, int(f)) for d, f in ordering]
    for levels in record["temporal_mapping"].values():
        theirs = [(d, int(f)) for level in levels for d, f in level]
        if theirs != ours:
            return False
    return True


def pct(ours: float, peer: float) -> float:
    """hwsim relative to the peer, %."""
    return common.rel_diff_pct(ours, peer)


def rows(pairs: list, peer: dict, mapping_path: Path, notes: dict, fwpc: float) -> list[dict]:
    """Per-layer comparison records (``fwpc``: eyeriss.yaml's filter words per cycle)."""
    orderings = {e["name"]: e.get("temporal_ordering", [])
                 for e in yaml.safe_load(mapping_path.read_text())}
    out = []
    for entry, cost in pairs:
        zz = peer["layers"][entry["name"]]
        same = hwsim_same_table_pj(cost, zz["total_mac_count"])
        onchip = cost.energy_pj - dict(cost.energy_by_component).get("dram", 0.0)
        out.append({
            "layer": entry["name"], "pinned": bool(pinned_ok(zz, orderings[entry["name"]])),
            "notes": notes[entry["name"]], "hwsim_mapping": str(cost.mapping),
            "zigzag_spatial": zz["spatial_mapping"],
            "zigzag_energy": zz["energy_total_pj"], "hwsim_same_table": same,
            "same_table_diff_pct": float(pct(same, zz["energy_total_pj"])),
            "hwsim_energy_pj": cost.energy_pj, "hwsim_onchip_pj": onchip,
            "zigzag_cycles": zz["latency_total2_cycles"],
            "zigzag_ideal_cycles": zz["ideal_cycle"], "hwsim_cycles": cost.latency_cycles,
            "hwsim_compute_cycles": cost.compute_cycles,
            "hwsim_cycle_parts": hwsim_cycle_parts(cost, fwpc),
            "zigzag_cycle_parts": {k: zz[k] for k in (
                "ideal_cycle", "ideal_temporal_cycle", "stall_slack_comb_cycles",
                "data_onloading_cycles", "data_offloading_cycles")},
            "cycles_diff_pct": float(pct(cost.latency_cycles, zz["latency_total2_cycles"])),
            "zigzag_elements": zigzag_elements(zz), "hwsim_elements": hwsim_elements(cost),
            "zigzag_macs": zz["total_mac_count"], "macs": cost.macs_dense})
    return out


def print_rows(res: list[dict], accelerator: str) -> None:
    """Energy, cycles and element moves per level, both tools."""
    print(f"\n=== ZigZag {accelerator} with hwsim's row-stationary mapping pinned (AlexNet "
          "conv, batch 1) ===")
    print(common.format_table(
        ["layer", "pinned", "ZigZag uJ", "hwsim same table uJ", "diff %", "hwsim own uJ",
         "ZigZag cycles", "hwsim cycles", "diff %", "translation"],
        [[r["layer"], "yes" if r["pinned"] else "NO", r["zigzag_energy"] / 1e6,
          r["hwsim_same_table"] / 1e6, r["same_table_diff_pct"], r["hwsim_energy_pj"] / 1e6,
          r["zigzag_cycles"], float(r["hwsim_cycles"]), r["cycles_diff_pct"],
          "; ".join(r["notes"]["adjusted"] + [f"{d} {a}->{b}" for d, (a, b)
                                              in r["notes"]["padded"].items()]) or "-"]
         for r in res]))
    print("\ncycles, thousands: hwsim MAC + psum add + filter load + DRAM fill/drain | "
          "ZigZag ideal (MACs / 168 PEs), temporal ideal, stall, onload, offload:")
    print(common.format_table(
        ["layer", "hwsim MAC", "psum add", "filter load", "fill/drain", "ZZ ideal",
         "ZZ temporal", "ZZ stall", "ZZ onload", "ZZ offload"],
        [[r["layer"], *[r["hwsim_cycle_parts"][k] / 1e3 for k in
                        ("mac", "psum_add", "filter_load", "fill_drain")],
          *[r["zigzag_cycle_parts"][k] / 1e3 for k in r["zigzag_cycle_parts"]]] for r in res]))
    print("\nelement moves per memory and operand, millions (ZigZag / hwsim):")
    mems = [m for m in ZZ_MEMORIES if any(m in r["zigzag_elements"] for r in res)]
    table = []
    for r in res:
        for op in ("weights", "inputs", "outputs"):
            table.append([r["layer"], op, *[
                f"{r['zigzag_elements'].get(m, {}).get(op, 0) / 1e6:.3g} / "
                f"{r['hwsim_elements'].get(m, {}).get(op, 0) / 1e6:.3g}" for m in mems]])
    print(common.format_table(["layer", "operand", *mems], table))
    total_zz = sum(r["zigzag_energy"] for r in res)
    total_hw = sum(r["hwsim_same_table"] for r in res)
    worst = max(abs(r["same_table_diff_pct"]) for r in res)
    print(f"\nsame-table energy: ZigZag {total_zz / 1e6:.4g}, hwsim {total_hw / 1e6:.4g} "
          f"({pct(total_hw, total_zz):+.1f} %); worst layer {worst:.1f} % (band {BAND_PCT:g} %: "
          f"{'ok' if worst <= BAND_PCT else 'OUTSIDE'}); every layer pinned: "
          f"{'yes' if all(r['pinned'] for r in res) else 'NO'}")


def compare_pinned(fresh: bool = True) -> dict:
    """Run ZigZag with the pinned mappings on the bundled eyeriss_like and on eyeriss_like
    with the chip's scratchpad sizes; returns both comparisons (the band is checked on the
    second, where both tools model the same memories)."""
    from hwsim.arch import load_arch

    arch = load_arch(common.BENCH_DIR.parent / "arch_configs" / "eyeriss.yaml")
    workload = common.INPUTS_DIR / "zigzag" / "workload_alexnet.yaml"
    pairs = hwsim_rs(workload, arch)
    folder = common.RESULTS_DIR / "rs_pinned"
    map_path, wl_path, notes = zigzag_inputs(pairs, folder)
    python = common.ensure_venv(common.ZIGZAG)
    result = {}
    for acc in ("eyeriss_like", str(chip_sized_accelerator(folder))):
        label = Path(acc).stem
        out = folder / f"zigzag_{label}_alexnet_rs_pinned.json"
        common.run_peer(python, "zigzag_runner.py", [
            "--workload", str(wl_path), "--accelerator", acc, "--mapping", str(map_path),
            "--opt", "latency", "--out", str(out)], fresh)
        res = rows(pairs, common.load_json(out), map_path, notes,
                   arch.row_stationary.filter_words_per_cycle)
        print_rows(res, label)
        result[label] = {"layers": res, "pinned": all(r["pinned"] for r in res),
                         "within_band": bool(max(abs(r["same_table_diff_pct"]) for r in res)
                                             <= BAND_PCT)}
    return result

