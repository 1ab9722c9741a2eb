"""The PolNeAR converter (benchmarks/polnear.py): which attributions are direct quotes, how they
become gold quotes, and that the held-out test split is refused."""

import json

import pytest

from helpers import evaluate

import polnear


def span(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def brat(text: str, roles: list[tuple[str, list[str]]], relation: str = "Attribution") -> str:
    """A one-attribution .ann: ``roles`` are (role, [text pieces]) — several pieces make a
    discontinuous span."""
    lines, arguments = [], []
    for n, (role, pieces) in enumerate(roles, 1):
        offsets = ";".join("{} {}".format(*span(text, p)) for p in pieces)
        lines.append(f"T{n}\t{role.rstrip('0123456789')} {offsets}\t{' '.join(pieces)}")
        arguments.append(f"{role}:T{n}")
    cue = next(n for n, (role, _) in enumerate(roles, 1) if role == "Cue")
    lines.append(f"T9\t{relation} {' '.join(lines[cue - 1].split(chr(9))[1].split()[1:])}\tx")
    lines.append(f"E1\t{relation}:T9 {' '.join(arguments)}")
    return "\n".join(lines) + "\n"


SPLIT = "\u201cWe will rebuild the bridge,\u201d Mayor Ines Okafor said, \u201cbefore the winter.\u201d"
PARAGRAPHS = ("The council met on Tuesday.\n\n\u201cThe budget is tight this year.\n\n"
              "\u201cBut the school stays open,\u201d she told reporters.")
SCARE = "Okafor called the plan a \u201cbridge to nowhere\u201d in a speech."


def test_a_quote_split_by_its_attribution_is_one_direct_quote_with_its_speaker():
    ann = brat(SPLIT, [("Source", ["Mayor Ines Okafor"]), ("Cue", ["said"]),
                       ("Content", ["\u201cWe will rebuild the bridge,\u201d", "\u201cbefore the winter.\u201d"])])
    record, counts = polnear.convert_article(SPLIT, ann, "doc", "2016-09-10")
    assert counts["direct"] == 1
    [quote] = record["quotes"]
    assert quote["speaker"] == "Mayor Ines Okafor"
    assert quote["quote"].startswith("We will rebuild") and quote["quote"].endswith("before the winter.")
    assert SPLIT[quote["start_char"]:quote["end_char"]] == quote["quote"]


def test_marks_left_outside_the_content_span_are_taken_in():
    ann = brat(SPLIT, [("Source", ["Mayor Ines Okafor"]), ("Cue", ["said"]),
                       ("Content", ["We will rebuild the bridge", "before the winter."])])
    _, counts = polnear.convert_article(SPLIT, ann, "doc", None)
    assert counts["direct"] == 1


def test_a_scare_quoted_phrase_inside_reported_speech_is_partial_not_direct():
    ann = brat(SCARE, [("Source", ["Okafor"]), ("Cue", ["called"]),
                       ("Content", ["the plan a \u201cbridge to nowhere\u201d"])])
    record, counts = polnear.convert_article(SCARE, ann, "doc", None)
    assert counts["partial"] == 1 and record["quotes"] == []


def test_reported_speech_without_marks_is_indirect():
    text = "Okafor said the bridge would be rebuilt."
    ann = brat(text, [("Source", ["Okafor"]), ("Cue", ["said"]), ("Content", ["the bridge would be rebuilt"])])
    _, counts = polnear.convert_article(text, ann, "doc", None)
    assert counts["indirect"] == 1


def test_a_quote_over_two_paragraphs_is_two_gold_quotes_with_the_same_pronoun_speaker():
    content = PARAGRAPHS[PARAGRAPHS.index("\u201cThe budget"):PARAGRAPHS.index(" she")]
    ann = brat(PARAGRAPHS, [("Content", [content]), ("Source", ["she"]), ("Cue", ["told"])])
    record, counts = polnear.convert_article(PARAGRAPHS, ann, "doc", None)
    assert counts["direct"] == 1
    assert [q["quote"] for q in record["quotes"]] == ["The budget is tight this year.",
                                                      "But the school stays open,"]
    assert {q["speaker"] for q in record["quotes"]} == {"she"}
    assert all(q["pronoun"] for q in record["quotes"])


def test_straight_marks_open_before_a_word_and_close_after_one():
    assert polnear.wholly_quoted('"We said no," and "we meant it."') is False
    assert polnear.wholly_quoted('"We said no. We meant it."') is True


def test_an_attribution_without_source_has_a_null_speaker():
    text = "\u201cThe polls close at eight,\u201d the notice said."
    ann = brat(text, [("Cue", ["said"]), ("Content", ["\u201cThe polls close at eight,\u201d"])],
               relation="Attribution-no-source")
    record, _ = polnear.convert_article(text, ann, "doc", None)
    assert record["quotes"][0]["speaker"] is None


def test_content2_is_more_content_of_the_same_attribution():
    ann = brat(SPLIT, [("Source", ["Mayor Ines Okafor"]), ("Cue", ["said"]),
                       ("Content", ["\u201cWe will rebuild the bridge,\u201d"]),
                       ("Content2", ["\u201cbefore the winter.\u201d"])])
    [attribution] = polnear.parse_ann(ann)
    assert len(attribution.contents) == 2


def write_split(root, name: str, article: str, text: str, anns: dict[str, str]):
    split = root / name
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    (split / "text" / f"{article}.txt").write_text(text, encoding="utf-8")
    for annotator, ann in anns.items():
        (split / "attributions" / f"{article}_{annotator}.ann").write_text(ann, encoding="utf-8")
    return split


def test_a_converted_split_is_gold_that_newsdesk_evaluate_reads(tmp_path):
    contents = ("Content", ["\u201cWe will rebuild the bridge,\u201d", "\u201cbefore the winter.\u201d"])
    anns = {"beef": brat(SPLIT, [("Source", ["Mayor Ines Okafor"]), ("Cue", ["said"]), contents]),
            "abcd": brat(SPLIT, [("Source", ["Okafor"]), ("Cue", ["said"]), contents])}
    split = write_split(tmp_path / "polnear", "dev", "usa-today_2016-09-20_bridge", SPLIT, anns)
    out = tmp_path / "gold.jsonl"
    assert polnear.main([str(split), "--out", str(out)]) == 0
    [document] = evaluate.read_quotes(out)
    assert document.published.isoformat() == "2016-09-20"
    # Two annotators: the alphabetically first (abcd) is used; its offsets name just "Okafor".
    assert json.loads(out.read_text())["quotes"][0]["speaker"] == "Okafor"
    assert document.quotes[0].quote.startswith("We will rebuild")


def test_the_test_split_is_refused_by_its_folder_name(tmp_path):
    split = write_split(tmp_path / "polnear", "test", "nyt_2016-09-20_bridge", SPLIT, {"abcd": ""})
    with pytest.raises(SystemExit, match="held out"):
        polnear.main([str(split), "--out", str(tmp_path / "gold.jsonl")])
    assert not (tmp_path / "gold.jsonl").exists()


def test_an_article_from_the_test_month_is_refused_in_any_folder(tmp_path):
    split = write_split(tmp_path / "polnear", "dev", "nyt_2016-10-20_bridge", SPLIT, {"abcd": ""})
    with pytest.raises(SystemExit, match="test month"):
        polnear.convert_split(split)


def test_two_quoted_sentences_around_the_attribution_are_two_gold_quotes():
    text = "\u201cThe bridge is closed.\u201d Okafor said. \u201cIt opens in May.\u201d"
    ann = brat(text, [("Source", ["Okafor"]), ("Cue", ["said"]),
                      ("Content", ["\u201cThe bridge is closed.\u201d", "\u201cIt opens in May.\u201d"])])
    record, _ = polnear.convert_article(text, ann, "doc", None)
    assert [q["quote"] for q in record["quotes"]] == ["The bridge is closed.", "It opens in May."]


def test_a_curly_quote_inside_a_straight_quote_does_not_end_it():
    assert polnear.wholly_quoted('"She asked: \u201cWhy now?\u201d and nobody answered."') is True
    assert polnear.wholly_quoted('\u201cShe asked: "Why now?" and nobody answered.\u201d') is True


def test_a_quote_opened_straight_and_closed_curly_is_still_quoted():
    assert polnear.wholly_quoted('"The vote is on Monday,\u201d') is True


def test_a_quote_cut_into_sentences_by_the_annotator_is_judged_whole():
    text = "\u201cThe bridge is closed. It opens in May. Plan ahead,\u201d Okafor said."
    ann = brat(text, [("Source", ["Okafor"]), ("Cue", ["said"]),
                      ("Content", ["\u201cThe bridge is closed.", "It opens in May.", "Plan ahead,\u201d"])])
    record, counts = polnear.convert_article(text, ann, "doc", None)
    assert counts["direct"] == 1
    assert [q["quote"] for q in record["quotes"]] == ["The bridge is closed. It opens in May. Plan ahead,"]
