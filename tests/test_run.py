"""The runner and the command line: parameters, an end-to-end run, a failing notebook."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import paths, run, schema

from corpus import EXPECTED_DOCUMENTS, build_small_corpus


def newsdesk(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "helpers.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy())


# --- parameters --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def declared():
    return run.declared_parameters()


def test_overrides_take_the_declared_types(declared):
    values = run.parse_overrides(["quotes=false", "top_n=5", "fuzzy_threshold=85", "languages=en,fr",
                                  'boilerplate_patterns=["^Watch:.*$"]', "model=en_core_web_sm"], declared)
    assert values == {"quotes": False, "top_n": 5, "fuzzy_threshold": 85.0, "languages": ["en", "fr"],
                      "boilerplate_patterns": ["^Watch:.*$"], "model": "en_core_web_sm"}


def test_unknown_parameter_is_an_error_with_a_suggestion(declared):
    with pytest.raises(run.ParameterError, match="Did you mean fuzzy_threshold"):
        run.parse_overrides(["fuzy_threshold=80"], declared)


@pytest.mark.parametrize("pair, message", [("top_n=many", "expected int"), ("quotes=maybe", "not a boolean"),
                                           ("corpus=x", "set by the runner"), ("top_n", "KEY=VALUE")])
def test_bad_values_are_errors(declared, pair, message):
    with pytest.raises(run.ParameterError, match=message):
        run.parse_overrides([pair], declared)


def test_help_explains_the_commands():
    top = newsdesk("--help")
    assert top.returncode == 0 and "run" in top.stdout and "params" in top.stdout
    sub = newsdesk("run", "--help")
    assert sub.returncode == 0
    for flag in ("--raw", "--name", "-p KEY=VALUE", "Exit status"):
        assert flag in sub.stdout


def test_params_lists_every_parameter_with_its_meaning(declared):
    listing = newsdesk("params").stdout
    for name, parameter in declared.items():
        assert f"{name}: {parameter.type}" in listing
        assert parameter.help.split()[0] in listing


def test_mistyped_parameter_stops_before_anything_runs(tmp_path):
    raw = build_small_corpus(tmp_path / "raw")
    reports = tmp_path / "reports"
    result = newsdesk("run", "--raw", str(raw), "--reports", str(reports), "-p", "qoutes=false")
    assert result.returncode == 2
    assert "unknown parameter 'qoutes'" in result.stderr and "quotes" in result.stderr
    assert not reports.exists()


# --- a whole run ------------------------------------------------------------------------------

def run_fixture_corpus(tmp_path_factory):
    """One `newsdesk run` over the fixture corpus (the session fixture `fixture_run` in conftest)."""
    raw = build_small_corpus(tmp_path_factory.mktemp("corpus") / "fixture")
    reports = tmp_path_factory.mktemp("reports")
    # The hostile page is the example of both 01 (before/after) and 02 (displaCy), so every
    # way article text reaches a page is exercised by the browser test.
    result = newsdesk("run", "--raw", str(raw), "--reports", str(reports), "--no-progress",
                      "-p", "example_doc=mosul.html")
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = Path(result.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent
    return raw, run_dir, result


@pytest.mark.slow
def test_run_writes_every_report_file(fixture_run):
    _, run_dir, _ = fixture_run
    for name in ("index.html", "manifest.json", *run.NOTEBOOKS,
                 *(nb.replace(".ipynb", ".html") for nb in run.NOTEBOOKS)):
        assert (run_dir / name).is_file(), name
    figures = json.loads((run_dir / "figures" / "figures.json").read_text())
    assert {f["name"] for f in figures} >= {"top_entities", "mentions_over_time", "events_timeline",
                                            "cooccurrence_network", "sources_heatmap", "quotes_per_speaker",
                                            "places_map"}
    for figure in figures:
        assert (run_dir / "figures" / figure["png"]).stat().st_size > 1000
        assert (run_dir / "figures" / figure["svg"]).read_text().lstrip().startswith("<?xml")
        assert len(figure["alt"]) > 20
    assert run_dir.name in (run_dir.parent / "index.html").read_text()


@pytest.mark.slow
def test_the_acled_export_sits_beside_the_report_and_is_linked(fixture_run):
    _, run_dir, _ = fixture_run
    export = run_dir / "events_acled.csv"
    header = export.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:4] == ["event_id_cnty", "event_date", "year", "time_precision"]
    assert 'href="events_acled.csv"' in (run_dir / "index.html").read_text()


@pytest.mark.slow
def test_html_renderings_hide_code(fixture_run):
    _, run_dir, _ = fixture_run
    page = (run_dir / "02_entities.html").read_text()
    assert "extract.extract_corpus" not in page
    assert "<script src=" not in page
    assert "cleaning:" not in (run_dir / "01_clean.html").read_text(), "progress bars belong to the terminal"


@pytest.mark.slow
def test_run_writes_contract_tables(fixture_run):
    folder = paths.PROCESSED / "fixture"
    for table in ("documents", "mentions", "entities", "dates", "quotes", "events", "cooccurrence"):
        found = pq.read_schema(folder / f"{table}.parquet")
        assert found.names == schema.columns(table), table
    mentions = pq.read_table(folder / "mentions.parquet").to_pandas()
    assert mentions["entity_id"].notna().any()


@pytest.mark.slow
def test_manifest_accounts_for_every_input(fixture_run):
    raw, run_dir, _ = fixture_run
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded" and manifest["name"] == "fixture"
    hashes = {f["path"]: f["sha256"] for f in manifest["inputs"]}
    on_disk = {p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in raw.rglob("*") if p.is_file()}
    assert hashes == on_disk
    documents = manifest["documents"]["documents"]
    assert len(documents) == EXPECTED_DOCUMENTS
    assert {d["source_path"] for d in documents} == set(on_disk)
    statuses = {d["doc_id"]: d["status"] for d in documents}
    assert statuses["scan.pdf"] == "rejected" and statuses["feed.jsonl#3"] == "rejected"
    assert sum(manifest["documents"]["by_status"].values()) == EXPECTED_DOCUMENTS
    assert any(d["analysed"] for d in documents)
    for package in ("python", "spacy", "pandas", "papermill", "model", "model_version"):
        assert manifest["versions"][package], package
    assert manifest["extraction"]["n_analysed"] == manifest["extraction"]["n_processed"] + \
        manifest["extraction"]["n_reused"]
    assert all(nb["status"] == "succeeded" and nb["seconds"] > 0 for nb in manifest["notebooks"])


def test_a_model_that_is_not_installed_stops_before_anything_runs(tmp_path):
    raw = build_small_corpus(tmp_path / "broken")
    reports = tmp_path / "reports"
    result = newsdesk("run", "--raw", str(raw), "--reports", str(reports), "--no-progress",
                      "-p", "model=xx_no_such_model", "-p", "batch_size=0")
    assert result.returncode == 2
    assert "model = 'xx_no_such_model': expected an installed spaCy pipeline" in result.stderr
    assert "batch_size = 0: expected an integer from 1" in result.stderr
    assert not reports.exists()


@pytest.mark.parametrize("name", ["../../../../tmp/escape", "/tmp/escape", "..", "a/b"])
def test_a_name_that_would_escape_the_output_folders_is_refused(tmp_path, name):
    raw = build_small_corpus(tmp_path / "corpus")
    result = newsdesk("run", "--raw", str(raw), "--reports", str(tmp_path / "reports"), "--name", name)
    assert result.returncode == 2 and "is not allowed" in result.stderr
    assert not (tmp_path / "reports").exists() and not Path("/tmp/escape").exists()


def test_the_root_folder_is_not_a_corpus(tmp_path):
    result = newsdesk("run", "--raw", "/", "--reports", str(tmp_path / "reports"))
    assert result.returncode == 2 and "system folder" in result.stderr


def test_a_second_run_on_the_same_name_exits_with_a_clear_message(tmp_path):
    from helpers import runlock

    raw = build_small_corpus(tmp_path / "busy")
    with runlock.corpus_lock("busy", {"run_id": "busy-20261125-000000", "pid": os.getpid()}):
        result = newsdesk("run", "--raw", str(raw), "--reports", str(tmp_path / "reports"))
    assert result.returncode == 3
    assert "another run on corpus 'busy' is in progress (run_id busy-20261125-000000" in result.stderr
    assert not (tmp_path / "reports").exists()


def failing_notebooks(folder: Path) -> Path:
    """A copy of the notebooks whose 02_entities fails after the extraction has run."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    for name in run.NOTEBOOKS:
        notebook = nbformat.read(paths.NOTEBOOKS / name, as_version=4)
        if name == "02_entities.ipynb":
            at = next(i for i, c in enumerate(notebook.cells) if "extract_corpus" in c.source) + 1
            notebook.cells.insert(at, nbformat.v4.new_code_cell('raise RuntimeError("planted failure")'))
        nbformat.write(notebook, folder / name)
    return folder


@pytest.mark.slow
def test_a_failed_run_changes_no_table_and_shows_no_stale_numbers(tmp_path):
    raw = build_small_corpus(tmp_path / "txn")
    reports = tmp_path / "reports"
    good = run.run(raw, reports_dir=reports, progress=False)
    tables = paths.PROCESSED / "txn"
    before = {p.name: p.read_bytes() for p in tables.glob("*.parquet")}
    assert "Top actors" in (good / "index.html").read_text()
    (raw / "extra.txt").write_text("A new story about the harbour cranes, inspected on Monday by engineers.\n")
    with pytest.raises(run.NotebookFailed, match="02_entities.ipynb failed in cell") as failure:
        run.run(raw, reports_dir=reports, progress=False, notebooks_dir=failing_notebooks(tmp_path / "nb"))
    assert "RuntimeError: planted failure" in str(failure.value)
    after = {p.name: p.read_bytes() for p in tables.glob("*.parquet")}
    assert after == before, "a failed run must leave the last good run's tables as they were"
    assert not list(paths.PROCESSED.glob(".staging-txn-*")) and not list(paths.PROCESSED.glob(".old-txn-*"))
    failed = max(reports.glob("txn-*"), key=lambda p: p.name)
    assert (failed / "02_entities.ipynb").exists() and not (failed / "03_charts.ipynb").exists()
    manifest = json.loads((failed / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "02_entities" in manifest["error"]
    kept_before = json.loads((good / "manifest.json").read_text())["documents"]["by_status"]["kept"]
    assert manifest["documents"]["by_status"]["kept"] == kept_before + 1  # its own counts, not the last run's
    page = (failed / "index.html").read_text()
    assert "This run failed: it has no results" in page
    assert "Top actors" not in page and "<img" not in page
    # The work the failed run did is in the shared cache: the next run reuses it.
    rerun = run.run(raw, reports_dir=reports, progress=False)
    extraction = json.loads((rerun / "manifest.json").read_text())["extraction"]
    assert extraction["n_processed"] == 0


@pytest.mark.slow
def test_a_failing_comparison_with_the_last_run_still_finishes_the_run(tmp_path, monkeypatch):
    from helpers import changes

    def broken(*args, **kwargs):
        raise OSError("disk full while writing changes.json")

    monkeypatch.setattr(changes, "record_run", broken)
    raw = build_small_corpus(tmp_path / "cmp")
    run_dir = run.run(raw, reports_dir=tmp_path / "reports", progress=False)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded" and "disk full" in manifest["changes"]["error"]
    assert (run_dir / "index.html").is_file()
