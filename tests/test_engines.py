"""Other engines give the same tables as one local process: dask (LocalCluster, two workers) and
local worker processes."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import extract

from test_extract import copy_documents, make_corpus

pytestmark = pytest.mark.slow


def assert_engine_matches_local(tmp_path, n: int, **engine) -> None:
    """The same documents through the default local run and through ``engine`` options."""
    local, _ = make_corpus(tmp_path, n)
    other = local + "-other"
    copy_documents(local, other)
    extract.extract_corpus(local, extract.Options(), progress=False)
    summary = extract.extract_corpus(other, extract.Options(**engine), progress=False)
    assert summary["n_processed"] == n
    expected, found = extract.load_tables(local), extract.load_tables(other)
    for table in extract.TABLES:
        pd.testing.assert_frame_equal(expected[table], found[table], obj=table)


def test_dask_local_cluster_matches_local_engine(tmp_path):
    assert_engine_matches_local(tmp_path, 40, engine="dask", n_workers=2)


def test_local_worker_processes_match_one_process(tmp_path):
    assert_engine_matches_local(tmp_path, 30, n_process=2)


def test_unknown_engine_is_an_error(tmp_path):
    name, _ = make_corpus(tmp_path, 2)
    with pytest.raises(ValueError, match="unknown engine"):
        extract.extract_corpus(name, extract.Options(engine="spark"), progress=False)
