"""Events: trigger types, actors (active and passive), counts, places, dates and statements."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import events

FRIDAY = dt.date(2024, 2, 9)


def _events(analyse, text, published=FRIDAY):
    _, records = analyse(text, published)
    return records


def _one(records, event_type):
    found = [e for e in records["events"] if e["event_type"] == event_type]
    assert len(found) == 1, [(e["event_type"], e["trigger"]) for e in records["events"]]
    return found[0]


def _date_of(records, event):
    """The resolved start date an event points to (as extract.assemble does)."""
    if event["date_start"] is None:
        return None
    (date,) = [d for d in records["dates"] if d["start_char"] == event["date_start"]]
    return date["start_date"]


def test_drone_strike(analyse):
    records = _events(analyse, "A US drone strike killed a militia commander near Al-Qaim on Tuesday.")
    strike = _one(records, "air/drone strike")
    assert strike["trigger"] == "strike"
    assert "US" in strike["actor1_text"]
    assert _date_of(records, strike) == dt.date(2024, 2, 6)


def test_air_strike_with_location(analyse):
    records = _events(analyse, "Israeli warplanes carried out an air strike in Rafah on Wednesday.")
    strike = _one(records, "air/drone strike")
    assert strike["location_text"] == "Rafah"
    assert _date_of(records, strike) == dt.date(2024, 2, 7)


def test_labour_strike_is_a_protest_not_an_air_strike(analyse):
    records = _events(analyse, "Teachers went on strike in Amman on Monday over unpaid wages.")
    types = {e["event_type"] for e in records["events"]}
    assert "air/drone strike" not in types and "attack" not in types
    protest = _one(records, "protest")
    assert protest["trigger"] == "strike"
    assert protest["location_text"] == "Amman"


def test_general_strike_is_a_protest(analyse):
    records = _events(analyse, "Unions called a general strike across the country.")
    assert {e["event_type"] for e in records["events"]} == {"protest"}


def test_attack_count(analyse):
    records = _events(analyse, "Militias have carried out more than 40 attacks on US bases since May.")
    attack = _one(records, "attack")
    assert attack["count"] == 40
    assert attack["actor1_text"] == "Militias"
    assert attack["actor2_text"] == "US bases"


def test_count_in_words(analyse):
    records = _events(analyse, "Gunmen carried out three attacks on police stations in the province.")
    assert _one(records, "attack")["count"] == 3


def test_passive_voice_actors(analyse):
    records = _events(analyse, "The convoy was attacked by militants near Kirkuk.")
    attack = _one(records, "attack")
    assert attack["actor1_text"] == "militants"
    assert attack["actor2_text"] == "The convoy"
    assert attack["location_text"] == "Kirkuk"


def test_active_voice_actors(analyse):
    records = _events(analyse, "Militants attacked an army convoy near Kirkuk on Thursday.")
    attack = _one(records, "attack")
    assert attack["actor1_text"] == "Militants"
    assert attack["actor2_text"] == "an army convoy"
    assert _date_of(records, attack) == dt.date(2024, 2, 8)


NAMED_BEFORE = "The Northern Shield Front issued a statement on Monday. "


def test_the_group_as_actor_is_the_organisation_named_before(analyse):
    records = _events(analyse, NAMED_BEFORE + "The group claimed the attack on a police station in Homs.")
    attack = _one(records, "attack")
    assert "Northern Shield Front" in attack["actor1_text"]
    assert attack["location_text"] == "Homs"


def test_a_named_group_is_not_a_description(analyse):
    records = _events(analyse, NAMED_BEFORE + "The Saraya al-Nasr group attacked a police station in Homs.")
    assert "Saraya al-Nasr" in _one(records, "attack")["actor1_text"]
    records = _events(analyse, NAMED_BEFORE + "The group of protesters marched to the governor's office in Homs.")
    assert "Northern Shield Front" not in (_one(records, "protest")["actor1_text"] or "")


def test_arrest(analyse):
    records = _events(analyse, "Police arrested five suspects in Mosul on Wednesday.")
    arrest = _one(records, "arrest")
    assert arrest["actor1_text"] == "Police"
    assert arrest["actor2_text"] == "five suspects"
    assert arrest["location_text"] == "Mosul"
    assert _date_of(records, arrest) == dt.date(2024, 2, 7)


def test_protest(analyse):
    records = _events(analyse, "Thousands of students protested in Casablanca on Saturday against rising fees.")
    protest = _one(records, "protest")
    assert protest["trigger"] == "protest"
    assert protest["location_text"] == "Casablanca"
    assert _date_of(records, protest) == dt.date(2024, 2, 3)


def test_counted_crowd_is_the_actor(analyse):
    records = _events(analyse, "Hundreds of farmers marched against the new water tax in the capital.")
    assert _one(records, "protest")["actor1_text"] == "farmers"


def test_talks(analyse):
    records = _events(analyse, "Iraqi and Kurdish officials held talks in Erbil last week.")
    talks = _one(records, "talks/agreement")
    assert talks["actor1_text"] == "Iraqi and Kurdish officials"
    assert talks["location_text"] == "Erbil"
    assert _date_of(records, talks) == dt.date(2024, 1, 29)


def test_ceasefire_agreement(analyse):
    records = _events(analyse, "The two factions signed a ceasefire agreement in Doha.")
    assert _one(records, "talks/agreement")["location_text"] == "Doha"


def test_threat(analyse):
    records = _events(analyse, "The armed group threatened to target foreign shipping in the strait.")
    threat = _one(records, "threat")
    assert threat["trigger"] == "threaten"
    assert threat["actor1_text"] == "The armed group"


def test_event_with_said_drops_the_statement(analyse):
    records = _events(analyse, "Gunmen attacked a checkpoint in Samarra, police said.")
    types = [e["event_type"] for e in records["events"]]
    assert types == ["attack"]


def test_statement_alone_is_kept(analyse):
    records = _events(analyse, "The ministry said the border would reopen next week.")
    statement = _one(records, "statement")
    assert statement["trigger"] == "say"
    assert statement["actor1_text"] == "The ministry"


def test_sentence_without_a_date_has_no_event_date(analyse):
    records = _events(analyse, "Militants attacked an army convoy near Kirkuk.")
    assert _one(records, "attack")["date_start"] is None


def test_two_attacks_in_one_sentence_are_two_records(analyse):
    records = _events(analyse, "Gunmen attacked a checkpoint and later attacked a second one near Hit.")
    attacks = [e for e in records["events"] if e["event_type"] == "attack"]
    assert [(e["actor1_text"], e["actor2_text"]) for e in attacks] == [("Gunmen", "a checkpoint"),
                                                                       ("Gunmen", "a second one")]


def test_a_trigger_governed_by_another_of_its_type_is_the_same_event(analyse):
    records = _events(analyse, "The two factions signed a ceasefire agreement in Doha.")
    assert [e["trigger"] for e in records["events"]] == ["sign"]


def test_counted_attacks_beside_another_attack_keep_their_count(analyse):
    records = _events(analyse, "The army vowed to respond after the Hit attack and the more than 40 attacks "
                               "on its posts since May.")
    assert 40 in [e["count"] for e in records["events"] if e["event_type"] == "attack"]


def test_parties_to_talks_are_both_actors(analyse):
    records = _events(analyse, "Ankara and Damascus will resume talks on the border next week.")
    talks = _one(records, "talks/agreement")
    assert {talks["actor1_text"], talks["actor2_text"]} == {"Ankara", "Damascus"}


def test_events_in_separate_sentences(analyse):
    records = _events(analyse, "Police arrested two men in Basra. Hundreds protested outside the courthouse.")
    assert [e["event_type"] for e in records["events"]] == ["arrest", "protest"]
    assert records["events"][1]["sentence"] == "Hundreds protested outside the courthouse."


def test_triggers_load_in_file_order():
    triggers = events.load_triggers()
    strike_rows = [t for t in triggers if t.lemma == "strike" and t.pos == "NOUN"]
    assert [t.event_type for t in strike_rows][:2] == ["air/drone strike", "protest"]
    assert "drone" in strike_rows[0].requires and "teachers" in strike_rows[1].requires


def test_unknown_event_type_is_rejected(tmp_path):
    path = tmp_path / "event_triggers.csv"
    path.write_text("lemma,pos,event_type,requires\nriot,NOUN,mayhem,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="event_triggers.csv:2: unknown event_type 'mayhem'"):
        events.load_triggers(tmp_path)


@pytest.mark.parametrize(("text", "number"), [("160", 160), ("1,200", 1200), ("dozens", 24),
                                              ("twelve", 12), ("many", None)])
def test_parse_number(text, number):
    assert events.parse_number(text) == number
