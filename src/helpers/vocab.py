"""Newsdesk's fixed vocabulary: entity labels and their classes, event types, number words.

One list of each, imported from here by every module that needs it. Word lists that
researchers edit (speech verbs, titles, triggers) are data files read by :mod:`helpers.lexicons`.
"""

from __future__ import annotations

# Labels that name something and get a canonical entity id; numbers and dates do not.
NAMED_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW",
                          "WORK_OF_ART", "LANGUAGE"})
# Labels that can act in an event or a statement.
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# Labels the small model confuses for names of people, organisations and groups.
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP"})
# The small model tags some group names as works of art ("the Islamic Resistance quipped").
ORGANISATION_LABELS = frozenset({"ORG", "NORP", "WORK_OF_ART"})
# Labels whose short forms refer back to a longer name in the same document.
SHORT_NAME_LABELS = NAME_LABELS | {"WORK_OF_ART"}

# Newsdesk's event types, in priority order: when a sentence has several kinds of event, all
# are kept except "statement", which only stands when nothing else happens in the sentence.
EVENT_TYPES = ("air/drone strike", "attack", "armed clash", "arrest", "protest", "talks/agreement",
               "threat", "statement")

# Number words as news writes them; "dozens" and "hundreds" are read as their least plausible
# counts' order of magnitude (24, 200), as a researcher coding counts would.
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
                "dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200, "thousand": 1000}
