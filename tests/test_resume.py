"""Kill and resume: a run killed with SIGKILL leaves no partial table, and the next run reuses
the finished work and writes tables identical to an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import extract, paths

from test_extract import copy_documents, make_corpus

pytestmark = pytest.mark.slow
OPTIONS = extract.Options(quotes=False, events=False)
WORKER = ("from helpers import extract; "
          "extract.extract_corpus({name!r}, extract.Options(quotes=False, events=False), progress=False)")


def start_extraction(name: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER.format(name=name)], env=os.environ.copy(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def cached_documents(name: str) -> int:
    path = extract.cache_path(name)
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM kv").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def kill_when(process: subprocess.Popen, ready, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"finished before the kill: {process.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()


def assert_no_partial_tables(name: str) -> None:
    for path in paths.processed_dir(name).glob("*.parquet"):
        pq.read_table(path)  # a visible table is always a whole one


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    name, _ = make_corpus(tmp_path_factory.mktemp("resume"), 700)
    extract.extract_corpus(name, OPTIONS, progress=False)
    return name, extract.load_tables(name)


def assert_same_tables(name: str, expected: dict) -> None:
    found = extract.load_tables(name)
    for table in extract.TABLES:
        pd.testing.assert_frame_equal(found[table], expected[table], obj=table)


def test_killed_during_nlp_resumes_from_the_cache(reference):
    source, expected = reference
    name = source + "-nlp"
    copy_documents(source, name)
    process = start_extraction(name)
    kill_when(process, lambda: cached_documents(name) > 0)
    done = cached_documents(name)
    assert 0 < done < 700
    assert_no_partial_tables(name)
    summary = extract.extract_corpus(name, OPTIONS, progress=False)
    assert summary["n_reused"] == done and summary["n_processed"] == 700 - done
    assert_same_tables(name, expected)


def test_killed_while_writing_tables_leaves_none_half_written(reference):
    source, expected = reference
    name = source + "-write"
    copy_documents(source, name)
    folder = paths.processed_dir(name)
    process = start_extraction(name)
    kill_when(process, lambda: any(folder.glob(".*.tmp")))
    assert_no_partial_tables(name)
    assert not (folder / "entities.parquet").exists()
    summary = extract.extract_corpus(name, OPTIONS, progress=False)
    assert summary["n_processed"] == 0
    assert_same_tables(name, expected)
    assert not any(folder.glob(".*.tmp")), "a finished run sweeps what a killed one left"
