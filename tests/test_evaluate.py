"""`newsdesk evaluate`: gold readers, scorers and the command, with fake analysers.

The fake analysers return DataFrames with the columns of the analysis API's contract, placing
predictions by searching the texts the evaluator hands them, so every expected figure below is
computed by hand from the fixtures in tests/gold/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli, evaluate

import devsets

GOLD = Path(__file__).parent / "gold"


def span(text: str, words: str, occurrence: int = 0) -> tuple[int, int]:
    """Offsets of the ``occurrence``-th appearance of ``words`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    return start, start + len(words)


def fake_analyser(build):
    """An ``analyse_many`` whose tables come from ``build(records by doc_id)``; it records its calls."""
    calls = []

    def analyse_many(records, options=None):
        calls.append((records, options))
        by_id = {r["doc_id"]: r for r in records}
        return {name: pd.DataFrame(rows) for name, rows in build(by_id).items()}

    analyse_many.calls = calls
    return analyse_many


def mention(doc, words, label, occurrence=0):
    start, end = span(doc["text"], words, occurrence)
    return {"doc_id": doc["doc_id"], "start_char": start, "end_char": end, "text": words, "label": label,
            "entity_id": f"{label}:{words.lower()}"}


def close(result: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert result[key] == pytest.approx(value, abs=1e-9), key


# ---------------------------------------------------------------------------------------------
# scoring primitives


def test_prf_follows_conlleval_for_empty_denominators():
    close(evaluate.prf(3, 6, 6), {"precision": 0.5, "recall": 0.5, "f1": 0.5})
    close(evaluate.prf(0, 0, 4), {"precision": 0.0, "recall": 0.0, "f1": 0.0})  # empty predictions
    close(evaluate.prf(0, 2, 0), {"precision": 0.0, "recall": 0.0, "f1": 0.0})  # no gold
    # 2 * (1/4) * (1/5) / (1/4 + 1/5) = 0.1 / 0.45
    assert evaluate.prf(1, 4, 5)["f1"] == pytest.approx(0.1 / 0.45)


def test_half_of_the_longer_span_is_the_quote_threshold():
    assert evaluate.half_of_longer((0, 10), (5, 15))        # 5 shared of 10
    assert not evaluate.half_of_longer((0, 10), (6, 15))    # 4 shared of 10
    assert not evaluate.half_of_longer((0, 17), (9, 17))    # 8 shared of 17: below 8.5


def test_one_to_one_matching_uses_each_span_once_largest_overlap_first():
    # One prediction over two gold quotes matches only one of them.
    assert evaluate.match_one_to_one([(0, 10), (10, 20)], [(0, 20)], evaluate.half_of_longer) == [(0, 0)]
    # The prediction covering more of the second gold span goes to it, not to the first.
    pairs = evaluate.match_one_to_one([(0, 10), (10, 20)], [(8, 20), (0, 9)], evaluate.relaxed)
    assert pairs == [(0, 1), (1, 0)]


# ---------------------------------------------------------------------------------------------
# CoNLL


def test_chunks_decode_iob1_and_iob2_as_conlleval():
    iob1 = ["I-LOC", "B-LOC", "O", "I-PER", "I-PER", "I-ORG"]
    iob2 = ["B-LOC", "B-LOC", "O", "B-PER", "I-PER", "B-ORG"]
    expected = {(0, 0, "LOC"), (1, 1, "LOC"), (3, 4, "PER"), (5, 5, "ORG")}
    assert evaluate.chunks(iob1, [6]) == evaluate.chunks(iob2, [6]) == expected
    # An I- tag at the start of a sentence opens a new chunk even after one of its own type.
    assert evaluate.chunks(["I-PER", "I-PER"], [1, 2]) == {(0, 0, "PER"), (1, 1, "PER")}


def test_conll_reader_builds_texts_documents_and_sentences():
    first, second = evaluate.read_conll(GOLD / "ner_iob2.conll")
    assert first.doc_id == "ner_iob2.conll#1"
    assert first.text == ("Maria Okafor visited the Port of Tema on Monday .\n"
                          "The Harbour Workers Union welcomed her .")
    assert second.text == "Ghanaian officials met delegates from Lagos and Abuja ."
    a, b = first.offsets()[12]   # "Workers": the 13th token, in the second sentence
    assert first.text[a:b] == "Workers"
    assert evaluate.chunks(first.tags, first.sentence_ends) == {(0, 1, "PER"), (4, 6, "LOC"), (11, 13, "ORG")}


def test_without_docstart_each_sentence_is_a_document():
    documents = evaluate.read_conll(GOLD / "ner_sentences.conll")
    assert [d.text for d in documents] == ["Kofi Mensah left Accra .", "Ama stayed .", "Rain fell ."]


def conll_predictions(docs):
    one, two = docs.values()
    return {"mentions": [
        mention(one, "Maria Okafor", "PERSON"),                # correct PER
        mention(one, "Tema", "GPE"),                           # LOC, but gold is "Port of Tema"
        mention(one, "Monday", "DATE"),                        # no CoNLL label: dropped
        mention(one, "The Harbour Workers Union", "ORG"),      # one token too many
        mention(two, "Ghanaian", "NORP"),                      # correct MISC
        mention(two, "Lagos", "GPE"),                          # correct LOC
        mention(two, "Abuja", "PERSON"),                       # wrong type
    ]}


@pytest.mark.parametrize("gold", ["ner_iob2.conll", "ner_iob1.conll"])
def test_conll_scores_exact_chunks_per_type(gold):
    result = evaluate.evaluate("conll", GOLD / gold, fake_analyser(conll_predictions))
    scores = result["prf"]
    # Gold chunks: PER Maria Okafor; LOC Port of Tema, Lagos, Abuja; ORG Harbour Workers Union;
    # MISC Ghanaian = 6. Predicted (DATE dropped): 6, of which Maria Okafor, Ghanaian, Lagos
    # are correct = 3. P = 3/6, R = 3/6, F1 = 0.5.
    close(scores["all"], {"precision": 0.5, "recall": 0.5, "f1": 0.5, "correct": 3, "predicted": 6, "gold": 6})
    # PER: predicted Maria Okafor and Abuja, gold Maria Okafor: P 1/2, R 1/1, F1 2*.5*1/1.5 = 2/3.
    close(scores["PER"], {"precision": 0.5, "recall": 1.0, "f1": 2 / 3})
    # LOC: predicted Tema and Lagos, gold three, Lagos correct: P 1/2, R 1/3, F1 (1/3)/(5/6) = 0.4.
    close(scores["LOC"], {"precision": 0.5, "recall": 1 / 3, "f1": 0.4})
    close(scores["ORG"], {"precision": 0.0, "recall": 0.0, "f1": 0.0, "predicted": 1, "gold": 1})
    close(scores["MISC"], {"precision": 1.0, "recall": 1.0, "f1": 1.0})
    assert list(scores) == ["all", "PER", "ORG", "LOC", "MISC"]
    missed = {e["text"] for e in result["errors"] if e["error"] == "missed"}
    assert missed == {"Port of Tema", "Harbour Workers Union", "Abuja"}


def test_conll_mentions_cover_the_tokens_they_touch():
    # A span that starts or ends inside a token tags the whole token ("Okafor's" in spaCy's
    # tokens would be "Okafor" + "'s"; here a mention ending mid-token still ends at the token).
    (document, _) = evaluate.read_conll(GOLD / "ner_iob2.conll")
    start, _ = span(document.text, "Maria")
    tags = evaluate.predicted_tags(document, [{"start_char": start, "end_char": start + 9, "label": "PERSON"}])
    assert tags[:3] == ["B-PER", "I-PER", "O"]


def test_conll_with_empty_predictions_and_without_gold_entities(tmp_path):
    nothing = fake_analyser(lambda docs: {"mentions": []})
    result = evaluate.evaluate("conll", GOLD / "ner_iob2.conll", nothing)
    close(result["prf"]["all"], {"precision": 0.0, "recall": 0.0, "f1": 0.0, "predicted": 0, "gold": 6})
    plain = tmp_path / "plain.conll"
    plain.write_text("Rain O\nfell O\n. O\n")
    result = evaluate.evaluate("conll", plain, fake_analyser(
        lambda docs: {"mentions": [mention(docs["plain.conll#1"], "Rain", "ORG")]}))
    close(result["prf"]["all"], {"precision": 0.0, "recall": 0.0, "f1": 0.0, "predicted": 1, "gold": 0})


def test_conll_texts_reach_the_analyser_without_dates():
    analyser = fake_analyser(lambda docs: {"mentions": []})
    evaluate.evaluate("conll", GOLD / "ner_sentences.conll", analyser, options="opts")
    records, options = analyser.calls[0]
    assert options == "opts"
    assert records[0] == {"doc_id": "ner_sentences.conll#1", "text": "Kofi Mensah left Accra .", "published": None}


@pytest.mark.parametrize("content, line, reason", [
    ("-DOCSTART- O\n\nKofi B-PER\nMensah PER\n", 4, "TAG O, B-X or I-X"),
    ("Kofi\n", 1, "expected 'token ... TAG'"),
    ("\n\n", None, "no tokens"),
])
def test_ill_formed_conll_names_the_file_and_line(tmp_path, content, line, reason):
    path = tmp_path / "bad.conll"
    path.write_text(content)
    with pytest.raises(evaluate.GoldError) as caught:
        evaluate.read_conll(path)
    assert caught.value.line == line
    assert reason in str(caught.value)
    assert str(path) in str(caught.value)


# ---------------------------------------------------------------------------------------------
# TimeML


def test_timeml_reader_strips_tags_and_keeps_offsets():
    border, council = evaluate.read_timeml(GOLD / "timeml")     # sorted by file name
    assert council.published == dt.date(2024, 3, 8)
    assert council.text.startswith("\nThe council met on Tuesday and")
    assert [(council.text[t.start:t.end], t.type, t.value) for t in council.timexes] == [
        ("Tuesday", "DATE", "2024-03-05"), ("next month", "DATE", "2024-04"), ("three hours", "DURATION", "PT3H")]
    assert border.text.startswith("\nRebels & soldiers clashed yesterday")   # &amp; unescaped
    assert [t.text for t in border.timexes] == ["yesterday", "day"]


def timeml_predictions(docs):
    council, border = docs["council.tml"], docs["border.tml"]

    def date(doc, words, type_, value):
        start, end = span(doc["text"], words)
        return {"doc_id": doc["doc_id"], "start_char": start, "end_char": end, "text": words,
                "type": type_, "value": value, "start_date": None, "end_date": None, "precision": None}
    return {"dates": [
        date(council, "Tuesday", "DATE", "2024-03-05"),           # strict; type and value right
        date(council, "again next month", "DATE", "2024-04-08"),  # relaxed only; value wrong
        date(border, "yesterday morning", "TIME", "2024-03-07TMO"),  # relaxed; type and value wrong
        date(border, "Rebels", "DATE", "2024"),                   # spurious
    ]}


def test_timeml_scores_the_tempeval3_way():
    analyser = fake_analyser(timeml_predictions)
    result = evaluate.evaluate("timeml", GOLD / "timeml", analyser)
    # The DCT is each document's publication date.
    assert {r["published"] for r in analyser.calls[0][0]} == {dt.date(2024, 3, 8)}
    scores, accuracy = result["prf"], result["accuracy"]
    # Gold 3 + 2 = 5 timexes; 4 predictions; strict matches: Tuesday = 1;
    # relaxed matches: Tuesday, next month, yesterday = 3.
    # strict P 1/4, R 1/5, F1 0.1/0.45; relaxed P 3/4, R 3/5, F1 0.9/1.35 = 2/3.
    close(scores["strict span"], {"precision": 0.25, "recall": 0.2, "f1": 0.1 / 0.45})
    close(scores["relaxed span"], {"precision": 0.75, "recall": 0.6, "f1": 2 / 3})
    # Type right for Tuesday and next month (2 of 3 relaxed matches): accuracy 2/3;
    # type F1 with P 2/4, R 2/5 = 0.4/0.9.
    close(accuracy["type of relaxed matches"], {"accuracy": 2 / 3, "correct": 2, "total": 3})
    close(scores["type (relaxed)"], {"precision": 0.5, "recall": 0.4, "f1": 0.4 / 0.9})
    # Value right for Tuesday only: accuracy 1/3; P 1/4, R 1/5, F1 0.1/0.45.
    close(accuracy["value of relaxed matches"], {"accuracy": 1 / 3, "correct": 1, "total": 3})
    close(scores["value (relaxed)"], {"precision": 0.25, "recall": 0.2, "f1": 0.1 / 0.45})
    assert result["missing_columns"] == []


def test_timeml_without_type_and_value_columns_scores_spans_and_says_so():
    def spans_only(docs):
        rows = timeml_predictions(docs)["dates"]
        return {"dates": [{k: v for k, v in r.items() if k not in ("type", "value")} for r in rows]}
    result = evaluate.evaluate("timeml", GOLD / "timeml", fake_analyser(spans_only))
    assert result["missing_columns"] == ["dates.type", "dates.value"]
    assert set(result["prf"]) == {"strict span", "relaxed span"}
    assert result["accuracy"] == {}
    assert "dates.type" in evaluate.format_table(result)


def test_timeml_takes_missing_attributes_as_wrong_not_as_errors():
    def unresolved(docs):
        rows = timeml_predictions(docs)["dates"]
        return {"dates": [r | {"type": None, "value": None} for r in rows]}

    def analyser(records, options=None):  # nullable string columns, as pandas 3 reads them
        tables = fake_analyser(unresolved)(records)
        tables["dates"] = tables["dates"].astype({"type": "string", "value": "string"})
        return tables
    result = evaluate.evaluate("timeml", GOLD / "timeml", analyser)
    assert result["accuracy"]["type of relaxed matches"] == {"accuracy": 0.0, "correct": 0, "total": 3}
    assert result["prf"]["relaxed span"]["correct"] == 3


@pytest.mark.parametrize("content, line, reason", [
    ('<TimeML>\n<DCT><TIMEX3 value="2024-03-08">x</TIMEX3></DCT>\n<TEXT>a <TIMEX3>b</TEXT>\n</TimeML>\n',
     3, "not well-formed XML"),
    ("<TimeML><TEXT>no date of creation</TEXT></TimeML>", None, "no <DCT>"),
    ('<TimeML><DCT><TIMEX3 value="2024-03-08">x</TIMEX3></DCT></TimeML>', None, "no <TEXT>"),
])
def test_ill_formed_timeml_names_the_file(tmp_path, content, line, reason):
    (tmp_path / "doc.tml").write_text(content)
    with pytest.raises(evaluate.GoldError) as caught:
        evaluate.read_timeml(tmp_path)
    assert reason in str(caught.value)
    assert "doc.tml" in str(caught.value)
    assert caught.value.line == line


def test_a_folder_without_tml_files_is_an_error(tmp_path):
    with pytest.raises(evaluate.GoldError, match="no .tml files"):
        evaluate.read_timeml(tmp_path)


# ---------------------------------------------------------------------------------------------
# Quotes


def test_quotes_reader_finds_quotes_given_without_offsets():
    bridge, convoy = evaluate.read_quotes(GOLD / "quotes.jsonl")
    assert bridge.published == dt.date(2025, 6, 2)
    assert [q.quote for q in bridge.quotes] == ["We have repaired every cable,", "It took far too long.",
                                                "Nobody asked us,"]
    assert convoy.quotes[1].speaker is None


def quotes_predictions(docs):
    bridge, convoy = docs["bridge"], docs["convoy"]

    def quote(doc, words, speaker, entity, kind):
        start, end = span(doc["text"], words)
        return {"doc_id": doc["doc_id"], "speaker_text": speaker, "speaker_entity_id": entity, "cue": "said",
                "quote": words, "start_char": start, "end_char": end, "kind": kind}
    return {
        "quotes": [
            # "Brandt" resolves to the entity named Lena Brandt: right speaker.
            quote(bridge, "We have repaired every cable", "Brandt", "PERSON:lena-brandt", "direct"),
            # "another resident" and "a resident" end with the same word: right speaker.
            quote(bridge, "It took far too long.", "Another resident", None, "direct"),
            # An indirect quote the gold does not have: spurious.
            quote(bridge, "the bridge would reopen in July", "The mayor", None, "indirect"),
            # Matched, but the speaker is the brigade, not the colonel: wrong speaker.
            quote(convoy, "The convoy will move at dawn,", "the Northern Brigade", "ORG:northern-brigade", "direct"),
            # 8 of the gold's 17 characters: below half, so no match (one miss, one spurious).
            quote(convoy, "shelling", None, None, "direct"),
        ],
        "entities": [
            {"entity_id": "PERSON:lena-brandt", "name": "Lena Brandt", "label": "PERSON", "aliases": ["Brandt"]},
            {"entity_id": "ORG:northern-brigade", "name": "Northern Brigade", "label": "ORG", "aliases": []},
        ],
    }


def test_quotes_detection_and_speakers():
    result = evaluate.evaluate("quotes", GOLD / "quotes.jsonl", fake_analyser(quotes_predictions))
    # Gold 3 + 2 = 5 quotes; 5 predictions; matched: cable, too long, convoy = 3.
    # P = 3/5, R = 3/5, F1 = 0.6.
    close(result["prf"]["detection"], {"precision": 0.6, "recall": 0.6, "f1": 0.6, "correct": 3})
    # Only the 4 direct predictions (the indirect one left out): 3 matched; P = 3/4, R = 3/5,
    # F1 = 2 * 0.75 * 0.6 / 1.35 = 2/3.
    close(result["prf"]["detection of direct quotes"],
          {"precision": 0.75, "recall": 0.6, "f1": 2 / 3, "correct": 3})
    # Speakers right for cable (entity name) and too long (last word), wrong for convoy: 2/3;
    # over all 5 gold quotes: 2/5.
    close(result["accuracy"]["speaker of matched quotes"], {"accuracy": 2 / 3, "correct": 2, "total": 3})
    close(result["accuracy"]["speaker of all gold quotes"], {"accuracy": 0.4, "correct": 2, "total": 5})
    # All three matched gold speakers are names (no pronoun): the same 2/3.
    close(result["accuracy"]["speaker of matched quotes, gold speaker named"],
          {"accuracy": 2 / 3, "correct": 2, "total": 3})
    # Gold kinds: direct ×4 (3 matched), scare ×1 (missed). Predicted: direct ×4 (3 matched), indirect ×1.
    assert result["by_kind"] == {
        "direct": {"gold": 4, "gold matched": 3, "predicted": 4, "predicted matched": 3},
        "indirect": {"gold": 0, "gold matched": 0, "predicted": 1, "predicted matched": 0},
        "scare": {"gold": 1, "gold matched": 0, "predicted": 0, "predicted matched": 0}}
    assert {e["error"] for e in result["errors"]} == {"speaker", "missed", "spurious"}


@pytest.mark.parametrize("gold, predicted, same", [
    ("Lena Brandt", ["Brandt"], True),                    # last names
    ("Lena Brandt", ["she", "Lena Brandt"], True),        # the resolved entity's name
    ("Brandt", ["Mayor Lena Brandt"], True),              # contained
    ("Lena Brandt, a former city official", ["Lena Brandt"], True),  # gold keeps an apposition
    ("he, a former city official", ["he"], False),        # a pronoun is no name inside the gold
    ("Zoë Adjei", ["ZOE ADJEI"], True),                   # case and accents
    ("Idris Mensah", ["the Northern Brigade"], False),
    ("Ali", ["Alina Petrova"], False),                    # whole words only
    (None, [], True),                                     # unattributed both
    (None, ["the minister"], False),
    ("the minister", [], False),
])
def test_lenient_speaker_matching(gold, predicted, same):
    assert evaluate.same_speaker(gold, predicted) is same


@pytest.mark.parametrize("line, reason", [
    ('{"text": "He said \\"yes\\".", "quotes": [{"speaker": "he", "start_char": 9, "end_char": 40}]}',
     "bad offsets"),
    ('{"text": "He said \\"yes\\".", "quotes": [{"quote": "no", "speaker": "he"}]}', "not found"),
    ('{"text": "He said \\"yes\\".", "quotes": [{"quote": "yes", "start_char": 9, "end_char": 12}]}',
     "'speaker'"),
    ('{"text": "He said \\"yes\\".", "quotes": [{"quote": "no", "speaker": "he", "start_char": 9, '
     '"end_char": 12}]}', "not the quote"),
    ('{"text": "", "quotes": []}', "non-empty 'text'"),
    ('{"text": "x", "published": "last week", "quotes": []}', "'published'"),
    ('{"text": "x", "quotes": [}', "not JSON"),
    ('{"doc_id": "a", "text": "x", "quotes": []}\n{"doc_id": "a", "text": "y", "quotes": []}',
     "'a' was already used on line 3"),
])
def test_ill_formed_quotes_name_the_line(tmp_path, line, reason):
    path = tmp_path / "quotes.jsonl"
    path.write_text('{"text": "Fine.", "quotes": []}\n\n' + line + "\n")
    with pytest.raises(evaluate.GoldError) as caught:
        evaluate.read_quotes(path)
    assert caught.value.line == (4 if "already used" in reason else 3)
    assert reason in str(caught.value)


def test_quotes_without_speaker_columns_score_detection_only():
    def bare(docs):
        start, end = span(docs["bridge"]["text"], "We have repaired every cable,")
        return {"quotes": [{"doc_id": "bridge", "start_char": start, "end_char": end}]}
    result = evaluate.evaluate("quotes", GOLD / "quotes.jsonl", fake_analyser(bare))
    assert result["prf"]["detection"]["correct"] == 1
    assert result["accuracy"] == {}
    assert result["missing_columns"] == ["quotes.speaker_text", "quotes.speaker_entity_id", "quotes.kind"]


# ---------------------------------------------------------------------------------------------
# Events


@pytest.mark.parametrize("gold, predicted, same", [
    ("Military Forces of Ruritania (2020-)", ["Ruritania"], True),   # prefix and years dropped
    ("Military Forces of Ruritania (2020-)", ["the Ruritanian army"], False),
    ("Civilians (Ruritania)", ["Ruritania"], False),                  # the country is not the actor
    ("Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", ["Boko Haram"], True),
    ("Northern Liberation Front", ["the northern liberation front"], True),
    ("Northern Liberation Front", ["Nothern Liberation Front"], True),  # a misspelling
    ("Hamas Movement", ["the group"], False),
    ("Al-Qaeda", ["al"], False),                                       # no word of substance left
])
def test_fuzzy_names(gold, predicted, same):
    assert evaluate.same_name(gold, predicted) is same


def test_main_event_is_the_first_asserted_row():
    rows = [{"event_type": "Battles", "start_char": 40, "modality": "asserted"},
            {"event_type": "Protests", "start_char": 0, "modality": "hypothetical"},
            {"event_type": "Riots", "start_char": 10, "modality": None}]
    assert evaluate.main_event(rows)["event_type"] == "Riots"
    assert evaluate.main_event(rows[1:2]) is None
    assert evaluate.main_event([{"event_type": "Riots"}, {"event_type": "Battles"}])["event_type"] == "Riots"
    # a statement or a threat has no ACLED type: it is no event to code
    assert evaluate.main_event([{"event_type": None, "modality": "asserted", "start_char": 0}]) is None


def events_predictions(docs):
    def event(doc_id, **fields):
        base = {"doc_id": doc_id, "sub_event_type": None, "actor1": None, "actor1_text": None, "actor2": None,
                "actor2_text": None, "location": None, "location_text": None, "modality": None,
                "actor1_type": None, "actor2_type": None, "date_text": "the date as written",
                "start_char": 0}
        return base | fields
    return {
        "events": [
            # RUR1: a hypothetical development first, then the clash: all fields right.
            event("RUR1", event_type="Strategic developments", modality="hypothetical",
                  event_date=dt.date(2024, 2, 10)),
            event("RUR1", event_type="Battles", sub_event_type="Armed clash", actor1="GPE:ruritania",
                  actor1_text="Ruritanian soldiers", actor2="Northern Liberation Front",
                  actor2_text="the Northern Liberation Front", location="Karsk", location_text="Karsk",
                  event_date=dt.date(2024, 2, 10), start_char=24),
            # RUR2: type, actor2 (none), location and date right; sub-type and actor1 (missing) wrong.
            event("RUR2", event_type="Explosions/Remote violence", sub_event_type="Shelling/artillery/missile attack",
                  location="Dorin", location_text="Dorin", event_date=dt.date(2024, 2, 11)),
            # RUR3: no event at all.
            # RUR4: type (case aside) and sub-type right; actors wrong; the place is the province (admin1);
            # the date is a day late.
            event("RUR4", event_type="violence against civilians", sub_event_type="Attack", actor1="gunmen",
                  actor1_text="unidentified gunmen", actor2="a farmer", actor2_text="a farmer", location="Osta",
                  location_text="Osta", event_date=dt.date(2024, 2, 13)),
        ],
        "entities": [{"entity_id": "GPE:ruritania", "name": "Ruritania", "label": "GPE", "aliases": []}],
    }


def test_events_fields_are_scored_over_all_notes():
    analyser = fake_analyser(events_predictions)
    result = evaluate.evaluate("events", GOLD / "events.csv", analyser)
    records = analyser.calls[0][0]
    assert [r["doc_id"] for r in records] == ["RUR1", "RUR2", "RUR3", "RUR4"]
    assert records[3]["published"] == dt.date(2024, 2, 12)    # "12 February 2024"
    assert records[2]["text"].startswith("On 12 February 2024, teachers demonstrated")
    acc = {name: a["accuracy"] for name, a in result["accuracy"].items()}
    # Right per note (RUR1, RUR2, RUR3, RUR4), out of 4 notes:
    assert acc == pytest.approx({
        "event_type": 3 / 4,            # ✓ ✓ ✗ ✓
        "sub_event_type": 2 / 4,        # ✓ ✗ ✗ ✓
        "actor1": 1 / 4,                # ✓ ✗ ✗ ✗
        "actor2": 2 / 4,                # ✓ ✓ ✗ ✗
        "location": 2 / 4,              # ✓ ✓ ✗ ✗
        "location or admin1": 3 / 4,    # ✓ ✓ ✗ ✓
        "event_date": 2 / 4,            # ✓ ✓ ✗ ✗
        "coverage (notes with an event)": 3 / 4,
    })
    # 4 rows for 4 notes, one of them hypothetical.
    assert result["counts"] == {"notes": 4, "notes with a coded event": 4, "predicted events": 4,
                                "asserted events": 3, "events per note": 1.0, "asserted events per note": 0.75}
    # Types per note: Battles, Explosions, Violence against civilians right; Protests never predicted.
    scores = result["prf"]
    assert list(scores) == ["type: Battles", "type: Explosions/Remote violence", "type: Protests",
                            "type: Violence against civilians"]
    close(scores["type: Battles"], {"precision": 1.0, "recall": 1.0, "f1": 1.0})
    close(scores["type: Protests"], {"precision": 0.0, "recall": 0.0, "predicted": 0, "gold": 1})
    close(scores["type: Violence against civilians"], {"precision": 1.0, "recall": 1.0, "correct": 1})
    assert result["modalities"] == ["hypothetical"]
    assert result["missing_columns"] == []


def test_events_without_optional_columns_count_every_row_and_say_so():
    def bare(docs):
        return {"events": [{"doc_id": "RUR1", "event_type": "Battles", "actor1": "Ruritania"},
                           {"doc_id": "RUR1", "event_type": "Riots", "actor1": "Ruritania"},
                           {"doc_id": "RUR2", "event_type": "Battles", "actor1": "Ruritania"}]}
    result = evaluate.evaluate("events", GOLD / "events.csv", fake_analyser(bare))
    assert "events.modality" in result["missing_columns"]
    assert "events.sub_event_type" in result["missing_columns"]
    # Without sub-types or dates from the analyser, those fields are not scored at all.
    assert "sub_event_type" not in result["accuracy"] and "event_date" not in result["accuracy"]
    assert result["accuracy"]["event_type"]["correct"] == 1
    assert result["accuracy"]["actor1"]["correct"] == 2       # RUR1 and RUR2
    assert result["counts"]["asserted events"] == 3
    # RUR2 is wrong on its type only: fields left out are not listed as wrong either.
    (wrong,) = [e["wrong"] for e in result["errors"] if e["doc_id"] == "RUR2"]
    assert wrong == ["event_type"]


@pytest.mark.parametrize("content, line, reason", [
    ("notes,event_date,event_type\nx,2024-01-01,Riots\n", 1, "missing column(s) actor1, actor2, location"),
    ("notes,event_date,event_type,actor1,actor2,location\nA fight.,2024-01-01,Riots,a,b,c\n"
     "A march.,yesterday,Protests,a,,c\n", 3, "'yesterday' is not a date"),
    ("notes,event_date,event_type,actor1,actor2,location\n,2024-01-01,Riots,a,b,c\n", 2, "empty 'notes'"),
    ("notes,event_date,event_type,actor1,actor2,location\nA fight.,2024-01-01,Riots,a,b\n", 2,
     "wrong number of fields"),
    ("event_id_cnty,notes,event_date,event_type,actor1,actor2,location\nX1,A fight.,2024-01-01,Riots,a,b,c\n"
     "X1,A march.,2024-01-02,Protests,a,,c\n", 3, "'X1' was already used on line 2"),
])
def test_ill_formed_events_name_the_line(tmp_path, content, line, reason):
    path = tmp_path / "events.csv"
    path.write_text(content)
    with pytest.raises(evaluate.GoldError) as caught:
        evaluate.read_events(path)
    assert caught.value.line == line
    assert reason in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Reports and the command


def test_report_is_named_by_kind_and_time_and_follows_the_umask(tmp_path):
    result = evaluate.evaluate("conll", GOLD / "ner_iob2.conll", fake_analyser(conll_predictions))
    old = os.umask(0o027)
    try:
        first = evaluate.write_report(result, tmp_path / "evaluations")
        second = evaluate.write_report(result, tmp_path / "evaluations")
    finally:
        os.umask(old)
    assert first.name.startswith("conll-") and first.suffix == ".json"
    assert first != second                                  # two reports in one second
    assert first.stat().st_mode & 0o777 == 0o640
    assert json.loads(first.read_text())["prf"]["all"]["f1"] == 0.5


def test_the_command_prints_the_table_and_writes_the_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(evaluate, "analysis_options", lambda model: None)
    real = evaluate.evaluate
    monkeypatch.setattr(evaluate, "evaluate", lambda kind, gold, options, fuzzy_threshold: real(
        kind, gold, fake_analyser(quotes_predictions), options, fuzzy_threshold=fuzzy_threshold))
    out = tmp_path / "q.json"
    assert cli.main(["evaluate", "--gold", str(GOLD / "quotes.jsonl"), "--kind", "quotes", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "detection" in printed and "0.600" in printed and "speaker of matched quotes" in printed
    assert json.loads(out.read_text())["kind"] == "quotes"


def test_the_command_exits_2_naming_a_bad_gold_file(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\nnot json\n')
    assert cli.main(["evaluate", "--gold", str(bad), "--kind", "quotes"]) == 2
    assert f"{bad}:2: not JSON" in capsys.readouterr().err
    assert cli.main(["evaluate", "--gold", str(tmp_path / "none.csv"), "--kind", "events"]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_the_command_offers_exactly_the_evaluator_kinds():
    parser = cli.build_parser()
    evaluate_parser = parser._subparsers._group_actions[0].choices["evaluate"]
    kind = next(a for a in evaluate_parser._actions if a.dest == "kind")
    assert tuple(kind.choices) == evaluate.KINDS


def test_devsets_refuse_held_out_test_splits(tmp_path):
    (tmp_path / "conll2003").mkdir()
    (tmp_path / "conll2003" / "testa.conll").write_text("Rain O\n")
    (tmp_path / "timebank").mkdir()
    (tmp_path / "timebank" / "a.tml").write_text("<TimeML/>")
    assert devsets.development_sets(tmp_path, ["conll", "timeml"]) == [
        ("conll", tmp_path / "conll2003" / "testa.conll"), ("timeml", tmp_path / "timebank")]
    for held_out in ("conll2003/eng.testb.conll", "conll2003/test.conll", "timebank/te3-platinum/x.tml"):
        path = tmp_path / held_out
        path.parent.mkdir(exist_ok=True)
        path.write_text("")
        with pytest.raises(SystemExit, match="held-out"):
            devsets.development_sets(tmp_path, ["conll", "timeml"])
        path.unlink()


# ---------------------------------------------------------------------------------------------
# The real pipeline


@pytest.mark.slow
@pytest.mark.parametrize("kind, gold", [("conll", "ner_iob2.conll"), ("timeml", "timeml"),
                                        ("quotes", "quotes.jsonl"), ("events", "events.csv")])
def test_the_real_analyser_scores_every_kind(kind, gold, tmp_path):
    try:
        from helpers import api  # noqa: F401
    except ImportError:
        pytest.skip("helpers.api (the public analysis API) is not in this branch yet")
    result = evaluate.evaluate(kind, GOLD / gold)
    # The fixtures are plain enough that the pipeline finds something right in each.
    first = next(iter(result["prf"].values())) if kind != "events" else None
    if first is not None:
        assert first["gold"] > 0 and first["predicted"] > 0 and first["correct"] > 0
    else:
        assert result["accuracy"]["coverage (notes with an event)"]["correct"] > 0
    # The columns the analysis API promises are there.
    promised = {"events.actor1_text", "events.actor2_text", "events.location_text"}
    assert not promised & set(result["missing_columns"])
    assert json.loads(evaluate.write_report(result, tmp_path).read_text())["kind"] == kind


def test_notes_coding_no_event_are_right_when_nothing_asserted_is_predicted(tmp_path):
    gold = tmp_path / "events.csv"
    gold.write_text(
        "notes,event_date,event_type,sub_event_type,actor1,actor2,location,admin1\n"
        "\"Troops shelled Dorin.\",2024-02-11,Explosions/Remote violence,,Military Forces of Ruritania,,Dorin,\n"
        "\"Troops did not shell Karsk.\",2024-02-11,,,,,,\n"
        "\"The senator attacked the budget.\",2024-02-11,,,,,,\n", encoding="utf-8")

    def predictions(docs):
        ids = list(docs)  # doc_ids in file order
        row = {"sub_event_type": None, "actor1": None, "actor1_text": "Troops", "actor1_type": 1, "actor2": None,
               "actor2_text": None, "actor2_type": None,
               "location": "Dorin", "location_text": "Dorin", "start_char": 0, "event_date": dt.date(2024, 2, 11)}
        return {"events": [
            row | {"doc_id": ids[0], "event_type": "Explosions/Remote violence", "modality": "asserted"},
            row | {"doc_id": ids[1], "event_type": "Explosions/Remote violence", "modality": "negated"},
            row | {"doc_id": ids[2], "event_type": "Battles", "modality": "asserted"}]}

    result = evaluate.evaluate("events", gold, fake_analyser(predictions))
    # One note codes an event (its type right: 1/1); of the two that code none, only the negated
    # one is left without an asserted event: 1/2.
    assert result["accuracy"]["event_type"]["accuracy"] == 1.0
    # "Troops" of inter code 1 is named as events_acled.csv names it, "Military Forces": it matches
    # "Military Forces of Ruritania" (all its words are in the gold name).
    assert result["accuracy"]["actor1"]["accuracy"] == 1.0
    close(result["accuracy"]["no asserted event where the gold codes none"],
          {"accuracy": 0.5, "correct": 1, "total": 2})
    assert result["counts"]["notes"] == 3 and result["counts"]["notes with a coded event"] == 1
    assert [e["error"] for e in result["errors"] if "error" in e] == ["event where the gold has none"]


def test_an_event_dated_only_by_the_publication_date_is_not_a_right_date(tmp_path):
    gold = tmp_path / "events.csv"
    gold.write_text("notes,event_date,event_type,actor1,actor2,location\n"
                    "\"Troops shelled Dorin.\",2024-02-11,Battles,,,Dorin\n"
                    "\"On 11 February, troops shelled Karsk.\",2024-02-11,Battles,,,Karsk\n", encoding="utf-8")

    def predictions(docs):
        first, second = list(docs)
        row = {"event_type": "Battles", "actor1": None, "actor2": None, "modality": "asserted", "start_char": 0,
               "event_date": dt.date(2024, 2, 11)}
        return {"events": [row | {"doc_id": first, "location": "Dorin", "date_text": None},  # the fallback
                           row | {"doc_id": second, "location": "Karsk", "date_text": "11 February"}]}

    result = evaluate.evaluate("events", gold, fake_analyser(predictions))
    close(result["accuracy"]["event_date"], {"accuracy": 0.5, "correct": 1, "total": 2})


def test_every_gold_text_is_analysed_whatever_language_cleaning_detects(tmp_path):
    gold = tmp_path / "short.conll"
    gold.write_text("Kofi B-PER\nMensah I-PER\nleft O\nAccra B-LOC\n. O\n\n"  # four words: undetermined
                    "Abena B-PER\nOwusu I-PER\nvisited O\nKumasi B-LOC\nyesterday O\n. O\n", encoding="utf-8")
    options = evaluate.analysis_options()
    assert options.keep_other_languages and evaluate.analysis_options("other_model").model == "other_model"
    result = evaluate.evaluate("conll", gold)
    assert result["options"]["keep_other_languages"] is True
    assert result["prf"]["all"]["gold"] == 4 and result["prf"]["all"]["predicted"] >= 3  # both texts analysed
