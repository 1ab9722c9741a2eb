"""The hand-written quote dev set: its format, the scorer, and the targets (F1 ≥ .85, speakers ≥ 90 %)."""

from __future__ import annotations

import pytest
from quote_scoring import match, read_gold, same_speaker, score


@pytest.fixture(scope="module")
def dev():
    return read_gold()


def test_dev_set_is_well_formed(dev):
    assert len(dev) >= 40
    for passage in dev:
        assert set(passage) == {"text", "published", "quotes"}
        for q in passage["quotes"]:
            assert passage["text"][q["start_char"]:q["end_char"]].startswith(q["quote"][:10])
            assert q["speaker"]


def test_scorer_matches_one_to_one_by_half_overlap():
    gold = [{"start_char": 0, "end_char": 10}, {"start_char": 20, "end_char": 30}]
    predicted = [{"start_char": 1, "end_char": 10}, {"start_char": 2, "end_char": 9},
                 {"start_char": 26, "end_char": 40}]
    assert [(g["start_char"], p["start_char"]) for g, p in match(gold, predicted)] == [(0, 1)]


def test_lenient_speaker_names():
    assert same_speaker("President Helen Marsh", "Helen Marsh")
    assert same_speaker("the army spokesman", "The army spokesman")
    assert not same_speaker("Peter Haines", "Laura Finch")
    assert not same_speaker(None, "Laura Finch")


def predict(analyse, dev):
    return [[q for q in analyse(p["text"])[1]["quotes"] if q["kind"] == "direct"] for p in dev]


def test_dev_set_meets_the_targets(analyse, dev):
    figures = score(dev, predict(analyse, dev))
    print(figures)
    assert figures["f1"] >= 0.85, figures
    assert figures["speaker_accuracy"] >= 0.90, figures
