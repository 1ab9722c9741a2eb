"""metadata.csv beside the articles: gives and corrects titles, dates, outlets and addresses."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from helpers import clean, ingest

PLAIN = "Rockets struck an airbase near Haditha on Thursday night, the Iraqi military said.\n"
WITH_FRONT_MATTER = "---\ntitle: Old title\nsource: Valley Ledger\npublished: 2025-03-14\n---\n" + PLAIN


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "plain.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "dated.md").write_text(WITH_FRONT_MATTER, encoding="utf-8")
    (tmp_path / "feed.jsonl").write_text(
        json.dumps({"text": PLAIN.replace("Haditha", "Mosul")}) + "\n"
        + json.dumps({"text": PLAIN.replace("Haditha", "Basra"), "title": "Basra"}) + "\n", encoding="utf-8")
    return tmp_path


def documents(folder):
    return clean.clean_corpus(folder, progress=False).set_index("doc_id")


def test_sidecar_fills_what_files_lack_and_overrides_what_they_say(corpus):
    (corpus / "metadata.csv").write_text(
        "path,title,published,outlet,url,author\n"
        "plain.txt,Airbase hit,2025-03-13,Tigris Notes,https://example.org/a,Huda\n"
        "dated.md,,14 March 2025,Corrected Ledger,,\n", encoding="utf-8")
    found = documents(corpus)
    plain = found.loc["plain.txt"]
    assert (plain["title"], plain["published"], plain["source"], plain["url"]) == \
        ("Airbase hit", dt.date(2025, 3, 13), "Tigris Notes", "https://example.org/a")
    assert json.loads(plain["metadata"]) == {"author": "Huda"}
    dated = found.loc["dated.md"]
    assert (dated["title"], dated["source"]) == ("Old title", "Corrected Ledger")  # empty cells change nothing


def test_doc_id_rows_reach_one_record_and_win_over_path_rows(corpus):
    (corpus / "metadata.csv").write_text(
        "doc_id,path,published\n,feed.jsonl,2025-01-01\nfeed.jsonl#2,,2025-02-02\n", encoding="utf-8")
    found = documents(corpus)
    assert found.loc["feed.jsonl#1", "published"] == dt.date(2025, 1, 1)
    assert found.loc["feed.jsonl#2", "published"] == dt.date(2025, 2, 2)


def test_the_sidecar_is_not_read_as_articles(corpus):
    (corpus / "metadata.csv").write_text("path,published\nplain.txt,2025-03-13\n", encoding="utf-8")
    assert corpus / "metadata.csv" not in ingest.iter_files(corpus)
    assert not documents(corpus).index.str.startswith("metadata.csv").any()


@pytest.mark.parametrize("content, message", [
    ("path,published\nnot-there.txt,2025-03-13\n", r"no document for line 2 \(path 'not-there.txt'\)"),
    ("path,published\nplain.txt,someday soon\n", "line 2: published 'someday soon' is not a date"),
    ("file,published\nplain.txt,2025-03-13\n", "needs a 'path' or a 'doc_id' column"),
    ("path,published\n,2025-03-13\n", "line 2: no path or doc_id"),
])
def test_sidecar_mistakes_are_clear_errors(corpus, content, message):
    (corpus / "metadata.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        documents(corpus)
