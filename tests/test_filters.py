"""Filters: validated up front, the same documents for extraction, charts and the report."""

from __future__ import annotations

import datetime as dt
import uuid

import pandas as pd
import pytest

from helpers import extract, filters, run, store

DOCUMENTS = pd.DataFrame({
    "doc_id": ["a", "b", "c", "d"],
    "published": [dt.date(2026, 9, 1), dt.date(2026, 9, 20), None, dt.date(2026, 10, 5)],
    "source": ["Ledger", "Courier", "Ledger", "Ledger"],
    "language": ["en", "en", "en", "fr"],
    "status": "kept",
})


@pytest.mark.parametrize("values, message", [
    ({"start_date": "2026-13-01"}, "start_date '2026-13-01' is not a date"),
    ({"end_date": "last week"}, "end_date 'last week' is not a date"),
    ({"start_date": "2026-10-01", "end_date": "2026-09-01"}, "after end_date"),
    ({"sources": [1, 2]}, "sources must be a list of names"),
])
def test_bad_filter_values_are_clear_errors(values, message):
    with pytest.raises(ValueError, match=message):
        filters.from_mapping(values)


def test_runner_rejects_a_bad_date_before_anything_runs():
    with pytest.raises(run.ParameterError, match="start_date"):
        run.parse_overrides(["start_date=2026-02-30"], run.declared_parameters())


@pytest.mark.parametrize("chosen, kept", [
    (filters.Filters(), {"a", "b", "c", "d"}),
    (filters.Filters(start=dt.date(2026, 9, 10)), {"b", "d"}),  # undated c cannot be placed
    (filters.Filters(end=dt.date(2026, 9, 30)), {"a", "b"}),
    (filters.Filters(sources=("Ledger",)), {"a", "c", "d"}),
    (filters.Filters(languages=("en",)), {"a", "b", "c"}),
])
def test_mask_and_row_test_agree(chosen, kept):
    assert set(DOCUMENTS.loc[chosen.mask(DOCUMENTS), "doc_id"]) == kept
    assert {d.doc_id for d in DOCUMENTS.itertuples() if chosen.keeps(d.published, d.source, d.language)} == kept


def test_subset_recounts_entities_and_cooccurrence():
    mentions = pd.DataFrame({"doc_id": ["a", "a", "b", "b", "b"], "sentence": [0, 0, 0, 1, 1],
                             "entity_id": ["x", "y", "x", "x", "y"], "label": "ORG"})
    entities = pd.DataFrame({"entity_id": ["x", "y"], "name": ["X", "Y"], "label": "ORG", "n_mentions": [3, 2],
                             "n_docs": [2, 2]})
    tables = {"mentions": mentions, "entities": entities, "quotes": mentions.iloc[:0], "events": mentions.iloc[:0],
              "cooccurrence": filters.cooccurrence(mentions)}
    whole = tables["cooccurrence"].iloc[0]
    assert (whole["n_docs"], whole["n_sentences"]) == (2, 2)
    only_b = filters.subset(tables, DOCUMENTS, filters.Filters(sources=("Courier",)))
    assert only_b["entities"].set_index("entity_id")["n_mentions"].to_dict() == {"x": 2, "y": 1}
    pair = only_b["cooccurrence"].iloc[0]
    assert (pair["n_docs"], pair["n_sentences"]) == (1, 1)
    assert set(only_b["documents"]["doc_id"]) == {"b"}


def test_extraction_analyses_only_the_filtered_documents():
    corpus = f"filters-{uuid.uuid4().hex[:8]}"
    rows = [{"doc_id": d.doc_id, "source_path": d.doc_id, "format": "txt", "published": d.published,
             "source": d.source, "language": d.language, "status": "kept", "text": f"Text of {d.doc_id}.",
             "n_words": 3} for d in DOCUMENTS.itertuples()]
    store.write_records(store.table_path(corpus, "documents"), rows, "documents")
    options = extract.Options(start_date="2026-09-01", end_date="2026-09-30", sources=["Ledger"])
    analysed = [r["doc_id"] for batch in extract.analysed_batches(corpus, options, "v") for r in batch]
    assert analysed == ["a"]
