"""Where per-document extraction runs: ``local`` (``nlp.pipe``) or ``dask`` (a cluster).

Both take the same :class:`~helpers.analysis.Options` and an iterator of ``(key, text,
published)`` items, and yield ``(key, records)`` in any order. With ``n_process`` > 1 (local)
or on dask, batches go to worker processes. Every process loads the pipeline once and keeps it
(:func:`analyser`) for later batches and later runs: a notebook kernel that reruns stage 2
does not load the model again unless the model, gazetteer, lexicons or code changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import chain, islice

from .analysis import Analyser, Options, fingerprint

ENGINES = ("local", "dask")
_LOADED: dict = {}  # this process's analyser, by fingerprint (at most one: pipelines are large)


def analyser(options: Options, version: str | None = None) -> Analyser:
    """This process's :class:`~helpers.analysis.Analyser` for ``options``, loaded on first use.

    ``version`` is ``analysis.fingerprint(options)`` when the caller has it. A different
    fingerprint (model, components, gazetteer, lexicons, code) replaces the kept analyser.
    """
    version = version or fingerprint(options)
    if version not in _LOADED:
        _LOADED.clear()
        _LOADED[version] = Analyser(options)
    return _LOADED[version]


def run(options, items: Iterator[tuple[str, str, dt.date | None]], version: str | None = None
        ) -> Iterator[tuple[str, dict]]:
    """Extract records for every item with the engine ``options.engine``.

    ``version`` is ``analysis.fingerprint(options)`` when the caller has it.
    """
    if options.engine not in ENGINES:
        raise ValueError(f"unknown engine {options.engine!r}; choose one of {ENGINES}")
    version = version or fingerprint(options)
    if options.engine == "dask":
        yield from run_dask(options, items, version)
    else:
        yield from run_local(options, items, version)


def run_local(options, items, version: str) -> Iterator[tuple[str, dict]]:
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
        yield from _run_pool(options, chain(first, items), version)
        return
    yield from analyser(options, version).pipe(chain(first, items), options.batch_size)


def _run_pool(options, items, version: str) -> Iterator[tuple[str, dict]]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    batches = _batches(items, options.batch_size)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork":
        analyser(options, version)  # load here: forked workers inherit it instead of each loading it
    with ProcessPoolExecutor(options.n_process, mp_context=multiprocessing.get_context(method)) as pool:
        pending = set()
        while True:
            # At most two batches per process in flight: memory stays flat.
            for batch in islice(batches, max(2 * options.n_process - len(pending), 0)):
                pending.add(pool.submit(_worker_extract, options, version, batch))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield from future.result()


def _batches(items, size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last may be shorter), read from ``items`` only when asked."""
    items = iter(items)
    return iter(lambda: list(islice(items, size)), [])


def _worker_extract(options, version: str, batch: list[tuple]) -> list[tuple[str, dict]]:
    """Runs in a worker process (local pool or dask): reuse this process's analyser."""
    return list(analyser(options, version).pipe(iter(batch), options.batch_size))


def run_dask(options, items, version: str) -> Iterator[tuple[str, dict]]:
    """On dask.distributed: ``options.scheduler`` if given, else a local cluster.

    The local cluster has ``options.n_workers`` single-threaded worker processes (spaCy holds
    the GIL, so processes, not threads, scale) without dask's sampling profiler, which would
    take a share of every worker's time. At most two batches per worker are in flight, so
    memory stays flat however long the stream.
    """
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    batches = _batches(items, options.batch_size)
    first = next(batches, None)
    if first is None:
        return
    cluster = None
    if options.scheduler:
        client = Client(options.scheduler)
    else:
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=options.n_workers, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        n_workers = max(len(client.scheduler_info()["workers"]), 1)
        remote_options = client.scatter(options, broadcast=True)

        def submit(batch):
            return client.submit(_worker_extract, remote_options, version, batch, pure=False)

        pending = as_completed([submit(first)])
        for batch in islice(batches, 2 * n_workers - 1):
            pending.add(submit(batch))
        for future in pending:
            yield from future.result()
            future.release()
            batch = next(batches, None)
            if batch is not None:
                pending.add(submit(batch))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
