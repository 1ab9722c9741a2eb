"""Where work runs: ``local`` (this process or a pool of worker processes) or ``dask`` (a cluster).

:func:`map_batches` is the one way Newsdesk spreads work: it calls ``work(batch, *args)`` for
each batch, here, in ``n_process`` worker processes, or on dask workers, with at most two
batches per worker in flight so memory stays flat however long the stream, and yields what each
call returns, in any order. Stage 1 cleans files with it (:func:`helpers.clean.run_files`) and
stage 2 analyses documents with it (:func:`run`). Every process loads the spaCy pipeline once
and keeps it (:func:`analyser`) for later batches and later runs: a notebook kernel that reruns
stage 2 does not load the model again unless the model, gazetteer, lexicons or code changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the analysis (and spaCy) load only when stage 2 runs, not when stage 1 imports this
    from .analysis import Analyser, Options

ENGINES = ("local", "dask")
_LOADED: dict = {}  # this process's analyser, by fingerprint (at most one: pipelines are large)


def analyser(options: Options, version: str | None = None) -> Analyser:
    """This process's :class:`~helpers.analysis.Analyser` for ``options``, loaded on first use.

    ``version`` is ``analysis.fingerprint(options)`` when the caller has it. A different
    fingerprint (model, components, gazetteer, lexicons, code) replaces the kept analyser.
    """
    from .analysis import Analyser, fingerprint

    version = version or fingerprint(options)
    if version not in _LOADED:
        _LOADED.clear()
        _LOADED[version] = Analyser(options)
    return _LOADED[version]


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last may be shorter), read from ``items`` only when asked."""
    items = iter(items)
    return iter(lambda: list(islice(items, size)), [])


def map_batches(work: Callable, batches: Iterable[list], *args, engine: str = "local", n_process: int = 1,
                scheduler: str = "", n_workers: int = 2, warm: Callable | None = None) -> Iterator:
    """Yield every item of ``work(batch, *args)`` for each of ``batches``, in any order.

    ``engine`` "local" runs here (``n_process`` 1) or in ``n_process`` worker processes;
    "dask" on ``scheduler`` (an address), else on a LocalCluster of ``n_workers`` single-threaded
    processes (spaCy holds the GIL: processes, not threads, scale) without dask's sampling
    profiler, which would take a share of every worker's time. ``work`` and ``args`` must be
    picklable. ``warm()``, when given, runs here before a pool forks, so forked workers inherit
    what it loads (a model) instead of each loading it. Raises ``ValueError`` for an unknown engine.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return  # nothing to do: do not even start workers or load a model
    batches = chain([first], batches)
    if engine == "dask":
        yield from _map_dask(work, batches, args, scheduler, n_workers)
    elif n_process > 1:
        yield from _map_pool(work, batches, args, n_process, warm)
    else:
        for batch in batches:
            yield from work(batch, *args)


def _map_pool(work, batches, args, n_process: int, warm) -> Iterator:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    if method == "fork" and warm is not None:
        warm()
    with ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context(method)) as pool:
        pending: set = set()
        while True:
            for batch in islice(batches, max(2 * n_process - len(pending), 0)):
                pending.add(pool.submit(work, batch, *args))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield from future.result()


def _map_dask(work, batches, args, scheduler: str, n_workers: int) -> Iterator:
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        client = Client(cluster)
    try:
        in_flight = 2 * max(len(client.scheduler_info()["workers"]), 1)
        shared = [client.scatter(arg, broadcast=True) for arg in args]
        pending = as_completed()
        for batch in islice(batches, in_flight):
            pending.add(client.submit(work, batch, *shared, pure=False))
        for future in pending:
            yield from future.result()
            future.release()
            batch = next(batches, None)
            if batch is not None:
                pending.add(client.submit(work, batch, *shared, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run(options: Options, items: Iterable[tuple[str, str, dt.date | None]], version: str | None = None
        ) -> Iterator[tuple[str, dict]]:
    """Analyse ``(key, text, published)`` items with the engine ``options.engine``, yielding
    ``(key, records)`` in any order.

    Worker processes each load the pipeline once and run the whole per-document analysis, so
    only small records cross process boundaries (spaCy's own ``n_process`` would send every
    parsed Doc back to this process, which then becomes the bottleneck). ``version`` is
    ``analysis.fingerprint(options)`` when the caller has it.
    """
    from .analysis import fingerprint

    version = version or fingerprint(options)
    yield from map_batches(_analyse_batch, batched(items, options.batch_size), options, version,
                           engine=options.engine, n_process=options.n_process,
                           scheduler=options.scheduler, n_workers=options.n_workers,
                           warm=lambda: analyser(options, version))


def _analyse_batch(batch: list[tuple], options: Options, version: str) -> list[tuple[str, dict]]:
    """Runs here or in a worker process (pool or dask): reuse this process's analyser."""
    return list(analyser(options, version).pipe(iter(batch), options.batch_size))
