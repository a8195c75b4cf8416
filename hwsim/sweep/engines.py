"""Where chunks of points run: in-process (``serial``), a local process pool (``process``) or a
Dask distributed cluster (``dask``: an existing scheduler or a LocalCluster started here).

Points go in chunks of consecutive points (a chunk builds each accelerator variant once),
sized for the engine's parallel slots (a Dask cluster is asked for its thread count). Every
engine yields each finished chunk's rows as soon as it is done (completion order, not plan
order); the rows themselves do not depend on the engine. At most ``2 x slots`` chunks are in
flight, so a sweep of a million points does not queue a million tasks. A worker can also
encode its chunk's JSONL lines (``encoded``), so that the main process, which only writes
them, never holds the workers up at the end.

The evaluation context (base mapping + resolved networks) travels once per worker: through the
pool initializer, or ``Client.scatter(..., broadcast=True)`` on Dask. Worker processes
started for the sweep (the pool's, a LocalCluster's) freeze their start-up objects and space
their garbage collections (:data:`WORKER_GC_THRESHOLD`); an existing cluster's workers are
left as they are. Dask workers on other machines need hwsim installed; workload files are
read here and shipped as records, but a custom ``energy_reference`` file must exist at the
same path on the workers.
"""
from __future__ import annotations

import gc
import math
import multiprocessing
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

from threadpoolctl import threadpool_limits

from hwsim.errors import HwsimError
from hwsim.sweep.evaluate import EvalContext, evaluate_chunk
from hwsim.sweep.plan import SweepPoint
from hwsim.sweep.store import encode_rows

ENGINES = ("serial", "process", "dask")
MAX_AUTO_CHUNK = 64
CHUNKS_PER_WORKER = 8
MAX_BULK_CHUNK = 8192
"""Bulk evaluation (:mod:`hwsim.sweep.bulk`) shares one search per (structure, layer) over
the variants of a chunk, and the search of a group of variants costs a fixed part plus a
part per variant, so its chunks are as large as the slots allow: one per slot, at most
8,192 points (a kill loses at most that much work, a few seconds), in a multiple of the
slots so that they finish together."""

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
    """About ``CHUNKS_PER_WORKER`` chunks per parallel slot, at most ``MAX_AUTO_CHUNK`` points;
    bulk: the fewest chunks of at most ``MAX_BULK_CHUNK`` points, their count a multiple of
    ``slots``, all of one size (give or take a point).

    Example: 10,000 points on 2 slots -> ceil(10000 / 16) = 625 -> 64; 40 points -> 3; in
    bulk 2 chunks of 5,000; 100,000 in bulk: ceil(100000 / 8192) = 13 -> 14 chunks of 7,143.
    """
    if not bulk:
        return max(1, min(MAX_AUTO_CHUNK, math.ceil(points / (slots * CHUNKS_PER_WORKER))))
    count = math.ceil(max(1, math.ceil(points / MAX_BULK_CHUNK)) / slots) * slots
    return max(1, math.ceil(points / count))


def chunked(points: Sequence[SweepPoint], size: int) -> list[tuple[SweepPoint, ...]]:
    """Consecutive runs of ``size`` points (plan order keeps a variant's workloads together)."""
    return [tuple(points[i:i + size]) for i in range(0, len(points), size)]


def run_chunks(points: Sequence[SweepPoint], context: EvalContext, engine: EngineConfig,
               chunk_size: Optional[int] = None, encoded: bool = False) -> Iterator:
    """Evaluate ``points`` in chunks of ``chunk_size`` (None: :func:`auto_chunk_size` for the
    engine's parallel slots) on ``engine``; yields the rows of each finished chunk, or with
    ``encoded`` (rows, their JSONL text: :func:`hwsim.sweep.store.encode_rows`), encoded
    where the chunk ran, so that the main process only writes it."""
    if engine.kind not in ENGINES:
        raise HwsimError(f"engine must be one of {', '.join(ENGINES)}. "
                         f"Got {engine.kind!r} instead.")
    if not points:
        return iter(())
    if engine.kind == "serial":
        chunks = chunked(points, chunk_size or auto_chunk_size(len(points), 1, engine.bulk))
        return (evaluate(context, chunk, engine.bulk, encoded) for chunk in chunks)
    if engine.kind == "process":
        return _run_process(points, context, engine.workers or os.cpu_count() or 1, chunk_size,
                            engine.bulk, encoded)
    return _run_dask(points, context, engine, chunk_size, encoded)


def evaluate(context: EvalContext, chunk: Chunk, bulk: bool = True, encoded: bool = False):
    """:func:`evaluate_chunk`, and with ``encoded`` the rows' JSONL text too (what a worker
    runs)."""
    rows = evaluate_chunk(context, chunk, bulk)
    return (rows, encode_rows(rows)) if encoded else rows


# ---- local process pool --------------------------------------------------------------------
_WORKER_CONTEXT: list[EvalContext] = []  # set once per pool worker by its initializer


WORKER_GC_THRESHOLD = 200_000
"""Allocations between young-generation collections in a worker process started for the
sweep (CPython's default is 700). A chunk allocates millions of short-lived objects
(configs, levels, arrays) and keeps every variant it built until it ends; at the default,
collections took about a fifth of a worker's time on the bench_sweep workload, at 10,000
about a tenth (0.16 s of a 5,000-point chunk, timed with ``gc.callbacks``), at 200,000
0.06 s (10,000 points on two workers: 1.73-1.85 s instead of 1.81-1.92 s, six runs each,
alternating). Garbage cycles are still collected, less often. Set only in worker processes
started here (the pool's, a LocalCluster's)."""


def _init_worker(context: EvalContext) -> None:
    _WORKER_CONTEXT[:] = [context]
    _space_collections()


def _space_collections() -> None:
    """In a worker process started for the sweep: what exists now (imported modules, the
    context) lives as long as the worker; collect garbage every WORKER_GC_THRESHOLD
    allocations; and one BLAS thread, since the workers already fill the cores (the latency
    and EDP objectives rank candidates with a matrix product: 4,000 latency-objective points
    on two workers took 4.55 s with OpenBLAS's default threads, 2.30 s with one)."""
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, 10, 10)
    threadpool_limits(1, user_api="blas")


_FORKED_CHUNKS: list = []  # the chunks of the sweep whose pool forks, read by its workers


def _worker_chunk(chunk: Chunk | int, bulk: bool = True, encoded: bool = False):
    """Evaluate ``chunk``, or with an int the chunk of that index in the copy of
    ``_FORKED_CHUNKS`` the forked worker holds."""
    if isinstance(chunk, int):
        chunk = _FORKED_CHUNKS[chunk]
    return evaluate(_WORKER_CONTEXT[0], chunk, bulk, encoded)


def _run_process(points: Sequence[SweepPoint], context: EvalContext, workers: int,
                 chunk_size: Optional[int], bulk: bool = True, encoded: bool = False
                 ) -> Iterator:
    """A process pool (:func:`pool_context`); each worker gets the context once. Forked
    workers also hold every chunk already (they are copies of this process): they are sent
    a chunk's index, not its points (5,000 points take ~40 ms to pickle and unpickle)."""
    chunks = chunked(points, chunk_size or auto_chunk_size(len(points), workers, bulk))
    workers = max(1, min(workers, len(chunks)))
    context_mp = pool_context()
    forked = context_mp.get_start_method() == "fork"
    if forked:  # set before the first submit, when the pool forks every worker
        _FORKED_CHUNKS[:] = chunks
    pool = ProcessPoolExecutor(workers, mp_context=context_mp,
                               initializer=_init_worker, initargs=(context,))
    index = {id(chunk): i for i, chunk in enumerate(chunks)}
    try:
        yield from _windowed(
            lambda c: pool.submit(_worker_chunk, index[id(c)] if forked else c, bulk,
                                  encoded), chunks, 2 * workers, _wait_local)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if forked:
            _FORKED_CHUNKS.clear()


def pool_context():
    """How the pool's workers start: forked where the platform can and this process runs no
    other thread (the copy then holds no lock another thread had taken, and the workers
    start with hwsim already imported: ~0.5 s each saved), else spawned, importing hwsim
    afresh and unpickling the context with an empty cost cache. A forked worker's copy of
    the context's cache is its own (copy-on-write), keyed by content like any other."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _wait_local(futures: set):
    done, _ = wait(futures, return_when=FIRST_COMPLETED)
    return done


def _windowed(submit, chunks: Sequence[Chunk], window: int, wait_some) -> Iterator:
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
              chunk_size: Optional[int], encoded: bool = False) -> Iterator:
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
        if cluster is not None:  # worker processes started here, for this sweep alone
            client.run(_space_collections)
        slots = max(1, sum(client.nthreads().values()))
        chunks = chunked(points, chunk_size or auto_chunk_size(len(points), slots, engine.bulk))
        shared = client.scatter(context, broadcast=True)  # one copy (and cache) per worker

        def submit(chunk):
            return client.submit(evaluate, shared, list(chunk), engine.bulk, encoded,
                                 pure=False)

        def wait_some(futures):
            return dask_wait(list(futures), return_when="FIRST_COMPLETED").done

        yield from _windowed(submit, chunks, 2 * slots, wait_some)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
