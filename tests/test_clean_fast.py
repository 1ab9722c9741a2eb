"""Stage 1's fast paths give the same tables as the slow implementations they replace.

The reference implementations are plugged back in with monkeypatch: ftfy on every text,
PyYAML for every front matter, langdetect for the language, and every pair of kept documents
compared exactly for near duplicates. On the sample corpus and the hostile corpus, the
documents table must not change by one cell. Worker processes, dask, streaming to Parquet and
``text_original`` are checked here too.
"""

from __future__ import annotations

import datetime as dt
import re

import ftfy
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clean, ingest, paths, schema

from generate import generate
from hostile import build_hostile_corpus

SAMPLE = paths.PROJECT_ROOT / "data" / "raw" / "sample"


def reference_fix_unicode(text: str) -> str:
    return ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization="NFC")


def reference_language(text: str) -> str:
    """The previous identifier: langdetect, seeded, on the first 3,000 characters."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    sample = text[:3000]
    if len(re.findall(r"[^\W\d_]+", sample)) < 5:
        return "und"
    try:
        return detect(sample)
    except LangDetectException:
        return "und"


def reference_duplicates(docs, threshold, sketches=None, text_of=None):
    """Near duplicates by exact Jaccard against every earlier kept document (no sketches)."""
    order = sorted((d for d in docs if d["status"] == "kept"),
                   key=lambda d: (d["published"] or dt.date.max, len(d["doc_id"]), d["doc_id"]))
    text_of = text_of or {d["doc_id"]: d["text"] for d in order}.__getitem__
    first_by_hash, kept = {}, []
    for doc in order:
        original = first_by_hash.setdefault(doc["content_hash"], doc["doc_id"])
        if original != doc["doc_id"]:
            doc.update(status="duplicate", reason="exact duplicate", dup_of=original, similarity=1.0)
            continue
        if 0 < threshold <= 1:
            own = clean.shingles(text_of(doc["doc_id"]))
            scored = [(clean.jaccard(own, grams), other) for other, grams in kept]
            similarity, best = max(scored, default=(0.0, None))
            if similarity >= threshold:
                doc.update(status="duplicate", reason="near duplicate", dup_of=best,
                           similarity=round(similarity, 3))
                continue
            kept.append((doc["doc_id"], own))


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    hostile = tmp_path_factory.mktemp("hostile") / "corpus"
    build_hostile_corpus(hostile)
    return {"sample": (SAMPLE, clean.Options()), "hostile": (hostile, clean.Options(max_chars=2000))}


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_fast_paths_give_the_same_table_as_the_reference_implementations(corpora, name, monkeypatch):
    folder, options = corpora[name]
    fast = clean.clean_corpus(folder, options, progress=False)
    with monkeypatch.context() as patch:
        patch.setitem(clean.STEPS, "fix_unicode", reference_fix_unicode)
        patch.setattr(ingest, "simple_front_matter", lambda block: None)
        patch.setattr(clean, "detect_language", reference_language)
        patch.setattr(clean, "mark_duplicates", reference_duplicates)
        slow = clean.clean_corpus(folder, options, progress=False)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["status"].eq("kept").sum() > 5  # the comparison covers real texts


@pytest.mark.parametrize("name", ["sample", "hostile"])
def test_worker_processes_give_the_same_table(corpora, name):
    folder, options = corpora[name]
    one = clean.clean_corpus(folder, options, progress=False)
    two = clean.clean_corpus(folder, options, progress=False, n_process=2)
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.slow
def test_dask_engine_gives_the_same_table(corpora):
    folder, options = corpora["hostile"]
    local = clean.clean_corpus(folder, options, progress=False)
    on_dask = clean.clean_corpus(folder, options, progress=False, engine="dask", n_workers=2)
    pd.testing.assert_frame_equal(local, on_dask)


def test_unknown_engine_is_an_error(corpora):
    with pytest.raises(ValueError, match="unknown engine"):
        clean.clean_corpus(corpora["sample"][0], progress=False, engine="spark")


def test_streamed_table_equals_the_frame(corpora, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "processed_dir", lambda corpus: tmp_path / corpus)
    folder, options = corpora["hostile"]
    frame = clean.clean_corpus(folder, options, progress=False)
    target = clean.clean_to_table(folder, "streamed", options, progress=False, rows_per_group=7)
    assert pq.ParquetFile(target).num_row_groups == -(-len(frame) // 7)
    pd.testing.assert_frame_equal(schema.conform(pq.read_table(target).to_pandas(), "documents"), frame)


# --- text steps that scan before they substitute ---------------------------------------------

def reference_straighten_quotes(text: str) -> str:
    return text.translate({ord(k): v for k, v in clean.STRAIGHT.items()})


def reference_normalize_spaces(text: str) -> str:
    text = re.sub(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]", "\n", text)
    text = text.translate(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad")))
    text = re.sub(r" ?\n ?", "\n", re.sub(r"[^\S\n]+", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def reference_dehyphenate(text: str) -> str:
    return re.sub(r"(?<=\w)[-\u00ad\u2010]\n[ \t]*(?=[a-z])", "", text)


SPACES_AND_QUOTES = list("ab -\n\t\r") + list(clean.STRAIGHT) + [
    "\u00a0", "\u202f", "\u3000", "\u2009", "\u200b", "\u00ad", "\u2028", "\x85", "\x0b", "\x1c", "\u2010"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(SPACES_AND_QUOTES), max_size=40) | st.text(max_size=40))
def test_scanning_text_steps_equal_their_plain_versions(text):
    assert clean.straighten_quotes(text) == reference_straighten_quotes(text)
    assert clean.normalize_spaces(text) == reference_normalize_spaces(text)
    assert clean.dehyphenate(text) == reference_dehyphenate(text)


def test_odd_space_lists_every_space_but_the_plain_space_and_the_line_break():
    import sys

    spaces = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    assert {c for c in spaces if clean.ODD_SPACE.fullmatch(c)} == set(spaces) - {" ", "\n"}
    assert not clean.ODD_SPACE.search("plain words, no odd spaces\nat all")


# --- ftfy only where needed -------------------------------------------------------------------

# What ftfy acts on: entities, escapes, controls, mojibake pieces, ligatures, wide forms, accents.
SUSPECTS = ("&<;\x1b\x07\x85\x92\u00c3\u00a9\u00e2\u20ac\u2122\u201c\u201d\u2019\ufb01\uff21\u3000"
            "\u0301\ufeff\u200b\u00ad")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\n") + list(SUSPECTS)), max_size=40)
       | st.text(max_size=40))
def test_fix_unicode_equals_ftfy_on_any_text(text):
    assert clean.fix_unicode(text) == reference_fix_unicode(text)


# Pieces of mojibake and of the contexts ftfy's badness patterns look at (line starts included).
MOJIBAKE_PIECES = ["\u00c3\u00a9", "\u00e2\u20ac\u2122", "\u00c2 ", "\u201d\u201c", "\u00c3 ", "\u0432\u0402",
                   "\u00e0\u00b2", "\u2022", "\u00d8\u00a7", "\u00b0", "\u00a3", "\u2500", "\u0152.", "\u00ac",
                   "\n", "\u00c3", "\u00c2", "\u00e9\u201da", "\u00d7\u00b2", "\u2019", "\u00c3\xa0"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(MOJIBAKE_PIECES) | st.text(alphabet="ab .,\n\u2019\u00e9", max_size=25),
                max_size=12).map("".join))
def test_fix_unicode_equals_ftfy_on_mojibake_pieces(text):
    from ftfy.badness import is_bad

    assert clean.fix_unicode(text) == reference_fix_unicode(text)
    assert clean.could_be_mojibake(text) or not is_bad(text)


def test_clean_text_skips_ftfy_and_mojibake_does_not():
    assert not clean.needs_ftfy("The council \u201cvoted\u201d on Tuesday \u2014 again.")
    assert clean.needs_ftfy("The council \u00e2\u20ac\u0153voted\u00e2\u20ac\x9d on Tuesday.")
    assert clean.needs_ftfy("Fish &amp; chips")
    assert clean.needs_ftfy("e\u0301")  # not NFC


# --- front matter without a YAML parser -------------------------------------------------------

VALUE = st.one_of(
    st.text(alphabet=st.sampled_from(list("aZ é'’:#-/.[]{}&*!|>%@`\\,?~09 \"\t")), max_size=12),
    st.sampled_from(["yes", "No", "null", "on", "2025-03-14", "2025-02-30", "2025-03-14 10:00",
                     "https://news.example/1", "Harbour Post", "12", "a: b", "a #b", "~"]))
ENTRY = st.tuples(st.sampled_from(["title", "published", "source", "url", "yes", "a-b", "x"]),
                  st.sampled_from([" ", "  ", "", "\t"]), VALUE, st.booleans())


@settings(max_examples=600, deadline=None)
@given(st.lists(ENTRY, min_size=1, max_size=4))
def test_simple_front_matter_is_what_yaml_reads_or_none(entries):
    block = "\n".join(f'{key}:{gap}{chr(34) + value + chr(34) if quoted else value}'
                      for key, gap, value, quoted in entries)
    fast = ingest.simple_front_matter(block)
    if fast is None:
        return
    expected = yaml.safe_load(block)
    assert fast == expected
    assert [type(v) for v in fast.values()] == [type(v) for v in expected.values()]


def test_generated_front_matter_takes_the_fast_path(tmp_path):
    path = generate(tmp_path, 1)[0]
    block = ingest.FRONT_MATTER.match(path.read_text(encoding="utf-8")).group(1)
    fields = ingest.simple_front_matter(block)
    assert fields == yaml.safe_load(block)
    assert isinstance(fields["published"], dt.date)


def test_front_matter_the_fast_path_refuses_goes_to_yaml(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: Talks\ntags:\n  - ceasefire\npublished: 2025-03-14\n---\nBody text.\n",
                    encoding="utf-8")
    assert ingest.simple_front_matter("title: Talks\ntags:\n  - ceasefire") is None
    record = next(ingest.read_file(path, tmp_path))
    assert record.title == "Talks" and record.metadata["tags"] == ["ceasefire"]
    assert record.published == dt.date(2025, 3, 14)


# --- MinHash and LSH --------------------------------------------------------------------------

def test_minhash_estimates_jaccard():
    words = [f"w{i}" for i in range(400)]
    a, b = " ".join(words), " ".join(words[:300] + [f"x{i}" for i in range(100)])
    exact = clean.jaccard(clean.shingles(a), clean.shingles(b))
    estimate = (clean.minhash(a) == clean.minhash(b)).mean()
    assert abs(estimate - exact) < 0.15
    # The grams are those of shingles(): case and punctuation folded, a repeated gram adds nothing.
    assert (clean.minhash("A b, c a b c") == clean.minhash("a b c a b c a b c")).all()
    assert len(clean.gram_hashes("a b c d")) == 2 and len(set(clean.gram_hashes("one two three four five"))) == 3
    assert not (clean.minhash("the harbour reopened today") == clean.minhash("talks on the bridge stalled")).any()


def test_band_index_finds_similar_and_not_unrelated_signatures():
    bands, rows = clean.lsh_bands(0.45)
    assert bands * rows <= clean.NUM_PERM
    base = [f"w{i}" for i in range(300)]
    texts = [" ".join(base), " ".join(f"u{i}" for i in range(300)),
             " ".join(base[:270] + ["changed"] * 3 + base[273:])]
    index = clean.BandIndex(np.stack([clean.minhash(t) for t in texts]), 0.45)
    assert index.earlier(2) == {0}  # the near copy meets the original, not the unrelated text
    assert index.earlier(1) == set() and index.earlier(0) == set()


# --- text_original ----------------------------------------------------------------------------

def test_text_original_keeps_quotes_as_written_at_the_same_offsets(tmp_path):
    for index in range(4):
        path = tmp_path / f"a{index}.md"
        path.write_text(f"---\nsource: Harbour Post\n---\nFurniture line\n\n"
                        f"\u201cWe will hold bridge {index},\u201d the mayor said.\n\n"
                        f"It\u2019s attack number {index} this month.\n", encoding="utf-8")
    docs = clean.clean_corpus(tmp_path, progress=False).set_index("doc_id")
    row = docs.loc["a0.md"]
    assert row["text"] == '"We will hold bridge 0," the mayor said.\n\nIt\'s attack number 0 this month.'
    assert row["text_original"] == ("\u201cWe will hold bridge 0,\u201d the mayor said.\n\n"
                                    "It\u2019s attack number 0 this month.")
    assert row["n_lines_dropped"] == 1  # the repeated line went from both texts
    assert clean.straighten_quotes(row["text_original"]) == row["text"]


def test_text_original_is_the_text_when_quotes_are_not_straightened(tmp_path):
    (tmp_path / "a.txt").write_text("\u201cNo,\u201d she said. The talks ended on Friday in Amman.\n",
                                    encoding="utf-8")
    row = clean.clean_corpus(tmp_path, clean.Options(straighten_quotes=False), progress=False).iloc[0]
    assert row["text"] == row["text_original"] == "\u201cNo,\u201d she said. The talks ended on Friday in Amman."


def test_corpus_wide_steps_hold_slim_rows_and_fetch_texts_on_demand(tmp_path, monkeypatch):
    """Duplicate detection sees rows without text; only texts of candidate pairs are fetched."""
    first = generate(tmp_path / "raw", 30)[0]
    copy = first.read_text(encoding="utf-8").replace("url: https://news.example/0", "url: https://copy.example/0")
    (tmp_path / "raw" / "copy.txt").write_text(copy.replace(".\n", ". One sentence more.\n", 1), encoding="utf-8")
    fetched = []
    original = clean.mark_duplicates

    def spy(docs, threshold, sketches=None, text_of=None):
        assert all("text" not in doc for doc in docs)
        return original(docs, threshold, sketches, lambda d: fetched.append(d) or text_of(d))

    monkeypatch.setattr(clean, "mark_duplicates", spy)
    docs = clean.clean_corpus(tmp_path / "raw", progress=False).set_index("doc_id")
    near = docs[docs["reason"] == "near duplicate"]
    pair = {"copy.txt", first.relative_to(tmp_path / "raw").as_posix()}
    assert len(near) == 1 and {*near.index, *near["dup_of"]} == pair
    assert set(fetched) == pair


# --- HTML: best settings, fallbacks, the date kept --------------------------------------------

def html_record(markup: str, tmp_path) -> ingest.RawRecord:
    path = tmp_path / "page.html"
    path.write_text(markup, encoding="utf-8")
    return next(ingest.read_file(path, tmp_path))


ARTICLE = [f"Paragraph {i} of the report says that the river crossing at Valmora was closed for "
           f"{i + 2} days while engineers inspected the supports." for i in range(1, 5)]


def test_rejected_page_keeps_its_date_title_and_site(tmp_path):
    from hostile import html_page

    record = html_record(html_page("Nothing here", [], article=False), tmp_path)
    assert record.reject == "HTML page has no main text"  # a menu is not an article
    assert record.published == dt.date(2025, 3, 4)
    assert record.title == "Nothing here" and record.source == "The Valmora Herald"


def test_tables_in_the_article_are_kept(tmp_path):
    from hostile import html_page

    table = ("<table><tr><th>District</th><th>Closed roads</th></tr>"
             "<tr><td>Northbank</td><td>14</td></tr><tr><td>Eastgate</td><td>9</td></tr></table>")
    record = html_record(html_page("Roads closed", ARTICLE[:2] + [table] + ARTICLE[2:]), tmp_path)
    assert "Northbank" in record.body and "Eastgate" in record.body


def test_fallbacks_are_tried_before_a_page_is_rejected(tmp_path, monkeypatch):
    import trafilatura

    from hostile import html_page

    markup = html_page("Crossing closed", ARTICLE)
    real = trafilatura.extract
    monkeypatch.setattr(trafilatura, "extract",
                        lambda page, **kw: real(page, **kw) if kw.get("favor_recall") else None)
    record = html_record(markup, tmp_path)
    assert record.reject is None and record.metadata["extraction"] == "favor_recall"
    assert ARTICLE[0] in record.body
    monkeypatch.setattr(trafilatura, "extract", lambda page, **kw: None)
    record = html_record(markup, tmp_path)
    assert record.reject is None and record.metadata["extraction"] == "readability"
    assert ARTICLE[3] in record.body and "Privacy policy" not in record.body
