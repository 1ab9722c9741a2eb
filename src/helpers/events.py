"""Event records from a parsed Doc: one row per event, in ACLED's scheme.

What the analysis reads, all kept as data under ``data/lexicons/``:

* ``event_triggers.csv`` – rows ``lemma, pos, label, event_type, sub_event_type, requires,
  violent``: a token whose lemma and part of speech match, and which has one of the
  ``requires`` words among its children or the three tokens before it, triggers the row; the
  first matching row wins. ``label`` is Newsdesk's finer label ("air/drone strike",
  "assassination", ...); ``event_type``/``sub_event_type`` are ACLED's (empty for statements
  and threats, which are not ACLED events). A row marked ``violent`` ("attack", "strike",
  "fight") only counts where the sentence is violent (a weapon, a casualty, an armed actor or
  a military target); elsewhere "attacked the reform" is a statement.
* ``event_context.csv`` – words by cue: violent context, weapon families that refine the
  sub-type (air, shelling, explosive, grenade, suicide), protest intervention and riot words,
  modality cues (negated, denied, hypothetical, future), verbs of perpetration ("carried out
  by X", "carried out the attack" makes an attack real) and verbs of reaction whose subject did
  not carry out the event it governs ("condemned the strike", "authorised the strike").
* ``actor_types.csv`` – head words of unnamed actors and their ACLED ``inter`` code
  ("gunmen" → 3 Political militia, "troops" → 1 State forces).
* ``not_actors.txt`` – heads that are never actors (weapons, means, things).

Actors come from the parse: actor1 is the subject of an active trigger, the agent of a passive
one, the owner or national modifier of a noun trigger ("Israel's strike", "a US drone
strike"), the subject of the verb that governs it unless that verb is one of speech or reaction
("X carried out a strike", "X claimed responsibility for the attack", not "X condemned the
strike") or the agent of "carried out by X"; actor2 is the object, the
object of "on/against/targeting", or the victims. The place is the first place after a
locative preposition ("in/near/outside X", "the town of X"), else a named facility or region,
else "X-based", else the dateline; a country that only qualifies someone ("Iraqi", "Iraq's
militias") is never the place. The date is the most specific date of the sentence that is not
the start of a range ("since early July"). Events of one document that share type, actors,
place and date are merged (:func:`merge_document_events`); reports of the same event across
documents are grouped by :func:`group_reports`.

The work done is linear in the document's length: mentions, dates and entities are indexed by
sentence once, and every look-back (pronouns, "the group") is bounded.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections import defaultdict
from pathlib import Path

import numpy
from spacy.attrs import LEMMA
from spacy.strings import get_string_id

from . import entities, lexicons
from .records import Record
from .vocab import EVENT_TYPES, INTER, NUMBER_WORDS, ORGANISATION_LABELS, PLACE_LABELS

TRIGGERS_FILE = lexicons.path(lexicons.EVENT_TRIGGERS)
CONTEXT_FILE = lexicons.path(lexicons.EVENT_CONTEXT)
ACTOR_TYPES_FILE = lexicons.path(lexicons.ACTOR_TYPES)
NOT_ACTORS_FILE = lexicons.path(lexicons.NOT_ACTORS)

# Weapon families that make a generic attack a remote-violence event, most telling first.
WEAPON_SUBTYPES = {"suicide": "Suicide bomb", "grenade": "Grenade", "air": "Air/drone strike",
                   "explosive": "Remote explosive/landmine/IED",
                   "shelling": "Shelling/artillery/missile attack"}
# Labels whose ACLED type depends on who was hit and with what.
GENERIC_VIOLENCE = {"attack", "killing", "assassination"}
# Head words of named places that are hit: "Outpost 9", "Ain al-Asad air base" (a place, not an actor).
FACILITY_WORDS = {"tower", "outpost", "base", "airbase", "camp", "airport", "port", "barracks", "compound",
                  "airfield", "station"}
# Nouns through whose "of" a place is named: "the vicinity of Baghdad airport".
AREA_NOUNS = {"vicinity", "outskirts", "area", "areas", "town", "village", "city", "province",
              "district", "region", "countryside", "suburbs", "suburb", "neighbourhood",
              "neighborhood", "camp", "port", "governorate", "centre", "center"}
# Labels that are not events of their own when the sentence has another violent event:
# "a drone strike that killed a commander" is one event.
CONSEQUENCES = {"killing"}
STATEMENT_LABELS = {"statement", "threat"}
SYMMETRIC = {"talks", "agreement", "armed clash"}
PLACE_PREPS = {"in", "near", "at", "on", "outside", "inside", "across", "around", "into", "off", "over",
               "toward", "towards",
               "nearby", "west", "east", "north", "south", "outskirts", "within", "along"}
TARGET_PREPS = {"on", "against", "at", "targeting", "upon"}
NOT_PERSON_LABELS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}
NAMED_LABELS = {"PERSON", "ORG", "NORP", "GPE", "WORK_OF_ART", "FAC"}
SPEECH_LEMMAS = {"say", "suggest", "tell", "state", "announce", "report", "add", "threaten",
                 "warn", "vow", "insist", "believe", "expect"}
# Words after which an event has happened, whatever the main clause says ("a response would
# follow the Jordan attack").
PAST_MARKERS = {"after", "following", "since", "despite", "for"}
DISTANCES = {"km", "kilometre", "kilometer", "mile"}  # "20 km from Gao" places the event
# Verbs that put what they govern in the future even as the main verb ("threatened to strike").
PLANNING_VERBS = {"threaten", "vow", "plan", "pledge", "intend", "resume", "prepare"}
SUBJECT_ROLES = {"nsubj", "nsubjpass", "poss", "agent"}
LOOK_BACK = 40  # entities a pronoun or "the group" may refer back to


@dataclasses.dataclass(frozen=True)
class Trigger:
    lemma: str
    pos: str
    label: str
    event_type: str | None
    sub_event_type: str | None
    requires: frozenset[str]
    violent: bool = False


@dataclasses.dataclass(frozen=True)
class Context:
    """The context lexicons: words by cue, actor types by head word, words never actors."""

    cues: dict[str, frozenset[str]]
    actor_types: dict[str, int]
    not_actors: frozenset[str]

    def has(self, cue: str, word: str) -> bool:
        return word in self.cues.get(cue, ())


def load_triggers(path: Path = TRIGGERS_FILE) -> list[Trigger]:
    """The trigger lexicon, in file order.

    Raises ``ValueError`` on an event type or sub-event type that is not ACLED's.
    """
    triggers = []
    for line, row in lexicons.table(path):
        event_type = (row.get("event_type") or "").strip() or None
        sub_type = (row.get("sub_event_type") or "").strip() or None
        if event_type is not None and event_type not in EVENT_TYPES:
            raise ValueError(f"{path}:{line}: unknown event_type {event_type!r}")
        if event_type is not None and sub_type not in EVENT_TYPES[event_type]:
            raise ValueError(f"{path}:{line}: {sub_type!r} is not a sub-event type of {event_type!r}")
        requires = frozenset(w.strip().lower() for w in (row.get("requires") or "").split("|") if w.strip())
        triggers.append(Trigger(row["lemma"].strip().lower(), row["pos"].strip().upper(),
                                row["label"].strip(), event_type, sub_type, requires,
                                (row.get("violent") or "").strip().lower() in {"yes", "true", "1"}))
    return triggers


@functools.lru_cache(maxsize=4)
def load_context(context_file: Path = CONTEXT_FILE, actor_types_file: Path = ACTOR_TYPES_FILE,
                 not_actors_file: Path = NOT_ACTORS_FILE) -> Context:
    """The context lexicons (cached; :func:`reload_lexicons` clears the cache)."""
    cues: dict[str, set[str]] = defaultdict(set)
    for _, row in lexicons.table(context_file):
        cues[row["cue"].strip()].add(row["word"].strip().lower())
    types = {}
    for line, row in lexicons.table(actor_types_file):
        inter = int(row["inter"])
        if inter not in INTER:
            raise ValueError(f"{actor_types_file}:{line}: unknown inter code {inter}")
        types[row["word"].strip().lower()] = inter
    return Context({k: frozenset(v) for k, v in cues.items()}, types,
                   frozenset(w.lower() for w in lexicons.words(not_actors_file)))


def reload_lexicons() -> None:
    """Forget the cached context lexicons (after a researcher edits them)."""
    load_context.cache_clear()


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
                if token.doc[i + 1].is_sent_start:
                    break
                before.append(token.doc[i])
            context = {t.lower_ for t in [*token.children, *before]}
            context |= {t.lemma_.lower() for t in token.children}
            # "a drone and missile strike", "the drone strikes": words of the compound chain
            context |= {t.lower_ for c in token.children if c.dep_ in {"compound", "amod"}
                        for t in c.subtree}
        if trigger.requires & context:
            return trigger
    return None


# --- numbers -----------------------------------------------------------------------------------

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


def _people_counted(token) -> int | None:
    """How many people a victim phrase counts: "three soldiers" → 3, "a commander" → 1,
    "Abu Baqir al-Saadi" → 1, "two civilians and a child" → 3; ``None`` when it cannot tell."""
    total, found = 0, False
    for node in [token, *[c for c in token.children if c.dep_ == "conj"]]:
        n = number_of(node)
        if n is None and (node.like_num or node.lower_ in {"dozens", "hundreds"}):
            n = parse_number(node.text)  # "killing 12", "dozens of people"
        if n is None and (node.ent_type_ == "PERSON" or (
                node.tag_ in {"NN", "NNP"} and any(c.lower_ in {"a", "an", "one"} for c in node.children))):
            n = 1
        if n is not None:
            total, found = total + n, True
    return total if found else None


def fatalities_in(sent, context: Context) -> int | None:
    """People killed in a sentence: "killing three soldiers", "two civilians were killed",
    "12 people died"; 0 when a killing is denied ("No civilians were killed"); ``None`` when
    the sentence counts no dead. Separate killing verbs are the same deaths told twice, so the
    largest count wins."""
    best = None
    for token in sent:
        lemma = token.lemma_.lower()
        victim = None
        if lemma == "kill" and token.pos_ == "VERB":
            victim = _first_child(token, {"nsubjpass"}) or _first_child(token, {"dobj"})
            if victim is None and token.dep_ in {"acl", "amod", "relcl"} and token.tag_ == "VBN":
                victim = token.head  # "civilians killed in the raid", "who was killed"
            if victim is not None and victim.lower_ in {"who", "that"}:
                clause = next((a for a in victim.ancestors if a.dep_ == "relcl"), None)
                victim = clause.head if clause is not None else victim
        elif lemma == "die" and token.pos_ == "VERB":
            victim = _first_child(token, {"nsubj"})
        elif lemma == "dead" and token.i > sent.start and token.doc[token.i - 1].like_num:
            victim = token.doc[token.i - 1]
        if victim is None:
            continue
        if any(c.dep_ == "det" and c.lower_ == "no" for c in victim.children) or any(
                c.dep_ == "neg" for c in token.children):
            n = 0
        else:
            n = _people_counted(victim)
        if n is not None:
            best = n if best is None else max(best, n)
    return best


# --- phrases and roles -------------------------------------------------------------------------

def _span_of(token):
    """The phrase a token heads, without clauses, widened to the entities it cuts through."""
    doc = token.doc
    keep = [t for t in token.subtree if _in_phrase(t, token) and not t.is_space]
    start, end = min(t.i for t in keep), max(t.i for t in keep) + 1
    while start < end - 1 and (doc[start].is_punct or doc[start].lower_ in {"'s", "\u2019s"}):
        start += 1
    # Widen by the tokens' entity tags (cheaper than scanning doc.ents, which is rebuilt per access).
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def _in_phrase(token, head) -> bool:
    node = token
    while node != head:
        if node.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "prep", "case"}:
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
        if child.dep_ in {"acl", "prep"} and child.lower_ in preps and child.lower_ == "targeting":
            obj = _first_child(child, {"dobj", "pobj"})
            if obj is not None:
                return obj
    return None


RELATIVE = {"who", "which", "that"}
PERSONAL = {"he", "she", "they", "it", "we"}


class _Entities:
    """The Doc's entity spans, read once, with bounded look-backs by token position."""

    def __init__(self, doc):
        self.ents = list(doc.ents)
        self.ends = [e.end for e in self.ents]
        self.starts = [e.start for e in self.ents]

    def before(self, i: int, window: int = LOOK_BACK) -> list:
        """Up to ``window`` entities that end at or before token ``i``, plus the next few
        (an apposition right after a description names it)."""
        k = bisect.bisect_right(self.ends, i)
        return self.ents[max(0, k - window):k + 3]


def _antecedent(token, ents: _Entities):
    """A pronoun's referent: a relative pronoun's noun, a personal pronoun's latest name; the
    organisation that "the group" and its like refer back to."""
    if token is None:
        return None
    if token.ent_type_ == "CARDINAL" and (of := _prep_object(token, {"of"})) is not None:
        token = of  # "Hundreds of students protested": the students act, not the number
    if token.ent_type_ in NOT_PERSON_LABELS:
        return None  # "on Thursday evening" parsed as an object is a time, not a target
    if token.lower_ in RELATIVE:
        clause = next((a for a in token.ancestors if a.dep_ == "relcl"), None)
        if clause is None or clause.head.ent_type_ in PLACE_LABELS:
            return None  # "the strike on an outpost in Jordan, which wounded ...": not Jordan
        return clause.head
    if token.lower_ in PERSONAL:
        # "The group said it carried out the attack": the speaker speaks of itself
        speech = next((a for a in token.ancestors if a.lemma_.lower() in SPEECH_LEMMAS), None)
        speaker = _first_child(speech, {"nsubj"}) if speech is not None else None
        if speaker is not None and speaker.i < token.i and speaker.lower_ not in PERSONAL | RELATIVE:
            return _antecedent(speaker, ents)
        wanted = {"he": {"PERSON"}, "she": {"PERSON"}}.get(token.lower_, ORGANISATION_LABELS | {"GPE"})
        earlier = [e for e in ents.before(token.i) if e.end <= token.i and e.label_ in wanted]
        return earlier[-1].root if earlier else None
    if token.lower_ in entities.GROUP_NOUNS and entities.is_group_description(phrase := _span_of(token)):
        named = entities.referent(phrase, ents.before(token.i), ORGANISATION_LABELS)
        return named.root if named is not None else token
    return token


def _is_actor(token, context: Context, trigger_lemmas: frozenset[str]) -> bool:
    """Weapons, numbers alone, times and event words are never actors."""
    if token is None:
        return False
    lemma = token.lemma_.lower()
    if token.ent_type_ in NOT_PERSON_LABELS and not _prep_object(token, {"of"}):
        return False
    if (token.pos_ == "NUM" or token.like_num or token.ent_type_ == "CARDINAL") and token.lower_ != "one" \
            and _prep_object(token, {"of"}) is None:
        return False
    if token.ent_type_ in NAMED_LABELS:
        return True
    return lemma not in context.not_actors and token.lower_ not in context.not_actors and (
        lemma not in trigger_lemmas or token.pos_ == "PROPN")


def _owner(token, context: Context):
    """Who wields a weapon or an event noun that stands as an actor: "Turkish drones" →
    Turkish, "Sudanese army artillery" → army, "an Israeli air strike" → Israeli."""
    modifiers = [c for c in token.children if c.dep_ in {"poss", "compound", "amod", "nmod"}]
    modifiers += [g for c in modifiers for g in c.children if g.dep_ in {"poss", "compound", "amod", "nmod"}]
    return next((c for c in modifiers if c.ent_type_ in {"GPE", "ORG", "NORP", "PERSON"}
                 or c.lower_ in context.actor_types), None)


def actors_of(token, ents: _Entities | None = None, context: Context | None = None):
    """``(actor1 token, actor2 token)`` for a trigger, either may be ``None``.

    Pronouns are replaced by what they refer to; times are never actors.
    """
    context = context or load_context()
    ents = ents or _Entities(token.doc)
    actor1, actor2 = _syntactic_actors(token, context)
    return _antecedent(actor1, ents), _antecedent(actor2, ents)


def _syntactic_actors(token, context: Context):
    """``(actor1 token, actor2 token)`` for a trigger, either may be ``None``."""
    if token.pos_ == "VERB":
        passive = _first_child(token, {"nsubjpass"})
        if passive is not None:
            agent = _first_child(token, {"agent"})
            return (_first_child(agent, {"pobj"}) if agent is not None else None), passive
        subject = _first_child(token, {"nsubj"})
        node = token
        while subject is None and node.dep_ in {"xcomp", "conj", "advcl"} and node.head.i != node.i:
            node = node.head  # "set tyres ablaze and blocked the highway to protest"
            subject = _first_child(node, {"nsubj"})
        if subject is None and token.dep_ in {"acl", "relcl"} and token.tag_ != "VBN" and (
                token.head.ent_type_ or actor_type(token.head.doc[token.head.i:token.head.i + 1], context)):
            subject = token.head  # "militias to resume attacks", "gunmen who attacked"
        target = (_first_child(token, {"dobj"}) or _prep_object(token, TARGET_PREPS)
                  or _prep_object(token, {"with"}))
        return subject, target
    # "clashes between rival clans", "fighting between the army and the RSF"
    between = _prep_object(token, {"between"})
    if between is None and token.dep_ == "nsubj":  # "clashes broke out between two tribes"
        between = _prep_object(token.head, {"between"})
    if between is not None:
        return between, next((c for c in between.children if c.dep_ == "conj"), None)
    # Nouns: "Israel's strike", "a US drone strike", "the militia carried out an attack".
    actor = _first_child(token, {"poss"})
    if actor is None:
        modifiers = [c for c in token.children if c.dep_ in {"compound", "amod", "nmod"}]
        modifiers += [g for c in modifiers for g in c.children if g.dep_ in {"compound", "amod", "nmod"}]
        actor = next((c for c in modifiers if c.ent_type_ in {"GPE", "ORG", "NORP", "PERSON"}), None)
    if actor is None:
        actor = _prep_object(token, {"by"})  # "an attack by al-Shabaab militants"
    if actor is None:
        actor = _perpetrator(token, context)
    target = _prep_object(token, TARGET_PREPS)
    if target is None:
        # "a strike that killed a commander": the object of the relative clause.
        clause = next((c for c in token.children if c.dep_ in {"relcl", "acl"}), None)
        if clause is not None:
            target = _first_child(clause, {"dobj"})
    return actor, target


def _perpetrator(token, context: Context):
    """Who carried out a noun trigger: "X carried out a strike", "a strike carried out by X",
    "X claimed (responsibility for) the attack", "X launched an offensive"."""
    # "a strike carried out by X"
    for clause in token.children:
        if clause.dep_ in {"acl", "relcl"} and context.has("perpetrate", clause.lower_):
            agent = _first_child(clause, {"agent"})
            if agent is not None:
                return _first_child(agent, {"pobj"})
    node = token
    # "responsibility for the attack", "claimed the attack"
    if node.dep_ == "pobj" and node.head.lower_ == "for" and node.head.head.lemma_ == "responsibility":
        node = node.head.head
    verb = node.head
    if node.dep_ in {"dobj", "nsubjpass"} and verb.pos_ in {"VERB", "AUX"} and not (
            context.has("reaction", verb.lower_) or context.has("reaction", verb.lemma_.lower())
            or verb.lemma_.lower() in SPEECH_LEMMAS):
        # "X carried out / staged / held / signed ...", not "X condemned the strike".
        if node.dep_ == "nsubjpass":
            agent = _first_child(verb, {"agent"})
            return _first_child(agent, {"pobj"}) if agent is not None else None
        subject = _first_child(verb, {"nsubj"})
        if subject is None and verb.dep_ in {"xcomp", "conj"}:
            subject = _first_child(verb.head, {"nsubj"})
        if subject is None and verb.dep_ in {"acl"} and verb.tag_ != "VBN":
            subject = verb.head
        return subject
    return None


def actor_type(span, context: Context) -> int | None:
    """ACLED's inter code of an actor phrase from its head words ("unidentified gunmen" → 3,
    "Israeli forces" → 1, "Protesters" → 6); ``None`` when the words do not tell."""
    if span is None:
        return None
    def code(t):
        return context.actor_types.get(t.lower_) or context.actor_types.get(t.lemma_.lower())

    words = [t for t in span if not t.is_punct]
    armed = {1, 2, 3, 4, 8}
    # "armed men" are a militia, "the Syrian army bus" the army's: an armed word wins
    for t in [span.root, *reversed(words)]:
        if code(t) in armed:
            return code(t)
    return next((code(t) for t in [span.root, *reversed(words)] if code(t)), None)




# --- modality ---------------------------------------------------------------------------------

def modality_of(token, context: Context | None = None) -> str:
    """Whether the sentence asserts the event: ``asserted``, ``negated`` ("did not attack",
    "No civilians were killed"), ``denied`` ("denied carrying out the strike"),
    ``hypothetical`` ("if", "whether", "could"), or ``future`` ("will attack", "threatened to
    strike", "vowed to resume attacks"). The nearest cue on the way from the trigger to the
    root of its sentence decides."""
    context = context or load_context()
    path = [token]
    while path[-1].head.i != path[-1].i and len(path) < 8 and path[-1].lower_ not in PAST_MARKERS \
            and not any(c.dep_ == "mark" and c.lower_ in PAST_MARKERS for c in path[-1].children):
        path.append(path[-1].head)  # "after a rocket landed": told as having happened
    for depth, node in enumerate(path):
        lemma = node.lemma_.lower()
        if depth > 0:
            if context.has("denied", lemma) or context.has("denied", node.lower_):
                return "denied"
            if node.pos_ == "VERB" and context.has("negated", lemma):
                return "negated"  # "suspending attacks"
            future_word = context.has("future", lemma) or context.has("future", node.lower_)
            if (future_word and node.pos_ in {"VERB", "ADJ", "NOUN"} and node.dep_ != "ROOT") or (
                    node.pos_ == "VERB" and lemma in PLANNING_VERBS):
                return "future"
            if context.has("hypothetical", lemma) and node.pos_ == "VERB":
                return "hypothetical"
        if any(c.dep_ == "advcl" and any(g.dep_ == "mark" and g.lower_ in {"if", "unless"} for g in c.children)
               for c in node.children):
            return "hypothetical"  # "would strike US bases if the talks failed"
        for child in node.children:
            word = child.lower_
            if child.dep_ == "neg" or (word == "never" and child.dep_ == "advmod"):
                return "negated"
            # "No civilians were (reported) killed" denies the killing, not the shelling it was in
            if (depth == 0 or (depth == 1 and lemma in {"report", "confirm"})) \
                    and child.dep_ in {"nsubj", "nsubjpass", "dobj"} and any(
                    c.dep_ == "det" and c.lower_ == "no" for c in child.children):
                return "negated"
            if child.dep_ == "det" and word == "no" and node is token:
                return "negated"
            if child.dep_ == "mark" and context.has("hypothetical", word):
                return "hypothetical"
            if child.dep_ in {"aux", "auxpass"}:
                if context.has("future", word):
                    return "future"
                if word == "would":
                    # reported future ("said strikes would be carried out") or a condition
                    reported = any(a.lemma_.lower() in SPEECH_LEMMAS for a in path[depth + 1:])
                    return "future" if reported else "hypothetical"
                if context.has("hypothetical", word):
                    return "hypothetical"
    return "asserted"


# --- places and dates --------------------------------------------------------------------------

def _place_role(root) -> bool:
    """Whether a place's head word sits after a locative preposition, possibly through "of"
    ("in the town of X", "on the outskirts of X") or as "X-based"."""
    node = root
    if root.dep_ in {"compound", "amod", "nmod"} and (root.head.lower_ in load_context().actor_types
                                                     or root.head.lemma_.lower() in load_context().actor_types):
        return False  # "at a US base", "Iraqi troops": whose, not where
    while node.dep_ in {"conj", "appos", "compound"} and node.head.i != node.i:
        node = node.head
    if node.dep_ == "pobj" and node.head.lower_ == "of" and (
            node.head.head.dep_ == "pobj" or node.head.head.lower_ in AREA_NOUNS):
        if node.head.head.lower_ in AREA_NOUNS:
            return True
        node = node.head.head
    if node.dep_ == "pobj" and node.head.lower_ in PLACE_PREPS:
        return True
    return node.dep_ == "pobj" and node.head.lower_ == "from" and node.head.head.lemma_ in DISTANCES


def _based(root) -> bool:
    """"Baghdad-based", "a Gaza-based group": the place is the group's base."""
    doc = root.doc
    nxt = doc[root.i + 1:root.i + 3]
    return len(nxt) == 2 and nxt[0].text == "-" and nxt[1].lower_ == "based"


def _location(token, places: list[tuple[dict, object]], dateline: dict | None,
              taken: list[tuple[int, int]], others: frozenset[int] = frozenset()) -> dict | None:
    """The place of an event (a mention dict) or ``None``.

    ``places`` are the sentence's place mentions with their spans; ``taken`` the character
    ranges of the actors (a place inside an actor, "Iraq's militias", is not the place);
    ``others`` the token indices of the sentence's other triggers: a place in another event's
    phrase ("authorised the strike ... to retaliate for the strike on Tower 22 in Jordan") is
    that event's.
    """
    def free(m):
        return not any(a <= m["start_char"] < b for a, b in taken)

    def own(root):
        owner = next((a.i for a in root.ancestors if a.i in others or a.i == token.i), None)
        if owner is None:  # no trigger governs the place: the nearest trigger has it
            owner = min([token.i, *others], key=lambda i: abs(i - root.i))
        return owner == token.i

    candidates = [(m, s) for m, s in places if free(m) and s is not None and own(s.root)]
    for m, span in candidates:
        if _place_role(span.root):
            return m
    for m, span in candidates:
        carrier = span.root
        while carrier.dep_ in {"compound", "det", "amod", "nmod"} and carrier.head.i != carrier.i:
            carrier = carrier.head
        # a facility or region named as a subject is an actor the model mislabelled
        if m["label"] in {"LOC", "FAC"} and not m.get("metonymy") and carrier.dep_ not in SUBJECT_ROLES:
            return m
    for m, span in places:  # "a Baghdad-based militia": inside the actor, and still the place
        if span is not None and _based(span[-1]):
            return m
    # A proper noun after "in", "near", ... that the model did not tag a place ("near Qandil")
    sent = token.sent
    # (the small model often tags an unknown town an organisation or a nationality; a name
    # from the gazetteer is an actor, not a town)
    for t in sent:
        if t.dep_ == "pobj" and t.lower_ in AREA_NOUNS:  # "in Daraa city"
            t = next((c for c in t.children if c.dep_ == "compound" and c.pos_ == "PROPN"), t)
        head = t.head if t.dep_ == "pobj" else t.head.head
        if head.lower_ == "of" and head.head.lower_ in AREA_NOUNS:  # "the border town of Tel Abyad"
            head = head.head.head if head.head.dep_ == "pobj" else head
        if t.pos_ == "PROPN" and head.lower_ in PLACE_PREPS - {"on", "at"} \
                and t.ent_type_ not in {"PERSON", "DATE", "TIME"} and not t.ent_id_ \
                and not any(a <= t.idx < b for a, b in taken) and own(t):
            span = t.doc[min(c.i for c in t.subtree if c.dep_ in {"compound"} or c.i == t.i):t.i + 1]
            return {"text": span.text, "start_char": span.start_char, "end_char": span.end_char, "label": "GPE"}
    return dateline


def _is_facility(span) -> bool:
    """A named place that was hit ("Tower 22", "Ain al-Asad air base"), not an actor."""
    root = span.root
    if root.lemma_.lower() in FACILITY_WORDS and any(t.pos_ == "PROPN" or t.like_num for t in span):
        return True  # "Outpost 9", "Ain al-Asad air base"
    return root.ent_type_ in {"FAC", "LOC"} or (
        any(t.pos_ == "PROPN" for t in span) and any(t.like_num for t in span)
        and not any(t.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"} for t in span))


# "BAGHDAD (Reuters) - ", "Mosul, Iraq — ": a place, an optional country and agency, a dash.
DATELINE = re.compile(r"\s*([A-Z][\w'.\- ]{1,40}?)(?:,\s*[A-Z][\w.\- ]{1,30})?\s*"
                      r"(?:\([^)]{1,40}\)\s*)?[-\u2013\u2014:]\s")


def _dateline(doc, mentions: list[dict], text: str) -> dict | None:
    """The place of a dateline ("BAGHDAD (Reuters) -", "Mosul, Iraq —"), if the text opens
    with one."""
    head = text[:120]
    match = DATELINE.match(head)
    if not match:
        return None
    end = match.end(1)
    for m in mentions:
        if m["start_char"] >= end:
            break
        if m["label"] in PLACE_LABELS:
            return m
    name = match.group(1).strip()
    if name.isupper() and len(name) > 2:  # a capitalised dateline the model did not tag
        start = text.index(name)
        return {"start_char": start, "end_char": start + len(name), "text": name.title(), "label": "GPE"}
    return None


def _starts_range(date: dict, text: str) -> bool:
    """"since early July", "from May": the start of a span, not the date of an event."""
    if date.get("range_start") or date.get("type") == "DURATION":
        return True
    before = text[max(0, date["start_char"] - 8):date["start_char"]].lower()
    return bool(re.search(r"\b(?:since|from|until|till)\s+$", before)) or bool(
        re.match(r"(?:since|from|until)\b", (date.get("text") or "").lower()))


def best_date(sentence_dates: list[dict], text: str) -> dict | None:
    """The most specific resolved date of a sentence that is not the start of a range; on a
    tie, the first. ``None`` when there is none."""
    usable = [d for d in sentence_dates if d.get("start_date") is not None and not _starts_range(d, text)]
    if not usable:
        return None
    return min(usable, key=lambda d: ((d.get("end_date") or d["start_date"]) - d["start_date"]).days)


def _precision(date: dict) -> str:
    if date.get("precision") in {"day", "week", "month", "year"}:
        return date["precision"]
    width = ((date.get("end_date") or date["start_date"]) - date["start_date"]).days
    return "day" if width == 0 else "week" if width <= 7 else "month" if width <= 31 else "year"


# --- ACLED type ---------------------------------------------------------------------------------

def classify(trigger: Trigger, sentence_words: set[str], actor2_inter: int | None,
             context: Context, actor1_inter: int | None = None) -> tuple[str | None, str | None]:
    """ACLED ``(event_type, sub_event_type)`` of a trigger in its sentence.

    A generic attack or killing becomes remote violence when a weapon family is named ("a
    roadside bomb", "drones"), a battle when it hits an armed actor and violence against
    civilians when it hits civilians; a protest becomes "with intervention" when police
    dispersed it and a riot when protesters threw stones or burned.
    """
    event_type, sub_type = trigger.event_type, trigger.sub_event_type
    if actor1_inter in {5, 6} and (event_type in {"Battles", "Violence against civilians"}
                                   or trigger.label == "property destruction"):
        return "Riots", "Violent demonstration"  # "protesters stormed the council building"
    if trigger.label in GENERIC_VIOLENCE | {"killing"} and actor2_inter == 6:
        return "Protests", "Excessive force against protesters"
    if trigger.label in GENERIC_VIOLENCE:
        for cue, weapon_sub in WEAPON_SUBTYPES.items():
            if sentence_words & context.cues.get(cue, frozenset()):
                return "Explosions/Remote violence", weapon_sub
        if actor2_inter in {1, 2, 3, 4, 8}:
            return "Battles", "Armed clash"
        if actor2_inter in {5, 6, 7}:
            return "Violence against civilians", sub_type if event_type == "Violence against civilians" else "Attack"
    if event_type == "Protests":
        if sentence_words & context.cues.get("riot", frozenset()):
            return "Riots", "Violent demonstration"
        if sentence_words & {"killed", "killing", "shot"}:
            return "Protests", "Excessive force against protesters"
        if sentence_words & context.cues.get("intervention", frozenset()):
            return "Protests", "Protest with intervention"
    return event_type, sub_type


# --- the extractor ------------------------------------------------------------------------------

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


def by_sentence(records, sentence_starts: list[int]) -> dict[int, list]:
    """Records (dicts with ``start_char``) grouped by the sentence they start in.

    ``sentence_starts`` are the sentences' first characters, ascending. One pass over the
    records: the work grows with their number, not with records × sentences.
    """
    grouped: dict[int, list] = defaultdict(list)
    for record in records:
        grouped[bisect.bisect_right(sentence_starts, record["start_char"]) - 1].append(record)
    return grouped


@dataclasses.dataclass(frozen=True)
class Event(Record):
    """One event of a document, in ACLED's scheme, with the offsets of what names its actors,
    place and date (see :func:`extract`)."""

    sentence: str
    start_char: int  # of the sentence
    label: str  # Newsdesk's finer label
    event_type: str | None  # ACLED's; None for statements and threats
    sub_event_type: str | None
    modality: str  # one of vocab.MODALITIES
    trigger: str
    actor1_text: str | None
    actor1_start: int | None
    actor1_end: int | None
    actor1_type: int | None  # ACLED inter code
    actor2_text: str | None
    actor2_start: int | None
    actor2_end: int | None
    actor2_type: int | None
    location_text: str | None
    location_start: int | None
    location_end: int | None
    event_date: dt.date | None
    date_text: str | None
    date_start: int | None
    date_end: int | None
    date_precision: str | None
    date_range_start: str | None  # a range start in the sentence that is not the event's date ("since early July")
    fatalities: int | None
    count: int | None


FIELDS = tuple(field.name for field in dataclasses.fields(Event))


def extract(doc, mentions: list[dict], dates: list[dict], triggers: list[Trigger] | dict,
            *, published: dt.date | None = None) -> list[Event]:
    """The :class:`Event` records of a parsed Doc, one per event.

    ``mentions`` and ``dates`` are this document's records (dicts with character offsets:
    mentions with ``label`` and ``metonymy``; dates with ``start_date``, ``end_date``,
    ``precision``, ``text`` and, when present, ``anchor``, ``range_start``, ``type``);
    ``triggers`` is the lexicon or its index; ``published`` (else the dates' ``anchor``) dates
    events whose sentence has no date, at week precision. Returns dicts with: sentence,
    start_char (of the sentence), label, event_type, sub_event_type (ACLED's; ``None`` for
    statements and threats), modality, trigger (lemma), actor1/actor2 ``_text``, ``_start``,
    ``_end`` (character offsets of the phrase as written) and ``_type`` (ACLED inter code or
    ``None``), location_text/_start/_end, event_date, date_text, date_start/_end,
    date_precision (day/week/month/year), fatalities (people killed, ``None`` when not told)
    and count (attacks counted, "over 160 attacks" → 160).
    """
    context = load_context()
    # records may be dicts or (after the analysis refactor) frozen dataclasses
    mentions = [_as_dict(m) for m in mentions]
    dates = [_as_dict(d) for d in dates]
    index = index_triggers(triggers) if not isinstance(triggers, dict) else triggers
    trigger_lemmas = frozenset(lemma for lemma, _ in index)
    text = doc.text
    if published is None:
        published = next((d.get("anchor") for d in dates if d.get("anchor") is not None), None)
    sentences = list(doc.sents)
    starts = [sent.start for sent in sentences]
    char_starts = [sent.start_char for sent in sentences]
    found_by_sentence: dict[int, list] = {}
    for i in _trigger_candidates(doc, index):
        token = doc[i]
        trigger = match_trigger(token, index)
        if trigger is not None:
            found_by_sentence.setdefault(bisect.bisect_right(starts, i) - 1, []).append((token, trigger))
    if not found_by_sentence:
        return []
    mentions = sorted(mentions, key=lambda m: m["start_char"])
    mentions_at = by_sentence(mentions, char_starts)
    dates_at = by_sentence(dates, char_starts)
    ents = _Entities(doc)
    dateline = _dateline(doc, mentions, text)
    seen_places: set[str] = set()  # places of earlier events, folded
    records = []
    for number, found in sorted(found_by_sentence.items()):
        sent = sentences[number]
        words = {t.lower_ for t in sent} | {f"{a.lower_} {b.lower_}" for a, b in zip(sent, sent[1:], strict=False)}
        violent_context = bool(words & (context.cues.get("violent", frozenset()) | _weapon_words(context)))
        places = [(m, doc.char_span(m["start_char"], m["end_char"], alignment_mode="expand"))
                  for m in mentions_at.get(number, []) if m["label"] in PLACE_LABELS]
        date = best_date(dates_at.get(number, []), text)
        range_start = next((d for d in dates_at.get(number, []) if d.get("start_date") is not None
                            and _starts_range(d, text)), None)
        fatalities = fatalities_in(sent, context)
        sentence_text = sent.text.strip()
        candidates = []
        for token, trigger in found:
            if trigger.violent and not violent_context and not _named_incident(token, context):
                # "attacked the reform", "a strike at the heart of the plan": words, not violence
                trigger = Trigger(trigger.lemma, trigger.pos, "statement", None, None, frozenset())
            actor1, actor2 = actors_of(token, ents, context)
            if actor1 is not None and trigger.label in SYMMETRIC:
                # "Washington and Baghdad will restart talks": the parties are both subjects
                actor2 = next((c for c in actor1.children if c.dep_ == "conj"), actor2)
            if _hit_a_mine(token, context):
                # "their patrol struck a landmine": the patrol was hit, nobody named laid it
                actor1, actor2 = None, _subject_of_mine_verb(token)
            if actor1 is not None and not _is_actor(actor1, context, trigger_lemmas):
                actor1 = _owner(actor1, context)  # "Turkish drones struck": Turkey's
            actor1 = actor1 if _is_actor(actor1, context, trigger_lemmas) else None
            if actor2 is not None and not _is_actor(actor2, context, trigger_lemmas):
                # "fired live rounds at protesters": the rounds are the means, the protesters the target
                actor2 = _antecedent(_prep_object(token, TARGET_PREPS), ents) if actor2.dep_ == "dobj" else None
            actor2 = actor2 if _is_actor(actor2, context, trigger_lemmas) else None
            if actor2 is None and token.pos_ == "NOUN":
                # "the Jordan attack and the over 160 attacks on US forces": one target
                sibling = next((c for c in [*token.children, token.head] if c.dep_ == "conj" or
                                (token.dep_ == "conj" and c.i == token.head.i)), None)
                if sibling is not None and sibling.lemma_ == token.lemma_:
                    found_target = _prep_object(sibling, TARGET_PREPS)
                    actor2 = found_target if _is_actor(found_target, context, trigger_lemmas) else None
            named_place = None
            if actor1 is not None and actor1.dep_ in {"compound", "nmod"} and actor1.head.i == token.i \
                    and actor1.ent_type_ in PLACE_LABELS and _fold(actor1.text) in seen_places:
                # "the Jordan attack" after "a strike on Tower 22 in Jordan": a place, not an actor
                named_place = next((m for m, s in places if s is not None and s.start <= actor1.i < s.end), None)
                actor1 = None
            actor1_span = _span_of(actor1) if actor1 is not None else None
            actor2_span = _span_of(actor2) if actor2 is not None else None
            facility = None
            if actor2_span is not None and _is_facility(actor2_span):
                # "the drone strike on Tower 22": a facility hit is the place, not an actor
                facility = next((m for m, s in places if s is not None and s.start <= actor2_span.root.i < s.end),
                                None) or {"text": actor2_span.text, "start_char": actor2_span.start_char,
                                          "end_char": actor2_span.end_char, "label": "FAC"}
                actor2_span = None
            taken = [(s.start_char, s.end_char) for s in (actor1_span, actor2_span) if s is not None]
            # the other events of the sentence, save those inside this one's phrase ("arrested
            # ... during raids in Nablus") and its own kind ("signed an agreement in Baghdad")
            others = frozenset(t.i for t, tr in found if t.i != token.i and tr.label != trigger.label
                               and tr.label not in CONSEQUENCES | STATEMENT_LABELS
                               and not token.is_ancestor(t))
            location = named_place or _location(token, places, None, taken, others) or facility or dateline
            if location is not None and location is not dateline:
                seen_places.add(_fold(location["text"]))
            inter1, inter2 = actor_type(actor1_span, context), actor_type(actor2_span, context)
            if inter1 is None and actor1_span is not None and actor1_span.root.ent_type_ in {"NORP", "GPE"} \
                    and trigger.event_type in {"Battles", "Explosions/Remote violence", "Violence against civilians"}:
                inter1 = 1  # "an Israeli air strike", "a US drone strike": a state's forces
            event_type, sub_type = classify(trigger, words, inter2, context, inter1)
            if event_type in {"Protests", "Riots"} and inter2 is None and not (
                    actor2_span is not None and actor2_span.root.ent_type_ in NAMED_LABELS):
                actor2_span = None  # "protested against the dress code": a topic, not an actor
            if event_type == "Protests" and inter2 == 6 and sub_type != "Excessive force against protesters":
                # "police dispersed protesters": the protesters are actor1 (ACLED puts the force
                # first only when it is excessive)
                actor1_span, actor2_span, inter1, inter2 = actor2_span, actor1_span, inter2, inter1
            if actor1_span is None and event_type == "Explosions/Remote violence" and sub_type != "Air/drone strike":
                inter1 = 3  # a bomb or a rocket nobody claimed: an unidentified armed group
            if event_type == "Protests" and sub_type != "Excessive force against protesters":
                inter1 = 6
            elif event_type == "Riots":
                inter1 = 5
            modality = modality_of(token, context)
            violent = event_type in {"Battles", "Explosions/Remote violence", "Violence against civilians"}
            candidates.append({
                "_token": token.i, "_head": token.head.i if token.dep_ != "conj" else token.i,
                "sentence": sentence_text, "start_char": sent.start_char,
                "label": trigger.label, "event_type": event_type, "sub_event_type": sub_type,
                "modality": modality, "trigger": token.lemma_.lower(),
                "actor1_text": actor1_span.text if actor1_span else None,
                "actor1_start": actor1_span.start_char if actor1_span else None,
                "actor1_end": actor1_span.end_char if actor1_span else None,
                "actor1_type": inter1,
                "actor2_text": actor2_span.text if actor2_span else None,
                "actor2_start": actor2_span.start_char if actor2_span else None,
                "actor2_end": actor2_span.end_char if actor2_span else None,
                "actor2_type": inter2,
                "location_text": location["text"] if location else None,
                "location_start": location["start_char"] if location else None,
                "location_end": location["end_char"] if location else None,
                "event_date": date["start_date"] if date else published,
                "date_text": date.get("text") if date else None,
                "date_start": date["start_char"] if date else None,
                "date_end": date["end_char"] if date else None,
                "date_precision": _precision(date) if date else ("week" if published else None),
                "date_range_start": range_start.get("text") if range_start else None,
                "fatalities": fatalities if violent and modality == "asserted" else None,
                "count": number_of(token),
                # "the strike", "the attack" with nothing of its own: an event told before
                "_governors": frozenset(a.i for a in token.ancestors),
                "_anaphor": token.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ in {"the", "this", "that"}
                                                        for c in token.children),
            })
        records += distinct_events(candidates)
    return [Event(**record) for record in merge_document_events(records)]


def _named_incident(token, context: Context) -> bool:
    """"the Tower 22 attack", "the Jordan attack": an attack named by its place happened;
    "the group carried out the attack": so did one that someone carried out."""
    if token.dep_ in {"dobj", "nsubjpass"} and context.has("perpetrate", token.head.lemma_.lower()) \
            and token.head.lemma_.lower() not in {"call", "make", "go", "hold", "reach", "sign"}:
        return True
    return token.pos_ == "NOUN" and any(c.dep_ in {"compound", "nmod"} and (
        c.ent_type_ in PLACE_LABELS or c.pos_ == "PROPN") for c in token.children)


MINE_VERBS = {"strike", "hit", "step", "drive", "run"}


def _hit_a_mine(token, context: Context) -> bool:
    """"struck a landmine", "a vehicle hit an IED": the verb's subject is the victim."""
    explosive = context.cues.get("explosive", frozenset()) | {"mine", "bomb", "device"}
    if token.pos_ == "VERB":
        obj = _first_child(token, {"dobj"}) or _prep_object(token, {"on", "over"})
        return token.lemma_.lower() in MINE_VERBS and obj is not None and obj.lemma_.lower() in explosive
    verb = token.head
    return token.lemma_.lower() in explosive and token.dep_ in {"dobj", "pobj"} and (
        verb.lemma_.lower() in MINE_VERBS or verb.head.lemma_.lower() in MINE_VERBS)


def _subject_of_mine_verb(token):
    verb = token if token.pos_ == "VERB" else (token.head if token.dep_ == "dobj" else token.head.head)
    return _first_child(verb, {"nsubj"})


def _as_dict(record) -> dict:
    return record if isinstance(record, dict) else record.as_dict()


def _weapon_words(context: Context) -> frozenset[str]:
    return frozenset().union(*(context.cues.get(cue, frozenset()) for cue in WEAPON_SUBTYPES))


def distinct_events(candidates: list[dict]) -> list[dict]:
    """The events of one sentence without repeats.

    Statements and threats stand only when nothing else happens in the sentence; a killing
    is the outcome of another violent event of the sentence, not an event of its own ("a
    drone strike that killed a commander"). Several triggers of one label may describe one
    event ("signed a ceasefire agreement") or several ("the Jordan attack and the over 160
    attacks"): a trigger that another of its label governs is dropped; of the rest, the
    records that say something (an actor or a count) are kept, each distinct one once; a
    label whose records say nothing keeps its first.
    """
    if any(c["event_type"] == "Protests" for c in candidates):
        # "fired tear gas at women protesting": the force is how the protest was met
        candidates = [c for c in candidates if c["label"] not in GENERIC_VIOLENCE | CONSEQUENCES
                      or c["event_type"] in {"Explosions/Remote violence", "Protests"}]
    if any(c["label"] == "arrest" for c in candidates):
        # "raided the town and arrested four men": the raid is how the arrests were made
        candidates = [c for c in candidates if not (c["label"] == "attack" and c["trigger"] == "raid")]
    if any(c["label"] not in STATEMENT_LABELS for c in candidates):
        candidates = [c for c in candidates if c["label"] != "statement"]
    violent = [c for c in candidates if c["label"] not in CONSEQUENCES and c["event_type"] in
               {"Battles", "Explosions/Remote violence", "Violence against civilians"}]
    if violent:
        for c in candidates:
            if c["label"] in CONSEQUENCES:
                # the victims of the killing are the targets of the event that caused it: the
                # violent event that governs it ("the strike on X, which wounded ..."), else all
                governing = [v for v in violent if v["_token"] in c["_governors"]] or violent
                for v in governing:
                    if v["actor2_text"] is None and c["actor2_text"] is not None:
                        v.update({k: c[k] for k in ("actor2_text", "actor2_start", "actor2_end", "actor2_type")})
                        if v["label"] in GENERIC_VIOLENCE and v["event_type"] == "Battles":
                            # "stormed a hotel, killing 12 people": the victims say who was attacked
                            if c["actor2_type"] == 7:
                                v.update(event_type="Violence against civilians", sub_event_type="Attack")
                            elif c["actor2_type"] == 6:
                                v.update(event_type="Protests", sub_event_type="Excessive force against protesters")
                    if v["actor1_text"] is None and c["actor1_text"] is not None:
                        v.update({k: c[k] for k in ("actor1_text", "actor1_start", "actor1_end", "actor1_type")})
        candidates = [c for c in candidates if c["label"] not in CONSEQUENCES]
    kept, seen = [], set()
    for label in dict.fromkeys(c["label"] for c in candidates):
        same = [c for c in candidates if c["label"] == label]
        # A trigger governed by another of its label is the same event ("signed an agreement");
        # coordinated triggers ("attacked ... and later attacked") are not governed.
        governing = {c["_token"] for c in same}
        same = [c for c in same if c["_head"] not in governing or c["_head"] == c["_token"]]
        telling = [c for c in same if c["actor1_text"] or c["actor2_text"] or c["count"] is not None] or same[:1]
        for record in telling:
            # "struck a landmine": the strike and the landmine are one IED event
            key = (record["event_type"] or label, record["sub_event_type"], record["actor1_text"],
                   record["actor2_text"], record["location_text"], record["count"], record["modality"])
            if key not in seen:
                seen.add(key)
                kept.append({k: v for k, v in record.items() if not k.startswith("_") or k == "_anaphor"})
    return kept


# --- one row per event ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)  # grouping compares the same names again and again
def _fold(text: str | None) -> str | None:
    if text is None:
        return None
    folded = entities.fold(re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I))
    return re.sub(r"\s*'s$", "", folded)


@functools.lru_cache(maxsize=1 << 16)
def _words(folded: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", folded))


def compatible(a: str | None, b: str | None) -> bool:
    """Whether two actor or place values can name the same thing: equal once folded, one
    inside the other ("Kataib Hezbollah" / "Iraq's Kataib Hezbollah"), or one unknown."""
    if a is None or b is None:
        return True
    fa, fb = _fold(a), _fold(b)
    if fa == fb:
        return True
    wa, wb = _words(fa), _words(fb)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def _same_event(a: dict, b: dict, keys=("actor1", "actor2", "location")) -> bool:
    return all(compatible(a.get(key), b.get(key)) for key in keys)


def _agree_on_something(a: dict, b: dict) -> bool:
    return any(a.get(k) is not None and b.get(k) is not None and compatible(a[k], b[k])
               for k in ("actor1", "actor2", "location"))


def _actors_view(record: dict) -> dict:
    return {"actor1": record["actor1_text"], "actor2": record["actor2_text"],
            "location": record["location_text"]}


def _dates_agree(a: dict, b: dict) -> bool:
    """Equal dates, or one of the two only stands in for the publication date."""
    return a["event_date"] == b["event_date"] or a["date_text"] is None or b["date_text"] is None


def merge_document_events(records: list[dict]) -> list[dict]:
    """One record per event of a document.

    Records from different sentences that share ACLED type, sub-type and modality, whose
    dates agree (:func:`_dates_agree`), whose actors and place are compatible
    (:func:`compatible`) and who name at least one of them alike, are one event told twice (a
    headline and its lead); a killing or a bare "attack" told apart ("when it killed the
    commander", "condemned the US strike") joins the violent event it agrees with. The
    first keeps its sentence and takes what the others add (a missing actor or place, the
    larger fatality count). "The attack" or "the strike" with no actor or place of its own,
    after a violent event, is that event again and is dropped. Each record is compared with
    at most the last 20 kept events of its kind, so the work stays linear.
    """
    kept: list[dict] = []
    buckets: dict[tuple, list[dict]] = defaultdict(list)
    violent: list[dict] = []
    for record in records:
        anaphor = record.pop("_anaphor", False)
        if anaphor and record["label"] in GENERIC_VIOLENCE and record["modality"] == "asserted" and violent \
                and not any(record[f"{r}_text"] for r in ("actor1", "actor2", "location")):
            continue  # "Baghdad condemned the strike": the strike told before
        if record["label"] in STATEMENT_LABELS or record["event_type"] is None:
            kept.append(record)
            continue
        key = (record["event_type"], record["sub_event_type"], record["modality"])
        pool = buckets[key][-20:]
        if record["label"] in CONSEQUENCES | GENERIC_VIOLENCE and record["modality"] == "asserted":
            pool = pool + violent[-20:]
        view = _actors_view(record)
        matches = [k for k in reversed(pool) if k["start_char"] != record["start_char"]
                   and _dates_agree(k, record) and _same_event(_actors_view(k), view)]
        # one that names the same actor or place beats one that merely does not contradict
        agreeing = [k for k in matches if _agree_on_something(_actors_view(k), view)]
        twin = (agreeing or [None])[0]
        if twin is None:
            buckets[key].append(record)
            kept.append(record)
            if record["event_type"] in {"Battles", "Explosions/Remote violence"} and record["modality"] == "asserted":
                violent.append(record)
            continue
        for role in ("actor1", "actor2", "location"):
            if twin[f"{role}_text"] is None and record[f"{role}_text"] is not None:
                for suffix in ("_text", "_start", "_end") + (("_type",) if role != "location" else ()):
                    twin[role + suffix] = record[role + suffix]
        if twin["date_text"] is None and record["date_text"] is not None:
            for field in ("event_date", "date_text", "date_start", "date_end", "date_precision", "date_range_start"):
                twin[field] = record[field]
        for number in ("fatalities", "count"):
            if record[number] is not None and (twin[number] is None or record[number] > twin[number]):
                twin[number] = record[number]
    return kept


# How far apart (in days) two reports of one event may date it: outlets date an event by the
# day they report it when the text gives no date, usually within two days of it.
WINDOW_DAYS = 3


def group_reports(rows: list[dict], window_days: int = WINDOW_DAYS) -> list[dict]:
    """Reports of the same event across documents, grouped.

    ``rows`` are assembled event rows (dicts with doc_id, start_char, label, event_type,
    sub_event_type, modality, actor1, actor2, location and event_date). Two rows report one
    event when they share label, ACLED type and modality, their actors and place are
    compatible (:func:`compatible`), they agree on at least one of them, and their dates are at
    most ``window_days`` apart. Statements and threats are never grouped. Returns the rows, in
    their order, each with ``event_id`` (the same for every report of one event),
    ``n_reports`` and ``report_docs`` (the reporting documents, sorted). Pure: the input is not
    modified.
    """
    rows = [dict(r) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: (rows[i].get("event_date") or dt.date.min,
                                                    rows[i]["doc_id"], rows[i].get("start_char") or 0))
    groups: list[list[int]] = []
    open_groups: dict[tuple, list[int]] = defaultdict(list)  # group numbers still in the window
    members_of: dict[int, dict] = {}  # group number → what the group knows
    for i in order:
        row = rows[i]
        if row.get("label") in STATEMENT_LABELS or row.get("event_type") is None:
            groups.append([i])
            continue
        key = (row.get("label"), row.get("event_type"), row.get("sub_event_type"), row.get("modality"))
        date = row.get("event_date")
        match = None
        still_open = []
        for g in open_groups[key]:
            known = members_of[g]
            last = known["last_date"]
            if date is not None and last is not None and (date - last).days > window_days:
                continue  # closed for good: rows come in date order
            still_open.append(g)
            if match is None and _same_event(known, row) and _agree_on_something(known, row) \
                    and row["doc_id"] not in known["docs"]:
                match = g
        open_groups[key] = still_open
        if match is None:
            groups.append([i])
            g = len(groups) - 1
            members_of[g] = {"actor1": row.get("actor1"), "actor2": row.get("actor2"),
                             "location": row.get("location"), "last_date": date, "docs": {row["doc_id"]}}
            open_groups[key].append(g)
        else:
            groups[match].append(i)
            known = members_of[match]
            for k in ("actor1", "actor2", "location"):
                known[k] = known[k] if known[k] is not None else row.get(k)
            known["last_date"] = date or known["last_date"]
            known["docs"].add(row["doc_id"])
    for members in groups:
        first = rows[members[0]]
        seed = f"{first['doc_id']}\0{first.get('start_char')}\0{first.get('label')}\0{first.get('trigger')}"
        event_id = "ev-" + hashlib.sha1(seed.encode()).hexdigest()[:12]
        docs = sorted({rows[i]["doc_id"] for i in members})
        for i in members:
            rows[i].update(event_id=event_id, n_reports=len(members), report_docs=docs)
    return rows
