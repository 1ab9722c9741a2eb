"""Where per-document extraction runs: ``local`` (``nlp.pipe``) or ``dask`` (a cluster).

Both take the same :class:`~helpers.extract.Options` and an iterator of ``(key, text,
published)`` items, and yield ``(key, records)`` in any order. With ``n_process`` > 1 (local)
or on dask, batches go to worker processes, where the model is loaded once per process and
reused for every batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import chain, islice

ENGINES = ("local", "dask")
_WORKER_EXTRACTORS: dict = {}


def run(options, items: Iterator[tuple[str, str, dt.date | None]]) -> Iterator[tuple[str, dict]]:
    """Extract records for every item with the engine ``options.engine``."""
    if options.engine == "local":
        yield from run_local(options, items)
    elif options.engine == "dask":
        yield from run_dask(options, items)
    else:
        raise ValueError(f"unknown engine {options.engine!r}; choose one of {ENGINES}")


def run_local(options, items) -> Iterator[tuple[str, dict]]:
    """On this machine: in this process, or in ``options.n_process`` worker processes.

    Worker processes each load the pipeline once and run the whole per-document analysis, so
    only small records cross process boundaries (spaCy's own ``n_process`` would send every
    parsed Doc back to this process, which then becomes the bottleneck).
    """
    items = iter(items)
    first = list(islice(items, 1))
    if not first:
        return  # nothing to do: do not even load the model
    if options.n_process > 1:
        yield from _run_pool(options, chain(first, items))
        return
    from .extract import Extractor

    yield from Extractor(options).pipe(chain(first, items))


def _run_pool(options, items) -> Iterator[tuple[str, dict]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    batch_docs = options.batch_size
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        # Load once here: forked workers inherit the pipeline instead of each loading it.
        from .extract import Extractor, fingerprint

        _WORKER_EXTRACTORS.clear()
        _WORKER_EXTRACTORS[fingerprint(options)] = Extractor(options)
    with ProcessPoolExecutor(options.n_process, mp_context=multiprocessing.get_context(method)) as pool:
        pending = set()
        while True:
            while len(pending) < 2 * options.n_process:  # bounded: memory stays flat
                batch = list(islice(items, batch_docs))
                if not batch:
                    break
                pending.add(pool.submit(_worker_extract, options, batch))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield from future.result()


def _worker_extract(options, batch: list[tuple]) -> list[tuple[str, dict]]:
    """Runs in a worker process (local pool or dask): reuse this process's extractor."""
    from .extract import Extractor, fingerprint

    key = fingerprint(options)
    extractor = _WORKER_EXTRACTORS.get(key)
    if extractor is None:
        _WORKER_EXTRACTORS.clear()
        extractor = _WORKER_EXTRACTORS[key] = Extractor(options)
    return list(extractor.pipe(iter(batch)))


def run_dask(options, items) -> Iterator[tuple[str, dict]]:
    """On dask.distributed: ``options.scheduler`` if given, else a local cluster.

    The local cluster has ``options.n_workers`` single-threaded worker processes (spaCy holds
    the GIL, so processes, not threads, scale). At most two batches per worker are in flight,
    so memory stays flat however long the stream.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    items = iter(items)
    batch_docs = options.batch_size
    first = list(islice(items, batch_docs))
    if not first:
        return
    cluster = None
    if options.scheduler:
        client = Client(options.scheduler)
    else:
        cluster = LocalCluster(n_workers=options.n_workers, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        n_workers = max(len(client.scheduler_info()["workers"]), 1)
        remote_options = client.scatter(options, broadcast=True)
        pending = as_completed([client.submit(_worker_extract, remote_options, first, pure=False)])
        for _ in range(2 * n_workers - 1):
            batch = list(islice(items, batch_docs))
            if batch:
                pending.add(client.submit(_worker_extract, remote_options, batch, pure=False))
        for future in pending:
            yield from future.result()
            future.release()
            batch = list(islice(items, batch_docs))
            if batch:
                pending.add(client.submit(_worker_extract, remote_options, batch, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
