"""Set up a tiled run (processes in :mod:`hwsim.sim.tiled`) from the analytical mapping.

The simulator does not search mappings: it walks the DRAM-level tiling that the analytical
model chose (or one given), moves the tiles through the DRAM channel itself, and takes from
the analytical model what happens inside a tile: the array's compute cycles (folds,
fill/drain, skipping, imbalance) and the on-chip traffic of the nest, which it spreads over
the steps by their share of the MACs. The DMA's own fills and drains of the first on-chip
level are simulated, so they are taken out of the apportioned traffic.

Worked example (weights through DRAM, analytical ``filter_sram`` weights: read 37.7 MB,
write 37.7 MB, of which 37.7 MB written by the DRAM fill): the array side keeps 37.7 MB of
reads, apportioned per step; the DMA writes its own fills.
"""
from __future__ import annotations

from hwsim.arch.model import Accelerator
from hwsim.cost.nest import LoopBounds
from hwsim.cost.records import LayerCost
from hwsim.sim.layout import TensorLayout, allocate
from hwsim.sim.tiled import Geometry, TiledPlan
from hwsim.sim.tiles import tile_walk
from hwsim.types import MemoryKind, Operand
from hwsim.workload.layer import LayerWorkload


def geometry(layer: LayerWorkload) -> Geometry:
    lb = layer.loop_bounds
    return Geometry(lb["C"], lb["K"], lb["R"] * lb["S"], (layer.in_height, layer.in_width),
                    layer.kernel, layer.stride, layer.padding, layer.dilation)


def layouts(layer: LayerWorkload, arch: Accelerator, paths: dict) -> dict:
    """DRAM layouts of the operands that move through DRAM (module :mod:`hwsim.sim.layout`)."""
    lb = layer.loop_bounds
    w, i, o = paths[Operand.WEIGHTS], paths[Operand.INPUTS], paths[Operand.OUTPUTS]
    shapes = {
        "weights": ((layer.out_channels, layer.matrix_shape[1]), w.bytes_per_element),
        "inputs": ((layer.batch, layer.in_channels, layer.in_height, layer.in_width),
                   i.bytes_per_element),
        "outputs": ((layer.batch, layer.out_channels, lb["P"], lb["Q"]), o.bytes_per_element),
        "psums": ((layer.batch, layer.out_channels, lb["P"], lb["Q"]), o.psum_bytes),
    }
    moving = {"weights": w.via_dram, "inputs": i.via_dram, "outputs": o.via_dram,
              "psums": o.via_dram}
    sizes = {k: TensorLayout(0, s, b).size_bytes for k, (s, b) in shapes.items() if moving[k]}
    bases = allocate(sizes, arch.dram.row_buffer_bytes)
    return {k: (TensorLayout(bases[k], *shapes[k]) if moving[k] else None) for k in shapes}


def fill_levels(paths: dict) -> dict:
    """First on-chip level of each operand that moves through DRAM: where the DMA writes."""
    return {str(op): r.fill_level.name for op, r in paths.items()
            if r.via_dram and r.fill_level is not None}


def array_port_bytes(analytical: LayerCost, paths: dict) -> dict:
    """On-chip bytes (read + write) per level that the PE side moves: the analytical traffic
    minus the DMA fills / drains of each operand's first on-chip level."""
    dram = {(t.operand): (t.read_bytes, t.write_bytes) for t in analytical.traffic
            if t.kind is MemoryKind.DRAM}
    out: dict = {}
    for t in analytical.traffic:
        if t.kind is MemoryKind.DRAM:
            continue
        read, write = t.read_bytes, t.write_bytes
        route = paths[t.operand]
        if route.via_dram and route.fill_level is not None and route.fill_level.name == t.level:
            d_read, d_write = dram.get(t.operand, (0.0, 0.0))
            write = max(write - d_read, 0.0)
            read = max(read - d_write, 0.0)
        entry = out.setdefault((t.level, t.operand), [0.0, 0.0])
        entry[0] += read
        entry[1] += write
    return out


MAX_REQUESTS = 8192
MAX_SLICES = 8192


def dma_chunk(requested: int, total_bytes: float) -> int:
    """The DMA request size: ``requested``, raised to the power of two that keeps a layer
    under about 8,192 requests; e.g. (2048, 75.6 MB) -> 16,384."""
    chunk = int(requested)
    while total_bytes / chunk > MAX_REQUESTS:
        chunk *= 2
    return chunk


def port_quantum(requested: int, level_cycles: float) -> int:
    """The port slice: ``requested``, raised so a level sees at most about 8,192 slices."""
    return max(int(requested), int(-(-level_cycles // MAX_SLICES)))


def setup_tiled(layer: LayerWorkload, analytical: LayerCost, arch: Accelerator, options,
                paths: dict) -> tuple[TiledPlan, dict]:
    """The :class:`TiledPlan` and the PE-side on-chip bytes per (level, operand)."""
    walk = tile_walk(analytical.mapping, LoopBounds.of(layer), options.max_tile_steps)
    port = array_port_bytes(analytical, paths)
    per_level: dict = {}
    for (level, _), (r, w) in port.items():
        pr, pw = per_level.get(level, (0.0, 0.0))
        per_level[level] = (pr + r, pw + w)
    dram_bytes = analytical.dram_read_bytes + analytical.dram_write_bytes
    plan = TiledPlan(walk=walk, geometry=geometry(layer), layouts=layouts(layer, arch, paths),
                     fill_level=fill_levels(paths), compute_cycles=analytical.compute_cycles,
                     port_bytes=per_level,
                     chunk_bytes=dma_chunk(options.dma_chunk_bytes, dram_bytes))
    return plan, port
