"""Quotes: speakers before, after and inside the attribution; split, curly and scare quotes."""

from __future__ import annotations

from helpers import quotes


def _quotes(analyse, text):
    _, records = analyse(text)
    return records["quotes"]


def test_quoted_spans_straight_curly_and_guillemets():
    text = 'He said "one two" and \u201cthree four\u201d and \u00ab five six \u00bb.'
    assert [text[a:b] for a, b in quotes.quoted_spans(text)] == ["one two", "three four", "five six"]


def test_speaker_after_the_quote(analyse):
    (q,) = _quotes(analyse, '"We will not accept new conditions," the minister said.')
    assert q["speaker_text"] == "the minister"
    assert q["cue"] == "said"
    assert q["quote"] == "We will not accept new conditions,"


def test_speaker_before_the_quote(analyse):
    text = 'The army spokesman said: "Our units are ready to respond to any attack."'
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "The army spokesman"
    assert q["cue"] == "said"
    assert q["quote"] == "Our units are ready to respond to any attack."
    assert text[q["start_char"]:q["end_char"]] == q["quote"]


def test_inverted_attribution(analyse):
    (q,) = _quotes(analyse, '"The negotiations have collapsed," said Omar Haddad.')
    assert q["speaker_text"] == "Omar Haddad"
    assert q["cue"] == "said"
    assert q["quote"] == "The negotiations have collapsed,"


def test_split_quote_is_joined(analyse):
    text = '"We will respond," Omar Haddad told reporters, "at a time and place of our choosing."'
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Omar Haddad"
    assert q["cue"] == "told"
    assert q["quote"] == "We will respond at a time and place of our choosing."
    assert q["start_char"] == 1 and q["end_char"] == len(text) - 1


def test_curly_quotes(analyse):
    text = "\u201cThe border crossing will stay closed,\u201d the governor said."
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "the governor"
    assert q["quote"] == "The border crossing will stay closed,"


def test_curly_split_quote(analyse):
    text = "\u201cThe shelling stopped,\u201d Leila Mansour said, \u201cbut nobody trusts the calm.\u201d"
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Leila Mansour"
    assert q["quote"] == "The shelling stopped but nobody trusts the calm."


def test_according_to(analyse):
    text = '"The water supply is safe again," according to the provincial health office.'
    (q,) = _quotes(analyse, text)
    assert q["cue"] == "according to"
    assert q["speaker_text"] == "the provincial health office"
    assert q["quote"] == "The water supply is safe again,"


def test_pronoun_speaker_resolved_to_previous_person(analyse):
    text = ('Sarah Collins visited the camp near the border on Monday. '
            '"The conditions here are desperate," she told reporters.')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Sarah Collins"
    assert q["cue"] == "told"
    assert text[q["speaker_start"]:q["speaker_end"]] == "Sarah Collins"


def test_plural_pronoun_speaker_is_the_latest_subject(analyse):
    text = ("The Valley Brigades issued a statement on Friday. Officials from Syria and Iraq met the "
            "Red Crescent the same day. They said \"painful strikes\" would follow.")
    quotes = _quotes(analyse, text)
    assert quotes and quotes[0]["speaker_text"] == "The Valley Brigades"


def test_the_group_as_speaker_is_the_organisation_named_before(analyse):
    text = ("The Northern Shield Front said on Tuesday that it had shelled an airbase near Raqqa. "
            "Government troops denied any damage. "
            '"Our operations will continue," the group said in a statement.')
    (q,) = _quotes(analyse, text)
    assert "Northern Shield Front" in q["speaker_text"]
    assert text[q["speaker_start"]:q["speaker_end"]] == q["speaker_text"]


def test_a_description_takes_the_name_in_apposition(analyse):
    text = ("Two drones struck an airport on Monday. The movement Saraya al-Nasr said on Tuesday "
            '"this is only the beginning of our answer to the occupiers."')
    (q,) = _quotes(analyse, text)
    assert "Saraya al-Nasr" in q["speaker_text"]


def test_the_groups_spokesman_speaks_for_the_group(analyse):
    text = ("The Northern Shield Front said on Tuesday that it had shelled an airbase near Raqqa. "
            '"We chose the target with care," the group\'s spokesman told reporters.')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "the group's spokesman"
    assert "Northern Shield Front" in text[q["represents_start"]:q["represents_end"]]


def test_the_group_with_no_organisation_before_it_stays_as_written(analyse):
    (q,) = _quotes(analyse, '"Our operations will continue," the group said in a statement.')
    assert q["speaker_text"] == "the group"


def test_one_word_scare_quote_is_not_a_quote(analyse):
    assert _quotes(analyse, 'The ministry called the raid "unacceptable" in a statement.') == []
    assert _quotes(analyse, 'The attack was "unacceptable", the ministry said.') == []


def test_short_unattributed_phrase_is_not_a_quote(analyse):
    assert _quotes(analyse, 'Residents described the so-called "security zone" as empty.') == []


def test_unattributed_quote_continues_the_previous_speaker(analyse):
    text = ('"We have lost contact with two of our teams," the aid worker said. '
            '"Our last message from them came at dawn on Sunday."')
    found = _quotes(analyse, text)
    assert [q["speaker_text"] for q in found] == ["the aid worker", "the aid worker"]
    assert found[1]["quote"] == "Our last message from them came at dawn on Sunday."


def test_two_speakers_in_two_sentences(analyse):
    text = ('"The ceasefire is holding," the general said. '
            'The opposition leader said: "The ceasefire exists only on paper."')
    found = _quotes(analyse, text)
    assert [(q["speaker_text"], q["quote"]) for q in found] == [
        ("the general", "The ceasefire is holding,"),
        ("The opposition leader", "The ceasefire exists only on paper.")]


def test_no_quotes_no_records(analyse):
    assert _quotes(analyse, "The minister said the talks would resume in March.") == []


def test_load_cues_reads_the_lexicon():
    cues = quotes.load_cues()
    assert {"say", "tell", "warn", "add"} <= cues
    assert all(c == c.lower() and not c.startswith("#") for c in cues)


def test_quote_running_over_two_paragraphs_takes_the_closing_speaker(analyse):
    text = ("\u201cWe have asked for help three times and nobody came. The wells are dry and the road is closed.\n\n"
            "\u201cIf the trucks do not arrive this week, families will leave,\u201d said Mariam Odeh, a village "
            "council member.")
    quotes = _quotes(analyse, text)
    assert len(quotes) == 2
    assert quotes[0]["quote"].startswith("We have asked for help") and quotes[0]["quote"].endswith("closed.")
    assert {q["speaker_text"] for q in quotes} == {"Mariam Odeh"}


def test_running_on_quotes_with_straight_marks():
    text = '"The first paragraph goes on.\n\n"The second one closes," she said.'
    assert quotes.open_paragraph_quotes(text) == [(1, text.index("\n"))]
