"""The data contract and atomic storage."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import paths, schema, store

REQUIRED = {
    "documents": ["doc_id", "source_path", "title", "published", "source", "language", "text", "n_words",
                  "content_hash", "status", "reason", "dup_of"],
    "mentions": ["doc_id", "start_char", "end_char", "text", "label", "entity_id"],
    "entities": ["entity_id", "name", "label", "n_mentions", "n_docs", "aliases", "actor_type"],
    "quotes": ["doc_id", "speaker_text", "speaker_entity_id", "cue", "quote", "start_char", "end_char"],
    "events": ["doc_id", "sentence", "event_type", "actor1", "actor2", "location", "event_date", "date_text",
               "trigger", "count"],
    "cooccurrence": ["entity_a", "entity_b", "n_docs", "n_sentences"],
}


@pytest.mark.parametrize("table", sorted(REQUIRED))
def test_contract_keeps_the_promised_columns(table):
    assert set(REQUIRED[table]) <= set(schema.columns(table))


def test_to_arrow_fills_missing_and_rejects_unknown_columns():
    table = schema.to_arrow([{"entity_a": "a", "entity_b": "b", "n_docs": 2}], "cooccurrence")
    assert table.column("n_sentences").to_pylist() == [None]
    with pytest.raises(ValueError, match="not in the contract"):
        schema.to_arrow([{"entity_a": "a", "colour": "red"}], "cooccurrence")


def test_conform_names_missing_columns():
    with pytest.raises(ValueError, match="entity_b"):
        schema.conform(pd.DataFrame({"entity_a": ["x"]}), "cooccurrence")


def test_readme_data_dictionary_is_generated_from_the_schema():
    readme = (paths.PROJECT_ROOT / "README.md").read_text()
    start = readme.index("<!-- data-dictionary:start -->") + len("<!-- data-dictionary:start -->")
    end = readme.index("<!-- data-dictionary:end -->")
    assert readme[start:end].strip() == schema.data_dictionary().strip()


def test_table_writer_streams_row_groups_and_is_atomic(tmp_path):
    target = tmp_path / "dates.parquet"
    rows = [{"doc_id": "a", "start_char": 0, "end_char": 6, "text": "Friday",
             "start_date": dt.date(2024, 2, 9), "end_date": dt.date(2024, 2, 9), "precision": "day"}]
    with store.TableWriter(target, "dates") as out:
        out.write(rows)
        out.write(rows)
        assert not target.exists(), "the table must not be visible before it is complete"
    assert pq.ParquetFile(target).num_row_groups == 2
    assert pq.read_table(target).num_rows == 2


def test_failed_write_leaves_the_old_table_and_no_temporary_file(tmp_path):
    target = tmp_path / "cooccurrence.parquet"
    store.write_records(target, [{"entity_a": "a", "entity_b": "b", "n_docs": 1, "n_sentences": 1}], "cooccurrence")
    with pytest.raises(RuntimeError), store.TableWriter(target, "cooccurrence") as out:
        out.write([{"entity_a": "c", "entity_b": "d", "n_docs": 5, "n_sentences": 5}])
        raise RuntimeError("killed midway")
    assert pq.read_table(target).column("entity_a").to_pylist() == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["cooccurrence.parquet"]


def test_read_table_names_the_notebook_that_makes_a_missing_table():
    with pytest.raises(FileNotFoundError, match="02_entities"):
        store.read_table("no-such-corpus", "quotes")
