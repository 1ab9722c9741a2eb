"""The public analysis API: ``helpers.analyse`` gives the rows ``newsdesk run`` would write."""

from __future__ import annotations

import shutil
import uuid

import pandas as pd
import pytest

import helpers
from helpers import clean, extract, paths
from helpers.api import OffsetMap

SAMPLE_ARTICLE = paths.PROJECT_ROOT / "data/raw/sample/text/2026-09-02_ain-al-asad-rockets.txt"
SEED = paths.PROJECT_ROOT.parent / "shared" / "seeds" / "000_4776d901254a8ef3.txt"
OFFSET_COLUMNS = {"start_char", "end_char", "speaker_start", "speaker_end"}
# Identifiers made from the document's id and offsets differ by construction; their content does not.
ID_COLUMNS = {"doc_id", "event_id", "report_docs"}


def run_tables(path, tmp_path, file_name: str) -> dict[str, pd.DataFrame]:
    """The tables stage 1 and 2 write for a corpus holding only ``path`` (as `newsdesk run` does)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(path, raw / file_name)
    name = f"api-{uuid.uuid4().hex[:8]}"
    documents = clean.clean_corpus(raw, progress=False)
    clean.write_documents(name, documents)
    extract.extract_corpus(name, progress=False)
    return {"documents": documents, **extract.load_tables(name)}


def assert_same_rows(given: str, found: dict, expected: dict) -> None:
    """Every table has the same rows, apart from ids and offsets; offsets point at the same
    words in the text as given as the run's offsets do in the cleaned text."""
    cleaned = expected["documents"]["text"].iloc[0]
    assert found["documents"]["text"].iloc[0] == cleaned
    for table in extract.TABLES:
        ours, theirs = found[table], expected[table]
        assert list(ours.columns) == list(theirs.columns), table
        content = [c for c in ours.columns if c not in OFFSET_COLUMNS | ID_COLUMNS]
        pd.testing.assert_frame_equal(ours[content].reset_index(drop=True),
                                      theirs[content].reset_index(drop=True), check_dtype=False)
    for table, start, end in [("mentions", "start_char", "end_char"), ("quotes", "start_char", "end_char"),
                              ("quotes", "speaker_start", "speaker_end"), ("dates", "start_char", "end_char")]:
        pairs = zip(found[table][[start, end]].itertuples(index=False),
                    expected[table][[start, end]].itertuples(index=False), strict=True)
        for (s, e), (cs, ce) in pairs:
            if pd.isna(s):
                assert pd.isna(cs)
                continue
            assert clean.normalize(given[int(s):int(e)]) == cleaned[int(cs):int(ce)], (table, s, e)


@pytest.mark.slow
def test_analyse_gives_the_rows_of_a_run_on_a_sample_article(tmp_path):
    given = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    expected = run_tables(SAMPLE_ARTICLE, tmp_path, "article.txt")
    found = helpers.analyse(given)
    assert len(found["quotes"]) >= 2 and len(found["events"]) >= 1  # the article says something
    assert_same_rows(given, found, expected)


@pytest.mark.slow
def test_analyse_gives_the_rows_of_a_run_on_the_example_article(tmp_path):
    if not SEED.exists():
        pytest.skip(f"the example article is not at {SEED}")
    given = SEED.read_text(encoding="utf-8")
    expected = run_tables(SEED, tmp_path, "2024-02-09_example.txt")
    found = helpers.analyse(given, published="2024-02-09")
    assert len(found["quotes"]) >= 4
    assert_same_rows(given, found, expected)


def test_analyse_many_resolves_entities_across_texts():
    texts = ["Fighters of Harakat Dir' al-Rafidayn fired rockets at the base on Tuesday.",
             "Harakat Dir’ al-Rafidayn said it would keep fighting, the group said in a statement.",
             ""]
    found = helpers.analyse_many(pd.DataFrame({"text": texts, "published": ["2026-09-02"] * 3}))
    assert found["documents"]["doc_id"].tolist() == ["doc-0", "doc-1", "doc-2"]
    assert found["documents"]["status"].tolist() == ["kept", "kept", "rejected"]
    group = found["mentions"][found["mentions"]["text"].str.contains("Rafidayn")]
    assert set(group["doc_id"]) == {"doc-0", "doc-1"}
    assert group["entity_id"].nunique() == 1  # one entity across both texts, whatever the spelling
    assert found["entities"].set_index("entity_id").loc[group["entity_id"].iloc[0], "n_docs"] == 2


def test_analyse_resolves_relative_dates_against_the_publication_date():
    found = helpers.analyse("Officials said the convoy was attacked on Tuesday.", published="2026-09-04")
    dates = found["dates"]
    assert dates["text"].tolist() == ["Tuesday"]
    assert str(dates["start_date"].iloc[0]) == "2026-09-01"


def test_analyse_many_takes_plain_strings_and_refuses_a_lone_string():
    assert len(helpers.analyse_many(["One text.", "Another text."])["documents"]) == 2
    with pytest.raises(TypeError, match="analyse"):
        helpers.analyse_many("one text")


def test_offsets_point_into_the_text_as_given():
    given = "“Enough,” said Mayor Lena Ortiz\u00a0of Riverton.\n\nRead more\n\nOrtiz left Riverton."
    found = helpers.analyse(given)
    for row in found["mentions"].itertuples():
        assert clean.normalize(given[row.start_char:row.end_char]) == row.text
    quote = found["quotes"].iloc[0] if len(found["quotes"]) else None
    if quote is not None:
        assert given[quote.start_char:quote.end_char] == "Enough,"


def test_offset_map_keeps_replaced_characters_and_skips_removed_ones():
    given = "He said \u201chi\u201d\u00a0there.\nShare this\nNext  line"
    cleaned = 'He said "hi" there.\nNext line'
    offsets = OffsetMap(cleaned, given)
    for word in ["hi", "there", "He said", '"hi"']:
        start = cleaned.index(word)
        span = given[offsets.start(start):offsets.end(start + len(word))]
        assert clean.normalize(span) == word
    nxt = cleaned.index("Next")
    assert given[offsets.start(nxt):offsets.end(len(cleaned))] == "Next  line"


def test_clean_html_returns_the_main_text_and_metadata():
    paragraphs = "".join(f"<p>Paragraph {i} of the report says the bridge at Tarsa reopened after "
                         f"repairs that took several weeks, officials said.</p>" for i in range(6))
    markup = (f"<html><head><title>Bridge reopens</title><meta property='og:site_name' content='Tarsa Post'>"
              f"</head><body><nav>Home | World | Sport</nav><article><h1>Bridge reopens</h1>{paragraphs}"
              f"</article><footer>Copyright Tarsa Post</footer></body></html>")
    text, metadata = helpers.clean_html(markup)
    assert "Paragraph 5 of the report" in text and "Home | World" not in text
    assert metadata["title"] == "Bridge reopens" and metadata["source"] == "Tarsa Post"
    with pytest.raises(ValueError, match="no usable text"):
        helpers.clean_html("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")


@pytest.mark.parametrize(("day_first", "value", "ambiguous"), [
    ("day", "2020-04-03", False), ("month", "2020-03-04", False), ("", "2020-04-03", True)])
def test_the_day_first_option_reads_numeric_dates(day_first, value, ambiguous):
    from helpers.analysis import Options

    found = helpers.analyse("The council met on 3/4/2020 to approve the budget.", published="2020-05-01",
                            options=Options(day_first=day_first, quotes=False, events=False))
    dates = found["dates"].set_index("text")
    assert dates.loc["3/4/2020", "value"] == value
    assert bool(dates.loc["3/4/2020", "ambiguous"]) is ambiguous


def test_a_long_text_is_parsed_in_pieces_with_offsets_into_the_whole(monkeypatch):
    from helpers import analysis

    paragraph = ("Gunmen attacked a police checkpoint near Kirkuk on Tuesday, killing two officers, "
                 "\"We will not stop,\" said commander Omar Haddad of the Northern Brigade.")
    text = "\n\n".join(f"{paragraph} Report {i}." for i in range(6))
    monkeypatch.setattr(analysis, "PIECE_CHARS", 400)  # each piece holds two paragraphs
    found = analysis.pieces(text)
    assert len(found) == 3 and all(len(piece) <= 400 for _, piece, _ in found)
    pieced = helpers.analyse(text, published="2026-09-04")
    # each piece's rows, as if it were a text of its own, moved to where the piece starts
    alone = [helpers.analyse(piece, published="2026-09-04") for _, piece, _ in found]
    for table, columns in (("mentions", ["start_char", "end_char", "text", "label"]),
                           ("dates", ["start_char", "end_char", "text", "value"]),
                           ("quotes", ["start_char", "end_char", "speaker_start", "quote"])):
        expected = pd.concat([part[table][columns].assign(**{c: part[table][c] + start for c in columns
                                                             if c.endswith(("_char", "_start"))})
                              for (start, _, _), part in zip(found, alone, strict=True)], ignore_index=True)
        pd.testing.assert_frame_equal(pieced[table][columns], expected, check_dtype=False)
    for row in pieced["mentions"].itertuples():
        assert text[row.start_char:row.end_char] == row.text
    sentences = pieced["mentions"]["sentence"]
    assert sentences.is_monotonic_increasing and sentences.max() > alone[0]["mentions"]["sentence"].max()
    assert len(pieced["quotes"]) == 6 and len(pieced["events"]) >= 3


def test_pieces_cut_at_paragraph_breaks_and_cover_the_text():
    from helpers import analysis

    text = "one two three.\n\nfour five six.\nseven eight nine ten eleven twelve"
    found = analysis.pieces(text, size=20)
    assert "".join(piece for _, piece, _ in found) == text
    # a paragraph break, then a line break, then a space, each the latest before 20 characters
    assert [piece for _, piece, _ in found] == ["one two three.\n\n", "four five six.\n", "seven eight nine ",
                                                 "ten eleven twelve"]
    assert [start for start, _, _ in found] == [0, 16, 31, 48]
    assert [last for *_, last in found] == [False] * (len(found) - 1) + [True]


def test_analyse_many_selects_documents_as_a_run_does():
    french = ("Les habitants de la ville ont manifesté samedi devant la mairie pour réclamer "
              "le retour de l'eau courante dans leur quartier, privé depuis trois semaines.")
    found = helpers.analyse_many([{"doc_id": "fr", "text": french},
                                  {"doc_id": "en", "text": "Police arrested three men in Basra on Monday."}])
    assert found["documents"].set_index("doc_id").loc["fr", "language"] == "fr"
    assert set(found["mentions"]["doc_id"]) == {"en"}  # French is not analysed, as in a run
    with pytest.raises(ValueError, match="more than once"):
        helpers.analyse_many([{"doc_id": "a", "text": "One."}, {"doc_id": "a", "text": "Two."}])
