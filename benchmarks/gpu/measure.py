"""Measure FC, conv and MLP layers on a GPU: dense, pruned kept dense, CSR and 2:4 -> JSON.

On a CUDA machine::

    python benchmarks/gpu/measure.py --out benchmarks/results/gpu/h100.json

times every case with CUDA events after warm-up (the L2 is flushed before each timed call, so
weights come from HBM as in a whole-network inference), takes the median of ``--reps`` calls,
and, when NVML is available (``pip install nvidia-ml-py``; optional, imported lazily), the board
energy per call from NVML's total-energy counter over a back-to-back loop minus idle power x
time. The JSON records the device name, driver, CUDA and torch versions. Compare with hwsim's
prediction: ``python benchmarks/gpu/compare.py FILE``.

Without CUDA (or with ``--device cpu``) it runs a tiny CPU fallback end to end (layers shrunk
16x, batches 1 and 4, FP32 and BF16, 3 reps, wall-clock timer, no energy, 2:4 skipped since
``to_sparse_semi_structured`` needs a CUDA GPU): the script is tested this way, and its numbers
say nothing about a GPU.

Cases: AlexNet and VGG-16 fc6-fc8, ResNet-50 layer3.1.conv2 (3x3, 256 ch, 14x14), Llama-2-7B
MLP up (4096 -> 11008) and down (11008 -> 4096); variants ``dense``, ``pruned_dense`` (50 %
magnitude mask, kept dense), ``csr`` (``torch.sparse_csr`` weights at ``--csr-density``, default
0.5 and 0.1), ``semi_structured`` (2:4, ``torch.sparse.to_sparse_semi_structured``); dtypes
fp16, bf16, fp32 (TF32 switched off, so fp32 runs on CUDA cores); batches 1, 16, 64, 256.
Convolutions run as ``F.conv2d`` when dense and as their im2col GEMM (unfold outside the timed
region) when CSR or 2:4.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA = "hwsim-gpu-measure/1"
DTYPES = {"fp16": "float16", "bf16": "bfloat16", "fp32": "float32"}
VARIANTS = ("dense", "pruned_dense", "csr", "semi_structured")


@dataclass(frozen=True)
class Shape:
    """One layer: ``kind`` linear or conv2d, hwsim's network and layer name, and its sizes."""

    network: str
    layer: str
    kind: str
    in_channels: int
    out_channels: int
    in_hw: int = 1
    kernel: int = 1
    padding: int = 0

    def shrunk(self, factor: int) -> "Shape":
        """The CPU fallback's tiny copy: channels / factor (at least 8), spatial size / 2."""
        return Shape(self.network, self.layer, self.kind, max(8, self.in_channels // factor),
                     max(8, self.out_channels // factor), max(1, self.in_hw // 2),
                     self.kernel, self.padding)


@dataclass
class Result:
    network: str
    layer: str
    kind: str
    variant: str
    dtype: str
    batch: int
    density: float
    shape: dict
    status: str = "ok"
    reason: str = ""
    median_s: float | None = None
    p10_s: float | None = None
    p90_s: float | None = None
    reps: int = 0
    energy_j: float | None = None
    notes: list = field(default_factory=list)


def default_shapes() -> list[Shape]:
    """AlexNet/VGG-16 fc6-fc8 from hwsim's built-in networks, a ResNet-50 3x3 conv and the
    Llama-2-7B MLP GEMMs (shapes given here)."""
    from hwsim.workload import builtin_network
    out = []
    for net in ("alexnet", "vgg16"):
        for layer in builtin_network(net).layers:
            if layer.name in ("fc6", "fc7", "fc8"):
                out.append(Shape(net, layer.name, str(layer.kind), layer.in_channels,
                                 layer.out_channels))
    # ResNet-50 conv4_x 3x3 conv (He et al. 2016, Table 1: 3x3, 256 channels at 14x14)
    out.append(Shape("resnet50", "layer3.1.conv2", "conv2d", 256, 256, 14, 3, 1))
    out += [Shape("llama2_7b", "mlp.up", "linear", 4096, 11008),
            Shape("llama2_7b", "mlp.down", "linear", 11008, 4096)]
    return out


# ---- masks and operands ------------------------------------------------------------------

def magnitude_mask(weight, density: float):
    """Keep the ``density`` fraction of largest-magnitude weights (unstructured)."""
    import torch
    k = max(1, int(round(weight.numel() * density)))
    threshold = weight.abs().flatten().kthvalue(weight.numel() - k + 1).values
    return weight.abs() >= threshold if k < weight.numel() else torch.ones_like(weight, dtype=torch.bool)


def two_four_mask(matrix):
    """2 largest of every 4 consecutive weights along each row (the reduction dimension)."""
    import torch
    rows, cols = matrix.shape
    groups = matrix.abs().reshape(rows, cols // 4, 4)
    keep = torch.zeros_like(groups, dtype=torch.bool)
    keep.scatter_(2, groups.topk(2, dim=2).indices, True)
    return keep.reshape(rows, cols)


def _operands(shape: Shape, batch: int, dtype, device):
    """(weight matrix K x C*R*S, input) with the input as the GEMM's right operand
    (C*R*S x M) for linear layers and as an NCHW tensor for convs."""
    import torch
    gen = torch.Generator(device="cpu").manual_seed(0)
    cols = shape.in_channels * shape.kernel * shape.kernel
    weight = torch.randn(shape.out_channels, cols, generator=gen).to(device, dtype)
    if shape.kind == "conv2d":
        x = torch.randn(batch, shape.in_channels, shape.in_hw, shape.in_hw, generator=gen)
    else:
        x = torch.randn(cols, batch, generator=gen)
    return weight, x.to(device, dtype)


def build_call(shape: Shape, variant: str, batch: int, dtype, device, density: float):
    """A zero-argument function running the case once, plus notes on how it runs."""
    import torch
    import torch.nn.functional as F
    weight, x = _operands(shape, batch, dtype, device)
    notes = []
    conv = shape.kind == "conv2d"
    if variant == "pruned_dense":
        weight = weight * magnitude_mask(weight, 0.5)
    if conv and variant in ("dense", "pruned_dense"):
        w4 = weight.reshape(shape.out_channels, shape.in_channels, shape.kernel, shape.kernel)
        return (lambda: F.conv2d(x, w4, padding=shape.padding)), notes
    if conv:  # im2col GEMM: (K x C*R*S) @ (C*R*S x N*P*Q), unfold outside the timed region
        x = F.unfold(x, shape.kernel, padding=shape.padding).transpose(0, 1).reshape(
            weight.shape[1], -1).contiguous()
        notes.append("conv lowered to its im2col GEMM")
    if variant in ("dense", "pruned_dense"):
        return (lambda: weight @ x), notes
    if variant == "csr":
        with warnings.catch_warnings():  # "sparse CSR support is in beta"
            warnings.simplefilter("ignore", UserWarning)
            sparse = (weight * magnitude_mask(weight, density)).to_sparse_csr()
        return (lambda: torch.sparse.mm(sparse, x)), notes
    if variant == "semi_structured":
        if device.type != "cuda":
            raise RuntimeError("skipped: to_sparse_semi_structured needs a CUDA GPU (sm80+)")
        pruned = weight * two_four_mask(weight)
        sparse = torch.sparse.to_sparse_semi_structured(pruned)
        xt = x.t().contiguous()  # F.linear(x [M x K_r], W [N x K_r]) -> M x N
        return (lambda: F.linear(xt, sparse)), notes
    raise ValueError(variant)


# ---- timing and energy --------------------------------------------------------------------

class Timer:
    """CUDA events after an L2 flush on a GPU, ``perf_counter`` on the CPU."""

    def __init__(self, device, flush_bytes: int):
        import torch
        self.device = device
        self.cuda = device.type == "cuda"
        self.flush = torch.empty(flush_bytes // 4, dtype=torch.float32, device=device) \
            if self.cuda and flush_bytes else None

    def sync(self):
        import torch
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def time(self, call, warmup: int, reps: int) -> list[float]:
        import torch
        for _ in range(warmup):
            call()
        self.sync()
        out = []
        for _ in range(reps):
            if self.flush is not None:
                self.flush.zero_()
            if self.cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                call()
                end.record()
                end.synchronize()
                out.append(start.elapsed_time(end) / 1e3)
            else:
                t0 = time.perf_counter()
                call()
                out.append(time.perf_counter() - t0)
        return out


class Energy:
    """NVML's total-energy counter (mJ) minus idle power; ``available`` False without NVML."""

    def __init__(self, device):
        self.available, self.reason, self.idle_w, self.handle = False, "", None, None
        if device.type != "cuda":
            self.reason = "no CUDA device"
            return
        try:
            import pynvml  # optional: nvidia-ml-py
            pynvml.nvmlInit()
            self.nvml = pynvml
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(device.index or 0)
            self.available = True
            self.idle_w = self._idle_watts()
        except Exception as exc:  # noqa: BLE001 - any NVML failure means no energy
            self.reason = f"NVML unavailable: {exc}"

    def _counter_j(self) -> float:
        return self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1e3

    def _idle_watts(self, seconds: float = 1.0) -> float:
        e0, t0 = self._counter_j(), time.perf_counter()
        time.sleep(seconds)
        return (self._counter_j() - e0) / (time.perf_counter() - t0)

    def per_call(self, call, timer: Timer, min_seconds: float) -> float | None:
        """Energy per call above idle, from a back-to-back loop of at least ``min_seconds``."""
        if not self.available:
            return None
        calls, e0, t0 = 0, self._counter_j(), time.perf_counter()
        while time.perf_counter() - t0 < min_seconds:
            for _ in range(10):
                call()
            calls += 10
            timer.sync()
        elapsed, energy = time.perf_counter() - t0, self._counter_j() - e0
        return (energy - self.idle_w * elapsed) / calls


# ---- driver -------------------------------------------------------------------------------

def environment(device) -> dict:
    import torch
    env = {"device": platform.processor() or platform.machine(), "device_type": device.type,
           "torch": torch.__version__, "cuda": torch.version.cuda, "driver": None,
           "python": platform.python_version()}
    if device.type == "cuda":
        env["device"] = torch.cuda.get_device_name(device)
        try:
            import pynvml
            pynvml.nvmlInit()
            env["driver"] = pynvml.nvmlSystemGetDriverVersion()
        except Exception:  # noqa: BLE001 - the driver version is informative only
            env["driver"] = None
    return env


def run_case(shape, variant, dtype_name, batch, density, device, timer, energy, args) -> Result:
    import torch
    dtype = getattr(torch, DTYPES[dtype_name])
    d = {"pruned_dense": 0.5, "semi_structured": 0.5, "csr": density}.get(variant, 1.0)
    res = Result(shape.network, shape.layer, shape.kind, variant, dtype_name, batch, d,
                 asdict(shape))
    try:
        call, res.notes = build_call(shape, variant, batch, dtype, device, density)
        with torch.inference_mode():
            times = sorted(timer.time(call, args.warmup, args.reps))
            res.energy_j = energy.per_call(call, timer, args.energy_seconds)
    except Exception as exc:  # noqa: BLE001 - an unsupported kernel is a recorded result
        text = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
        res.status = "skipped" if text.startswith("skipped") else "error"
        res.reason = text
        return res
    res.median_s = statistics.median(times)
    res.p10_s, res.p90_s = times[len(times) // 10], times[(len(times) * 9) // 10]
    res.reps = len(times)
    return res


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="benchmarks/results/gpu/measure.json",
                   help="JSON file to write (benchmarks/results/ is git-ignored)")
    p.add_argument("--device", default="auto", help="auto, cuda, cuda:N or cpu")
    p.add_argument("--batches", type=int, nargs="+")
    p.add_argument("--dtypes", nargs="+", choices=sorted(DTYPES))
    p.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    p.add_argument("--csr-density", type=float, nargs="+", default=[0.5, 0.1])
    p.add_argument("--layers", nargs="+", help="network.layer names to keep, e.g. vgg16.fc6")
    p.add_argument("--warmup", type=int)
    p.add_argument("--reps", type=int)
    p.add_argument("--energy-seconds", type=float, default=0.3)
    p.add_argument("--flush-mib", type=int, default=256, help="L2 flush buffer (GPU only)")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    import torch
    args = parse_args(argv)
    want = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(want)
    cpu = device.type == "cpu"
    # fp32 means FP32 (CUDA cores), not TF32: cuDNN convs would otherwise use TF32 by default
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    shapes = default_shapes()
    if args.layers:
        shapes = [s for s in shapes if f"{s.network}.{s.layer}" in args.layers]
    if cpu:  # the tiny fallback: a smoke test of the whole script, not a measurement
        shapes = [s.shrunk(16) for s in shapes]
    args.batches = args.batches or ([1, 4] if cpu else [1, 16, 64, 256])
    args.dtypes = args.dtypes or (["fp32", "bf16"] if cpu else ["fp16", "bf16", "fp32"])
    args.warmup = args.warmup if args.warmup is not None else (1 if cpu else 10)
    args.reps = args.reps if args.reps is not None else (3 if cpu else 50)
    timer = Timer(device, 0 if cpu else args.flush_mib * 2 ** 20)
    energy = Energy(device)
    results = []
    for shape in shapes:
        for variant in args.variants:
            densities = args.csr_density if variant == "csr" else [1.0]
            for density in densities:
                for dtype in args.dtypes:
                    for batch in args.batches:
                        results.append(run_case(shape, variant, dtype, batch, density, device,
                                                timer, energy, args))
    doc = {"schema": SCHEMA, "cpu_fallback": cpu, **environment(device),
           "energy": {"available": energy.available, "reason": energy.reason,
                      "idle_w": energy.idle_w, "min_seconds": args.energy_seconds},
           "tf32": {"matmul": False, "cudnn": False},
           "timing": {"warmup": args.warmup, "reps": args.reps, "statistic": "median",
                      "l2_flush_bytes": 0 if cpu else args.flush_mib * 2 ** 20,
                      "timer": "perf_counter" if cpu else "cuda events"},
           "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "cases": [asdict(r) for r in results]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    tmp.replace(out)
    ok = sum(r.status == "ok" for r in results)
    print(f"{doc['device']} ({device.type}{', CPU fallback' if cpu else ''}): {ok} of "
          f"{len(results)} cases measured, written to {out}")
    return doc


if __name__ == "__main__":
    main(sys.argv[1:])
