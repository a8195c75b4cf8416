"""hwsim's row-stationary Eyeriss against the chip (Chen et al., JSSC 2017): AlexNet conv1-5 at
batch 4 (profile ``dense_act``) and VGG-16's conv layers at batch 3, then the sensitivity of
the result to the parameters the paper does not give.

    .venv/bin/python benchmarks/eyeriss_chip.py             # table + per-layer + sensitivity
    .venv/bin/python benchmarks/eyeriss_chip.py --no-sensitivity

Chip numbers: /work/shared/reference/published_inputs.json (eyeriss_chip.chip.direct);
per-layer latencies and DRAM of AlexNet from JSSC 2017 Table V (recollection, marked so).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwsim.arch import arch_from_dict  # noqa: E402
from hwsim.config.yaml_io import load_yaml_file  # noqa: E402
from hwsim.cost import estimate_network  # noqa: E402
from hwsim.workload import resolve_network  # noqa: E402

CHIP = {"alexnet": {"batch": 4, "fps": 34.7, "dram_mb": 15.4, "power_mw": 278},
        "vgg16": {"batch": 3, "fps": 0.7, "dram_mb": 321.1, "power_mw": 236}}
# JSSC 2017 Table V per layer (recollection): latency ms, DRAM MB per batch of 4
CHIP_ALEXNET_LAYERS = {"conv1": (16.5, 5.0), "conv2": (39.2, 4.0), "conv3": (21.8, 3.0),
                       "conv4": (16.0, 2.1), "conv5": (10.0, 1.3)}
PROFILE = {"alexnet": "dense_act", "vgg16": None}
# published shares of the chip's power (published_inputs.json eyeriss_chip.chip.direct)
ALU_SHARE_MAX, DATA_MOVEMENT_SHARE_MAX = 0.10, 0.45
# RLE's DRAM reduction per layer on the chip, 1.2-1.9x (eyeriss_chip.second_hand)
RLE_REDUCTION = (1.2, 1.9)
PEAK_MACS_PER_S = 33.6e9
SENSITIVITY = (("row_stationary.filter_words_per_cycle", (2, 4, 8)),
               ("row_stationary.filter_load_overlaps_compute", (False, True)),
               ("row_stationary.glb_filter_bytes", ("4 KiB", "8 KiB")),
               ("row_stationary.glb_ifmap_psum_bytes", ("64 KiB", "100 KiB")),
               ("row_stationary.noc_energy_pj_per_bit", (0.0, 0.1321, 0.2642)),
               ("memories.dram.bandwidth_gb_per_s", (0.24, 0.48, 0.96)))


def _arch(overrides=None):
    data = load_yaml_file(ROOT / "arch_configs" / "eyeriss.yaml")
    for path, value in (overrides or {}).items():
        node = data
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return arch_from_dict(data, base_dir=str(ROOT / "arch_configs"))


def measure(network: str, arch) -> dict:
    """fps, DRAM MB per batch, on-chip energy per frame (mJ) and power (mW) of the conv layers."""
    batch = CHIP[network]["batch"]
    cost = estimate_network(resolve_network(network, batch=batch, profile=PROFILE[network]), arch)
    convs = [l for l in cost.layers if l.name.startswith("conv")]
    seconds = sum(l.latency_s for l in convs)
    onchip = sum(l.energy_pj - dict(l.energy_by_component).get("dram", 0.0) for l in convs)
    return {"fps": batch / seconds, "dram_mb": sum(l.dram_bytes for l in convs) / 1e6,
            "mj_per_frame": onchip / batch / 1e9, "power_mw": onchip / 1e9 / seconds,
            "layers": convs}


def _row(name, got, chip, unit, fmt="{:.1f}"):
    diff = (got / chip - 1) * 100
    return f"| {name} | {fmt.format(chip)} {unit} | {fmt.format(got)} {unit} | {diff:+.0f} % |"


def _component_mj(layers, batch: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for layer in layers:
        for key, pj in layer.energy_by_component:
            out[key] = out.get(key, 0.0) + pj / batch / 1e9
    return out


def energy_bound(got: dict, chip: dict) -> None:
    """Why the on-chip energy cannot reach the chip's from a per-action table: the chip's
    published shares cap ALU + data movement at 55 % of its power."""
    mj = _component_mj(got["layers"], chip["batch"])
    chip_mj = chip["power_mw"] / chip["fps"]
    alu = mj.get("mac", 0.0)
    moves = sum(v for k, v in mj.items() if k not in ("mac", "dram", "leakage"))
    print(f"\ncause (energy): modelled ALU {alu:.2f} mJ = {100 * alu / chip_mj:.1f} % of the "
          f"chip's {chip_mj:.2f} mJ (published: < {100 * ALU_SHARE_MAX:.0f} %), data movement "
          f"{moves:.2f} mJ = {100 * moves / chip_mj:.1f} % (published: up to "
          f"{100 * DATA_MOVEMENT_SHARE_MAX:.0f} %); at both maxima a per-action model reaches "
          f"{(ALU_SHARE_MAX + DATA_MOVEMENT_SHARE_MAX) * chip_mj:.2f} mJ: the other >= "
          f"{100 * (1 - ALU_SHARE_MAX - DATA_MOVEMENT_SHARE_MAX):.0f} % (clock, control, "
          "leakage) has no published per-component figure")


def vgg_causes(got: dict, chip: dict) -> None:
    """The chip's MAC rate on VGG-16 and the DRAM with RLE over the published range."""
    layers = got["layers"]
    macs = sum(l.macs_dense for l in layers)
    chip_s = chip["batch"] / chip["fps"]
    fmap = sum(t.read_bytes + t.write_bytes for l in layers for t in l.traffic
               if t.kind == "dram" and str(t.operand) != "weights") / 1e6
    lo, hi = (got["dram_mb"] - fmap + fmap / r for r in RLE_REDUCTION)
    print(f"cause (VGG-16 speed): {macs / 1e9:.2f} G MACs in the chip's {chip_s:.2f} s is "
          f"{100 * macs / chip_s / PEAK_MACS_PER_S:.0f} % of its peak MAC rate (hwsim: "
          f"{100 * macs / (chip['batch'] / got['fps']) / PEAK_MACS_PER_S:.0f} %); its DRAM "
          f"{chip['dram_mb'] / chip_s:.0f} MB/s is {100 * chip['dram_mb'] / chip_s / 480:.0f} % "
          "of the 480 MB/s link: no published parameter accounts for the rest")
    print(f"cause (VGG-16 DRAM): no VGG-16 activation profile, so {fmap:.0f} of "
          f"{got['dram_mb']:.0f} MB are raw feature maps; RLE at the chip's published "
          f"per-layer reduction would give {lo:.0f} MB at {RLE_REDUCTION[0]}x and {hi:.0f} MB at "
          f"{RLE_REDUCTION[1]}x (chip {chip['dram_mb']} MB)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-sensitivity", action="store_true")
    args = parser.parse_args(argv)
    arch = _arch()
    for network, chip in CHIP.items():
        got = measure(network, arch)
        target_mj = chip["power_mw"] / chip["fps"]
        print(f"\n{network} conv layers, batch {chip['batch']}\n| | chip | hwsim | diff |\n|---|---|---|---|")
        print(_row("frames per second", got["fps"], chip["fps"], "fps", "{:.2f}"))
        print(_row("DRAM per batch", got["dram_mb"], chip["dram_mb"], "MB"))
        print(_row("on-chip energy per frame", got["mj_per_frame"], target_mj, "mJ", "{:.2f}"))
        print(_row("on-chip power", got["power_mw"], chip["power_mw"], "mW", "{:.0f}"))
        if network == "alexnet":
            energy_bound(got, chip)
        else:
            vgg_causes(got, chip)
        if network == "alexnet":
            print("\n| layer | chip ms | hwsim ms | chip DRAM MB | hwsim DRAM MB | mapping |")
            print("|---|---|---|---|---|---|")
            for l in got["layers"]:
                ms, mb = CHIP_ALEXNET_LAYERS[l.name]
                print(f"| {l.name} | {ms} | {l.latency_s * 1e3:.1f} | {mb} | "
                      f"{l.dram_bytes / 1e6:.2f} | {l.notes[0].split(': ', 1)[1]} |")
    if not args.no_sensitivity:
        print("\nSensitivity (AlexNet batch 4 | VGG-16 batch 3):")
        print("| parameter | value | AlexNet fps | DRAM MB | mJ/frame | VGG fps | VGG DRAM MB |")
        print("|---|---|---|---|---|---|---|")
        for path, values in SENSITIVITY:
            for value in values:
                a = _arch({path: value})
                x, v = measure("alexnet", a), measure("vgg16", a)
                print(f"| {path.split('.')[-1]} | {value} | {x['fps']:.1f} | {x['dram_mb']:.1f} | "
                      f"{x['mj_per_frame']:.2f} | {v['fps']:.2f} | {v['dram_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
