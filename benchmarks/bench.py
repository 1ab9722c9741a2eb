"""Newsdesk benchmarks: cleaning and extraction speed, reruns, memory, dask, the report.

    python benchmarks/bench.py [--n 1000] [--raw DIR] [--skip rss,dask,report]
    python benchmarks/bench.py --readme      # only rewrite README's tables from latest.json
    python benchmarks/bench.py --skip speed,dask --merge   # remeasure some parts, keep the others
    python benchmarks/bench.py --news ~/polnear-train-text   # cleaning on real news too

Prints a summary and writes it as JSON to ``benchmarks/results/<time>.json`` and
``benchmarks/results/latest.json``. Without ``--raw`` the corpus is N generated articles
(``benchmarks/generate.py``); with it, that folder is measured, and the 1 % added for the rerun
are generated articles. Measurements:

* extraction words/s (stage 2, cold cache) against raw spaCy ``nlp.pipe`` with the same model,
  components and processes, and against the naive loop ``[nlp(t) for t in texts]``;
* stages 1 and 2 cold against a rerun after adding 1 % new documents;
* peak RSS of extraction on N and on 10N generated articles (each in a fresh process);
* the dask engine with one worker and with two, on running clusters and from scratch;
* cleaning (stage 1, cold cache) words/s against NER-only ``nlp.pipe`` on the same texts, with
  one process on each side and with two, on the generated corpus and, with ``--news DIR``, on a
  folder of real news articles kept outside the repository; and the peak RSS of streamed
  cleaning at N and 10N;
* ``newsdesk run`` on the sample corpus, cold, cached, and with one chart parameter changed, and
  where a cached rerun's time goes (kernel start-up, each notebook's slowest cells, the
  rendering around the notebooks);
* trafilatura's settings on pages written for the purpose (``benchmarks/html_pages.py``).

Every figure with a target is printed beside it (:data:`TARGETS`), and README's tables between
the ``bench`` markers are rewritten from the results.
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

from html_pages import score as html_scores  # noqa: E402

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


def measure_cleaning(raw: Path, corpus: str, words: int, repeats: int) -> dict:
    """Stage 1 words/s (cold cache, from the files) against NER-only ``nlp.pipe`` on the texts
    stage 1 produced, with 1 and 2 processes on both sides, timed in turn.

    Both sides start warm: the language model is loaded and the spaCy model is loaded and has
    parsed a few texts. Words are those of the documents stage 2 analyses, on both sides.
    """
    from helpers import clean, extract

    texts = texts_of(corpus)
    clean.language_identifier()
    clean.clean_corpus(raw, progress=False)  # imports and first-use costs, as a kernel has them
    results = {}
    for n_process in (1, 2):
        options = extract.Options(quotes=False, events=False, n_process=n_process)
        pipeline = spacy_pipeline(options)
        list(pipeline.pipe(texts[:20]))
        clean_s, ner_s = best_pair(
            repeats,
            lambda n=n_process: timed(lambda: clean.clean_corpus(raw, progress=False, n_process=n)),
            lambda p=pipeline, o=options: timed(
                lambda: list(p.pipe(texts, batch_size=o.batch_size, n_process=o.n_process))))
        results[f"{n_process}proc"] = {
            "clean_words_per_s": round(words / clean_s), "ner_pipe_words_per_s": round(words / ner_s),
            "clean_s": round(clean_s, 2), "ner_s": round(ner_s, 2), "ratio": round(ner_s / clean_s, 2)}
    results["steps_ms_per_doc"] = cleaning_steps(raw)
    return results


def measure_cleaning_news(news: Path, repeats: int) -> dict:
    """:func:`measure_cleaning` on a folder of real news articles (``--news``; kept outside the
    repository), whose lengths are those of real reporting rather than the generated wire items."""
    corpus = "bench-news"
    n_documents, words, _ = stage_one(news, corpus)
    return {"folder": news.name, "documents": n_documents, "words": words,
            **measure_cleaning(news, corpus, words, repeats)}


def cleaning_steps(raw: Path) -> dict:
    """Where one process's cleaning time goes: cumulative ms per document of the main steps
    (cProfile, so each figure carries the profiler's overhead; shares are what count)."""
    import cProfile
    import pstats

    from helpers import clean, ingest

    profiler = cProfile.Profile()
    profiler.enable()
    documents = clean.clean_corpus(raw, progress=False)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    wanted = {"total": clean.clean_corpus, "read_file": ingest.read_file,
              "front_matter": ingest.split_front_matter, "normalize": clean.normalize,
              "ftfy": clean.fix_unicode, "language": clean.detect_language,
              "duplicates": clean.find_duplicates}
    found = {}
    for name, function in wanted.items():
        code = function.__code__
        for (filename, line, _), (_, _, _, cumulative, _) in stats.items():
            if filename == code.co_filename and line == code.co_firstlineno:
                found[name] = round(1000 * cumulative / max(len(documents), 1), 3)
    return found


# VmHWM of streamed cleaning in a fresh process (see CHILD).
CLEAN_CHILD = """
import sys, json
from pathlib import Path
from helpers import clean
target = clean.clean_to_table(Path(sys.argv[1]), sys.argv[2], progress=False)
with open("/proc/self/status") as status:
    fields = dict(line.split(":", 1) for line in status)
print(json.dumps({"peak_rss_mb": int(fields["VmHWM"].split()[0]) / 1024}))
"""


def measure_clean_rss(n: int, workdir: Path) -> dict:
    """Peak RSS of stage 1 streamed to Parquet (cold cache) in a fresh process, at N and 10N."""
    found = {}
    for size in (n, 10 * n):
        raw = workdir / f"rss-{size}"
        if not raw.exists():
            generate(raw, size)
        output = subprocess.run([sys.executable, "-c", CLEAN_CHILD, str(raw), f"bench-clean-rss-{size}"],
                                capture_output=True, text=True, check=True, env=os.environ.copy()).stdout
        found[size] = json.loads(output.strip().splitlines()[-1])["peak_rss_mb"]
    return {"n": n, "peak_rss_mb_at_n": round(found[n], 1), "peak_rss_mb_at_10n": round(found[10 * n], 1),
            "ratio": round(found[10 * n] / found[n], 3)}


SAMPLE = HERE.parent / "data" / "raw" / "sample"
NOTEBOOK_FOR_WARMUP = "01_clean.ipynb"


def measure_report(workdir: Path, repeats: int) -> dict:
    """``newsdesk run`` on the sample corpus: cold (no tables, no caches) and cached (nothing
    changed), best of ``repeats``; then where the best cached rerun's time went."""
    import papermill

    env = dict(os.environ, NEWSDESK_PROCESSED=str(workdir / "report-processed"),
               NEWSDESK_REPORTS=str(workdir / "report-runs"))
    command = [str(Path(sys.executable).with_name("newsdesk")), "run", "--raw", str(SAMPLE),
               "--name", "bench-sample"]

    def run_once(*extra: str) -> tuple[float, Path]:
        started = time.perf_counter()
        subprocess.run([*command, *extra], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        return seconds, max((workdir / "report-runs").glob("bench-sample-*"), key=lambda p: p.stat().st_mtime)

    cold = []
    for _ in range(repeats):
        shutil.rmtree(workdir / "report-processed", ignore_errors=True)
        cold.append(run_once()[0])
    cached = [run_once() for _ in range(repeats)]
    best, run_dir = min(cached)
    # A researcher's next step: one chart parameter changed (a new value each time).
    changed = [run_once("-p", f"top_n={7 + i}")[0] for i in range(repeats)]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    notebooks = {}
    for entry in manifest["notebooks"]:
        executed = json.loads((run_dir / entry["name"]).read_text())
        cells = [(cell["metadata"]["papermill"].get("duration") or 0.0, "".join(cell["source"]).split("\n")[0])
                 for cell in executed["cells"] if cell["cell_type"] == "code"]
        in_cells = sum(duration for duration, _ in cells)
        notebooks[entry["name"]] = {
            "seconds": entry["seconds"], "in_cells_s": round(in_cells, 2),
            "kernel_and_papermill_s": round(entry["seconds"] - in_cells, 2),
            "slowest_cells": [{"s": round(d, 2), "cell": first[:60]} for d, first in sorted(cells, reverse=True)[:4]]}
    one_cell = workdir / "one_cell.ipynb"
    one_cell.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "a",
                                                "metadata": {}, "outputs": [], "source": ["x = 1"]}],
                                     "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                 "language": "python"}},
                                     "nbformat": 4, "nbformat_minor": 5}))
    floor = best_of(repeats, lambda: timed(lambda: papermill.execute_notebook(
        str(one_cell), str(workdir / "one_cell_out.ipynb"), progress_bar=False, kernel_name="python3")))
    in_notebooks = sum(n["seconds"] for n in notebooks.values())
    from helpers import report

    report.notebook_html(run_dir / NOTEBOOK_FOR_WARMUP, workdir / "warm.html")  # imports and templates
    render = {entry["name"]: round(timed(lambda e=entry: report.notebook_html(
        run_dir / e["name"], workdir / "render.html")), 2) for entry in manifest["notebooks"]}
    cli_start = best_of(repeats, lambda: timed(lambda: subprocess.run(
        [command[0], "--help"], env=env, check=True, capture_output=True)))
    return {"cold_s": round(min(cold), 2), "cached_rerun_s": round(best, 2),
            "one_parameter_changed_s": round(min(changed), 2),
            "one_parameter_changed_runs_s": [round(c, 2) for c in changed],
            "render_html_s": render, "cli_start_s": round(cli_start, 2),
            "cold_runs_s": [round(c, 2) for c in cold], "cached_runs_s": [round(c, 2) for c, _ in cached],
            "papermill_one_cell_s": round(floor, 2), "notebooks": notebooks,
            "outside_notebooks_s": round(best - in_notebooks, 2)}


# Each figure with a target: (path in the results, comparison, target, what it is).
TARGETS = [
    (("cleaning", "1proc", "ratio"), ">=", 10, "cleaning vs NER-only nlp.pipe, 1 process each (words/s)"),
    (("cleaning", "2proc", "ratio"), ">=", 10, "cleaning vs NER-only nlp.pipe, 2 processes each (words/s)"),
    (("cleaning_news", "1proc", "ratio"), ">=", 10, "the same on real news (`--news`), 1 process each"),
    (("cleaning_news", "2proc", "ratio"), ">=", 10, "the same on real news (`--news`), 2 processes each"),
    (("clean_rss", "ratio"), "<=", 1.25, "peak RSS of streamed cleaning, 10N vs N"),
    (("rss", "ratio"), "<=", 1.25, "peak RSS of extraction (NER), 10N vs N"),
    (("incremental", "rerun_share"), "<=", 0.10, "stages 1+2 rerun after +1 % documents, share of cold"),
    (("dask", "running_cluster", "speedup"), ">=", 1.6, "dask, 2 workers vs 1, running clusters"),
    (("dask", "from_scratch", "speedup"), ">=", 1.6, "dask, 2 workers vs 1, from scratch"),
    (("report", "cached_rerun_s"), "<=", 10, "cached rerun of the sample corpus, seconds wall"),
    (("report", "cold_s"), "<=", 30, "cold `newsdesk run` (make report) on the sample, seconds wall"),
]


def lookup(results: dict, path: tuple):
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return results


def target_rows(results: dict) -> list[dict]:
    """Each target with the measured value and whether it is met (``None``: not measured)."""
    rows = []
    for path, op, target, what in TARGETS:
        value = lookup(results, path)
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        rows.append({"figure": what, "value": value, "target": f"{op} {target}", "met": met})
    return rows


def readme_tables(results: dict) -> str:
    """The Markdown tables README shows, from a results dict."""
    corpus = results.get("corpus", {})
    lines = [f"Figures of `{results.get('command', '')}` ({results.get('when', '')[:10]}; "
             f"{corpus.get('documents', 0):,} documents, {corpus.get('words', 0):,} words, "
             f"{results.get('machine', {}).get('cpus', '?')} cores{results.get('note', '')})"
             + "".join(f"; {part} measured {when[:16]}" for part, when in results.get("measured_at", {}).items())
             + ".", "",
             "| figure | measured | target | met |", "|---|---|---|---|"]
    for row in target_rows(results):
        value = "not measured" if row["value"] is None else f"{row['value']:,}"
        met = {True: "yes", False: "**no**", None: "–"}[row["met"]]
        lines.append(f"| {row['figure']} | {value} | {row['target'].replace('>=', '≥').replace('<=', '≤')} | {met} |")
    cleaning = results.get("cleaning")
    if cleaning:
        lines += ["", "| stage 1 vs NER (words/s) | cleaning | NER-only `nlp.pipe` | ratio |", "|---|---|---|---|"]
        for label in ("1proc", "2proc"):
            row = cleaning[label]
            lines.append(f"| {label[0]} process{'es' if label[0] != '1' else ''}, generated "
                         f"({corpus.get('words', 0) // max(corpus.get('documents', 1), 1)} words each) | "
                         f"{row['clean_words_per_s']:,} | "
                         f"{row['ner_pipe_words_per_s']:,} | {row['ratio']}× |")
        news = results.get("cleaning_news")
        if news:
            for label in ("1proc", "2proc"):
                row = news[label]
                lines.append(f"| {label[0]} process{'es' if label[0] != '1' else ''}, real news ({news['folder']}: "
                             f"{news['documents']:,} articles, {news['words'] // news['documents']} words each) | "
                             f"{row['clean_words_per_s']:,} | {row['ner_pipe_words_per_s']:,} | {row['ratio']}× |")
        steps = cleaning.get("steps_ms_per_doc", {})
        if steps:
            lines += ["", "Cleaning, one process, ms per document (cumulative, under cProfile): "
                      + ", ".join(f"{k} {v}" for k, v in steps.items()) + "."]
    speed = results.get("speed")
    if speed:
        lines += ["", "| extraction (stage 2, cold cache) | spaCy `nlp.pipe` words/s | Newsdesk words/s | "
                  "vs `nlp.pipe` | vs naive loop |", "|---|---|---|---|---|"]
        for key, label in (("ner_only_1proc", "NER only, 1 process"), ("ner_only_2proc", "NER only, 2 processes"),
                           ("full_1proc", "full pipeline, 1 process"), ("full_2proc", "full pipeline, 2 processes")):
            row = speed[key]
            lines.append(f"| {label} | {row['spacy_pipe_words_per_s']:,} | {row['newsdesk_words_per_s']:,} | "
                         f"{row['vs_spacy_pipe']}× | {row['vs_naive_loop']}× |")
    html = results.get("html")
    if html:
        lines += ["", f"trafilatura settings on {html['pages']} pages written for Newsdesk "
                  "(`benchmarks/html_pages.py`; word-level scores against each article's own text):", "",
                  "| setting | precision | recall | F1 |", "|---|---|---|---|"]
        lines += [f"| {name} | {row['precision']} | {row['recall']} | {row['f1']} |"
                  for name, row in html["settings"].items()]
    report = results.get("report")
    if report:
        rendering = ""
        if "render_html_s" in report:
            rendering = ("; rendering each notebook as HTML takes "
                         + ", ".join(f"{k} {v} s" for k, v in report["render_html_s"].items())
                         + f"; starting the `newsdesk` command takes {report['cli_start_s']} s")
        if "one_parameter_changed_s" in report:
            rendering += (f"; a rerun with one chart parameter changed (`-p top_n=…`) takes "
                          f"{report['one_parameter_changed_s']} s")
        lines += ["", f"Where a cached rerun of the sample goes ({report['cached_rerun_s']} s wall; a one-cell "
                  f"notebook takes {report['papermill_one_cell_s']} s in papermill; "
                  f"{report['outside_notebooks_s']} s outside the notebooks: start-up, manifest, HTML rendering"
                  f"{rendering}):",
                  "", "| notebook | seconds | in cells | kernel and papermill | slowest cells |",
                  "|---|---|---|---|---|"]
        for name, row in report["notebooks"].items():
            slowest = "; ".join(f"`{c['cell'].replace('|', '/')}` {c['s']} s"
                                for c in row["slowest_cells"][:3])
            lines.append(f"| {name} | {row['seconds']} | {row['in_cells_s']} | {row['kernel_and_papermill_s']} | "
                         f"{slowest} |")
    return "\n".join(lines)


README = HERE.parent / "README.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


def write_readme(results: dict, readme: Path = README) -> None:
    """Replace README's text between the bench markers with :func:`readme_tables`."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    readme.write_text(text[:start] + "\n" + readme_tables(results) + "\n" + text[end:], encoding="utf-8")


def print_targets(results: dict) -> None:
    print("\nfigure | measured | target | met")
    for row in target_rows(results):
        print(f"{row['figure']} | {row['value']} | {row['target']} | {row['met']}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Newsdesk benchmarks")
    parser.add_argument("--n", type=int, default=1000, help="generated documents (default 1000)")
    parser.add_argument("--raw", type=Path, help="measure this corpus folder instead of a generated one")
    parser.add_argument("--news", type=Path,
                        help="a folder of real news articles (not in the repository): cleaning is measured on it too")
    parser.add_argument("--repeats", type=int, default=3, help="timings per speed figure; the best counts")
    parser.add_argument("--skip", default="",
                        help="comma-separated parts to skip: cleaning,cleaning_news,speed,incremental,rss,"
                             "clean_rss,dask,report,html")
    parser.add_argument("--note", default="", help="said beside the figures in README (e.g. machine load)")
    parser.add_argument("--readme", action="store_true", help="only rewrite README's tables from latest.json")
    parser.add_argument("--merge", action="store_true",
                        help="keep the latest figures of the parts skipped now (their dates are recorded)")
    args = parser.parse_args()
    if args.readme:
        write_readme(json.loads((HERE / "results" / "latest.json").read_text()))
        return
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
    if args.note:
        results["note"] = f"; {args.note}"
    steps = {"cleaning": lambda: measure_cleaning(raw, corpus, words, args.repeats),
             "speed": lambda: measure_speed(corpus, words, args.repeats),
             "incremental": lambda: measure_incremental(raw, "bench-incremental", n_documents),
             "rss": lambda: measure_rss(args.n, workdir),
             "clean_rss": lambda: measure_clean_rss(args.n, workdir),
             "dask": lambda: measure_dask(corpus, words, args.repeats),
             "report": lambda: measure_report(workdir, args.repeats),
             "cleaning_news": lambda: measure_cleaning_news(args.news, args.repeats),
             "html": html_scores}
    out = HERE / "results"
    if args.merge and (out / "latest.json").exists():
        # Parts not measured now keep their figures from the latest results, with their date.
        previous = json.loads((out / "latest.json").read_text())
        measured_at = previous.pop("measured_at", {})
        for name in steps:
            if name in previous and (name in skip or (name == "cleaning_news" and not args.news)):
                results[name] = previous[name]
                results.setdefault("measured_at", {})[name] = measured_at.get(name, previous["when"])
    for name, step in steps.items():
        if name in skip or (name == "cleaning_news" and not args.news):
            continue
        print(f"measuring {name} ...", flush=True)
        results[name] = step()
        print(json.dumps(results[name], indent=2), flush=True)
    out.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2) + "\n"
    (out / f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.json").write_text(text)
    (out / "latest.json").write_text(text)
    print(text)
    print_targets(results)
    write_readme(results)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
