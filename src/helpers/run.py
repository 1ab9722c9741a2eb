"""Running the three notebooks with papermill and recording the run.

:func:`run` executes ``01_clean``, ``02_entities`` and ``03_charts`` in order into
``reports/<run-id>/``, renders them as HTML without code, writes ``manifest.json`` (parameters,
versions, input hashes, every document's status, timings) and the report pages. Parameters
are checked against the notebooks' ``parameters`` cells before anything runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import platform
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import changes, filters, paths, report, store

NOTEBOOKS = ("01_clean.ipynb", "02_entities.ipynb", "03_charts.ipynb")
KEY_PACKAGES = ("newsdesk", "spacy", "pandas", "pyarrow", "papermill", "matplotlib", "ftfy",
                "trafilatura", "htmldate", "dateparser", "rapidfuzz", "networkx", "datasketch",
                "langdetect", "dask", "nbconvert")
# Set by the runner itself, never by -p.
RUNNER_PARAMETERS = {"corpus", "raw_dir", "figures_dir"}


class ParameterError(ValueError):
    """A -p parameter is unknown or its value does not fit the parameter's type."""


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


def file_inventory(raw_dir: Path) -> list[dict]:
    """Every input file: relative path, size and SHA-256."""
    from .ingest import SIDECAR, iter_files

    inventory = []
    sidecar = [raw_dir / SIDECAR] if (raw_dir / SIDECAR).is_file() else []
    for path in [*iter_files(raw_dir), *sidecar]:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        inventory.append({"path": path.relative_to(raw_dir).as_posix(), "bytes": path.stat().st_size,
                          "sha256": digest.hexdigest()})
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
    run_dir = reports_dir / f"{name}-{stamp}"
    suffix = 2
    while run_dir.exists():
        run_dir = reports_dir / f"{name}-{stamp}-{suffix}"
        suffix += 1
    run_dir.mkdir(parents=True)
    return run_dir


def run(raw_dir: Path, name: str | None = None, overrides: dict | None = None,
        reports_dir: Path = paths.REPORTS, progress: bool = True,
        notebooks_dir: Path = paths.NOTEBOOKS) -> Path:
    """Run the three notebooks on ``raw_dir`` and build the report; returns the run folder.

    ``overrides`` are notebook parameters (already typed; see :func:`parse_overrides`). Raises
    :class:`NotebookFailed` when a notebook fails; the executed notebook, the manifest and the
    report pages are still written, with the failure recorded.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    raw_dir = Path(raw_dir).resolve()
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist")
    name = name or raw_dir.name
    overrides = dict(overrides or {})
    declared = declared_parameters(notebooks_dir)
    unknown = set(overrides) - set(declared)
    if unknown:
        raise ParameterError(f"unknown parameters: {sorted(unknown)}")
    run_dir = new_run_dir(name, Path(reports_dir))
    figures_dir = run_dir / "figures"
    given = {"corpus": name, "raw_dir": str(raw_dir), "figures_dir": str(figures_dir), **overrides}
    manifest = {
        "run_id": run_dir.name, "name": name, "raw_dir": str(raw_dir),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "status": "running",
        "parameters": {k: given.get(k, p.default) for k, p in sorted(declared.items())},
        "overrides": overrides, "versions": versions(), "inputs": file_inventory(raw_dir),
        "notebooks": [],
    }
    store.write_json(run_dir / "manifest.json", manifest)
    failure = None
    for notebook in NOTEBOOKS:
        source = notebooks_dir / notebook
        accepted = papermill.inspect_notebook(str(source))
        parameters = {k: v for k, v in given.items() if k in accepted}
        output = run_dir / notebook
        entry = {"name": notebook, "output": notebook, "parameters": parameters, "status": "running"}
        manifest["notebooks"].append(entry)
        started = time.perf_counter()
        try:
            # One line per notebook: its name, cells done and elapsed time.
            bar = {"desc": notebook, "bar_format": "{desc}: {n_fmt}/{total_fmt} cells, {elapsed}"}
            papermill.execute_notebook(str(source), str(output), parameters=parameters,
                                       progress_bar=bar if progress else False, cwd=str(paths.PROJECT_ROOT),
                                       kernel_name="python3", log_output=False,
                                       kernel_manager_class=_quiet_kernel_manager())
            entry["status"] = "succeeded"
        except PapermillExecutionError as error:
            entry["status"] = "failed"
            failure = (f"notebook {notebook} failed in cell {error.cell_index} "
                       f"(execution count {error.exec_count}): {error.ename}: {error.evalue}")
        finally:
            entry["seconds"] = round(time.perf_counter() - started, 2)
        if output.exists():
            entry["html"] = notebook.replace(".ipynb", ".html")
            report.notebook_html(output, run_dir / entry["html"])
        if failure:
            break
    summary = {} if failure else store.read_json(paths.PROCESSED / name / "extract_summary.json", default={})
    analysed = _analysed_ids(name, summary.get("options", {})) if summary else None
    manifest.update(
        status="failed" if failure else "succeeded", error=failure,
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        documents=document_statuses(name, analysed),
        extraction={k: summary.get(k) for k in ("n_analysed", "n_processed", "n_reused",
                                                 "n_not_analysed", "rows", "model", "seconds")},
        figures=store.read_json(figures_dir / "figures.json", default=[]))
    manifest["versions"]["model"] = (summary.get("model") or {}).get("package")
    manifest["versions"]["model_version"] = (summary.get("model") or {}).get("version")
    if not failure:
        manifest["changes"] = changes.record_run(name, run_dir, Path(reports_dir), filters.from_mapping(overrides))
    store.write_json(run_dir / "manifest.json", manifest)
    report.run_page(run_dir, manifest)
    report.runs_index(Path(reports_dir))
    if failure:
        raise NotebookFailed(f"{failure}\nThe executed notebook is kept at {run_dir / notebook}")
    return run_dir


def _quiet_kernel_manager():
    """A kernel manager whose kernels print nothing to the runner's terminal but real errors.

    * It talks to the kernel over local (IPC) sockets: no TCP port is opened, so the kernel has
      no "running over TCP without encryption" warning to print (Windows has no IPC transport:
      there the default TCP manager is used).
    * It does not interrupt a finished notebook's kernel before shutting it down: jupyter_client
      does so by default, and an idle ipykernel answers with "KeyboardInterrupt caught in kernel".
    """
    from jupyter_client.manager import AsyncKernelManager

    if sys.platform == "win32":
        return AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)

        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return QuietKernelManager


def _analysed_ids(corpus: str, options: dict) -> set[str]:
    """doc_ids that stage 2 analysed under the given extraction options."""
    from .clean import Options, analysed

    frame = store.read_table(corpus, "documents", ["doc_id", "status", "language"])
    mask = analysed(frame, Options(languages=options.get("languages", ["en"]),
                                   keep_other_languages=options.get("keep_other_languages", False)))
    return set(frame.loc[mask, "doc_id"])
