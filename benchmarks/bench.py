"""Newsdesk benchmarks: extraction speed, incremental reruns, memory, the dask engine.

    python benchmarks/bench.py [--n 1000] [--raw DIR] [--skip rss,dask]

Prints a summary and writes it as JSON to ``benchmarks/results/<time>.json`` and
``benchmarks/results/latest.json``. Without ``--raw`` the corpus is N generated articles
(``benchmarks/generate.py``); with it, that folder is measured, and the 1 % added for the rerun
are generated articles. Measurements:

* extraction words/s (stage 2, cold cache) against raw spaCy ``nlp.pipe`` with the same model,
  components and processes, and against the naive loop ``[nlp(t) for t in texts]``;
* stages 1 and 2 cold against a rerun after adding 1 % new documents;
* peak RSS of extraction on N and on 10N generated articles (each in a fresh process);
* the dask engine with one worker and with two, on running clusters and from scratch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # generate.py beside this file

from generate import generate  # noqa: E402


def stage_one(raw: Path, corpus: str) -> tuple[int, int, float]:
    """Clean ``raw`` into ``corpus``: (documents kept, words, seconds)."""
    from helpers import clean

    started = time.perf_counter()
    documents = clean.clean_corpus(raw, cache_path=clean_cache(corpus), progress=False)
    clean.write_documents(corpus, documents)
    kept = documents[clean.analysed(documents)]
    return len(kept), int(kept["n_words"].sum()), time.perf_counter() - started


def clean_cache(corpus: str) -> Path:
    from helpers import paths

    return paths.processed_dir(corpus) / "cache" / "clean.sqlite"


def texts_of(corpus: str) -> list[str]:
    from helpers import clean, store

    documents = store.read_table(corpus, "documents")
    return documents.loc[clean.analysed(documents), "text"].tolist()


def best_of(repeats: int, measure) -> float:
    """The fastest of ``repeats`` timings (seconds): the machine's noise only ever slows a run."""
    return min(measure() for _ in range(repeats))


def best_pair(repeats: int, first, second) -> tuple[float, float]:
    """Best timings of two measurements taken in turn (A, B, A, B, ...), so that a slow spell of
    a shared machine weighs on both sides of a comparison alike."""
    timings = [(first(), second()) for _ in range(repeats)]
    return min(a for a, _ in timings), min(b for _, b in timings)


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def spacy_pipeline(options, full: bool = False):
    """Plain spaCy with the model of ``options``: its components only, or the whole pipeline."""
    import spacy

    from helpers import nlp

    package = nlp.resolve_model(options.model)
    exclude = [] if full else [c for c in nlp.pipeline_names(package) if c not in options.components]
    return spacy.load(package, exclude=exclude)


def newsdesk_seconds(corpus: str, options) -> float:
    """Stage 2's NLP phase on a cold cache (the cache is removed first)."""
    from helpers import extract

    shutil.rmtree(extract.cache_path(corpus).parent, ignore_errors=True)
    return extract.extract_corpus(corpus, options, progress=False)["seconds"]["nlp"]


def measure_speed(corpus: str, words: int, repeats: int) -> dict:
    """Words/s of stage 2 against plain spaCy, for NER only and the full pipeline, 1 and 2 processes.

    Both sides start with the model loaded and warmed up; stage 2 runs on a cold cache, reading
    documents and writing its cache as usual. The naive baseline is what a first script does:
    the model's whole pipeline, one text at a time.
    """
    from helpers import engines, extract

    texts = texts_of(corpus)
    naive = spacy_pipeline(extract.Options(), full=True)
    list(naive.pipe(texts[:20]))
    naive_speed = words / best_of(repeats, lambda: timed(lambda: [naive(t) for t in texts]))
    results = {"naive_loop_words_per_s": round(naive_speed)}
    for label, flags in {"ner_only": {"quotes": False, "events": False}, "full": {}}.items():
        for n_process in (1, 2):
            options = extract.Options(n_process=n_process, **flags)
            pipeline = spacy_pipeline(options)
            list(pipeline.pipe(texts[:20]))
            list(engines.analyser(options).pipe((str(i), t, None) for i, t in enumerate(texts[:20])))
            raw_seconds, our_seconds = best_pair(
                repeats,
                lambda p=pipeline, o=options: timed(
                    lambda: list(p.pipe(texts, batch_size=o.batch_size, n_process=o.n_process))),
                lambda o=options: newsdesk_seconds(corpus, o))
            raw, ours = words / raw_seconds, words / our_seconds
            results[f"{label}_{n_process}proc"] = {
                "components": options.components, "spacy_pipe_words_per_s": round(raw),
                "newsdesk_words_per_s": round(ours), "vs_spacy_pipe": round(ours / raw, 3),
                "vs_naive_loop": round(ours / naive_speed, 2)}
    return results


def measure_incremental(raw: Path, corpus: str, n: int) -> dict:
    """Stages 1+2 cold, then again after adding 1 % new articles."""
    from helpers import extract, paths

    shutil.rmtree(paths.processed_dir(corpus), ignore_errors=True)
    started = time.perf_counter()
    stage_one(raw, corpus)
    extract.extract_corpus(corpus, progress=False)
    cold = time.perf_counter() - started
    extra = max(n // 100, 1)
    generate(raw, extra, start_index=10_000_000)
    started = time.perf_counter()
    stage_one(raw, corpus)
    summary = extract.extract_corpus(corpus, progress=False)
    rerun = time.perf_counter() - started
    return {"documents": n, "added": extra, "cold_s": round(cold, 2), "rerun_s": round(rerun, 2),
            "rerun_share": round(rerun / cold, 3), "processed_in_rerun": summary["n_processed"],
            "reused_in_rerun": summary["n_reused"]}


# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started by a large
# parent would report the parent's size.
CHILD = """
import sys, json
from helpers import extract
summary = extract.extract_corpus(sys.argv[1], extract.Options(quotes=False, events=False), progress=False)
with open("/proc/self/status") as status:
    fields = dict(line.split(":", 1) for line in status)
print(json.dumps({"peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024,
                  "rss_after_mb": int(fields["VmRSS"].split()[0]) / 1024, "documents": summary["n_analysed"]}))
"""


def measure_rss(n: int, workdir: Path) -> dict:
    """Peak RSS of stage 2 (NER) in a fresh process, at N and at 10N documents."""
    found = {}
    for size in (n, 10 * n):
        raw = workdir / f"rss-{size}"
        generate(raw, size)
        corpus = f"bench-rss-{size}"
        stage_one(raw, corpus)
        output = subprocess.run([sys.executable, "-c", CHILD, corpus], capture_output=True, text=True,
                                check=True, env=os.environ.copy()).stdout
        found[size] = json.loads(output.strip().splitlines()[-1])
    small, large = found[n], found[10 * n]
    return {"n": n, "peak_rss_mb_at_n": round(small["peak_rss_mb"], 1),
            "peak_rss_mb_at_10n": round(large["peak_rss_mb"], 1),
            "rss_after_mb_at_n": round(small["rss_after_mb"], 1),
            "rss_after_mb_at_10n": round(large["rss_after_mb"], 1),
            "ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 3)}


def measure_dask(corpus: str, words: int, repeats: int) -> dict:
    """Stage 2 (full pipeline) on the dask engine with one worker, then two.

    Twice: on running clusters (the engine given a scheduler address, as on an existing
    cluster; workers keep the pipeline between runs), and from scratch, where every run starts
    and stops its own LocalCluster (process start-up and model loading included).
    """
    import dask
    from dask.distributed import LocalCluster

    from helpers import extract

    def seconds(**engine) -> float:
        return newsdesk_seconds(corpus, extract.Options(engine="dask", **engine))

    results = {}
    with dask.config.set({"distributed.worker.profile.enabled": False}):
        clusters = [LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None)
                    for w in (1, 2)]
    try:
        for cluster in clusters:  # the first run on a cluster loads the pipeline on its workers
            seconds(scheduler=cluster.scheduler_address)
        results["running_cluster"] = best_pair(
            repeats, *(lambda a=c.scheduler_address: seconds(scheduler=a) for c in clusters))
    finally:
        for cluster in clusters:
            cluster.close()
    results["from_scratch"] = best_pair(repeats, *(lambda w=w: seconds(n_workers=w) for w in (1, 2)))
    return {name: {"one_worker_s": round(one, 2), "two_workers_s": round(two, 2),
                   "one_worker_words_per_s": round(words / one), "two_workers_words_per_s": round(words / two),
                   "speedup": round(one / two, 2)}
            for name, (one, two) in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="Newsdesk benchmarks")
    parser.add_argument("--n", type=int, default=1000, help="generated documents (default 1000)")
    parser.add_argument("--raw", type=Path, help="measure this corpus folder instead of a generated one")
    parser.add_argument("--repeats", type=int, default=3, help="timings per speed figure; the best counts")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: speed,incremental,rss,dask")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    workdir = Path(tempfile.mkdtemp(prefix="newsdesk-bench-"))
    os.environ.setdefault("NEWSDESK_PROCESSED", str(workdir / "processed"))
    from helpers import nlp, run

    raw = workdir / "corpus"
    if args.raw:
        shutil.copytree(args.raw, raw)
    else:
        generate(raw, args.n)
    corpus = "bench"
    n_documents, words, clean_seconds = stage_one(raw, corpus)
    results = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/bench.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": {k: v for k, v in run.versions().items() if k in ("python", "spacy", "newsdesk")},
        "model": nlp.resolve_model(),
        "corpus": {"source": str(args.raw) if args.raw else "generated", "documents": n_documents,
                   "words": words, "clean_s": round(clean_seconds, 2)},
    }
    steps = {"speed": lambda: measure_speed(corpus, words, args.repeats),
             "incremental": lambda: measure_incremental(raw, "bench-incremental", n_documents),
             "rss": lambda: measure_rss(args.n, workdir),
             "dask": lambda: measure_dask(corpus, words, args.repeats)}
    for name, step in steps.items():
        if name in skip:
            continue
        print(f"measuring {name} ...", flush=True)
        results[name] = step()
        print(json.dumps(results[name], indent=2), flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    (out / f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json").write_text(text)
    (out / "latest.json").write_text(text)
    print(text)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
