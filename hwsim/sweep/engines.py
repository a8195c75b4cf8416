"""Where chunks of points run: in-process (``serial``), a local process pool (``process``) or a
Dask distributed cluster (``dask``: an existing scheduler or a LocalCluster started here).

Points go in chunks of consecutive points (a chunk builds each accelerator variant once),
sized for the engine's parallel slots (a Dask cluster is asked for its thread count). Every
engine yields each finished chunk's rows as soon as it is done (completion order, not plan
order); the rows themselves do not depend on the engine. At most ``2 x slots`` chunks are in
flight, so a sweep of a million points does not queue a million tasks.

The evaluation context (base mapping + resolved networks) travels once per worker: through the
pool initializer, or ``Client.scatter(..., broadcast=True)`` on Dask. Dask workers on other
machines need hwsim installed; workload files are read here and shipped as records, but a
custom ``energy_reference`` file must exist at the same path on the workers.
"""
from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

from hwsim.errors import HwsimError
from hwsim.sweep.evaluate import EvalContext, evaluate_chunk
from hwsim.sweep.plan import SweepPoint

ENGINES = ("serial", "process", "dask")
MAX_AUTO_CHUNK = 64
CHUNKS_PER_WORKER = 8
MAX_BULK_CHUNK = 4096
BULK_CHUNKS_PER_WORKER = 2
"""Bulk evaluation (:mod:`hwsim.sweep.bulk`) shares one search per (structure, layer) over
the variants of a chunk, so its chunks are larger: about 2 per worker, at most 4,096 points
(a kill loses at most that much work, a few seconds)."""

Chunk = Sequence[SweepPoint]


@dataclass(frozen=True)
class EngineConfig:
    """``kind`` in ENGINES; ``workers`` for ``process`` (None: every core); for ``dask`` either
    ``scheduler`` (``tcp://host:8786``) or ``local_workers`` (a LocalCluster of that many
    single-threaded worker processes; None: every core)."""

    kind: str = "process"
    workers: Optional[int] = None
    scheduler: Optional[str] = None
    local_workers: Optional[int] = None
    bulk: bool = True
    """Evaluate the variants of a chunk together (:mod:`hwsim.sweep.bulk`); False: every
    point alone through ``estimate_network`` (the same rows, slower)."""


def auto_chunk_size(points: int, slots: int, bulk: bool = False) -> int:
    """About ``CHUNKS_PER_WORKER`` chunks per parallel slot, at most ``MAX_AUTO_CHUNK`` points
    (bulk: ``BULK_CHUNKS_PER_WORKER`` and ``MAX_BULK_CHUNK``).

    Example: 10,000 points on 2 slots -> ceil(10000 / 16) = 625 -> 64; 40 points -> 3; in
    bulk ceil(10000 / 4) = 2500.
    """
    per, most = ((BULK_CHUNKS_PER_WORKER, MAX_BULK_CHUNK) if bulk
                 else (CHUNKS_PER_WORKER, MAX_AUTO_CHUNK))
    return max(1, min(most, math.ceil(points / (slots * per))))


def chunked(points: Sequence[SweepPoint], size: int) -> list[tuple[SweepPoint, ...]]:
    """Consecutive runs of ``size`` points (plan order keeps a variant's workloads together)."""
    return [tuple(points[i:i + size]) for i in range(0, len(points), size)]


def run_chunks(points: Sequence[SweepPoint], context: EvalContext, engine: EngineConfig,
               chunk_size: Optional[int] = None) -> Iterator[list[dict]]:
    """Evaluate ``points`` in chunks of ``chunk_size`` (None: :func:`auto_chunk_size` for the
    engine's parallel slots) on ``engine``; yields the rows of each finished chunk."""
    if engine.kind not in ENGINES:
        raise HwsimError(f"engine must be one of {', '.join(ENGINES)}. "
                         f"Got {engine.kind!r} instead.")
    if not points:
        return iter(())
    if engine.kind == "serial":
        chunks = chunked(points, chunk_size or auto_chunk_size(len(points), 1, engine.bulk))
        return (evaluate_chunk(context, chunk, engine.bulk) for chunk in chunks)
    if engine.kind == "process":
        return _run_process(points, context, engine.workers or os.cpu_count() or 1, chunk_size,
                            engine.bulk)
    return _run_dask(points, context, engine, chunk_size)


# ---- local process pool --------------------------------------------------------------------
_WORKER_CONTEXT: list[EvalContext] = []  # set once per pool worker by its initializer


def _init_worker(context: EvalContext) -> None:
    _WORKER_CONTEXT[:] = [context]


def _worker_chunk(chunk: Chunk, bulk: bool = True) -> list[dict]:
    return evaluate_chunk(_WORKER_CONTEXT[0], chunk, bulk)


def _run_process(points: Sequence[SweepPoint], context: EvalContext, workers: int,
                 chunk_size: Optional[int], bulk: bool = True) -> Iterator[list[dict]]:
    """A spawn-started pool (no fork of a process that holds threads or open files); each
    worker unpickles the context once, with its own empty cost cache."""
    chunks = chunked(points, chunk_size or auto_chunk_size(len(points), workers, bulk))
    workers = max(1, min(workers, len(chunks)))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(context,))
    try:
        yield from _windowed(lambda c: pool.submit(_worker_chunk, c, bulk), chunks, 2 * workers,
                             _wait_local)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _wait_local(futures: set):
    done, _ = wait(futures, return_when=FIRST_COMPLETED)
    return done


def _windowed(submit, chunks: Sequence[Chunk], window: int, wait_some) -> Iterator[list[dict]]:
    """Keep ``window`` chunks in flight; yield results as they finish."""
    pending = iter(chunks)
    flying = set()
    for chunk in pending:
        flying.add(submit(chunk))
        if len(flying) >= window:
            break
    while flying:
        for future in wait_some(flying):
            flying.discard(future)
            yield future.result()
            nxt = next(pending, None)
            if nxt is not None:
                flying.add(submit(nxt))


# ---- Dask distributed ----------------------------------------------------------------------
def _run_dask(points: Sequence[SweepPoint], context: EvalContext, engine: EngineConfig,
              chunk_size: Optional[int]) -> Iterator[list[dict]]:
    from distributed import Client, LocalCluster, wait as dask_wait

    cluster = None
    if engine.scheduler:
        client = Client(engine.scheduler)
    else:
        cluster = LocalCluster(n_workers=engine.local_workers or os.cpu_count() or 1,
                               threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        slots = max(1, sum(client.nthreads().values()))
        chunks = chunked(points, chunk_size or auto_chunk_size(len(points), slots, engine.bulk))
        shared = client.scatter(context, broadcast=True)  # one copy (and cache) per worker

        def submit(chunk):
            return client.submit(evaluate_chunk, shared, list(chunk), engine.bulk, pure=False)

        def wait_some(futures):
            return dask_wait(list(futures), return_when="FIRST_COMPLETED").done

        yield from _windowed(submit, chunks, 2 * slots, wait_some)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
