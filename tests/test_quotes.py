"""Quotes: speakers before, after and inside the attribution; split, curly and scare quotes."""

from __future__ import annotations

import pytest

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


def test_a_new_clause_between_quotes_keeps_them_apart(analyse):
    text = ('"We see no link to any group," the mayor said, adding that it would take "many more hours" '
            'to be sure.')
    first, second = _quotes(analyse, text)
    assert first["quote"] == "We see no link to any group," and first["speaker_text"] == "the mayor"
    assert second["quote"] == "many more hours" and second["kind"] != "direct"


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


# --- marks, kinds, scare quotes ------------------------------------------------------------------

def test_doubled_apostrophes_and_single_guillemets_are_quote_marks():
    text = "He said ''one two'' and ``three four'' and \u2039 five six \u203a."
    assert [text[a:b] for a, b in quotes.quoted_spans(text)] == ["one two", "three four", "five six"]


def test_doubled_apostrophe_quote_gets_its_speaker(analyse):
    (q,) = _quotes(analyse, "''We are not going to apologise for winning,'' the coach said.")
    assert q["speaker_text"] == "the coach" and q["kind"] == "direct"


def test_kinds_direct_mixed_partial(analyse):
    (direct,) = _quotes(analyse, 'The minister said: "The talks will resume in March."')
    assert direct["kind"] == "direct"
    (mixed,) = _quotes(analyse, 'The minister said that "we will never accept these terms" at the summit.')
    assert mixed["kind"] == "mixed" and mixed["speaker_text"] == "The minister"
    (partial,) = _quotes(analyse, 'The minister said the deal was "a historic step" for both countries.')
    assert partial["kind"] == "partial" and partial["speaker_text"] == "The minister"


def test_quote_introduced_without_a_comma_is_direct(analyse):
    (q,) = _quotes(analyse, 'The minister said "The talks will resume in March."')
    assert q["kind"] == "direct"


def test_titles_and_so_called_phrases_are_not_quotes(analyse):
    assert _quotes(analyse, 'Appearing on "Meet the Press", Senator James Holloway said the bill would pass.') == []
    assert _quotes(analyse, 'The statement said the US violated so-called "rules of engagement" in the raid.') == []
    assert _quotes(analyse, 'The review, known as "Project Clear Water Now", found nothing, officials said.') == []


def test_unattributed_phrase_in_running_text_is_not_a_quote(analyse):
    assert _quotes(analyse, 'The estate became "a ghost town with no shops" after the closure.') == []


def test_clause_context_reads_the_sentence_around_the_marks():
    text = 'It rained. The minister said "we will win" and left.'
    start = text.index("we")
    assert quotes.clause_context(text, start, start + len("we will win")) == ("The minister said", "and left.")


# --- speakers ------------------------------------------------------------------------------------

def test_datelines_are_never_speakers(analyse):
    text = 'WASHINGTON \u2014 "Nobody is walking away from the table," said press secretary Nina Ortiz.'
    (q,) = _quotes(analyse, text)
    assert "WASHINGTON" not in (q["speaker_text"] or "") and "Ortiz" in q["speaker_text"]
    text = "KYIV, Ukraine (AP) \u2014 Drones struck.\nLONDON - Rain fell."
    assert [text[a:b] for a, b in quotes.datelines(text)] == ["KYIV, Ukraine (AP) \u2014 ", "LONDON - "]


def test_a_pronoun_never_takes_a_name_inside_the_quote(analyse):
    text = ('Laura Finch lost her savings in the collapse. '
            '"Peter Haines promised us the money was safe and he lied," she said.')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Laura Finch"


def test_a_pronoun_takes_the_nearest_earlier_person_subject(analyse):
    text = 'Asked whether he would run again, the governor smiled. "Ask me in January," he told CNN.'
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "the governor"


def test_speaker_in_apposition_is_the_name(analyse):
    (q,) = _quotes(analyse, 'The transport secretary, Owen Price, said: "The new timetable starts in May."')
    assert q["speaker_text"] == "Owen Price"


def test_speaker_after_an_inverted_verb(analyse):
    (q,) = _quotes(analyse, '"What a day for this city!" exclaimed Mayor Carlos Mendes as the parade ended.')
    assert "Carlos Mendes" in q["speaker_text"] and q["cue"] == "exclaimed"


def test_a_quote_continuing_in_a_new_paragraph_keeps_the_speaker(analyse):
    text = '"We will rebuild every house," the governor said.\n\n"Every family will have a roof before winter."'
    found = _quotes(analyse, text)
    assert [q["speaker_text"] for q in found] == ["the governor", "the governor"]


def test_a_new_paragraph_after_other_narration_does_not_inherit_the_speaker(analyse):
    text = ('"We will rebuild every house," the governor said. The storm destroyed 300 homes. '
            'Roads stayed closed for a week.\n\n"Nobody came to help us for three days and nights."')
    found = _quotes(analyse, text)
    assert found[-1]["speaker_text"] is None


@pytest.mark.parametrize(("text", "cue"), [
    ('"Please do not close the library," Grace Adeyemi implored.', "implored"),
    ('"This is the best result we have ever had!" gushed coach Harriet Lowe.', "gushed"),
    ('"Get out of the building now!" shouted a firefighter.', "shouted"),
    ('"Our plan is working and the figures prove it," the prime minister insisted.', "insisted"),
    ('The senator tweeted: "I will vote against this bill on Friday."', "tweeted"),
    ('Party chair Lionel Grant wrote: "We lost because we stopped listening."', "wrote"),
])
def test_speech_verbs_of_real_usage(analyse, text, cue):
    (q,) = _quotes(analyse, text)
    assert q["cue"] == cue and q["speaker_text"]


def test_speech_cues_are_data(analyse):
    cues = quotes.load_cues()
    assert {"implore", "gush", "shout", "exclaim", "insist", "tweet", "write", "according to"} <= cues
    doc, _ = analyse('"The water supply is safe again," according to the provincial health office.')
    (q,) = quotes.extract(doc, cues - {"according to"})
    assert q["cue"] is None


def test_verb_forms_of_speech_and_decision_verbs():
    from helpers import lexicons

    forms = lexicons.verb_forms(["say", "query", "send", "warn"])
    assert {"say", "says", "said", "queried", "queries", "sent", "warned"} <= forms
    assert "according to" in lexicons.speech_cues() and "reject" in lexicons.decision_verbs()


def test_a_pronoun_in_a_governed_clause_is_the_governing_subject(analyse):
    text = ('The prime minister\'s office condemned what it called "a new violation of the truce" '
            'and said it would complain to the UN.')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "The prime minister's office" and q["kind"] == "partial"


def test_a_governing_subject_inside_the_quote_does_not_count(analyse):
    text = 'Laura Finch lost her savings. "The minister lied to all of us," she said.'
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Laura Finch"


def test_a_name_in_apposition_to_a_subject_is_a_referent(analyse):
    text = ('The mayor met protesters outside City Hall. One of them, Rosa Kim, said the meeting changed '
            'nothing. "He listened, but he promised nothing," she said.')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "Rosa Kim"


def test_a_statement_that_reads_is_a_speaker(analyse):
    (q,) = _quotes(analyse, 'The statement read: "The company regrets the disruption and will pay."')
    assert q["speaker_text"] == "The statement" and q["cue"] == "read"


def test_an_agent_noun_is_a_last_resort_referent_for_he(analyse):
    text = 'In a video posted late Saturday, the rapper apologised to fans. "I let you down and I am sorry," he said.'
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] == "the rapper"


@pytest.mark.parametrize("text", ['"Why should the port close now?" Mayor Lena Ortiz asked.',
                                  '"Not one more day!" Mayor Lena Ortiz shouted.'])
def test_a_question_or_exclamation_takes_the_speaker_after_it(analyse, text):
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] is not None and "Lena Ortiz" in q["speaker_text"]


def test_a_quote_signed_after_a_dash_is_that_person_s(analyse):
    text = ('Readers wrote in after the debate.\n\n"The bus lanes saved me an hour a day." \u2015 Lena Brandt, '
            'Denver\n\n"Nobody asked the shop owners." \u2014 Omar Haddad, Boulder')
    found = _quotes(analyse, text)
    assert [q["speaker_text"] for q in found] == ["Lena Brandt", "Omar Haddad"]
    assert {q["cue"] for q in found} == {"\u2014"}


def test_a_relative_pronoun_speaker_is_the_noun_it_stands_for(analyse):
    text = ('Four men were detained, according to the Interior Ministry, which said they had '
            'photographed "sensitive sites near the port".')
    (q,) = _quotes(analyse, text)
    assert q["speaker_text"] is not None and "Interior Ministry" in q["speaker_text"]
