"""Where per-document extraction runs: ``local`` (``nlp.pipe``) or ``dask`` (a cluster).

Both take the same :class:`~helpers.extract.Options` and an iterator of ``(key, text,
published)`` items, and yield ``(key, records)`` in any order. The dask engine sends batches
to workers, where the model is loaded once per worker process and reused for every batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

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
    """In this process, with ``nlp.pipe`` (``options.n_process`` processes)."""
    items = iter(items)
    first = next(items, None)
    if first is None:
        return  # nothing to do: do not even load the model
    from .extract import Extractor

    extractor = Extractor(options)
    yield from extractor.pipe(_chain(first, items), n_process=options.n_process)


def _chain(first, rest):
    yield first
    yield from rest


def _worker_extract(options, batch: list[tuple]) -> list[tuple[str, dict]]:
    """Runs on a dask worker: reuse this process's extractor for these options."""
    from .extract import Extractor, fingerprint

    key = fingerprint(options)
    extractor = _WORKER_EXTRACTORS.get(key)
    if extractor is None:
        _WORKER_EXTRACTORS.clear()
        extractor = _WORKER_EXTRACTORS[key] = Extractor(options)
    return list(extractor.pipe(iter(batch)))


def run_dask(options, items, batch_docs: int = 64) -> Iterator[tuple[str, dict]]:
    """On dask.distributed: ``options.scheduler`` if given, else a local cluster.

    The local cluster has ``options.n_workers`` single-threaded worker processes (spaCy holds
    the GIL, so processes, not threads, scale). At most two batches per worker are in flight,
    so memory stays flat however long the stream.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    items = iter(items)
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
