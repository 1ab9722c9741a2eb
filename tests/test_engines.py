"""The dask engine gives the same tables as the local one (LocalCluster, two workers)."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from helpers import extract, paths, store

from test_extract import make_corpus

pytestmark = pytest.mark.slow


def test_dask_local_cluster_matches_local_engine(tmp_path):
    local_name, _ = make_corpus(tmp_path, 40)
    dask_name = local_name + "-dask"
    paths.processed_dir(dask_name)
    shutil.copy(store.table_path(local_name, "documents"), store.table_path(dask_name, "documents"))
    extract.extract_corpus(local_name, extract.Options(), progress=False)
    summary = extract.extract_corpus(dask_name, extract.Options(engine="dask", n_workers=2), progress=False)
    assert summary["n_processed"] == 40
    local, remote = extract.load_tables(local_name), extract.load_tables(dask_name)
    for table in extract.TABLES:
        pd.testing.assert_frame_equal(local[table], remote[table], obj=table)


def test_unknown_engine_is_an_error(tmp_path):
    name, _ = make_corpus(tmp_path, 2)
    with pytest.raises(ValueError, match="unknown engine"):
        extract.extract_corpus(name, extract.Options(engine="spark"), progress=False)


def test_local_worker_processes_match_one_process(tmp_path):
    one, _ = make_corpus(tmp_path, 30)
    two = one + "-two"
    paths.processed_dir(two)
    shutil.copy(store.table_path(one, "documents"), store.table_path(two, "documents"))
    extract.extract_corpus(one, extract.Options(), progress=False)
    summary = extract.extract_corpus(two, extract.Options(n_process=2), progress=False)
    assert summary["n_processed"] == 30
    first, second = extract.load_tables(one), extract.load_tables(two)
    for table in extract.TABLES:
        pd.testing.assert_frame_equal(first[table], second[table], obj=table)
