"""Report tables, CSV exports and "what changed since the last run"."""

from __future__ import annotations

import csv
import datetime as dt
import uuid

import pandas as pd
import pyarrow.parquet as pq

from helpers import changes, filters, report, store


def test_missing_fatalities_print_empty_not_na():
    frame = pd.DataFrame({"fatalities": pd.array([3, None], dtype="Int64"), "reports": pd.array([2, 1], dtype="Int64")})
    html = report.table(frame)
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and '<td class="num">3</td>' in html


def test_counts_print_as_integers():
    frame = pd.DataFrame({"count": [160.0, None], "n_mentions": [1234, 2], "sentence": ["a", "b"]})
    html = report.table(frame)
    assert "<td class=\"num\">160</td>" in html and "160.0" not in html and "nan" not in html
    assert "1,234" in html


def test_documents_are_cited_by_title_outlet_and_date_or_undated():
    documents = pd.DataFrame({"doc_id": ["a.txt", "b.txt"], "title": ["Talks resume", None],
                              "source": [None, "Ledger"], "published": [dt.date(2026, 9, 1), None],
                              "url": ["https://example.org/a", None]})
    cited = report.document_columns(documents).set_index("doc_id")
    assert cited.loc["a.txt"].tolist() == ["Talks resume", "unknown source", "2026-09-01", "https://example.org/a"]
    assert cited.loc["b.txt"].tolist()[:3] == ["b.txt", "Ledger", "undated"]


def test_table_section_says_n_of_m_and_links_the_full_csv(tmp_path):
    frame = pd.DataFrame({"doc_id": [f"d{i}" for i in range(40)], "type": "attack",
                          "count": pd.array([*range(39), None], dtype="Int64"), "published": "2026-09-01"})
    html = report.table_section("events", frame, tmp_path, shown=15)
    assert "15 of 40 shown" in html and 'href="tables/events.csv"' in html
    assert html.count("<tr>") == 16  # header and 15 rows
    with open(tmp_path / "tables" / "events.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and (rows[38]["count"], rows[39]["count"]) == ("38", "")


def test_csv_is_utf8_with_iso_dates_lists_and_booleans(tmp_path):
    frame = pd.DataFrame({"name": ["Dir' al-Rafidayn", "Souleymane Traoré"],
                          "published": [dt.date(2026, 9, 1), None],
                          "seen": pd.to_datetime(["2026-09-02", "2026-09-03"]),
                          "aliases": [["a", "b"], []], "in_gazetteer": [True, False]})
    target = store.write_csv(tmp_path / "t.csv", frame)
    text = target.read_bytes().decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[1]["name"] == "Souleymane Traoré"
    assert (rows[0]["published"], rows[1]["published"], rows[0]["seen"]) == ("2026-09-01", "", "2026-09-02")
    assert rows[0]["aliases"] == '["a", "b"]' and rows[0]["in_gazetteer"] == "true"


def test_every_table_gets_a_csv_beside_its_parquet():
    corpus = f"csv-{uuid.uuid4().hex[:8]}"
    store.write_records(store.table_path(corpus, "cooccurrence"),
                        [{"entity_a": "a", "entity_b": "b", "n_docs": 2, "n_sentences": 1}], "cooccurrence")
    store.write_records(store.table_path(corpus, "dates"),
                        [{"doc_id": "x", "start_char": 0, "end_char": 6, "text": "Friday",
                          "start_date": dt.date(2026, 9, 4), "end_date": dt.date(2026, 9, 4), "precision": "day",
                          "anchor": dt.date(2026, 9, 7)}], "dates")
    assert [p.name for p in store.export_csv(corpus, ["dates"])] == ["dates.csv"]
    written = store.export_csv(corpus)
    assert [p.name for p in written] == ["cooccurrence.csv", "dates.csv"]
    for path in written:
        frame = pd.read_csv(path, dtype=str)
        assert list(frame.columns) == pq.read_schema(path.with_suffix(".parquet")).names
    assert "2026-09-04,2026-09-04,day,2026-09-07" in written[1].read_text(encoding="utf-8")


def snapshot_of(docs: dict, mentions: dict, events: list[str], weeks: float = 1.0) -> dict:
    return {"documents": docs, "window": ["2026-09-01", "2026-09-07"], "weeks": weeks,
            "actors": {k: {"name": k.title(), "label": "ORG", "mentions": int(v * weeks), "per_week": v}
                       for k, v in mentions.items()},
            "events": {k: {"type": "attack", "date": "2026-09-02", "doc_id": "a", "sentence": k} for k in events}}


def test_first_run_has_nothing_to_compare():
    found = changes.compare(None, snapshot_of({"a": "A"}, {}, []))
    assert found["first_run"] and "first run" in report.changes_section(found)


def test_changes_name_new_and_gone_documents_new_actors_movers_and_new_events():
    before = snapshot_of({"a": "A", "b": "B"}, {"militia": 10.0, "council": 2.0, "army": 3.0, "envoy": 1.2}, ["e1"])
    after = snapshot_of({"a": "A", "c": "C"}, {"militia": 2.0, "council": 6.0, "army": 3.4, "newcomer": 5.0},
                        ["e1", "e2"])
    found = changes.compare(before, after)
    assert [d["doc_id"] for d in found["new_documents"]] == ["c"]
    assert [d["doc_id"] for d in found["gone_documents"]] == ["b"]
    assert [a["entity_id"] for a in found["new_actors"]] == ["newcomer"]
    assert [a["entity_id"] for a in found["rising"]] == ["council"]  # army's +0.4 a week is noise
    assert [a["entity_id"] for a in found["falling"]] == ["militia", "envoy"]  # envoy: gone from the news
    assert [e["key"] for e in found["new_events"]] == ["e2"]
    html = report.changes_section(found | {"previous_run": "sample-1"})
    assert "Rising" in html and "Council" in html and "sample-1" in html


def test_an_unchanged_corpus_shows_no_change():
    state = snapshot_of({"a": "A"}, {"militia": 10.0}, ["e1"])
    found = changes.compare(state, state)
    assert set(found["counts"].values()) == {0}


def test_snapshot_rates_are_mentions_per_week_of_the_window():
    documents = pd.DataFrame({"doc_id": ["a", "b"], "title": ["A", None], "status": "kept",
                              "published": [dt.date(2026, 9, 1), dt.date(2026, 9, 14)]})
    entities = pd.DataFrame({"entity_id": ["m"], "name": ["Militia"], "label": ["ORG"], "n_mentions": [4],
                             "n_docs": [2]})
    events = pd.DataFrame({"doc_id": ["a"], "start_char": [0], "event_type": ["attack"], "trigger": ["attack"],
                           "event_date": [dt.date(2026, 9, 1)], "sentence": ["s"]})
    state = changes.snapshot({"mentions": pd.DataFrame(), "entities": entities, "events": events}, documents)
    assert state["weeks"] == 2.0 and state["actors"]["m"]["per_week"] == 2.0
    assert list(state["events"]) == ["a@0:attack:attack"]
    assert state["documents"] == {"a": "A", "b": None}


def test_report_tables_follow_the_filters_and_put_the_newest_document_first():
    corpus = f"tables-{uuid.uuid4().hex[:8]}"
    folder = store.table_path(corpus, "x").parent
    docs = [("old.txt", "Old story", "Ledger", dt.date(2026, 9, 1)),
            ("new.txt", "New story", "Ledger", dt.date(2026, 9, 20)),
            ("wire.txt", None, "Courier", None)]
    store.write_records(folder / "documents.parquet", [
        {"doc_id": d, "source_path": d, "format": "txt", "title": t, "source": s, "published": p, "status": "kept",
         "language": "en", "text": "x", "n_words": 1} for d, t, s, p in docs], "documents")
    store.write_records(folder / "events.parquet", [
        {"doc_id": d, "sentence": f"Sentence of {d}.", "event_type": "Battles", "label": "attack",
         "modality": "asserted", "event_id": f"ev-{d}", "n_reports": 1, "actor1": "militia",
         "event_date": p, "trigger": "attack", "count": 160, "start_char": 0} for d, _, _, p in docs], "events")
    store.write_records(folder / "entities.parquet", [
        {"entity_id": "militia", "name": "The Militia", "label": "ORG", "n_mentions": 3, "n_docs": 3,
         "aliases": ["militia"]}], "entities")
    store.write_records(folder / "mentions.parquet", [
        {"doc_id": d, "start_char": 0, "end_char": 7, "text": "militia", "label": "ORG", "entity_id": "militia",
         "sentence": 0} for d, *_ in docs], "mentions")
    for name in ("quotes", "dates", "cooccurrence", "entity_merges"):
        store.write_records(folder / f"{name}.parquet", [], name)
    events = report.report_tables(corpus)["events"]
    assert events["document"].tolist() == ["New story", "Old story", "wire.txt"]
    assert events["published"].tolist() == ["2026-09-20", "2026-09-01", "undated"]
    assert events["actor"].tolist() == ["The Militia"] * 3 and events["count"].tolist() == [160] * 3
    chosen = report.report_tables(corpus, filters.Filters(sources=("Courier",)))
    assert chosen["events"]["document"].tolist() == ["wire.txt"]
    assert chosen["actors"]["n_mentions"].tolist() == [1]


def test_report_counts_the_undated_documents_and_says_what_follows():
    documents = pd.DataFrame({"status": ["kept", "kept", "kept", "rejected"],
                              "published": [dt.date(2026, 9, 1), None, None, None]})
    html = report.dating_section(documents)
    assert "Undated: 2 of 3 kept documents" in html and "metadata.csv" in html
    assert "Every kept document (1)" in report.dating_section(documents.iloc[:1])


def test_runs_over_different_selections_are_flagged():
    documents = pd.DataFrame({"doc_id": ["a", "b"], "title": ["A", "B"], "status": "kept", "source": ["X", "Y"],
                              "language": "en", "published": [dt.date(2026, 9, 1), dt.date(2026, 9, 14)]})
    tables = {"mentions": pd.DataFrame(columns=["doc_id"]), "events": pd.DataFrame(columns=["doc_id", "event_type"]),
              "entities": pd.DataFrame(columns=["entity_id", "name", "label", "n_mentions"])}
    whole = changes.snapshot(tables, documents)
    only_x = changes.snapshot(tables, documents, filters.Filters(sources=("X",)))
    assert list(only_x["documents"]) == ["a"] and only_x["selection"] == "sources: X"
    html = report.changes_section(changes.compare(whole, only_x) | {"previous_run": "r1"})
    assert "The runs cover different documents" in html
    assert "different documents" not in report.changes_section(changes.compare(whole, whole))
