"""Whole runs on hostile and empty corpora (issue 16): each completes with exit status 0, every
input is accounted for, nothing from outside the corpus reaches any output, and the report
says when there is nothing to show. These run papermill, so they are marked slow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import paths, report, runlock

from corpus import build_small_corpus
from hostile import FRENCH_STORY, RED_TEAM_MAX_FILE_MB, SECRET, build_red_team_corpus
from test_run import newsdesk


def run_cli(raw: Path, reports: Path, *parameters: str) -> Path:
    extra = [arg for p in parameters for arg in ("-p", p)]
    result = newsdesk("run", "--raw", str(raw), "--reports", str(reports), "--no-progress", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return Path(result.stdout.strip().splitlines()[-1].removeprefix("report: ")).parent


@pytest.mark.slow
def test_the_red_team_corpus_runs_to_the_end_with_every_input_accounted_for(tmp_path):
    raw = tmp_path / "redteam"
    expected = build_red_team_corpus(raw, tmp_path / "outside", unprivileged=os.geteuid() != 0)
    run_dir = run_cli(raw, tmp_path / "reports", f"max_file_mb={RED_TEAM_MAX_FILE_MB}")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded"
    documents = {d["doc_id"]: d for d in manifest["documents"]["documents"]}
    assert set(documents) == set(expected)
    inputs = {entry["path"] for entry in manifest["inputs"]}
    assert inputs == {d["source_path"] for d in documents.values()}
    assert {e["path"] for e in manifest["inputs"] if e.get("problem")} >= {
        "leak/notes.txt", "leak/passwd.txt", "leak/mem.txt", "leak/loop.txt", "special/pipe.txt"}
    # Nothing from outside the corpus, in any table, page, figure or notebook.
    for folder in (run_dir, paths.PROCESSED / "redteam"):
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".sqlite"):
                content = path.read_bytes()
                assert SECRET.encode() not in content and b"root:x:0:0" not in content, path
    assert manifest["figures"], "the charts survived text full of dollar signs"


@pytest.mark.slow
@pytest.mark.parametrize(("corpus", "message"), [
    ("empty", "holds no files"),
    ("all_rejected", "No document was kept"),
    ("all_french", "No kept document is in an analysed language"),
])
def test_corpora_with_nothing_to_analyse_complete_and_say_so(tmp_path, corpus, message):
    raw = tmp_path / corpus
    raw.mkdir()
    if corpus == "all_rejected":
        (raw / "scan.pdf").write_bytes(b"%PDF-1.4 not really")
        (raw / "empty.txt").write_bytes(b"")
    elif corpus == "all_french":
        (raw / "a.txt").write_text(FRENCH_STORY, encoding="utf-8")
    run_dir = run_cli(raw, tmp_path / "reports")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "succeeded"
    assert message in report.nothing_to_show(manifest)
    assert message in (run_dir / "index.html").read_text()


@pytest.mark.slow
def test_a_killed_run_shows_as_interrupted_and_leaves_no_half_made_tables(tmp_path):
    raw = build_small_corpus(tmp_path / "killed")
    reports = tmp_path / "reports"
    process = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", "--raw", str(raw), "--reports",
                                str(reports), "--no-progress"], env=os.environ.copy(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not list(paths.PROCESSED.glob(".staging-killed-*/documents.parquet")):  # notebook 1 done
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before the kill"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    manifest = json.loads(next(reports.glob("killed-*/manifest.json")).read_text())
    assert manifest["status"] == "running" and report.run_status(manifest) == "interrupted"
    assert runlock.holder("killed") is None
    assert not (paths.PROCESSED / "killed" / "documents.parquet").exists(), "nothing was swapped in"
    run_dir = run_cli(raw, reports)
    assert (paths.PROCESSED / "killed" / "documents.parquet").exists()
    assert not list(paths.PROCESSED.glob(".staging-killed-*"))
    index = (reports / "index.html").read_text()
    assert "interrupted" in index and run_dir.name in index
