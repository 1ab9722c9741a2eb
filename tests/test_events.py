"""Events: trigger types, actors (active and passive), counts, places, dates and statements."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import events

FRIDAY = dt.date(2024, 2, 9)


def _events(analyse, text, published=FRIDAY):
    _, records = analyse(text, published)
    return records


def _one(records, label):
    found = [e for e in records["events"] if e["label"] == label]
    assert len(found) == 1, [(e["label"], e["trigger"]) for e in records["events"]]
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
    types = {e["label"] for e in records["events"]}
    assert "air/drone strike" not in types and "attack" not in types
    protest = _one(records, "protest")
    assert protest["trigger"] == "strike"
    assert protest["location_text"] == "Amman"


def test_general_strike_is_a_protest(analyse):
    records = _events(analyse, "Unions called a general strike across the country.")
    assert {e["label"] for e in records["events"]} == {"protest"}


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
    talks = _one(records, "talks")
    assert talks["actor1_text"] == "Iraqi and Kurdish officials"
    assert talks["location_text"] == "Erbil"
    assert _date_of(records, talks) == dt.date(2024, 1, 29)


def test_ceasefire_agreement(analyse):
    records = _events(analyse, "The two factions signed a ceasefire agreement in Doha.")
    assert _one(records, "agreement")["location_text"] == "Doha"


def test_threat(analyse):
    records = _events(analyse, "The armed group threatened to target foreign shipping in the strait.")
    threat = _one(records, "threat")
    assert threat["trigger"] == "threaten"
    assert threat["actor1_text"] == "The armed group"


def test_event_with_said_drops_the_statement(analyse):
    records = _events(analyse, "Gunmen attacked a checkpoint in Samarra, police said.")
    types = [e["label"] for e in records["events"]]
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
    attacks = [e for e in records["events"] if e["label"] == "attack"]
    assert [(e["actor1_text"], e["actor2_text"]) for e in attacks] == [("Gunmen", "a checkpoint"),
                                                                       ("Gunmen", "a second one")]


def test_a_trigger_governed_by_another_of_its_type_is_the_same_event(analyse):
    records = _events(analyse, "The two factions signed a ceasefire agreement in Doha.")
    assert [e["trigger"] for e in records["events"]] == ["sign"]


def test_counted_attacks_beside_another_attack_keep_their_count(analyse):
    records = _events(analyse, "The army vowed to respond after the Hit attack and the more than 40 attacks "
                               "on its posts since May.")
    assert 40 in [e["count"] for e in records["events"] if e["label"] == "attack"]


def test_parties_to_talks_are_both_actors(analyse):
    records = _events(analyse, "Ankara and Damascus will resume talks on the border next week.")
    talks = _one(records, "talks")
    assert {talks["actor1_text"], talks["actor2_text"]} == {"Ankara", "Damascus"}


def test_events_in_separate_sentences(analyse):
    records = _events(analyse, "Police arrested two men in Basra. Hundreds protested outside the courthouse.")
    assert [e["label"] for e in records["events"]] == ["arrest", "protest"]
    assert records["events"][1]["sentence"] == "Hundreds protested outside the courthouse."


def test_triggers_load_in_file_order():
    triggers = events.load_triggers()
    strike_rows = [t for t in triggers if t.lemma == "strike" and t.pos == "NOUN"]
    assert [t.label for t in strike_rows][:3] == ["air/drone strike", "shelling", "protest"]
    assert "drone" in strike_rows[0].requires and "teachers" in strike_rows[2].requires


def test_unknown_event_type_is_rejected(tmp_path):
    path = tmp_path / "triggers.csv"
    path.write_text("lemma,pos,label,event_type,sub_event_type,requires,violent\n"
                    "riot,NOUN,riot,Mayhem,Violent demonstration,,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Mayhem"):
        events.load_triggers(path)


@pytest.mark.parametrize(("text", "number"), [("160", 160), ("1,200", 1200), ("dozens", 24),
                                              ("twelve", 12), ("many", None)])
def test_parse_number(text, number):
    assert events.parse_number(text) == number


# --- issue 11: modality, context, roles, ACLED types, one row per event ----------------------

def _main(records):
    asserted = [e for e in records["events"] if e["modality"] == "asserted" and e["event_type"]]
    return asserted[0] if asserted else None


@pytest.mark.parametrize(("text", "modality"), [
    ("The army did not attack the rebel positions near Gao.", "negated"),
    ("Nobody was killed because the militia did not fire rockets at the base.", "negated"),
    ("The militia threatened to attack US bases in the region.", "future"),
    ("Ankara denied carrying out a drone strike near Kobani.", "denied"),
    ("Gunmen attacked a checkpoint near Gao.", "asserted"),
])
def test_modality(analyse, text, modality):
    records = _events(analyse, text)
    violent = [e for e in records["events"] if e["event_type"] not in (None, "Strategic developments")]
    assert violent and violent[0]["modality"] == modality, records["events"]


def test_no_one_killed_in_a_shelling_that_happened(analyse):
    main = _main(_events(analyse, "No civilians were killed in the shelling of the village near Idlib."))
    assert main["sub_event_type"] == "Shelling/artillery/missile attack" and main["fatalities"] == 0


@pytest.mark.parametrize(("text", "killed"), [
    ("Gunmen killed three soldiers and two civilians near Gao.", 5),
    ("An air strike near Gao killed a commander.", 1),
    ("Twelve people died when a car bomb exploded near Gao.", 12),
    ("Gunmen attacked a checkpoint near Gao.", None),
])
def test_fatalities(analyse, text, killed):
    assert _main(_events(analyse, text))["fatalities"] == killed


def test_undecided_strikes_are_no_event(analyse):
    records = _events(analyse, "The ministry declined to say whether strikes had been authorised.")
    assert _main(records) is None


def test_conditional_attack_is_hypothetical(analyse):
    records = _events(analyse, "The militia said it would strike US bases if the talks failed.")
    strike = next(e for e in records["events"] if e["trigger"] == "strike")
    assert strike["modality"] == "hypothetical"


def test_political_attack_is_a_statement(analyse):
    records = _events(analyse, "The opposition leader attacked the government's pension reform in a speech.")
    assert _main(records) is None
    assert {e["label"] for e in records["events"]} == {"statement"}


def test_pension_strike_is_a_protest(analyse):
    records = _events(analyse, "Railway workers began a pension strike in Lyon on Monday.")
    assert _main(records)["event_type"] == "Protests"


def test_reporting_verbs_trigger_events(analyse):
    cases = {"Gunmen assassinated a judge in Mosul.": ("Violence against civilians", "Attack"),
             "A militant threw a grenade at a police patrol in Kirkuk.": ("Explosions/Remote violence", "Grenade"),
             "An IED detonated near an army convoy in Tarmiyah.": ("Explosions/Remote violence",
                                                                  "Remote explosive/landmine/IED"),
             "Troops and rebels exchanged fire near Gao.": ("Battles", "Armed clash"),
             "Government forces shelled the village of Kafr Nabl.": ("Explosions/Remote violence",
                                                                     "Shelling/artillery/missile attack")}
    for text, expected in cases.items():
        main = _main(_events(analyse, text))
        assert main is not None and (main["event_type"], main["sub_event_type"]) == expected, text


def test_actor_of_carried_out_by(analyse):
    main = _main(_events(analyse, "A drone strike carried out by the Turkish military hit a car near Qamishli."))
    assert "Turkish military" in main["actor1_text"]


def test_actor_claimed_responsibility(analyse):
    main = _main(_events(analyse, "Islamic State claimed responsibility for the bombing in Kirkuk."))
    assert main["actor1_text"] == "Islamic State"


def test_weapons_are_never_actors_and_unclaimed_bombs_are_an_armed_group(analyse):
    main = _main(_events(analyse, "A landmine killed two shepherds near Palmyra."))
    assert main["actor1_text"] is None and main["actor1_type"] == 3
    assert main["sub_event_type"] == "Remote explosive/landmine/IED"
    assert main["fatalities"] == 2


def test_unnamed_actors_keep_their_description_and_a_type(analyse):
    main = _main(_events(analyse, "Unidentified gunmen killed a shopkeeper in Daraa."))
    assert main["actor1_text"] == "Unidentified gunmen" and main["actor1_type"] == 3
    assert main["actor2_type"] == 7 and main["event_type"] == "Violence against civilians"


def test_nationality_is_never_the_place(analyse):
    main = _main(_events(analyse, "Iraqi troops clashed with militants."))
    assert main["location_text"] is None


def test_dateline_is_the_fallback_place(analyse):
    records = _events(analyse, "MOSUL, Iraq (Wire) - Gunmen attacked a checkpoint overnight.")
    assert _main(records)["location_text"] in {"MOSUL", "Mosul"}


def test_protest_actor_is_the_protesters(analyse):
    main = _main(_events(analyse, "Police used tear gas to disperse protesters in Khartoum."))
    assert main["sub_event_type"] == "Protest with intervention" and main["actor1_type"] == 6


def test_range_start_is_not_the_event_date():
    text = "Attacks have risen since early July and a convoy was hit on 3 August."
    july = {"start_char": text.index("early July"), "end_char": text.index(" and"), "text": "early July",
            "start_date": dt.date(2024, 7, 1), "end_date": dt.date(2024, 7, 10), "precision": "month"}
    august = {"start_char": text.index("3 August"), "end_char": len(text) - 1, "text": "3 August",
              "start_date": dt.date(2024, 8, 3), "end_date": dt.date(2024, 8, 3), "precision": "day"}
    assert events.best_date([july, august], text) is august
    assert events.best_date([july], text) is None
    flagged = dict(august, range_start=True)
    assert events.best_date([flagged], text) is None


def test_most_specific_date_wins():
    text = "Last month, on 7 May, gunmen attacked."
    month = {"start_char": 0, "end_char": 10, "text": "Last month", "start_date": dt.date(2024, 5, 1),
             "end_date": dt.date(2024, 5, 31), "precision": "month"}
    day = {"start_char": 15, "end_char": 20, "text": "7 May", "start_date": dt.date(2024, 5, 7),
           "end_date": dt.date(2024, 5, 7), "precision": "day"}
    assert events.best_date([month, day], text) is day


def test_headline_and_lead_are_one_event(analyse):
    text = ("Militias to resume attacks on US troops\n\n"
            "The Northern Shield Front said it would resume attacks on US troops in the region.")
    threatened = [e for e in _events(analyse, text)["events"] if e["label"] == "attack"]
    assert len(threatened) == 1 and threatened[0]["modality"] == "future"


def test_killing_told_apart_joins_its_strike(analyse):
    text = ("A US drone strike killed a senior militia commander in Baghdad on Wednesday. "
            "The militia said the US killed the commander in Baghdad.")
    violent = [e for e in _events(analyse, text)["events"] if e["modality"] == "asserted" and e["event_type"]]
    assert len(violent) == 1 and violent[0]["sub_event_type"] == "Air/drone strike"


def _row(doc, date, **kw):
    base = {"doc_id": doc, "start_char": 0, "label": "air/drone strike", "trigger": "strike",
            "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "modality": "asserted", "actor1": "us-armed-forces", "actor2": None, "location": "Baghdad",
            "event_date": date}
    return base | kw


def test_group_reports_within_the_window():
    rows = [_row("a", dt.date(2024, 2, 7)), _row("b", dt.date(2024, 2, 9), actor1=None),
            _row("c", dt.date(2024, 2, 20)), _row("d", dt.date(2024, 2, 8), location="Mosul"),
            _row("e", dt.date(2024, 2, 8), label="statement", event_type=None)]
    before = [dict(r) for r in rows]
    grouped = events.group_reports(rows)
    assert rows == before  # pure
    ids = [r["event_id"] for r in grouped]
    assert ids[0] == ids[1] and len(set(ids)) == 4
    assert grouped[0]["n_reports"] == 2 and grouped[0]["report_docs"] == ["a", "b"]
    assert grouped[2]["n_reports"] == 1


def test_group_reports_needs_something_in_common():
    rows = [_row("a", dt.date(2024, 2, 7), actor1=None, location=None),
            _row("b", dt.date(2024, 2, 7), actor1=None, location=None)]
    assert len({r["event_id"] for r in events.group_reports(rows)}) == 2


class _Counted(dict):
    """A mention or date record that counts how often it is read."""

    reads = 0

    def __getitem__(self, key):
        _Counted.reads += 1
        return super().__getitem__(key)

    def get(self, key, default=None):
        _Counted.reads += 1
        return super().get(key, default)


def test_work_grows_linearly_with_the_document(extractor):
    from spacy.tokens import Doc

    paragraph = ("Gunmen attacked a police checkpoint near Kirkuk on Tuesday, killing two officers. "
                 "The group said it carried out the attack. Police arrested three men in Mosul.\n\n")
    small = extractor.nlp(paragraph)
    base = extractor.analyse(small, FRIDAY)

    def work(copies: int) -> int:
        doc = Doc.from_docs([small] * copies)
        step = len(small.text)
        mentions = [_Counted(m, start_char=m["start_char"] + k * step, end_char=m["end_char"] + k * step)
                    for k in range(copies) for m in base["mentions"]]
        dates = [_Counted(d, start_char=d["start_char"] + k * step, end_char=d["end_char"] + k * step)
                 for k in range(copies) for d in base["dates"]]
        _Counted.reads = 0
        found = events.extract(doc, mentions, dates, extractor.triggers)
        assert found
        return _Counted.reads

    small_work, large_work = work(40), work(160)
    assert large_work <= 4 * small_work * 1.2  # 4x the text, about 4x the work (quadratic: 16x)


def test_no_one_reported_killed_is_negated(analyse):
    records = _events(analyse, "No civilians were reported killed.")
    assert [e["modality"] for e in records["events"]] == ["negated"]


def test_records_may_be_typed_or_plain_dicts(extractor):
    text = "Militants attacked an army convoy near Kirkuk on Thursday."
    doc = extractor.nlp(text)
    records = extractor.analyse(doc, FRIDAY)
    typed = events.extract(doc, records.mentions, records.dates, extractor.triggers, published=FRIDAY)
    plain = events.extract(doc, [m.as_dict() for m in records.mentions], [d.as_dict() for d in records.dates],
                           extractor.triggers, published=FRIDAY)
    assert typed == plain == records.events
    assert isinstance(typed[0], events.Event) and typed[0]["label"] == typed[0].label == "attack"


STORY = """Northern militias to resume attacks on US troops: statement

The Northern Shield Front said it would resume attacks on US troops across the region in a statement on Friday.

The statement came days after the US military carried out a drone strike that killed a senior Northern Shield \
Front commander.

Officials said the president approved the strike last week in response to the drone strike on Outpost 9 in \
Jordan, which wounded several soldiers.

Washington and Baghdad will hold talks next weekend on the future of the coalition, both governments said on \
Thursday.

After the Outpost 9 attack, the Saraya al-Nasr group said it was suspending attacks on Americans.
"""


def test_a_story_gives_its_events_once_each_with_their_actors(analyse):
    found = _events(analyse, STORY, dt.date(2024, 2, 10))["events"]
    asserted = [e for e in found if e["modality"] == "asserted" and e["event_type"]]
    assert len(asserted) == 3, [(e["label"], e["sentence"][:40]) for e in asserted]
    strike, outpost, change = asserted
    assert "US military" in strike["actor1_text"] and strike["fatalities"] == 1
    assert strike["sub_event_type"] == outpost["sub_event_type"] == "Air/drone strike"
    assert outpost["location_text"] == "Jordan" and outpost["actor2_text"] == "several soldiers"
    assert change["sub_event_type"] == "Change to group/activity" and "Saraya al-Nasr" in change["actor1_text"]
    (threat,) = [e for e in found if e["label"] == "attack" and e["modality"] == "future"]
    assert "Northern Shield Front" in threat["actor1_text"] and threat["actor2_text"] == "US troops"
    (talks,) = [e for e in found if e["label"] == "talks"]
    assert talks["modality"] == "future" and {talks["actor1_text"], talks["actor2_text"]} == {"Washington", "Baghdad"}


def test_a_range_start_is_flagged_not_taken_as_the_event_date(analyse):
    records = _events(analyse, "Militants have attacked the base more than 40 times since early July.")
    (event,) = records["events"]
    assert event["date_range_start"] == "early July"
    assert event["date_text"] is None and event["event_date"] == FRIDAY  # the publication date stands in
