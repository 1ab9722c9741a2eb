"""Stage 1, cleaning: text steps, boilerplate rules, repeated lines, duplicates, language, the table."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import clean, ingest, schema

from hostile import build_hostile_corpus

SEED_ARTICLE = Path("/work/shared/seeds/000_4776d901254a8ef3.txt")


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def run(folder: Path, **options) -> pd.DataFrame:
    return clean.clean_corpus(folder, clean.Options(**options), progress=False).set_index("doc_id")


def story(topic: str, n: int = 3) -> str:
    """A few distinct invented sentences about ``topic`` (distinct topics share no 3-grams)."""
    return "\n\n".join(f"Sentence {i} about {topic} reports that the {topic} matter grew by {i * 7} units "
                       f"in week {i} of the {topic} season." for i in range(1, n + 1)) + "\n"


# --- text steps ---------------------------------------------------------------------------------

def test_fix_unicode_repairs_mojibake():
    assert clean.fix_unicode("The ministerâ€™s office said") == "The minister\u2019s office said"
    assert clean.fix_unicode("a cafÃ© near the station") == "a café near the station"
    # NFC: a decomposed accent becomes one character.
    assert clean.fix_unicode("cafe\u0301") == "caf\u00e9"
    # Quotes are left to straighten_quotes.
    assert clean.fix_unicode("\u201cYes,\u201d she said") == "\u201cYes,\u201d she said"


def test_straighten_quotes():
    text = "\u201cWe\u2019re ready,\u201d the captain\u2019s aide said of the \u2018plan\u2019 \u201esoon\u201f."
    assert clean.straighten_quotes(text) == "\"We're ready,\" the captain's aide said of the 'plan' \"soon\"."
    assert clean.straighten_quotes("O\u02bcNeill") == "O'Neill"


def test_normalize_spaces():
    text = ("  The\u00a0mayor\u202fsaid\u2009the  tram\t would\u200b open.  \r\n"
            "Second\u200d line\u2028third line\r\n\r\n\r\n\r\nFourth\ufeff line. ")
    assert clean.normalize_spaces(text) == ("The mayor said the tram would open.\nSecond line\nthird line\n\n"
                                            "Fourth line.")


def test_dehyphenate():
    assert clean.dehyphenate("the recommen-\ndations were published") == "the recommendations were published"
    assert clean.dehyphenate("a govern-\n  ment spokesman") == "a government spokesman"
    assert clean.dehyphenate("ab-\nc-\nd") == "abcd"
    # Not a word break: a capital after the hyphen, or a hyphen inside a line.
    assert clean.dehyphenate("Franco-\nGerman talks") == "Franco-\nGerman talks"
    assert clean.dehyphenate("a well-known economist") == "a well-known economist"
    assert clean.dehyphenate("a dash -\nthen more") == "a dash -\nthen more"


def test_strip_markdown():
    text = ("## Headline here\n\nThe **council** voted, said [the mayor](https://x.org/m) in _a_ statement.\n"
            "![pic](a.png)")
    assert clean.strip_markdown(text) == "Headline here\n\nThe council voted, said the mayor in a statement.\npic"
    # Snake-case words, handles and arithmetic are not emphasis; underscores at word edges are.
    assert clean.strip_markdown("the file_name_here and 2 * 3 * 4") == "the file_name_here and 2 * 3 * 4"
    assert clean.strip_markdown("posted by @news_desk_live, __really__") == "posted by @news_desk_live, really"


def test_normalize_applies_only_named_steps():
    text = "\u201cQuote\u201d\u00a0here"
    assert clean.normalize(text) == '"Quote" here'
    assert clean.normalize(text, ["normalize_spaces"]) == "\u201cQuote\u201d here"
    assert clean.normalize(text, []) == text


@pytest.mark.parametrize(("option", "text", "survives"), [
    ("fix_unicode", "The ministerÃ¢â‚¬â„¢s aide", "Ã"),
    ("straighten_quotes", "\u201cNo,\u201d he said.", "\u201cNo,\u201d"),
    ("normalize_spaces", "Ten\u00a0people were hurt.", "\u00a0"),
    ("dehyphenate", "an inter-\nnational team", "inter-\nnational"),
    ("drop_boilerplate", "The court met on Monday.\nRelated Articles", "Related Articles"),
])
def test_each_option_switches_its_step_off(option, text, survives):
    on, _ = clean.Cleaner(clean.Options())(text)
    off, _ = clean.Cleaner(clean.Options(**{option: False}))(text)
    assert survives not in on
    assert survives in off


def test_markdown_is_stripped_only_for_md():
    cleaner = clean.Cleaner(clean.Options())
    assert cleaner("The **council** voted.", "md")[0] == "The council voted."
    assert cleaner("The **council** voted.", "txt")[0] == "The **council** voted."


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("\u2018\u2019\u201c\u201d\u201e\u00a0\u202f\u2009\u200b\u200d\ufeff"
                                          "\u00ad\r\n\t -\u2010\u2028aZé"))),
    st.sampled_from(["â€™", "â€œ", "â€\x9d", "Ã©", "Ã ", "Â\u00a0", "e\u0301", "-\n", "\r\n", "ab-\nc-\nd"]),
), max_size=20).map("".join))
def test_normalize_is_idempotent_and_never_raises(text):
    once = clean.normalize(text)
    assert clean.normalize(once) == once
    cleaned, _ = clean.Cleaner(clean.Options())(text, "md")
    assert "\r" not in cleaned and "\u00a0" not in cleaned


# --- boilerplate --------------------------------------------------------------------------------

BOILERPLATE = ["Related Articles", "Back to top button", "Share this article", "Advertisement", "ADVERTISEMENT",
               "Read more", "Share on Facebook", "Subscribe to our newsletter", "Skip to content", "5 min read",
               "Copyright 2025 The Valmora Herald. All rights reserved.", "Follow us on Telegram"]

NEAR_MISSES = [
    "Share prices fell 3 percent on Monday.",
    "Related talks will resume in Geneva next week.",
    "Back to the negotiating table, the two sides agreed on a ceasefire on Friday.",
    "Advertising revenue at the broadcaster dropped sharply last year.",
    "Subscribers to the water service complained about outages on Sunday.",
    "Menu prices at restaurants in the capital have doubled since January.",
    "Photo evidence presented in court showed the damaged checkpoint.",
    "Follow-up inspections found no further leaks at the plant.",
    "Comments by the minister drew criticism from opposition lawmakers.",
    "Loading of grain ships at the port resumed on Friday.",
    "Email records released on Tuesday showed the contract was signed in March.",
    "Twitter users shared videos of the protest outside the parliament.",
    "Updated figures show 40 people were injured in the blast.",
    "Home to nearly two million people, the city has no metro.",
]


def test_boilerplate_lines_are_dropped_and_news_sentences_kept():
    furniture = [BOILERPLATE[i % len(BOILERPLATE)] for i in range(len(NEAR_MISSES))]
    text = "\n\n".join(line for pair in zip(NEAR_MISSES, furniture, strict=True) for line in pair)
    cleaned, dropped = clean.Cleaner(clean.Options())(text)
    assert dropped == furniture
    assert cleaned.split("\n\n") == NEAR_MISSES
    for sentence in NEAR_MISSES:
        assert clean.Cleaner(clean.Options())(sentence) == (sentence, [])


def test_user_boilerplate_patterns():
    text = "Valmora Herald staff\nThe court met on Monday.\nvalmora herald STAFF"
    default, _ = clean.Cleaner(clean.Options())(text)
    assert "Valmora Herald staff" in default
    cleaned, dropped = clean.Cleaner(clean.Options(boilerplate_patterns=[r"valmora herald staff"]))(text)
    assert cleaned == "The court met on Monday."
    assert len(dropped) == 2
    # Patterns match whole lines only.
    partial, _ = clean.Cleaner(clean.Options(boilerplate_patterns=[r"court"]))(text)
    assert "The court met on Monday." in partial


def test_bad_user_pattern_raises_value_error_naming_it():
    with pytest.raises(ValueError, match=re.escape("'(unclosed'")):
        clean.Cleaner(clean.Options(boilerplate_patterns=["(unclosed"]))


def test_boilerplate_first_line_is_not_the_title(tmp_path):
    write(tmp_path, {"a.txt": "Advertisement\n\n" + story("orchard")})
    row = run(tmp_path).loc["a.txt"]
    assert pd.isna(row["title"])
    assert "Advertisement" not in row["text"]
    assert row["n_lines_dropped"] == 1


# --- repeated lines -----------------------------------------------------------------------------

def test_repeated_lines_are_found_per_source():
    furniture = "The Harbour Gazette is published by the Harbour Trust."
    docs = [{"source": "Gazette", "text": f"{story(t)}\n{furniture}"} for t in ("ferry", "tram", "canal")]
    docs += [{"source": "Courier", "text": f"{story(t)}\n{furniture}"} for t in ("mill", "bakery")]
    docs += [{"source": "Post", "text": story(t)} for t in ("school", "clinic", "depot")]
    found = clean.Furniture(clean.Options(repeated_line_share=0.5, repeated_line_min_docs=3))
    for doc in docs:
        found.count(clean.digest(doc | {"status": "kept", "doc_id": "d", "source_path": "d", "published": None,
                                        "content_hash": None}))
    assert found.lines("Gazette") == {clean.line_hash(furniture)}  # in all three of its documents
    assert found.lines("Courier") == set()  # two documents: fewer than min_docs
    assert found.lines("Post") == set()


def test_repeated_lines_dropped_within_a_source_only(tmp_path):
    furniture = "The Harbour Gazette is published by the Harbour Trust."

    def article(topic: str, source: str) -> str:
        return f"---\nsource: {source}\n---\n{story(topic)}\n{furniture}\n"

    files = {f"gazette/{t}.txt": article(t, "Harbour Gazette") for t in ("ferry", "tram", "canal")}
    files |= {f"other/{t}.txt": article(t, f"Outlet {t}") for t in ("mill", "bakery", "clinic")}
    docs = run(write(tmp_path, files))
    for topic in ("ferry", "tram", "canal"):
        row = docs.loc[f"gazette/{topic}.txt"]
        assert furniture not in row["text"] and f"about {topic}" in row["text"]
        assert row["n_lines_dropped"] == 1
    for topic in ("mill", "bakery", "clinic"):
        assert furniture in docs.loc[f"other/{topic}.txt", "text"]
    off = run(tmp_path, repeated_lines=False)
    assert furniture in off.loc["gazette/ferry.txt", "text"]


# --- duplicates ---------------------------------------------------------------------------------

NEAR_BASE = ("The national statistics office said on Wednesday that unemployment fell to 5.1 percent in the "
             "third quarter, its lowest level in more than a decade. Economists had expected a smaller decline, "
             "and several said hiring in construction and retail had held up better than feared. The finance "
             "minister welcomed the numbers but warned that energy costs could still slow the economy.")
NEAR_COPY = NEAR_BASE.replace("held up better than feared", "stayed stronger than many analysts feared")


def test_exact_duplicates(tmp_path):
    write(tmp_path, {"a.txt": story("ferry"), "b.txt": story("ferry").upper(), "c.txt": story("tram")})
    docs = run(tmp_path)
    assert docs.loc["a.txt", "status"] == "kept"
    dup = docs.loc["b.txt"]
    assert (dup["status"], dup["reason"], dup["dup_of"], dup["similarity"]) == (
        "duplicate", "exact duplicate", "a.txt", 1.0)
    assert docs.loc["a.txt", "content_hash"] == dup["content_hash"]
    assert docs.loc["c.txt", "status"] == "kept"


def test_earlier_publication_is_the_original(tmp_path):
    write(tmp_path, {"a.txt": f"---\npublished: 2025-05-02\n---\n{story('ferry')}",
                     "z.txt": f"---\npublished: 2025-05-01\n---\n{story('ferry')}"})
    docs = run(tmp_path)
    assert docs.loc["a.txt", "dup_of"] == "z.txt"
    assert docs.loc["z.txt", "status"] == "kept"


def test_near_duplicates_and_threshold(tmp_path):
    write(tmp_path, {"a.txt": NEAR_BASE, "b.txt": NEAR_COPY, "c.txt": story("tram", 5)})
    similarity = clean.jaccard(clean.shingles(NEAR_BASE), clean.shingles(NEAR_COPY))
    assert 0.6 < similarity < 0.95
    docs = run(tmp_path, near_duplicate_threshold=0.6)
    near = docs.loc["b.txt"]
    assert (near["status"], near["reason"], near["dup_of"]) == ("duplicate", "near duplicate", "a.txt")
    assert near["similarity"] == pytest.approx(similarity, abs=1e-3)
    assert docs.loc["c.txt", "status"] == "kept"
    # Above the pair's similarity, both are kept.
    strict = run(tmp_path, near_duplicate_threshold=0.95)
    assert (strict["status"] == "kept").all()


def test_threshold_zero_turns_near_duplicates_off(tmp_path):
    write(tmp_path, {"a.txt": NEAR_BASE, "b.txt": NEAR_COPY, "c.txt": NEAR_BASE})
    docs = run(tmp_path, near_duplicate_threshold=0)
    assert docs.loc["b.txt", "status"] == "kept"
    # Exact duplicates are still found.
    assert docs.loc["c.txt", "reason"] == "exact duplicate"


# --- language, truncation, the hostile corpus ---------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "corpus"
    build_hostile_corpus(folder)
    cache_path = tmp_path_factory.mktemp("cache") / "c.sqlite"
    documents = clean.clean_corpus(folder, clean.Options(max_chars=2000), cache_path=cache_path, progress=False)
    return folder, cache_path, documents


def test_language_and_analysed(hostile):
    _, _, docs = hostile
    by_id = docs.set_index("doc_id")
    assert by_id.loc["lang/french.txt", "language"] == "fr"
    assert by_id.loc["news/front_matter.txt", "language"] == "en"
    assert by_id.loc["web/article.html", "language"] == "en"
    default = set(docs.loc[clean.analysed(docs), "doc_id"])
    assert "lang/french.txt" not in default
    assert "news/front_matter.txt" in default
    assert not default & set(docs.loc[docs["status"] != "kept", "doc_id"])
    everything = set(docs.loc[clean.analysed(docs, clean.Options(keep_other_languages=True)), "doc_id"])
    assert "lang/french.txt" in everything
    assert everything == set(docs.loc[docs["status"] == "kept", "doc_id"])


# One news sentence per language, written for these tests: the same event in every language.
NEWS_SENTENCES = {
    "en": "Officials said two rockets struck near the airport late on Tuesday, but nobody was hurt in the attack.",
    "fr": "Les autorités ont indiqué mardi soir que deux roquettes étaient tombées près de l'aéroport, sans victimes.",
    "es": "Las autoridades informaron el martes que dos cohetes cayeron cerca del aeropuerto, sin causar heridos.",
    "de": "Die Behörden teilten am Dienstagabend mit, dass zwei Raketen nahe dem Flughafen eingeschlagen seien.",
    "it": "Le autorità hanno riferito martedì sera che due razzi sono caduti vicino all'aeroporto senza feriti.",
    "pt": "As autoridades disseram na terça-feira que dois foguetes caíram perto do aeroporto, sem deixar feridos.",
    "nl": "De autoriteiten meldden dinsdagavond dat twee raketten in de buurt van het vliegveld waren ingeslagen.",
    "ru": "Власти сообщили во вторник вечером, что две ракеты упали недалеко от аэропорта, никто не пострадал.",
    "uk": "Влада повідомила у вівторок увечері, що дві ракети впали неподалік аеропорту, ніхто не постраждав.",
    "ar": "قال مسؤولون إن صاروخين سقطا قرب المطار مساء الثلاثاء دون أن يسفرا عن إصابات في صفوف المدنيين.",
    "fa": "مقامات گفتند که دو موشک روز سه‌شنبه در نزدیکی فرودگاه فرود آمد اما کسی آسیب ندید.",
    "tr": "Yetkililer salı akşamı iki roketin havalimanı yakınına düştüğünü ve kimsenin yaralanmadığını söyledi.",
    "pl": "Władze poinformowały we wtorek wieczorem, że dwie rakiety spadły w pobliżu lotniska, nikt nie został ranny.",
    "sv": "Myndigheterna uppgav på tisdagskvällen att två raketer slog ner nära flygplatsen utan att någon skadades.",
    "id": "Pihak berwenang mengatakan dua roket jatuh di dekat bandara pada Selasa malam, namun tidak ada korban.",
    "zh": "官员表示，星期二晚上有两枚火箭弹落在机场附近，没有造成人员伤亡。当局正在调查这起事件的原因。",
    "ja": "当局によると、火曜日の夜、空港の近くに二発のロケット弾が着弾したが、けが人はいなかったという。",
    "hi": "अधिकारियों ने बताया कि मंगलवार रात हवाई अड्डे के पास दो रॉकेट गिरे, लेकिन कोई घायल नहीं हुआ।",
    "sw": "Maafisa walisema roketi mbili zilianguka karibu na uwanja wa ndege Jumanne usiku bila kusababisha majeruhi.",
    "he": "גורמים רשמיים אמרו כי שתי רקטות נפלו ליד שדה התעופה ביום שלישי בערב, ואיש לא נפגע.",
}


@pytest.mark.parametrize("code", sorted(NEWS_SENTENCES))
def test_language_of_one_news_sentence(code):
    assert clean.detect_language(NEWS_SENTENCES[code]) == code


def test_language_falls_back_to_py3langid_when_fasttext_is_unsure(monkeypatch):
    swahili = NEWS_SENTENCES["sw"]
    labels, scores = clean.language_identifier().predict(swahili, k=1)
    assert labels[0] != "__label__sw" and scores[0] < clean.LANGUAGE_CONFIDENCE  # the case the fallback is for
    monkeypatch.setattr(clean, "LANGUAGE_CONFIDENCE", 0.0)
    assert clean.detect_language(swahili) != "sw"


def test_language_is_the_narrators_not_that_of_a_quote():
    opening = "« Nous ne céderons pas », the French minister Claire Dumont said on television."
    assert clean.detect_language(opening) == "en"
    assert clean.detect_language('"Nous ne céderons pas, jamais, devant ces menaces," the minister told the '
                                 "press in Paris on Monday evening.") == "en"
    french = ("Le ministre a déclaré lundi soir devant la presse \"we will not give in\" puis il a quitté la salle "
              "sans répondre aux questions des journalistes.")
    assert clean.detect_language(french) == "fr"
    # A few words around the quotes can look like any language: then the whole sample decides.
    assert clean.detect_language('"The markets have priced in a cut," analyst Mei Chen of Harbor Capital said. '
                                 '"If the Fed holds, expect a sell-off."') == "en"
    # Nothing but a quote: its language is the text's.
    assert clean.detect_language('"Nous ne céderons pas devant ces menaces, jamais."') == "fr"


def test_language_undetermined_under_five_words():
    assert clean.detect_language("Rockets hit the airport.") == "und"
    assert clean.detect_language("12 345 -- 2024-05-01 !!") == "und"
    assert clean.detect_language("机场附近") == "und"  # four characters of a script without spaces


def test_long_document_is_truncated_with_a_reason(hostile):
    folder, _, docs = hostile
    row = docs.set_index("doc_id").loc["long/long.txt"]
    raw_length = len((folder / "long/long.txt").read_text(encoding="utf-8").strip())
    assert row["status"] == "kept"
    assert len(row["text"]) <= 2000
    assert len(row["text"]) > 1000
    assert "truncated" in row["reason"] and "max_chars" in row["reason"]
    assert f"{raw_length:,}" in row["reason"]
    assert row["text"].endswith("previous year.")  # cut at a paragraph break, not mid-sentence


def test_html_page_furniture_counts_as_dropped_lines(hostile):
    folder, _, docs = hostile
    row = docs.set_index("doc_id").loc["web/article.html"]
    view = clean.before_after("web/article.html", folder, docs)
    # Menus, share buttons and the footer are lines of the page that the article text lacks.
    assert row["n_lines_dropped"] >= 3 and len(view["dropped"]) >= 3
    assert row["n_chars_removed"] > 0
    assert all(line not in row["text"] for line in view["dropped"])


def test_rerun_with_the_cache_cleans_and_sketches_nothing_again(tmp_path, monkeypatch):
    corpus = write(tmp_path / "raw", {"a.txt": story("harbour"), "b.txt": story("bridge"), "c.txt": NEAR_BASE,
                                      "d.txt": NEAR_COPY})
    cache_path = tmp_path / "clean.sqlite"
    first = clean.clean_corpus(corpus, cache_path=cache_path, progress=False)

    def forbidden(*args, **kwargs):
        raise AssertionError("a cached result was computed again")

    monkeypatch.setattr(clean, "clean_record", forbidden)
    monkeypatch.setattr(clean, "minhash", forbidden)
    second = clean.clean_corpus(corpus, cache_path=cache_path, progress=False)
    pd.testing.assert_frame_equal(first, second)
    assert (second["reason"] == "near duplicate").sum() == 1


def test_file_key_is_the_stat_of_a_settled_file_and_the_bytes_of_a_fresh_one(tmp_path):
    import os
    import time

    path = tmp_path / "a.txt"
    path.write_text("the harbour reopened", encoding="utf-8")
    fresh = ingest.file_key(path, tmp_path)
    assert fresh == "sha256:" + ingest.file_hash(path, tmp_path)  # just written: its bytes
    settled = ingest.file_key(path, tmp_path, now=time.time() + 60)
    assert settled.startswith("stat:") and settled == ingest.file_key(path, tmp_path, now=time.time() + 60)
    # Same size, modification time set back: the change time still moves (past the clock's tick).
    before = os.stat(path)
    time.sleep(0.05)
    path.write_text("the harbour reclosed", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert ingest.file_key(path, tmp_path, now=time.time() + 60) != settled
    (tmp_path / "link.txt").symlink_to(path)
    assert ingest.file_key(tmp_path / "link.txt", tmp_path, now=time.time() + 60).startswith("sha256:")


def test_rerun_sees_a_file_rewritten_with_its_old_size_and_time(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setattr(ingest, "SETTLED_SECONDS", -1e9)  # every file counts as settled: stat keys
    corpus = write(tmp_path / "raw", {"a.txt": story("harbour"), "b.txt": story("bridge")})
    cache_path = tmp_path / "clean.sqlite"
    first = clean.clean_corpus(corpus, cache_path=cache_path, progress=False).set_index("doc_id")
    path = corpus / "a.txt"
    before = os.stat(path)
    time.sleep(0.05)
    path.write_text(story("harbour").replace("harbour", "airport"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    second = clean.clean_corpus(corpus, cache_path=cache_path, progress=False).set_index("doc_id")
    assert "airport" in second.loc["a.txt", "text"] and "airport" not in first.loc["a.txt", "text"]
    assert second.loc["b.txt", "text"] == first.loc["b.txt", "text"]


def test_rows_whose_digests_are_lost_are_digested_again(tmp_path):
    import sqlite3

    furniture = "The Harbour Gazette is published by the Harbour Trust."
    files = {f"{t}.txt": f"---\nsource: Gazette\n---\n{story(t)}\n{furniture}\n" for t in ("ferry", "tram", "canal")}
    corpus = write(tmp_path / "raw", files | {"c.txt": NEAR_BASE, "d.txt": NEAR_COPY})
    cache_path = tmp_path / "clean.sqlite"
    first = clean.clean_corpus(corpus, cache_path=cache_path, progress=False)
    with sqlite3.connect(cache_path) as db:
        assert db.execute("DELETE FROM kv WHERE key LIKE ?", (clean.DIGEST_KEY + "%",)).rowcount == 5
    second = clean.clean_corpus(corpus, cache_path=cache_path, progress=False)
    pd.testing.assert_frame_equal(first, second)
    assert not second["text"].str.contains("Harbour Trust", na=False).any()
    assert (second["reason"] == "near duplicate").sum() == 1


def test_truncate():
    assert clean.truncate("short", 10) == "short"
    assert clean.truncate("one two three\n\nfour five six", 20) == "one two three"
    # A break in the first half would lose too much: cut at the last space instead.
    assert clean.truncate("one two\n\nthree four five", 16) == "one two\n\nthree"
    assert clean.truncate("x" * 30, 10) == "x" * 10


def test_hostile_corpus_table_conforms_and_cache_is_stable(hostile):
    folder, cache_path, docs = hostile
    assert list(schema.conform(docs, "documents").columns) == schema.columns("documents")
    assert set(docs["status"]) <= set(schema.STATUSES)
    assert docs.loc[docs["status"] != "kept", "reason"].notna().all()
    assert docs.loc[docs["status"] == "rejected", "text"].isna().all()
    kept = docs[docs["status"] == "kept"]
    assert kept["text"].notna().all() and (kept["n_words"] > 0).all() and kept["content_hash"].notna().all()
    again = clean.clean_corpus(folder, clean.Options(max_chars=2000), cache_path=cache_path, progress=False)
    pd.testing.assert_frame_equal(docs, again)


def test_hostile_texts_are_clean(hostile):
    _, _, docs = hostile
    by_id = docs.set_index("doc_id")
    odd = by_id.loc["text/odd_spaces.txt", "text"]
    assert odd == ("The mayor said the new tram line would open in May.\n\n"
                   "Work on the depot was almost finished, she added.")
    assert by_id.loc["text/mojibake.txt", "text"].startswith(
        "The minister's office said the talks were \"constructive\" and would continue")
    assert "recommendations on Monday" in by_id.loc["text/hyphenated.txt", "text"]
    assert "A well-known economist" in by_id.loc["text/hyphenated.txt", "text"]
    boiler = by_id.loc["text/boilerplate.txt"]
    for line in ("Advertisement", "Share this article", "Related Articles", "Back to top button"):
        assert line not in boiler["text"]
    assert boiler["n_lines_dropped"] == 4
    assert "The regional court on Wednesday postponed" in boiler["text"]
    assert '"We will rebuild the café before summer," the owner said' in by_id.loc["enc/cp1252.txt", "text"]
    for text in docs["text"].dropna():
        assert not set(text) & set("\u00a0\u202f\u200b\u2018\u2019\u201c\u201d\r")


# --- the real example article -------------------------------------------------------------------

def test_real_article():
    if not SEED_ARTICLE.exists():
        pytest.skip(f"{SEED_ARTICLE} is not available")
    raw_text = SEED_ARTICLE.read_text(encoding="utf-8")
    (record,) = ingest.read_file(SEED_ARTICLE, SEED_ARTICLE.parent)
    cleaner = clean.Cleaner(clean.Options())
    row = clean.clean_record(record, cleaner)
    text = row["text"]
    assert row["status"] == "kept" and row["language"] == "en"
    lines = [line.strip() for line in text.split("\n")]
    assert "Related Articles" not in lines and "Back to top button" not in lines
    assert not set(text) & set("\u2018\u2019\u201c\u201d\u00a0")
    body = [line for line in raw_text.splitlines() if not (line.strip() and cleaner.is_boilerplate(line.strip()))]
    expected = Counter(clean.straighten_quotes("\n".join(body)).split())
    assert Counter(text.split()) == expected
    assert row["n_lines_dropped"] == 2
