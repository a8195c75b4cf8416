"""FIFO-depth study: EIE's load-balance efficiency vs activation FIFO depth (issue 5, item 5).

The EIE-like accelerator (``arch_configs/eie.yaml``) runs AlexNet fc6/fc7/fc8 and VGG-16
fc6/fc7/fc8 with Han et al. 2015's densities (masks synthesised at those densities with the
seed), and any workload file given with ``--workload`` (e.g. a pruning run's
``workload.yaml``, whose real masks are used), at FIFO depths 1, 2, 4, ..., 256. For each
point it records the simulated cycles, the load-balance efficiency (1 - starvation bubbles /
PE time), and the analytical model's efficiency on the same mask (its finite-FIFO rule,
``hwsim.cost.imbalance``: C_D = C_inf + (C_1 - C_inf) D^-1.75 between the depth-1 and
unbounded bounds, both counting one broadcast per cycle).

    .venv/bin/python benchmarks/fifo_study.py                      # ~3-6 min on 1 core
    .venv/bin/python benchmarks/fifo_study.py --workload tests/data/real_masks/lenet300.yaml
    .venv/bin/python benchmarks/fifo_study.py --quick              # fc8 layers, 3 depths

Writes ``reports/fifo_study/fifo_study.{json,csv,md}`` and ``fifo_study.png`` (git-ignored);
``--figure reports/figures/fifo_study.png`` also saves the small PNG the docs show.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matplotlib.figure import Figure  # noqa: E402

from hwsim.arch import load_arch  # noqa: E402
from hwsim.sim import DEPTHS, fifo_study  # noqa: E402
from hwsim.sim.plots import plot_fifo_study  # noqa: E402
from hwsim.workload import load_network, resolve_network  # noqa: E402

BUILTIN = (("alexnet", ("fc6", "fc7", "fc8")), ("vgg16", ("fc6", "fc7", "fc8")))


def study(args) -> list:
    arch = load_arch(ROOT / "arch_configs" / "eie.yaml")
    depths = (1, 8, 64) if args.quick else DEPTHS
    rows = []
    for name, layers in BUILTIN:
        net = resolve_network(name, profile="han2015")
        chosen = layers[-1:] if args.quick else layers
        rows += fifo_study([net.layer(l) for l in chosen], arch, depths, args.seed, name,
                           progress=lambda text: print(text, flush=True))
    for path in args.workload:
        net = load_network(path)
        linear = [l for l in net.layers if l.kind.value != "conv2d"]
        rows += fifo_study(linear, arch, depths, args.seed, f"{net.name} ({path})",
                           progress=lambda text: print(text, flush=True))
    return rows


def table(rows) -> str:
    depths = sorted({r.depth for r in rows})
    head = ["network", "layer", "mask"] + [f"D={d}" for d in depths]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = list(dict.fromkeys((r.network, r.layer, r.mask) for r in rows))
    for net, layer, mask in keys:
        cells = []
        for d in depths:
            r = next((r for r in rows if (r.network, r.layer, r.depth) == (net, layer, d)), None)
            cells.append("-" if r is None else f"{r.load_balance_efficiency:.3f} "
                         f"({r.analytical_efficiency:.3f})")
        lines.append("| " + " | ".join([net, layer, mask] + cells) + " |")
    return ("Load-balance efficiency, simulated (analytical finite-FIFO rule), EIE-like, "
            "64 PEs\n\n"
            + "\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workload", action="append", default=[], metavar="FILE",
                        help="also study this workload file's linear layers (real masks)")
    parser.add_argument("--quick", action="store_true", help="fc8 layers, depths 1, 8, 64")
    parser.add_argument("--out", default=str(ROOT / "reports" / "fifo_study"))
    parser.add_argument("--figure", help="also save the plot here (e.g. reports/figures/...)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = study(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = [r.to_dict() for r in rows]
    (out / "fifo_study.json").write_text(json.dumps(data, indent=1) + "\n")
    with (out / "fifo_study.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    (out / "fifo_study.md").write_text(table(rows))
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    labelled = [r.__class__(**{**r.to_dict(), "layer": f"{r.network.split(' ')[0]} {r.layer}"})
                for r in rows]
    plot_fifo_study(labelled, ax, reference=0.5)
    ax.set_title("EIE-like, 64 PEs: load balance vs FIFO depth (dashed: EIE's ~50 % at D=1)",
                 fontsize="medium")
    fig.savefig(out / "fifo_study.png", dpi=110)
    if args.figure:
        fig.savefig(args.figure, dpi=90)
    print(table(rows))
    print(f"wrote {out}/fifo_study.{{json,csv,md,png}} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
