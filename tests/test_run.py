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


@pytest.mark.slow
def test_failing_notebook_stops_the_run_and_keeps_the_notebook(tmp_path):
    raw = build_small_corpus(tmp_path / "broken")
    reports = tmp_path / "reports"
    result = newsdesk("run", "--raw", str(raw), "--reports", str(reports), "--no-progress",
                      "-p", "model=xx_no_such_model")
    assert result.returncode == 1
    assert "02_entities.ipynb failed in cell" in result.stderr
    assert "ModelNotFound" in result.stderr and "Install it with" in result.stderr
    run_dir = next(reports.glob("broken-*"))
    assert (run_dir / "02_entities.ipynb").exists() and not (run_dir / "03_charts.ipynb").exists()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "02_entities" in manifest["error"]
    assert (run_dir / "index.html").exists()
