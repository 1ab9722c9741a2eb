"""Stage 1, reading: formats, encodings, front matter, JSONL/CSV records and rejections.

Runs the ingester (and, where the status matters, the whole cleaning stage) on the hostile corpus
from :mod:`hostile`, built fresh in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pandas as pd
import pytest

from helpers import clean, ingest

from hostile import XSS_IMG, XSS_SCRIPT, build_hostile_corpus

RECORD_FILES = {"records/articles.jsonl": 5, "records/articles.csv": 4}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "corpus"
    expected = build_hostile_corpus(folder)
    return folder, expected


@pytest.fixture(scope="module")
def raw(corpus) -> dict[str, ingest.RawRecord]:
    folder, _ = corpus
    records = list(ingest.read_corpus(folder))
    by_id = {r.doc_id: r for r in records}
    assert len(by_id) == len(records), "doc_ids must be unique"
    return by_id


@pytest.fixture(scope="module")
def documents(corpus, tmp_path_factory):
    folder, _ = corpus
    cache_path = tmp_path_factory.mktemp("cache") / "c.sqlite"
    return clean.clean_corpus(folder, clean.Options(max_chars=2000), cache_path=cache_path, progress=False)


def doc(documents, doc_id: str) -> dict:
    rows = documents[documents["doc_id"] == doc_id]
    assert len(rows) == 1, f"{doc_id}: {len(rows)} rows"
    return rows.iloc[0].to_dict()


# --- every input accounted for ------------------------------------------------------------------

def test_every_file_and_record_appears_exactly_once(corpus, documents):
    folder, expected = corpus
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(expected)
    counts = Counter(documents["source_path"])
    assert set(counts) == on_disk
    for path in on_disk:
        assert counts[path] == RECORD_FILES.get(path, 1), path
    assert documents["doc_id"].is_unique
    assert set(documents["doc_id"]) >= {
        "records/articles.jsonl#1", "records/articles.jsonl#2", "records/articles.jsonl#3",
        "records/articles.jsonl#4", "records/articles.jsonl#6",
        "records/articles.csv#2", "records/articles.csv#3", "records/articles.csv#4", "records/articles.csv#5",
    }
    # The blank JSONL line (5) is not a record.
    assert "records/articles.jsonl#5" not in set(documents["doc_id"])


def test_expected_statuses_of_one_article_files(corpus, documents):
    _, expected = corpus
    for path, expectation in expected.items():
        if path in RECORD_FILES:
            continue
        assert doc(documents, path)["status"] == expectation.split()[0], path


# --- rejections ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("doc_id", "words"), [
    ("bad/empty.txt", ["empty"]),
    ("bad/whitespace_only.txt", ["empty"]),
    ("bad/image.txt", ["binary"]),
    ("bad/report.pdf", ["unknown extension", ".pdf"]),
    ("bad/letter.docx", ["unknown extension", ".docx"]),
    ("web/no_main_text.html", ["html", "no main text"]),
    ("records/articles.jsonl#2", ["malformed json", "line 2"]),
    ("records/articles.jsonl#3", ["line 3", "not an object"]),
    ("records/articles.jsonl#4", ["no text field"]),
    ("records/articles.csv#3", ["malformed csv row 3", "6 fields", "header has 4"]),
    ("records/articles.csv#4", ["text is empty"]),
])
def test_bad_inputs_are_rejected_with_a_reason(documents, doc_id, words):
    row = doc(documents, doc_id)
    assert row["status"] == "rejected"
    assert pd.isna(row["text"])
    for word in words:
        assert word in row["reason"].lower(), (word, row["reason"])


def test_good_records_of_a_bad_file_are_kept(documents):
    for doc_id in ("records/articles.jsonl#1", "records/articles.jsonl#6",
                   "records/articles.csv#2", "records/articles.csv#5"):
        row = doc(documents, doc_id)
        assert row["status"] == "kept", doc_id
        assert row["n_words"] > 15


def test_record_fields_and_synonyms(raw):
    first = raw["records/articles.jsonl#1"]
    assert first.record == 1
    assert first.format == "jsonl"
    assert first.title == "Bridge closed for repairs"          # from "headline"
    assert first.published == dt.date(2025, 2, 1)              # from "date"
    assert first.source == "River Post"                        # from "outlet"
    assert first.body.startswith("The old stone bridge at Kellby")  # from "body"
    assert first.metadata == {"author": "Sam Ode"}
    row = raw["records/articles.csv#5"]
    assert (row.record, row.title, row.published, row.source) == (5, "Shelter opens", dt.date(2025, 3, 7),
                                                                  "Harbour Daily")


def test_empty_known_columns_are_not_metadata(raw):
    empty = raw["records/articles.csv#4"]
    assert empty.reject == "record text is empty"
    assert "text" not in empty.metadata
    record = ingest.RawRecord(doc_id="x", source_path="x", format="csv", file_hash="0")
    ingest.assign_fields(record, {"text": "Some words", "url": "", "Section": "World"})
    assert record.url is None
    assert record.metadata == {"section": "World"}


def test_one_bad_jsonl_line_rejects_that_line_only(tmp_path):
    lines = [json.dumps({"text": f"Story number {i} about the harbour and its cranes."}) for i in range(4)]
    lines[2] = '{"text": "cut off'
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(ingest.read_file(tmp_path / "feed.jsonl", tmp_path))
    assert [r.record for r in records] == [1, 2, 3, 4]
    assert [r.reject is None for r in records] == [True, True, False, True]
    assert "malformed JSON on line 3" in records[2].reject


def test_csv_with_multiline_quoted_field(tmp_path):
    (tmp_path / "rows.csv").write_text(
        'headline,content\n"Two lines","First paragraph here.\n\nSecond paragraph here."\n', encoding="utf-8")
    (record,) = ingest.read_file(tmp_path / "rows.csv", tmp_path)
    assert record.reject is None
    assert record.body == "First paragraph here.\n\nSecond paragraph here."


# --- encodings ----------------------------------------------------------------------------------

def test_cp1252_is_detected_and_decoded(raw, documents):
    record = raw["enc/cp1252.txt"]
    assert record.encoding == "cp1252"
    assert "\u201cWe will rebuild the caf\u00e9" in record.body
    assert "insurer\u2019s" in record.body and "\u2013" in record.body
    assert doc(documents, "enc/cp1252.txt")["encoding"] == "cp1252"


def test_latin1_is_decoded(raw):
    record = raw["enc/latin1.txt"]
    assert record.encoding in {"cp1252", "latin_1", "iso8859_1"}
    for word in ("café", "après", "annoncé", "propriétaire", "à la presse"):
        assert word in record.body


def test_utf8_bom_is_recorded_and_removed(raw, documents):
    record = raw["enc/bom.txt"]
    assert record.encoding == "utf-8-sig"
    assert record.body.startswith("The na\u00efve plan")
    assert doc(documents, "enc/bom.txt")["encoding"] == "utf-8-sig"


def test_plain_utf8(raw):
    assert raw["lang/french.txt"].encoding == "utf-8"
    assert "manifesté" in raw["lang/french.txt"].body


# --- text files ---------------------------------------------------------------------------------

def test_front_matter_fields(raw):
    record = raw["news/front_matter.txt"]
    assert record.title == "Valmora dockworkers end strike"
    assert record.published == dt.date(2025, 3, 4)
    assert record.source == "Valmora Herald"
    assert record.url == "https://example.org/valmora-strike"
    assert record.metadata == {"author": "Jo Reyes"}
    assert "---" not in record.body and "title:" not in record.body
    assert record.body.startswith("Dockworkers in the northern port")


def test_invalid_front_matter_is_recorded_not_fatal(raw, documents):
    record = raw["text/bad_front_matter.txt"]
    assert record.reject is None
    assert "not valid YAML" in record.metadata["front_matter_error"]
    assert "unclosed" not in record.body
    assert record.body.startswith("The library will extend")
    row = doc(documents, "text/bad_front_matter.txt")
    assert row["status"] == "kept"
    assert "front_matter_error" in json.loads(row["metadata"])


def test_front_matter_that_is_not_a_mapping(tmp_path):
    (tmp_path / "list.txt").write_text("---\n- one\n- two\n---\nBody text of the story.\n", encoding="utf-8")
    (record,) = ingest.read_file(tmp_path / "list.txt", tmp_path)
    assert record.metadata["front_matter_error"] == "front matter is not a mapping"
    assert record.body == "Body text of the story.\n"


def test_markdown(raw, documents):
    record = raw["news/markdown.md"]
    assert record.format == "md"
    assert record.title == "Orchestra returns to the concert hall"
    text = doc(documents, "news/markdown.md")["text"]
    assert "**" not in text and "](" not in text and "#" not in text and "_great_" not in text
    assert "The conductor thanked the builders" in text
    assert "the programme notes described the new organ in great detail" in text


def test_date_in_file_name(tmp_path):
    assert ingest.date_from_name("2026-09-22_story.txt") == dt.date(2026, 9, 22)
    assert ingest.date_from_name("20260922-story.txt") == dt.date(2026, 9, 22)
    assert ingest.date_from_name("2026-13-40_story.txt") is None
    assert ingest.date_from_name("story-12345.txt") is None
    (tmp_path / "2024-05-06_note.txt").write_text("A short note about the weather today.\n", encoding="utf-8")
    (record,) = ingest.read_file(tmp_path / "2024-05-06_note.txt", tmp_path)
    assert record.published == dt.date(2024, 5, 6)


def test_parse_date():
    assert ingest.parse_date("2025-03-04T08:30:00Z") == dt.date(2025, 3, 4)
    assert ingest.parse_date("4 March 2025") == dt.date(2025, 3, 4)
    assert ingest.parse_date(dt.datetime(2025, 3, 4, 10, 0)) == dt.date(2025, 3, 4)
    assert ingest.parse_date("") is None
    assert ingest.parse_date("no date at all") is None


# --- HTML ---------------------------------------------------------------------------------------

def test_html_main_text_without_furniture(raw, documents):
    record = raw["web/article.html"]
    assert record.format == "html"
    assert record.title == "Valmora votes for a park"
    assert record.source == "The Valmora Herald"
    assert record.published == dt.date(2025, 3, 4)
    text = doc(documents, "web/article.html")["text"]
    for start in ("The city council of Valmora voted", "Council members said", "Developers who had hoped",
                  "Work on the park is expected"):
        assert start in text
    for furniture in ("Share on Facebook", "Privacy policy", "All rights reserved", "Business", "Sport"):
        assert furniture not in text
    # What extraction left out of the page (navigation, share buttons) counts as removed characters.
    row = doc(documents, "web/article.html")
    assert row["n_chars_raw"] > len(text)
    assert row["n_chars_removed"] == row["n_chars_raw"] - len(text)


def test_html_markup_written_as_text_survives_as_text(documents):
    text = doc(documents, "web/escaped_markup.html")["text"]
    assert XSS_SCRIPT in text
    assert XSS_IMG in text


def test_unreadable_bytes_never_raise(tmp_path):
    (tmp_path / "noise.txt").write_bytes(bytes(range(1, 32)) * 40)
    (tmp_path / "page.html").write_bytes(b"<html><body>\xff\xfe<<<<div>>>\x01\x02</html>")
    records = list(ingest.read_corpus(tmp_path))
    assert len(records) == 2
    assert all(r.reject for r in records)
    assert "binary" in records[0].reject


def test_missing_folder_raises():
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ingest.iter_files("/nonexistent/newsdesk/corpus")


def _read(folder, name: str, content: str) -> list[ingest.RawRecord]:
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return list(ingest.read_file(path, folder))


def test_json_array_export_gives_one_record_per_object(tmp_path):
    rows = [{"headline": "Dam repairs begin", "body": "Engineers began repairs on the dam on Monday.",
             "date": "2025-05-05", "outlet": "River Times"},
            ["not", "an", "object"],
            {"title": "Market reopens", "text": "The central market reopened after a fire."}]
    records = _read(tmp_path, "export.json", json.dumps(rows))
    assert [r.doc_id for r in records] == ["export.json#1", "export.json#2", "export.json#3"]
    assert records[0].title == "Dam repairs begin" and records[0].source == "River Times"
    assert records[0].published == dt.date(2025, 5, 5)
    assert "not an object" in records[1].reject and records[2].reject is None


def test_single_json_object_and_malformed_json(tmp_path):
    (one,) = _read(tmp_path, "one.json", json.dumps({"text": "A ferry sank near the port; all were rescued."}))
    assert one.reject is None and one.record is None and one.body.startswith("A ferry")
    (bad,) = _read(tmp_path, "bad.json", '{"text": "unfinished')
    assert "malformed JSON" in bad.reject


def test_tsv_rows_are_records(tmp_path):
    content = "title\ttext\tsource\nBridge closed\tThe old bridge closed for repairs on Friday.\tCity Desk\n"
    (record,) = _read(tmp_path, "feed.tsv", content)
    assert record.format == "tsv" and record.doc_id == "feed.tsv#2"
    assert record.title == "Bridge closed" and record.source == "City Desk"
