"""Masks at scale (issue 12, part 3): a Llama-2-7B-shaped model with exact Wanda-like masks is
written, loaded and estimated layer by layer; prints the time of each stage and the peak RSS.

Shape: Llama-2-7B (Touvron et al. 2023, "Llama 2: Open Foundation and Fine-Tuned Chat Models",
arXiv:2307.09288; the released config: 32 layers, hidden 4096, 32 heads, 32 KV heads,
intermediate 11008, vocabulary 32000), decoding one token at a context of 2048, batch 1: per
block q/k/v/o (4096 -> 4096), the attention scores and context as act x act matmuls (one group
per head), gate/up (4096 -> 11008) and down (11008 -> 4096); then the LM head (4096 -> 32000).

Masks, Wanda-like (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large Language
Models", arXiv:2306.11695): for each of the 224 linear layers of the blocks, random weights W
(|W| as uniform 16-bit magnitudes: the sign never enters the score; ``--weights normal``
draws N(0, 1), ~4x slower to draw) and random calibration activations X (``--calib-tokens``
tokens, each input feature scaled by a log-normal factor, as LLM activations carry outlier
features), the score
|W_ij| x ||X_j||_2, and the kept weights:

* ``unstructured``: the ``cols / 2`` highest scores of every output row (50 %, exact);
* ``2:4``: the 2 highest scores of every group of 4 consecutive columns in hwsim's group order
  (:func:`hwsim.formats.structured.reduction_order`), ties to the lower index; every mask is
  checked with :func:`hwsim.formats.structured.check_n_m` as it is generated.

The LM head stays dense, as in Wanda. Each mask is generated when the writer asks for it
(:class:`hwsim.workload.masks.GeneratedMask`), packed into the sidecar and dropped, so the full
model (6.5 G weights: 26 GB of float32 scores, 6.5 GB of bool masks) never sits in memory;
:func:`hwsim.workload.save_network` writes ``<out>/llama2_7b_<variant>.yaml`` and its
``.masks.npz`` (810 MB each). Loading checks the sidecar's SHA-256 and array headers; the
estimate then reads each layer's mask when it prices that layer.

    python benchmarks/bench_llm_7b.py                  # both variants, both accelerators
    python benchmarks/bench_llm_7b.py --blocks 2       # a quick run on 2 of the 32 blocks
    python benchmarks/bench_llm_7b.py --jobs 1         # the variants one after the other

The two variants run in two processes (one per core); each prints its stages with wall and CPU
seconds (CPU time does not depend on the other load of a shared machine) and its peak RSS.

Target (issue 12): write + load + estimate within 3 minutes and 6 GB peak RSS on 2 cores.
Outputs go to bench_out/llm_7b/ (git-ignored); ``--keep`` leaves the files there.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hwsim.arch import load_arch  # noqa: E402
from hwsim.cost.network import estimate_network  # noqa: E402
from hwsim.formats.structured import check_n_m, reduction_order  # noqa: E402
from hwsim.workload import LayerWorkload, Network, load_network, save_network  # noqa: E402
from hwsim.workload import builtin_network as load_builtin  # noqa: E402
from hwsim.workload.masks import GeneratedMask  # noqa: E402

LLAMA2_7B = dict(blocks=32, hidden=4096, heads=32, kv_heads=32, intermediate=11008,
                 vocab=32000)
ROW_CHUNK = 64           # rows scored at a time: 64 x 11008 float32 = 2.8 MB (cache)
ARCHS = ("systolic_ws", "sparse_tensor_core")


def peak_rss_gb() -> float:
    """Peak resident set of this process so far (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def cpu_s() -> float:
    """CPU seconds of this process so far (user + system): the machine is shared, so the wall
    time of a stage depends on the other load; its CPU time does not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ---- masks -----------------------------------------------------------------------------------
def _scores(rng: np.random.Generator, rows: int, xnorm: np.ndarray, normal: bool) -> np.ndarray:
    """|W| x ||X_j||_2 for ``rows`` output rows (float32)."""
    cols = len(xnorm)
    if normal:
        weights = np.abs(rng.standard_normal((rows, cols), dtype=np.float32))
    else:                                  # 16-bit magnitudes: 2x faster than rng.random
        weights = np.frombuffer(rng.bytes(2 * rows * cols), np.uint16).astype(np.float32)
        weights = weights.reshape(rows, cols)
    weights *= xnorm
    return weights


def _calibration_norms(rng: np.random.Generator, cols: int, tokens: int) -> np.ndarray:
    """||X_j||_2 over ``tokens`` random calibration tokens; feature j scaled by exp(N(0, 1))."""
    scale = np.exp(rng.standard_normal(cols)).astype(np.float32)
    x = rng.standard_normal((tokens, cols), dtype=np.float32) * scale
    return np.linalg.norm(x, axis=0)


def _row_top_half(score: np.ndarray) -> np.ndarray:
    """Keep the cols // 2 highest scores of each row, exactly: a per-row partition gives the
    threshold; rows with ties at it are redone by :func:`_exact_rows`. Scores are >= 0, so
    their float32 bits order as int32 do, and an int32 partition is 25 % faster."""
    cols = score.shape[1]
    keep = cols // 2
    bits = score.view(np.int32)
    threshold = np.partition(bits, cols - keep, axis=1)[:, cols - keep, None]
    return _exact_rows(score, bits >= threshold, keep)


def _exact_rows(score: np.ndarray, mask: np.ndarray, keep: int) -> np.ndarray:
    """Rows with ties at the threshold (more than ``keep`` kept), redone by argpartition."""
    cols = score.shape[1]
    for row in np.flatnonzero(mask.sum(axis=1) != keep):
        mask[row] = False
        mask[row, np.argpartition(score[row], cols - keep)[cols - keep:]] = True
    return mask


def _group_top_n(members: list[np.ndarray], n: int) -> np.ndarray:
    """Keep the n highest of every group of m = len(members) scores; ``members[i]`` holds
    element i of every group (rows, groups). Each element is ranked by the pairwise
    comparisons of its group (the lower index wins a tie); returns the (rows, groups * m)
    mask with group g at columns m*g .. m*g + m - 1."""
    m = len(members)
    beaten = [np.zeros(members[0].shape, dtype=np.uint8) for _ in range(m)]
    for i in range(m):
        for j in range(i + 1, m):
            i_wins = members[i] >= members[j]
            beaten[j] += i_wins
            beaten[i] += ~i_wins
    keep = np.stack([b < n for b in beaten], axis=-1)
    return keep.reshape(len(keep), -1)


def wanda_mask(seed: int, rows: int, cols: int, variant: str, calib_tokens: int,
               normal: bool) -> np.ndarray:
    """The (rows, cols) Wanda-like mask of one layer (module docstring), built in row chunks."""
    rng = np.random.default_rng(seed)
    xnorm = _calibration_norms(rng, cols, calib_tokens)
    order = reduction_order((rows, cols))                # identity for a linear layer
    order = None if np.array_equal(order, np.arange(cols)) else order
    mask = np.empty((rows, cols), dtype=bool)
    columns = order if order is not None else slice(None)
    for start in range(0, rows, ROW_CHUNK):
        chunk = min(ROW_CHUNK, rows - start)
        if variant == "unstructured":
            mask[start:start + chunk] = _row_top_half(_scores(rng, chunk, xnorm, normal))
        else:       # iid weights: draw element i of every group of 4 as one contiguous block
            grouped = xnorm[columns].reshape(-1, 4)
            members = [_scores(rng, chunk, np.ascontiguousarray(grouped[:, i]), normal)
                       for i in range(4)]
            mask[start:start + chunk, columns] = _group_top_n(members, 2)
    if variant == "2:4" and not check_n_m(mask, 2, 4).ok:
        raise RuntimeError(f"generated mask breaks 2:4: {check_n_m(mask, 2, 4).describe()}")
    return mask


# ---- the network -----------------------------------------------------------------------------
def llama_layers(variant: str, blocks: int, context: int, seed: int, calib_tokens: int,
                 normal: bool) -> tuple[LayerWorkload, ...]:
    """Decode-step layers of a Llama-2-7B-shaped model, masks generated on demand."""
    h, heads, ff, vocab = (LLAMA2_7B[k] for k in ("hidden", "heads", "intermediate", "vocab"))
    d = h // heads
    layers = []

    def linear(name: str, d_in: int, d_out: int) -> LayerWorkload:
        index = len(layers)
        make = (lambda: wanda_mask(seed * 100_003 + index, d_out, d_in, variant, calib_tokens,
                                   normal))
        return LayerWorkload(name, "linear", d_in, d_out, weight_density=0.5,
                             weight_mask=GeneratedMask((d_out, d_in), make))

    for b in range(blocks):
        p = f"layers.{b}"
        for proj in ("q_proj", "k_proj", "v_proj"):
            layers.append(linear(f"{p}.self_attn.{proj}", h, h))
        layers.append(LayerWorkload(f"{p}.self_attn.scores", "act_matmul", heads * d,
                                    heads * context, groups=heads))
        layers.append(LayerWorkload(f"{p}.self_attn.context", "act_matmul", heads * context,
                                    heads * d, groups=heads))
        layers.append(linear(f"{p}.self_attn.o_proj", h, h))
        layers.append(linear(f"{p}.mlp.gate_proj", h, ff))
        layers.append(linear(f"{p}.mlp.up_proj", h, ff))
        layers.append(linear(f"{p}.mlp.down_proj", ff, h))
    layers.append(LayerWorkload("lm_head", "linear", h, vocab))
    return tuple(layers)


# ---- stages ----------------------------------------------------------------------------------
def run_variant(variant: str, args, archs) -> tuple[float, float]:
    """Write, load and estimate one variant; prints each stage; returns (wall, CPU) seconds."""
    tag = variant.replace(":", "of")
    net = Network(f"llama2_7b_{tag}", llama_layers(variant, args.blocks, args.context,
                                                  args.seed, args.calib_tokens,
                                                  args.weights == "normal"), f"wanda_{tag}")
    path = args.out / f"llama2_7b_{tag}.yaml"
    began = _now()
    save_network(net, path)
    del net
    sidecar = path.with_name(path.stem + ".masks.npz")
    _stage(f"{variant} write", began, f"{path.stat().st_size / 1e3:.0f} kB yaml + "
           f"{sidecar.stat().st_size / 1e6:.0f} MB sidecar")
    start = _now()
    loaded = load_network(path)
    masked = sum(layer.has_mask for layer in loaded.layers)
    _stage(f"{variant} load", start, f"{len(loaded.layers)} layers, {masked} masks, "
           "SHA-256 and array headers checked")
    for arch in archs:
        start = _now()
        cost = estimate_network(loaded, arch)
        masked_costs = [c for c, l in zip(cost.layers, loaded.layers) if l.has_mask]
        nnz = sum(l.weight_nnz for l in loaded.layers if l.has_mask)
        weights = sum(l.weight_count for l in loaded.layers if l.has_mask)
        stored = sum(c.weights.stored_bytes for c in masked_costs) / 1e9
        dense = sum(c.weights.dense_bytes for c in masked_costs) / 1e9
        _stage(f"{variant} estimate on {arch.name}", start,
               f"kept {nnz / weights:.4f} of {weights / 1e9:.2f} G masked weights; masked "
               f"layers store {stored:.2f} GB (dense {dense:.2f} GB); total "
               f"{cost.total.energy_pj / 1e12:.3f} J, {cost.total.latency_s * 1e3:.1f} ms")
    return time.perf_counter() - began[0], cpu_s() - began[1]


def _stage(name: str, start: tuple[float, float], detail: str) -> None:
    print(f"{name:<40} {time.perf_counter() - start[0]:6.1f} s wall {cpu_s() - start[1]:6.1f} s "
          f"CPU   peak RSS {peak_rss_gb():4.2f} GB   {detail}", flush=True)


def _now() -> tuple[float, float]:
    return time.perf_counter(), cpu_s()


def builtin_check(layers: tuple[LayerWorkload, ...]) -> str:
    """Whether the linear layers match hwsim's ``llama2_7b`` built-in (names, shapes) when it is
    there; the benchmark does not need it (its own layer list is the workload)."""
    try:
        builtin = load_builtin("llama2_7b")
    except Exception as exc:  # noqa: BLE001 - any failure only means "not available"
        return f"llama2_7b built-in not available ({type(exc).__name__}): not cross-checked"
    ours = {l.name: l.weight_shape for l in layers if l.kind == "linear"}
    theirs = {l.name: l.weight_shape for l in builtin.layers if l.kind == "linear"}
    if ours != theirs:
        differ = sorted(set(ours.items()) ^ set(theirs.items()))[:3]
        return f"linear layers differ from the llama2_7b built-in: {differ}"
    return (f"the {len(ours)} linear layers match the llama2_7b built-in "
            f"({sum(l.stored_weight_count for l in builtin.layers):,} stored weights)")


def _variant_job(job: tuple) -> tuple[str, float, float, float]:
    """One variant in a worker process: (variant, wall s, CPU s, peak RSS GB)."""
    variant, args = job
    archs = [load_arch(ROOT / "arch_configs" / f"{name}.yaml") for name in args.arch.split(",")]
    wall, cpu = run_variant(variant, args, archs)
    print(f"{variant + ' write + load + estimate':<40} {wall:6.1f} s wall {cpu:6.1f} s CPU",
          flush=True)
    return variant, wall, cpu, peak_rss_gb()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=LLAMA2_7B["blocks"])
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--calib-tokens", type=int, default=128)
    parser.add_argument("--weights", choices=("uniform", "normal"), default="uniform")
    parser.add_argument("--variants", default="2:4,unstructured")
    parser.add_argument("--arch", default=",".join(ARCHS))
    parser.add_argument("--jobs", type=int, default=2,
                        help="variants run at once, one process each (2 cores: 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench_out" / "llm_7b")
    parser.add_argument("--keep", action="store_true", help="keep the files written")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    variants = args.variants.split(",")
    print(f"Llama-2-7B shape, {args.blocks} of 32 blocks, decode at context {args.context}, "
          f"{args.weights} |W|, {args.calib_tokens} calibration tokens, {len(variants)} "
          f"variants on {min(args.jobs, len(variants))} processes", flush=True)
    if args.blocks == LLAMA2_7B["blocks"]:
        print(builtin_check(llama_layers("2:4", args.blocks, args.context, args.seed,
                                         args.calib_tokens, False)), flush=True)
    start = time.perf_counter()
    try:
        jobs = [(variant, args) for variant in variants]
        if args.jobs > 1 and len(jobs) > 1:
            with multiprocessing.get_context("fork").Pool(min(args.jobs, len(jobs))) as pool:
                results = pool.map(_variant_job, jobs, chunksize=1)
        else:
            results = [_variant_job(job) for job in jobs]
    finally:
        if not args.keep:
            shutil.rmtree(args.out, ignore_errors=True)
    wall = time.perf_counter() - start
    cpu = sum(r[2] for r in results)
    peaks = " + ".join(f"{r[3]:.2f}" for r in results)
    print(f"{'all variants':<40} {wall:6.1f} s wall {cpu:6.1f} s CPU   peak RSS per process "
          f"{peaks} GB (targets: 180 s, 6 GB); load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)


if __name__ == "__main__":
    main()
