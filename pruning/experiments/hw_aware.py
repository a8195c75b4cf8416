"""Hardware-aware pruning against magnitude and Han's rule (issue 15): accuracy vs estimated
energy and latency on eyeriss, EIE and the sparse tensor core, per seed.

Per (model, seed): one dense network (the shipped schedule's training with ``--dense-epochs``,
on the training set minus the 10 % that the hardware-aware methods hold out, so that every
method sees the same images), then from that checkpoint:

* ``magnitude``: uniform per-layer magnitude pruning (unstructured), 50/75/90/95 %;
* ``magnitude_structured``: uniform L1 structured pruning of every non-output layer's neurons /
  filters, 25/50/75/87.5 %, compacted;
* ``han``: the shipped schedule's Han thresholds (4 iterations);
* ``energy_aware@ARCH`` and ``budget@ARCH`` (energy at ``--budget`` of dense) for each target,
  with the kind of sparsity the target can use.

Every baseline step retrains ``--retrain-epochs``; the hardware-aware runs retrain the same
number of epochs after each layer (energy-aware) or at the end (budget), plus their short
fine-tunes. Points along each run are priced by hwsim on the probe densities of the dense
model (:class:`pruning.hw_cost.CostCache`); the final network of each run is exported and
priced with ``compare_network`` (pruning on the same accelerator, issue 9) on every target.

    python -m pruning.experiments.hw_aware --model lenet300 --seeds 0 1 2
    python -m pruning.experiments.hw_aware --report        # table + Pareto figure from JSON
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from pruning.experiments.common import base_parser, setup

ARCHS = ("eyeriss", "eie", "sparse_tensor_core")
OUTPUT_LAYER = {"lenet300": "fc3", "lenet5": "fc2"}
BASELINES = {
    "magnitude": {"method": "sparsity",
                  "iterations": [{"sparsity": s} for s in (0.5, 0.75, 0.9, 0.95)]},
    "magnitude_structured": {"method": "l1_structured", "structure": "neurons",
                             "iterations": [{"sparsity": s} for s in (0.25, 0.5, 0.75, 0.875)]},
}


def _schedule(model: str, seed: int, args, pruning: dict, hardware: dict | None = None,
              compact: bool = False):
    from pruning.schedule import ScheduleConfig, load_schedule

    base = load_schedule(f"han2015_{model}").model_dump(mode="json")
    base.update(name=f"hw_{model}", seed=seed, pruning=pruning, hardware=hardware)
    base["train"]["epochs"] = args.dense_epochs
    base["retrain"]["epochs"] = args.retrain_epochs
    base["export"]["compact"] = compact
    return ScheduleConfig.model_validate(base)


def _caches(template, archs):
    from hwsim.arch import load_arch
    from pruning.experiments.common import REPO
    from pruning.hw_cost import CostCache

    return {name: (CostCache(template, load_arch(REPO / "arch_configs" / f"{name}.yaml")),
                   CostCache(template, load_arch(REPO / "arch_configs" / f"{name}.yaml"),
                             compact=True)) for name in archs}


def _price(caches, model, compact: bool) -> dict:
    from pruning.methods import current_mask
    from pruning.models import prunable_layers

    masks = {n: current_mask(m).numpy() for n, m in prunable_layers(model).items()}
    out = {}
    for name, (masked, compacted) in caches.items():
        point = (compacted if compact else masked).cost(masks)
        out[name] = {"energy_fraction": point.attribution_energy_fraction,
                     "latency_fraction": point.attribution_latency_fraction}
    return out


def _final(result, archs) -> dict:
    from hwsim.arch import load_arch
    from hwsim.cost import compare_network
    from pruning.experiments.common import REPO

    network = result.compacted_network or result.network
    out = {}
    for name in archs:
        comparison = compare_network(network, load_arch(REPO / "arch_configs" / f"{name}.yaml"))
        a = comparison.attribution.pruning
        out[name] = {"energy_fraction": 1 / a.energy, "latency_fraction": 1 / a.latency,
                     "energy_uj": comparison.pruned.total.energy_pj / 1e6,
                     "dense_energy_uj": comparison.dense.total.energy_pj / 1e6,
                     "latency_us": comparison.pruned.total.latency_s * 1e6,
                     "dense_latency_us": comparison.dense.total.latency_s * 1e6}
    return out


def _baseline(name, model, seed, args, data, dense_ckpt, out: Path, caches, archs) -> dict:
    from pruning.pipeline import _start

    compact = name == "magnitude_structured"
    pruning = BASELINES.get(name)
    if compact:                  # the output layer's neurons are the classes
        pruning = {**pruning, "exclude": [OUTPUT_LAYER[model]]}
    if pruning is None:          # han: the shipped iterations
        from pruning.schedule import load_schedule
        pruning = load_schedule(f"han2015_{model}").pruning.model_dump(mode="json")
    schedule = _schedule(model, seed, args, pruning, compact=compact)
    started = time.perf_counter()
    run, folder = _start(model, schedule, data, out / name, False)
    dense = run.dense_phase(dense_ckpt, folder / "dense.pt")
    points, records = [], []
    for phase, layers in run.phases():
        for step in run.schedule.pruning.steps():
            records.append(run.iteration(len(records) + 1, phase, layers, step))
            points.append({"accuracy_pct": records[-1].test_accuracy_pct,
                           "cost": _price(caches, run.model, compact)})
    result = run.finish(folder, dense, records, started)
    return {"method": name, "target": None, "dense_accuracy_pct": dense["test_accuracy_pct"],
            "accuracy_pct": result.final_accuracy_pct, "points": points,
            "final": _final(result, archs), "wall_time_s": time.perf_counter() - started}


def _hw(mode, arch, model, seed, args, full_data, dense_ckpt, out: Path, archs) -> dict:
    from pruning.hw_aware import run_hw_aware

    hardware = {"target_arch": f"arch_configs/{arch}.yaml", "mode": mode,
                "budget": f"energy={args.budget}" if mode == "budget" else None,
                "finetune_batches": args.finetune_batches}
    schedule = _schedule(model, seed, args, {}, hardware)
    started = time.perf_counter()
    points = []

    def on_iteration(record):
        p = record.parameters
        points.append({"accuracy_pct": record.test_accuracy_pct,
                       "cost": {arch: {"energy_fraction": p["attribution_energy_fraction"],
                                       "latency_fraction": p["attribution_latency_fraction"]}}})

    result = run_hw_aware(model, schedule, full_data, out / f"{mode}@{arch}", False, dense_ckpt,
                          on_iteration=on_iteration)
    section = result.summary["hardware_aware"]
    return {"method": mode, "target": arch, "dense_accuracy_pct": result.dense_accuracy_pct,
            "accuracy_pct": result.final_accuracy_pct, "points": points,
            "final": _final(result, archs), "kinds": section["kinds"], "met": section["met"],
            "stop_reason": section["stop_reason"],
            "layers": [{k: l[k] for k in ("name", "kind", "dense_rows", "kept_rows",
                                          "kept_weight_fraction", "energy_share_before",
                                          "energy_share_after")} for l in section["layers"]],
            "hwsim": section["hwsim"], "wall_time_s": time.perf_counter() - started}


def run_one(model: str, seed: int, args, out: Path) -> list[dict]:
    import torch

    from pruning import load_mnist
    from pruning.export import export_model
    from pruning.pipeline import _start

    full = load_mnist()
    data, val = full.validation_split(0.1)
    folder = out / model / f"seed{seed}"
    schedule = _schedule(model, seed, args, BASELINES["magnitude"])
    run, dense_dir = _start(model, schedule, data, folder / "dense", False)
    dense_ckpt = dense_dir / "dense.pt"
    if args.reuse_dense and dense_ckpt.is_file():
        run.dense_phase(dense_ckpt, dense_dir / "dense_reused.pt")
    else:
        run.dense_phase(None, dense_ckpt)
    template = export_model(run.model, val[0][:256], "probe").network
    caches = _caches(template, ARCHS)
    rows = []
    for name in ("magnitude", "magnitude_structured", "han"):
        rows.append(_baseline(name, model, seed, args, data, dense_ckpt, folder, caches, ARCHS))
        print(f"{model} seed {seed} {name}: {rows[-1]['accuracy_pct']:.1f} %", flush=True)
    for arch in ARCHS:
        for mode in ("energy_aware", "budget"):
            torch.manual_seed(seed)
            rows.append(_hw(mode, arch, model, seed, args, full, dense_ckpt, folder, ARCHS))
            print(f"{model} seed {seed} {mode}@{arch}: {rows[-1]['accuracy_pct']:.1f} %, "
                  f"energy {rows[-1]['final'][arch]['energy_fraction']:.3f}", flush=True)
    for row in rows:
        row.update(model=model, seed=seed)
    return rows


def main(argv=None) -> int:
    parser = base_parser(__doc__.splitlines()[0], "hw_aware")
    parser.add_argument("--model", choices=("lenet300", "lenet5"), default="lenet300")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--dense-epochs", type=int, default=15)
    parser.add_argument("--retrain-epochs", type=int, default=2)
    parser.add_argument("--finetune-batches", type=int, default=20)
    parser.add_argument("--budget", type=float, default=0.3)
    parser.add_argument("--reuse-dense", action="store_true",
                        help="start from OUT/<model>/seed<N>/dense/dense.pt when it exists")
    parser.add_argument("--report", action="store_true", help="table + figure from the JSONs")
    args = parser.parse_args(argv)
    out, figures = setup(args)
    if args.report:
        from pruning.experiments.hw_aware_report import report
        return report(out, figures)
    for seed in args.seeds:
        rows = run_one(args.model, seed, args, out)
        path = out / f"{args.model}_seed{seed}.json"
        path.write_text(json.dumps({"settings": vars(args) | {"out": str(out)}, "rows": rows},
                                   indent=1, default=str))
        print(f"wrote {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
