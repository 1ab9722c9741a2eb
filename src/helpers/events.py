"""ACLED-like event records from a parsed Doc and a trigger lexicon kept as data.

``data/lexicons/event_triggers.csv`` has rows ``lemma, pos, event_type, requires``: a token
whose lemma and part of speech match, and which has one of the ``requires`` words among its
children or the three tokens before it, triggers that event type; the first matching row wins.
Actors come from the dependency parse: the trigger verb's subject acts on its object; for a
noun trigger, its possessor or compound modifier ("a US drone strike") or the subject of the
verb that governs it ("the US military carried out a strike") acts on the object of "on" or
"against". Place, date and count come from the same sentence.
"""

from __future__ import annotations

import bisect
import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy
from spacy.attrs import LEMMA
from spacy.strings import get_string_id

from . import entities, paths

TRIGGERS_FILE = paths.LEXICONS / "event_triggers.csv"
# When a sentence has several kinds of event, all are kept except "statement", which only
# stands when nothing else happens in the sentence.
PRIORITY = ["air/drone strike", "attack", "armed clash", "arrest", "protest", "talks/agreement",
            "threat", "statement"]
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
                "dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200, "thousand": 1000}
PLACE_PREPS = {"in", "near", "at", "on", "outside", "inside", "across", "around", "from", "into"}
TARGET_PREPS = {"on", "against", "at", "with", "between", "targeting"}


@dataclass(frozen=True)
class Trigger:
    lemma: str
    pos: str
    event_type: str
    requires: frozenset[str]


def load_triggers(path: Path = TRIGGERS_FILE) -> list[Trigger]:
    """The trigger lexicon, in file order. Raises ``ValueError`` on an unknown event type."""
    triggers = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["event_type"] not in PRIORITY:
                raise ValueError(f"{path}:{line}: unknown event_type {row['event_type']!r}")
            requires = frozenset(w.strip().lower() for w in (row.get("requires") or "").split("|") if w.strip())
            triggers.append(Trigger(row["lemma"].strip().lower(), row["pos"].strip().upper(),
                                    row["event_type"], requires))
    return triggers


def index_triggers(triggers: list[Trigger]) -> dict[tuple[str, str], list[Trigger]]:
    """Lexicon rows by (lemma, part of speech), in file order: one look-up per token."""
    index: dict[tuple[str, str], list[Trigger]] = {}
    for trigger in triggers:
        index.setdefault((trigger.lemma, trigger.pos), []).append(trigger)
    return index


def match_trigger(token, triggers: list[Trigger] | dict) -> Trigger | None:
    """The first lexicon row that ``token`` satisfies, or ``None``.

    ``triggers`` is the lexicon or its :func:`index_triggers`.
    """
    index = triggers if isinstance(triggers, dict) else index_triggers(triggers)
    rows = index.get((token.lemma_.lower(), token.pos_))
    if not rows:
        return None
    context = None
    for trigger in rows:
        if not trigger.requires:
            return trigger
        if context is None:
            before = []
            for i in range(token.i - 1, max(token.i - 4, -1), -1):  # up to 3 tokens, same sentence
                before.append(token.doc[i])
                if token.doc[i].is_sent_start:
                    break
            context = {t.lower_ for t in [*token.children, *before]}
            context |= {t.lemma_.lower() for t in token.children}
        if trigger.requires & context:
            return trigger
    return None


def number_of(token) -> int | None:
    """A count attached to a trigger noun: "over 160 attacks" → 160, "dozens of" → 24."""
    for child in token.children:
        if child.dep_ == "nummod" or (child.like_num and child.i < token.i):
            return parse_number(child.text)
    if token.dep_ == "pobj" and token.head.lower_ == "of" and token.head.head.like_num:
        return parse_number(token.head.head.text)
    return None


def parse_number(text: str) -> int | None:
    clean = text.lower().replace(",", "")
    if re.fullmatch(r"\d+", clean):
        return int(clean)
    return NUMBER_WORDS.get(clean)


def _span_of(token):
    """The phrase a token heads, without clauses, widened to the entities it cuts through."""
    doc = token.doc
    keep = [t for t in token.subtree if _in_phrase(t, token) and not t.is_space]
    start, end = min(t.i for t in keep), max(t.i for t in keep) + 1
    # Widen by the tokens' entity tags (cheaper than scanning doc.ents, which is rebuilt per access).
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def _in_phrase(token, head) -> bool:
    node = token
    while node != head:
        if node.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "prep"}:
            return False
        node = node.head
    return True


def _first_child(token, deps: set[str]):
    return next((c for c in token.children if c.dep_ in deps), None)


def _prep_object(token, preps: set[str]):
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in preps:
            pobj = _first_child(child, {"pobj"})
            if pobj is not None:
                return pobj
    return None


RELATIVE = {"who", "which", "that"}
PERSONAL = {"he", "she", "they", "it", "we"}


def _antecedent(token):
    """A pronoun's referent: a relative pronoun's noun, a personal pronoun's latest name; the
    organisation that "the group" and its like refer back to."""
    if token is None:
        return None
    if token.ent_type_ == "CARDINAL" and (of := _prep_object(token, {"of"})) is not None:
        token = of  # "Hundreds of students protested": the students act, not the number
    if token.ent_type_ in {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}:
        return None  # "on Thursday evening" parsed as an object is a time, not a target
    if token.lower_ in RELATIVE:
        clause = next((a for a in token.ancestors if a.dep_ == "relcl"), None)
        return clause.head if clause is not None else None
    if token.lower_ in PERSONAL:
        wanted = {"he": {"PERSON"}, "she": {"PERSON"}}.get(token.lower_, entities.ORGANISATION_LABELS | {"GPE"})
        ents, ends = _entities(token.doc)
        for k in range(bisect.bisect_right(ends, token.i) - 1, -1, -1):  # the latest fitting name before it
            if ents[k].label_ in wanted:
                return ents[k].root
        return None
    if token.lower_ in entities.GROUP_NOUNS and entities.is_group_description(phrase := _span_of(token)):
        named = entities.referent(phrase, _entities(token.doc)[0], entities.ORGANISATION_LABELS)
        return named.root if named is not None else token
    return token


_ENTS = "newsdesk.events.ents"


def _entities(doc) -> tuple[list, list[int]]:
    """``(doc.ents, their end token indices)``, read once per :func:`extract`.

    ``Doc.ents`` is rebuilt from every token on each access: reading it for every pronoun made
    event extraction grow with the square of the document's length.
    """
    cached = doc.user_data.get(_ENTS)
    if cached is None:
        ents = list(doc.ents)
        cached = (ents, [e.end for e in ents])
    return cached


def _by_sentence(records: list[dict], sentence_starts: list[int]) -> dict[int, list[dict]]:
    """Records (with ``start_char``) grouped by the index of the sentence they start in, in one
    pass (filtering them for every sentence cost sentences × records)."""
    grouped: dict[int, list[dict]] = {}
    for record in records:
        grouped.setdefault(bisect.bisect_right(sentence_starts, record["start_char"]) - 1, []).append(record)
    return grouped


def actors_of(token):
    """``(actor1 token, actor2 token)`` for a trigger, either may be ``None``.

    Pronouns are replaced by what they refer to; times are never actors.
    """
    actor1, actor2 = _syntactic_actors(token)
    return _antecedent(actor1), _antecedent(actor2)


def _syntactic_actors(token):
    """``(actor1 token, actor2 token)`` for a trigger, either may be ``None``."""
    if token.pos_ == "VERB":
        passive = _first_child(token, {"nsubjpass"})
        if passive is not None:
            agent = _first_child(token, {"agent"})
            return (_first_child(agent, {"pobj"}) if agent is not None else None), passive
        subject = _first_child(token, {"nsubj"})
        if subject is None and token.dep_ in {"xcomp", "conj"}:
            subject = _first_child(token.head, {"nsubj"})
        target = _first_child(token, {"dobj"}) or _prep_object(token, TARGET_PREPS)
        return subject, target
    # Nouns: "Israel's strike", "a US drone strike", "the militia carried out an attack".
    actor = _first_child(token, {"poss"})
    if actor is None:
        actor = next((c for c in token.children if c.dep_ in {"compound", "amod"}
                      and c.ent_type_ in {"GPE", "ORG", "NORP", "PERSON"}), None)
    if actor is None and token.dep_ in {"dobj", "nsubjpass"} and token.head.pos_ in {"VERB", "AUX"}:
        actor = _first_child(token.head, {"nsubj", "agent"})
        if actor is not None and actor.dep_ == "agent":
            actor = _first_child(actor, {"pobj"})
    if actor is None:
        by = _prep_object(token, {"by"})
        actor = by
    target = _prep_object(token, TARGET_PREPS)
    if target is None:
        # "a strike that killed a commander": the object of the relative clause.
        clause = next((c for c in token.children if c.dep_ == "relcl"), None)
        if clause is not None:
            target = _first_child(clause, {"dobj"})
    return actor, target


def _trigger_candidates(doc, index: dict) -> list[int]:
    """Indices of the tokens whose lemma is in the lexicon, found on arrays: looking at every
    token in Python costs more than the rest of the event extraction together."""
    column = doc.to_array([LEMMA])
    wanted = _lemma_ids(frozenset(lemma for lemma, _ in index))
    return [int(i) for i in numpy.flatnonzero(numpy.isin(column, wanted))]


@functools.lru_cache(maxsize=8)
def _lemma_ids(lemmas: frozenset[str]) -> numpy.ndarray:
    """The string-store ids of the lexicon's lemmas (hashes: the same in every vocabulary)."""
    return numpy.array(sorted(get_string_id(lemma) for lemma in lemmas), dtype=numpy.uint64)


def extract(doc, mentions: list[dict], dates: list[dict], triggers: list[Trigger] | dict) -> list[dict]:
    """Event records of a parsed Doc.

    ``mentions`` and ``dates`` are this document's records (character offsets) so actors,
    places and dates can point to them; ``triggers`` is the lexicon or its index. Returns
    dicts with: sentence, sentence_start, event_type, trigger, count, actor1_start/end,
    actor1_text, actor2_start/end, actor2_text, location_start/end, location_text,
    date_start/end (of a DATE mention) or ``None``.
    """
    doc.user_data[_ENTS] = _entities(doc)
    try:
        return _extract(doc, mentions, dates, triggers)
    finally:
        doc.user_data.pop(_ENTS, None)


def _extract(doc, mentions: list[dict], dates: list[dict], triggers: list[Trigger] | dict) -> list[dict]:
    records = []
    index = index_triggers(triggers) if not isinstance(triggers, dict) else triggers
    sentences = list(doc.sents)
    starts = [sent.start for sent in sentences]
    char_starts = [sent.start_char for sent in sentences]
    mentions_in = _by_sentence(mentions, char_starts)
    dates_in = _by_sentence(dates, char_starts)
    by_sentence: dict[int, list] = {}
    for i in _trigger_candidates(doc, index):
        token = doc[i]
        trigger = match_trigger(token, index)
        if trigger is not None:
            by_sentence.setdefault(bisect.bisect_right(starts, i) - 1, []).append((token, trigger))
    for number, found in sorted(by_sentence.items()):
        sent = sentences[number]
        types = {t.event_type for _, t in found}
        if len(types) > 1:
            found = [(tok, t) for tok, t in found if t.event_type != "statement"]
        sent_mentions = mentions_in.get(number, [])
        places = [m for m in sent_mentions if m["label"] in {"GPE", "LOC", "FAC"} and not m["metonymy"]]
        sent_dates = dates_in.get(number, [])
        resolved_dates = [d for d in sent_dates if d["start_date"] is not None]
        sentence_text = sent.text.strip()  # Span.text joins the tokens on each access
        candidates = []
        for token, trigger in found:
            actor1, actor2 = actors_of(token)
            if actor1 is not None and trigger.event_type in SYMMETRIC:
                # "Washington and Baghdad will restart talks": the parties are both subjects
                # (what follows "on" is then the topic, not a party).
                actor2 = next((c for c in actor1.children if c.dep_ == "conj"), actor2)
            actor1_span = _span_of(actor1) if actor1 is not None else None
            actor2_span = _span_of(actor2) if actor2 is not None else None
            location = _location(token, places, actor1_span, actor2_span)
            date = resolved_dates[0] if resolved_dates else None
            candidates.append({
                "_token": token.i, "_head": token.head.i if token.dep_ != "conj" else token.i,
                "sentence": sentence_text, "sentence_start": sent.start_char,
                "event_type": trigger.event_type, "trigger": token.lemma_.lower(),
                "count": number_of(token),
                "actor1_text": actor1_span.text if actor1_span else None,
                "actor1_start": actor1_span.start_char if actor1_span else None,
                "actor1_end": actor1_span.end_char if actor1_span else None,
                "actor2_text": actor2_span.text if actor2_span else None,
                "actor2_start": actor2_span.start_char if actor2_span else None,
                "actor2_end": actor2_span.end_char if actor2_span else None,
                "location_text": location["text"] if location else None,
                "location_start": location["start_char"] if location else None,
                "location_end": location["end_char"] if location else None,
                "date_start": date["start_char"] if date else None,
                "date_end": date["end_char"] if date else None,
            })
        records += distinct_events(candidates)
    return records


SYMMETRIC = {"talks/agreement", "armed clash"}


def distinct_events(candidates: list[dict]) -> list[dict]:
    """The events of one sentence without repeats.

    Several triggers of one type in a sentence may describe one event ("signed a ceasefire
    agreement") or several ("the Jordan attack and the over 160 attacks"). A trigger that
    another of its type governs is dropped; of the rest, the records that say something (an
    actor or a count) are kept, each distinct one once; a type whose records say nothing keeps
    its first.
    """
    kept, seen = [], set()
    for event_type in dict.fromkeys(c["event_type"] for c in candidates):
        same = [c for c in candidates if c["event_type"] == event_type]
        # A trigger governed by another of its type is the same event ("signed an agreement");
        # coordinated triggers ("attacked ... and later attacked") are not governed.
        governing = {c["_token"] for c in same}
        same = [c for c in same if c["_head"] not in governing or c["_head"] == c["_token"]]
        telling = [c for c in same if c["actor1_text"] or c["actor2_text"] or c["count"] is not None] or same[:1]
        for record in telling:
            key = (event_type, record["actor1_text"], record["actor2_text"], record["count"])
            if key not in seen:
                seen.add(key)
                kept.append({k: v for k, v in record.items() if not k.startswith("_")})
    return kept


def _location(token, places: list[dict], *actor_spans) -> dict | None:
    """The place of an event: a place after a locative preposition ("in", "near", ...), else
    the first LOC or FAC of the sentence. A bare country name elsewhere is more often an
    actor than a place, so it is not taken."""
    taken = [(s.start_char, s.end_char) for s in actor_spans if s is not None]

    def free(m):
        return not any(a <= m["start_char"] < b for a, b in taken)

    doc = token.doc
    for m in places:
        if not free(m):
            continue
        span = doc.char_span(m["start_char"], m["end_char"], alignment_mode="expand")
        if span is not None and span.root.dep_ == "pobj" and span.root.head.lower_ in PLACE_PREPS:
            return m
    return next((m for m in places if free(m) and m["label"] in {"LOC", "FAC"}), None)
