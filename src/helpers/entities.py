"""Canonical entities: the gazetteer as an entity ruler, folding, aliases, variants, metonymy.

The gazetteer lives in ``data/gazetteer/`` as CSV that researchers edit: every ``*.csv`` there
except ``metonymy.csv`` and ``aliases_exclude.csv`` is a table of actors (``entity_id, name,
label, aliases, actor_type, country``; aliases are ``|``-separated). ``metonymy.csv`` maps a
place acting as a subject ("Washington said") to the government it stands for;
``aliases_exclude.csv`` (``form, entity_id``) lists merges never to make.

Resolution of a mention, in order: the ruler's gazetteer id; the folded form in the alias table
(case, diacritics, apostrophes, possessives and titles folded away; the title's gender is kept
as evidence); a metonymy rule (a place as the subject of a verb of speech or decision); a short
name resolved within its document (done in :func:`doc_mentions`); across the corpus, one label
class per name by majority vote, spelling variants (rapidfuzz ``threshold`` plus
:func:`variants_compatible`) and one-word person names joined to the one dominant full name with
that surname (:class:`Resolver`); else a new id ``label:slug``. The :class:`Resolver` records
every merge with its rule and score.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from spacy.language import Language
from spacy.tokens import Span

from . import lexicons, paths
from .records import Record
from .vocab import ACTOR_LABELS, NAME_LABELS, PLACE_LABELS, SHORT_NAME_LABELS

METONYMY_FILE = "metonymy.csv"
EXCLUDE_FILE = "aliases_exclude.csv"
# Fuzzy matching needs names at least this long (folded characters): "briton" / "brixton" differ
# by one letter but are different things.
FUZZY_MIN_CHARS = 8
# Syntactic roles in which a place acts as an agent (and so means its government).
AGENT_ROLES = {"nsubj", "nsubjpass", "agent"}
APOSTROPHES = "'\u2019\u2018\u02bc\u02bb`\u00b4"


# --- folding --------------------------------------------------------------------------------

def load_titles() -> list[str]:
    """Titles and honorifics that precede names, longest first (``data/lexicons/titles.txt``)."""
    return sorted(set(lexicons.words(lexicons.TITLES)), key=len, reverse=True)


_TITLE_RE: re.Pattern | None = None


def _title_re() -> re.Pattern:
    global _TITLE_RE
    if _TITLE_RE is None:
        titles = [fold_chars(t) for t in load_titles()]
        alternatives = "|".join(re.escape(t) for t in titles if t)
        _TITLE_RE = re.compile(rf"^(?:(?:{alternatives})\s+)+" if alternatives else r"^(?!x)x")
    return _TITLE_RE


def fold_chars(text: str) -> str:
    """Lowercase, strip diacritics, drop apostrophes, hyphens and dots → spaces, squeeze."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(f"[{APOSTROPHES}]", "", text)
    text = re.sub(r"[-\u2010-\u2015_/.,]", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The matching key of a name: ``"President Joe Biden's"`` → ``"joe biden"``.

    Folds case, diacritics and apostrophes, and strips a leading "the", possessives and titles.
    """
    text = re.sub(rf"[{APOSTROPHES}]s?$", "", text.strip())
    key = fold_chars(text)
    key = re.sub(r"^the\s+", "", key)
    stripped = _title_re().sub("", key).strip()
    if stripped.split()[:1] in (["of"], ["for"]):  # "Prince of Wales" is a title, not a name
        return key
    return stripped or key


def slug(text: str) -> str:
    """A readable id part: ``"Abu Hamza al-Tamimi"`` → ``"abu-hamza-al-tamimi"``."""
    return re.sub(r"[^a-z0-9]+", "-", fold_chars(text)).strip("-") or "x"


# --- the gazetteer ----------------------------------------------------------------------------

@dataclass
class Gazetteer:
    """Actors (one row per entity) and metonymy rules (place → entity_id)."""

    actors: pd.DataFrame
    metonymy: dict[str, str] = field(default_factory=dict)
    # (folded form, entity_id) pairs that must never be merged (``aliases_exclude.csv``).
    exclude: set[tuple[str, str]] = field(default_factory=set)
    _by_id: dict | None = field(default=None, repr=False)

    def alias_table(self) -> dict[str, str]:
        """Folded name or alias → entity_id (the first row wins on a clash)."""
        table: dict[str, str] = {}
        for row in self.actors.itertuples():
            for form in [row.name, *row.aliases]:
                table.setdefault(fold(form), row.entity_id)
        return table

    def info(self, entity_id: str) -> dict | None:
        """The gazetteer row of ``entity_id`` as a dict (missing values as ``None``), or ``None``."""
        if self._by_id is None:
            self._by_id = {row["entity_id"]: {k: (None if not isinstance(v, list) and pd.isna(v)
                                                  else v) for k, v in row.items()}
                           for row in self.actors.to_dict("records")}
        return self._by_id.get(entity_id)


def load_gazetteer(folder: Path = paths.GAZETTEER) -> Gazetteer:
    """Read every actor CSV, ``metonymy.csv`` and ``aliases_exclude.csv`` in ``folder``.

    Raises ``ValueError`` naming the file and row when a table lacks a column, an id repeats,
    or a metonymy rule points to an unknown entity.
    """
    folder = Path(folder)
    frames = []
    for path in sorted(folder.glob("*.csv")):
        if path.name in {METONYMY_FILE, EXCLUDE_FILE}:
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = {"entity_id", "name", "label"} - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        frames.append(frame.assign(file=path.name))
    if frames:
        actors = pd.concat(frames, ignore_index=True)
    else:
        actors = pd.DataFrame(columns=["entity_id", "name", "label", "aliases", "actor_type",
                                       "country", "file"])
    for column in ("aliases", "actor_type", "country"):
        if column not in actors:
            actors[column] = ""
    actors["entity_id"] = actors["entity_id"].str.strip()
    dupes = actors.loc[actors["entity_id"].duplicated(), "entity_id"].tolist()
    if dupes:
        raise ValueError(f"gazetteer: entity_id used twice: {dupes}")
    actors["label"] = actors["label"].str.strip().str.upper()
    actors["aliases"] = [[a.strip() for a in str(v).split("|") if a.strip()] for v in actors["aliases"]]
    for column in ("actor_type", "country"):
        actors[column] = actors[column].str.strip().replace("", None)
    metonymy = {}
    rules = folder / METONYMY_FILE
    if rules.exists():
        table = pd.read_csv(rules, dtype=str, keep_default_na=False)
        known = set(actors["entity_id"])
        for row in table.itertuples():
            if row.entity_id.strip() not in known:
                raise ValueError(f"{rules}: {row.place!r} points to unknown entity {row.entity_id!r}")
            metonymy[fold(row.place)] = row.entity_id.strip()
    exclude = set()
    undo = folder / EXCLUDE_FILE
    if undo.exists():
        table = pd.read_csv(undo, dtype=str, keep_default_na=False)
        missing = {"form", "entity_id"} - set(table.columns)
        if missing:
            raise ValueError(f"{undo}: missing columns {sorted(missing)}")
        exclude = {(fold(row.form), row.entity_id.strip()) for row in table.itertuples() if row.form.strip()}
    return Gazetteer(actors=actors, metonymy=metonymy, exclude=exclude)


def ruler_patterns(gazetteer: Gazetteer) -> list[dict]:
    """Entity-ruler patterns for every name and alias, with the entity id.

    Matching is exact on the token text (so "US" does not match "us"); each form is also
    given with curly and straight apostrophes, so the ruler works whether or not quotes were
    normalised. Metonymy places are not patterns: the model finds them as GPE.
    """
    patterns, seen = [], set()
    for row in gazetteer.actors.itertuples():
        for form in [row.name, *row.aliases]:
            for variant in {form, form.replace("'", "\u2019"), form.replace("\u2019", "'")}:
                if (variant, row.entity_id) not in seen:
                    seen.add((variant, row.entity_id))
                    patterns.append({"label": row.label, "pattern": variant, "id": row.entity_id})
    return patterns


def add_ruler(nlp, gazetteer: Gazetteer) -> None:
    """Put the gazetteer's entity ruler first: before ``ner``, so the model keeps its spans, and
    before the tagger and parser, which ``add_patterns`` would otherwise run on every pattern."""
    ruler = nlp.add_pipe("entity_ruler", first=True, config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(ruler_patterns(gazetteer))


# --- per document ----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def agency_forms() -> frozenset[str]:
    """Surface forms of verbs of speech and decision (``speech_cues.txt``,
    ``decision_verbs.txt``): a place right before one of them acts, in runs without a parse."""
    return lexicons.speech_forms() | lexicons.verb_forms(lexicons.decision_verbs())


@lru_cache(maxsize=1)
def agency_lemmas() -> frozenset[str]:
    """Lemmas of verbs of speech and decision (single words)."""
    return frozenset(w for w in lexicons.speech_cues() | lexicons.decision_verbs() if " " not in w)


def is_metonymy(ent, places: dict[str, str], ents: list | None = None) -> bool:
    """Whether a place mention acts as an agent ("Washington said", "Tehran warned").

    With a parse: the place (or a place it is coordinated with) is the subject of a verb of
    speech or decision (``speech_cues.txt``, ``decision_verbs.txt``), or the possessor of a
    decision ("Moscow's response"); a place as a modifier ("the London to Leeds express") or
    the subject of any other verb ("London hosted the games") stays a place. Without a parse
    (NER-only runs): the place is directly followed by such a verb, or by has/will/had and one.
    ``ents`` is the Doc's entity spans when the caller has them.
    """
    if ent.label_ not in PLACE_LABELS | {"ORG", "PERSON"} or fold(ent.text) not in places:
        return False
    doc, root = ent.doc, ent.root
    if doc.has_annotation("DEP"):
        while root.dep_ == "conj" and root.head != root:
            root = root.head
        if root.dep_ == "poss":
            return root.head.pos_ == "NOUN" and root.head.lemma_ in {"decision", "response",
                                                                     "position", "offer", "demand"}
        if root.dep_ not in AGENT_ROLES:
            return False
        verb = root.head
        if root.dep_ == "agent":  # "was rejected by Moscow"
            verb = verb.head
        # "Washington will resume talks": the auxiliary's head is the verb itself.
        return verb.lemma_.lower() in agency_lemmas() or verb.lower_ in agency_forms()
    forms = agency_forms()
    nxt = doc[ent.end] if ent.end < len(doc) else None
    if nxt is not None and nxt.lower_ in {"and", ","}:
        # "Washington and Baghdad said": look past the coordinated place.
        later = [e for e in (doc.ents if ents is None else ents) if e.start > ent.end][:1]
        nxt = doc[later[0].end] if later and later[0].end < len(doc) else None
    if nxt is not None and nxt.lower_ in {"has", "will", "had", "would"} and nxt.i + 1 < len(doc):
        nxt = doc[nxt.i + 1]
    return nxt is not None and nxt.lower_ in forms


# Nouns with which a report refers back to an organisation it has named ("the group said").
GROUP_NOUNS = {"group", "militia", "faction", "movement", "organisation", "organization", "alliance",
               "coalition", "outfit", "network", "brigade", "brigades", "party"}
SUBJECT_ROLES = {"nsubj", "nsubjpass"}


def is_group_description(span) -> bool:
    """Whether a phrase refers back to an organisation without naming it: "the group", "the
    armed faction", "this movement" (a definite determiner, at most two modifiers, a group
    noun not followed by "of", and no entity inside)."""
    words = [t for t in span if not (t.is_punct or t.is_space)]
    return (2 <= len(words) <= 4 and words[0].lower_ in {"the", "this", "that"}
            and words[-1].lower_ in GROUP_NOUNS and not any(t.ent_type_ for t in words)
            # "the group of protesters" says who it is
            and not any(c.dep_ == "prep" and c.lower_ == "of" for c in words[-1].children))


def referent(span, ents, labels: set[str]):
    """The entity a pronoun or description refers to, or ``None``.

    A name in apposition right after it ("the faction Dir' al-Rafidayn", "the group, Hamas,")
    wins; else the latest of ``ents`` (spans) with a label in ``labels`` that ends before
    ``span``, where an entity that was the subject of its clause wins over later ones that were
    not ("Kataib Hezbollah said ... near Baghdad ... The group added" is Kataib Hezbollah).
    """
    doc = span.doc
    after = span.end + (1 if span.end < len(doc) and doc[span.end].text == "," else 0)
    # The model often tags such a name a person; in apposition to a description it is the name.
    named = next((e for e in ents if e.start == after and e.label_ in labels | SHORT_NAME_LABELS), None)
    if named is not None:
        return named
    earlier = [e for e in ents if e.end_char <= span.start_char and e.label_ in labels]
    subjects = [e for e in earlier if e.root.dep_ in SUBJECT_ROLES]
    return (subjects or earlier or [None])[-1]


GLUE = re.compile(rf"[{APOSTROPHES}]?\s?")


def gazetteer_id(span) -> str | None:
    """The entity ruler's id on a span, or ``None``.

    Read from the first token: ``Span.ent_id_`` rescans the document's entities on every
    call, which made this the slowest step of a NER-only run.
    """
    return span[0].ent_id_ or None


def _transliterated(span) -> bool:
    """Whether a span's last word carries a transliteration mark ("Katai'ib", "Dir'")."""
    word = span[-1].text
    return any(ch in APOSTROPHES for ch in word[1:]) and not re.search(rf"[{APOSTROPHES}]s$", word)


def join_split_names(doc, text: str | None = None) -> list:
    """Join entity spans that a transliteration apostrophe split ("Dir'" + "al-Rafidayn").

    Two name spans (PERSON, ORG, NORP) separated only by an apostrophe and/or one space
    become one span when the apostrophe stands in the gap or in the first span's last word
    ("Katai'ib" + "Hezbollah"); ORG wins the label. The joined span has no gazetteer id: alias
    lookup and fuzzy matching decide what the whole name is. Then gazetteer names are widened
    (:func:`widen_gazetteer_tails`). Returns the Doc's entity spans as they now are.
    """
    merged, joined = [], []
    text = doc.text if text is None else text  # Doc.text joins every token on each access
    for ent in doc.ents:  # Doc.ents is rebuilt from the tokens on each access: read it once
        if merged:
            last = merged[-1]
            gap = text[last.end_char:ent.start_char]
            # Cheap tests first: most neighbours are far apart or not both names.
            if (last.label_ in NAME_LABELS and ent.label_ in NAME_LABELS and GLUE.fullmatch(gap)
                    and (any(ch in APOSTROPHES for ch in gap) or _transliterated(last))
                    and not gazetteer_id(last)):
                label = "ORG" if "ORG" in (last.label_, ent.label_) else last.label_
                merged[-1] = Span(doc, last.start, ent.end, label=label)
                joined.append(merged[-1])
                continue
        merged.append(ent)
    if joined:
        doc.ents = merged
        for span in joined:  # spaCy keeps a token's old id when the new span has none
            for token in span:
                token.ent_id_ = ""
    return widen_gazetteer_tails(doc, merged)


def _name_prefix(token, ent) -> bool:
    """Whether ``token`` (just before ``ent``) is an unknown word of the same name."""
    return (token.ent_iob_ == "O" and token.pos_ == "PROPN" and token.text[:1].isupper()
            and token.whitespace_ == " " and not _title_re().match(fold_chars(token.text) + " ")
            and (ent.start <= token.head.i < ent.end
                 or any(ch in APOSTROPHES for ch in token.text[1:-1])))


def widen_gazetteer_tails(doc, ents: list | None = None) -> list:
    """A gazetteer name that is only the tail of a longer name loses its id and takes the name.

    The ruler matches exact forms, so in a spelling variant such as "Katayib Hezbollah" it
    finds "Hezbollah", a different group. When capitalised proper-noun words outside any
    entity (not titles; compounds of the name or words with a transliteration apostrophe)
    stand right before a gazetteer name of a person, organisation or group, the span takes
    them and drops the id, so alias lookup and fuzzy matching decide what the whole name is.
    Likewise capitalised words of ``data/lexicons/institution_words.txt`` right after it
    ("Labour Ministry" is not the Labour Party): the span takes them and becomes an ORG.
    ``ents`` is the Doc's entity spans when the caller has them. Returns the spans as they now are.
    """
    ents, widened = list(doc.ents if ents is None else ents), []
    for index, ent in enumerate(ents):
        if not gazetteer_id(ent) or ent.label_ not in NAME_LABELS:
            continue
        start, end, label = ent.start, ent.end, ent.label_
        while start > 0 and _name_prefix(doc[start - 1], ent):
            start -= 1
        # "Labour Ministry", "Labour Minister": an institution's word after the name.
        while (end < len(doc) and doc[end].ent_iob_ != "I" and doc[end].text[:1].isupper()
               and fold_chars(doc[end].text) in institution_words()):
            end, label = end + 1, "ORG"
        if (start, end) != (ent.start, ent.end):
            ents[index] = Span(doc, start, end, label=label)
            widened.append(ents[index])
    if widened:
        # A widened span may now cover the start of the model's next entity: drop that one.
        kept, last_end = [], -1
        for span in sorted(ents, key=lambda e: (e.start, -e.end)):
            if span.start >= last_end:
                kept.append(span)
                last_end = span.end
        ents = kept
    if widened:
        doc.ents = ents
        for span in widened:  # spaCy keeps a token's old id when the new span has none
            for token in span:
                token.ent_id_ = ""
    return ents


@lru_cache(maxsize=1)
def institution_words() -> frozenset[str]:
    """Folded words that make a gazetteer name before them part of an institution's name
    (``data/lexicons/institution_words.txt``)."""
    return frozenset(fold_chars(word) for word in lexicons.words(lexicons.INSTITUTION_WORDS))


@lru_cache(maxsize=1)
def organisation_words() -> frozenset[str]:
    """Folded words that make a name an organisation's ("brigades", "liwa"), from
    ``data/lexicons/organisation_words.txt``."""
    return frozenset(fold_chars(word) for word in lexicons.words(lexicons.ORGANISATION_WORDS))


def reload_lexicons() -> None:
    """Forget the lexicons read so far (titles, organisation words): edits to the files count."""
    global _TITLE_RE
    _TITLE_RE = None
    fold.cache_clear()
    organisation_words.cache_clear()
    agency_forms.cache_clear()
    agency_lemmas.cache_clear()
    gendered_titles.cache_clear()
    institution_words.cache_clear()
    contradicting_words.cache_clear()


def titled_person(ent) -> bool:
    """Whether a name opens with a person's title and goes on with capitalised names
    ("Councillor Diane Holt", "Mrs Howard"), not with "of" ("Prince of Wales" is a title)."""
    words = ent.text.split()
    key = fold_chars(ent.text)
    rest = _title_re().sub("", key + " ").split()
    return (len(words) >= 2 and 0 < len(rest) < len(key.split()) and rest[0] not in {"of", "for", "and"}
            and all(w[:1].isupper() for w in words[-len(rest):]))


def label_organisations(doc, ents: list | None = None) -> list:
    """Names tagged PERSON or WORK_OF_ART that hold an organisation word become ORG; names the
    model tagged ORG, GPE or NORP that open with a person's title become PERSON.

    The small model calls many armed groups people ("Liwa al-Sahil said"); a word from
    ``data/lexicons/organisation_words.txt`` in the name overrides it. It also calls some
    titled people organisations ("Councillor Diane Holt"); a title from
    ``data/lexicons/titles.txt`` before capitalised names overrides that. Gazetteer names keep
    their label. Returns the Doc's entity spans as they now are.
    """
    ents, words, changed = list(doc.ents if ents is None else ents), organisation_words(), False
    for index, ent in enumerate(ents):
        if gazetteer_id(ent):
            continue
        folded = fold_chars(ent.text).split()
        if ent.label_ in {"PERSON", "WORK_OF_ART"} and words.intersection(folded):
            ents[index] = Span(doc, ent.start, ent.end, label="ORG")
            changed = True
        elif ent.label_ in {"ORG", "GPE", "NORP"} and titled_person(ent) and not words.intersection(folded):
            ents[index] = Span(doc, ent.start, ent.end, label="PERSON")
            changed = True
    if changed:
        doc.ents = ents
    return ents


@lru_cache(maxsize=1)
def gendered_titles() -> dict[str, str]:
    """Folded title → the gender it tells ("mrs" → "female"), from
    ``data/lexicons/gendered_titles.csv``."""
    return {fold_chars(row["title"]): row["gender"].strip().lower()
            for _, row in lexicons.table(lexicons.GENDERED_TITLES)}


def title_of(ent) -> str | None:
    """The title a person's name carries, inside the span or just before it ("Mrs" of "Mrs
    Howard"), folded (``"mrs"``); ``None`` when there is none."""
    match = _title_re().match(fold_chars(ent.text) + " ")
    if match:
        return match.group().split()[-1]
    if ent.start > 0:
        word = fold_chars(ent.doc[ent.start - 1].text)
        if word and _title_re().match(word + " "):
            return word
    return None


def gender_of(title: str | None) -> str | None:
    """The gender a folded title tells, or ``None``."""
    return gendered_titles().get(title) if title else None


@Language.component("newsdesk_names")
def fix_names(doc):
    """The span fix-ups, as a pipeline component after ``ner``: names split by a
    transliteration apostrophe are joined, gazetteer names that are only the tail of a longer
    name widen to it, names holding an organisation word become ORG and titled names the
    model called organisations become PERSON."""
    label_organisations(doc, join_split_names(doc))
    return doc


@dataclass(frozen=True)
class Mention(Record):
    """One entity mention of a document (character offsets into the Doc's text)."""

    start_char: int
    end_char: int
    text: str
    label: str
    gazetteer_id: str | None  # the entity ruler's id
    sentence: int  # 0-based sentence index
    metonymy: bool  # a place standing for its government ("Washington said")
    full: str | None  # the longer name a short one stands for in this document
    title: str | None = None  # the folded title the name carries ("mrs"), evidence for resolution


def extract(doc, places: dict[str, str]) -> list[Mention]:
    """The entity mentions of a Doc (whose pipeline ran :func:`fix_names`), with in-document
    short-name resolution.

    ``places`` are the gazetteer's metonymy rules. ``title`` is the folded title the name
    carries ("mrs"), as evidence for resolution. ``full`` is the longer name a short one
    refers to, e.g. "al-Saadi" → "Abu Baqir al-Saadi" (names of people, organisations and
    groups, matched on their last words), never across a title of the other gender: "Mrs
    Howard" is not "Michael Howard" when he is "Mr Howard".
    """
    ents = list(doc.ents)  # Doc.ents is rebuilt from the tokens on each access: read it once
    starts = [sent.start for sent in doc.sents]  # sentence of a token: bisect, not a token loop
    mentions = []
    names: list[tuple[list[str], str]] = []  # folded tokens of full names seen so far
    genders: dict[str, set[str]] = defaultdict(set)  # full name → genders its titles told
    for ent in ents:
        text = ent.text
        title = title_of(ent) if ent.label_ in SHORT_NAME_LABELS else None
        gender = gender_of(title)
        full = short_form_of(fold(text).split(), names) if ent.label_ in SHORT_NAME_LABELS else None
        if full is not None and gender and genders[full] - {gender}:
            full = None
        if full is not None and gender:
            genders[full].add(gender)
        if (full is None and ent.label_ in SHORT_NAME_LABELS and len(fold(text).split()) > 1
                and not CONJUNCTION.search(text)):
            names.append((fold(text).split(), text))
            if gender:
                genders[text].add(gender)
        mentions.append(Mention(
            start_char=ent.start_char, end_char=ent.end_char, text=text, label=ent.label_,
            gazetteer_id=gazetteer_id(ent), sentence=max(bisect.bisect_right(starts, ent.start) - 1, 0),
            metonymy=is_metonymy(ent, places, ents), full=full, title=title))
    return mentions


# "Blair and Brown", "Smith & Wesson": two names in one span are no full name for either.
CONJUNCTION = re.compile(r"\s(?:and|&|or)\s|,\s")
QUALIFIERS = {"in", "of", "for", "on"}


def short_form_of(tokens: list[str], names: list[tuple[list[str], str]]) -> str | None:
    """The earlier full name that a short name stands for, or ``None``.

    A short name is the end of a longer one ("al-Saadi" of "Abu Baqir al-Saadi") or its head
    before a qualifier ("Islamic Resistance" of "Islamic Resistance in Iraq").
    """
    for long_tokens, long_text in names:
        if len(tokens) >= len(long_tokens):
            continue
        tail = tokens == long_tokens[-len(tokens):]
        head = tokens == long_tokens[:len(tokens)] and long_tokens[len(tokens)] in QUALIFIERS
        if tail or head:
            return long_text
    return None


# --- across the corpus -------------------------------------------------------------------------

def label_class(label: str) -> str:
    """Labels whose spans the model confuses with each other are matched together.

    The small English model often tags an armed group as PERSON or NORP in one article and ORG
    in the next; places are GPE, LOC or FAC. Variants are matched within these classes.
    """
    if label in NAME_LABELS:
        return "NAME"
    if label in PLACE_LABELS:
        return "PLACE"
    return label


@lru_cache(maxsize=1)
def contradicting_words() -> dict[str, int]:
    """Folded word → its group in ``contradicting_words.txt`` ("south" and "east" share one)."""
    groups: dict[str, int] = {}
    for index, line in enumerate(lexicons.words(lexicons.CONTRADICTING_WORDS)):
        for word in line.split():
            groups[fold_chars(word)] = index
    return groups


def variants_compatible(a: str, b: str) -> bool:
    """Whether two folded names may be spelling variants, beyond their string ratio.

    Both must be at least :data:`FUZZY_MIN_CHARS` long, have as many words, start with the same
    letter, and not differ by contradicting words ("south west" / "south east").
    """
    if min(len(a), len(b)) < FUZZY_MIN_CHARS or a[:1] != b[:1]:
        return False
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b):
        return False
    groups = contradicting_words()
    return not any(x != y and x in groups and y in groups and groups[x] == groups[y]
                   for x, y in zip(words_a, words_b, strict=True))


def _best_variant(name: str, choices: list[str], threshold: float) -> tuple[str, float] | None:
    """The most similar compatible name among ``choices`` at or above ``threshold``, with its ratio."""
    from rapidfuzz import fuzz, process

    if len(name) < FUZZY_MIN_CHARS:
        return None
    for choice, ratio, _ in process.extract(name, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=5):
        if variants_compatible(name, choice):
            return choice, ratio
    return None


def cluster_names(names: Counter, threshold: float) -> dict[str, str]:
    """Group spelling variants: folded name → the representative of its group.

    Longer names come first and become representatives. A name joins a group when its
    rapidfuzz ratio to a name of the group reaches ``threshold`` and the two are compatible
    (:func:`variants_compatible`), or when it is the last two or more words of exactly one
    group's representative ("al darraji" → "abu firas al darraji"; not "of wales" of "arts
    council of wales": a tail never starts with a function word).
    """
    # Compared with every name placed so far (not only representatives), so a variant of a
    # variant still finds its group; the quadratic cost is over distinct names, not mentions.
    found: dict[str, str] = {}
    order = sorted(names, key=lambda n: (-len(n.split()), -names[n], n))
    for name in order:
        hit = _best_variant(name, list(found), threshold) if found else None
        if hit:
            found[name] = found[hit[0]]
            continue
        words = name.split()
        owners = {found[r] for r in found
                  if len(words) >= 2 and words[0] not in FUNCTION_WORDS
                  and len(r.split()) > len(words) and r.split()[-len(words):] == words}
        if len(owners) == 1:
            found[name] = owners.pop()
            continue
        found[name] = name
    return found


FUNCTION_WORDS = {"of", "the", "for", "in", "on", "and", "to", "at", "de", "du", "la", "le"}


def match_alias(name: str, targets: dict[str, str], threshold: float) -> str | None:
    """The gazetteer entity whose name or alias is a close, compatible variant of ``name``, if any."""
    hit = _best_variant(name, list(targets), threshold) if targets else None
    return targets[hit[0]] if hit else None


def _majority(votes: Counter):
    return sorted(votes.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]


@dataclass
class Resolver:
    """Maps mention keys to canonical entity ids across a corpus, recording every merge.

    Feed every mention with :meth:`observe`, call :meth:`build`, then :meth:`entity_id`.
    After :meth:`build`, :attr:`merges` lists each surface form that was joined to an entity
    of another name: dicts ``from_form, label, to_id, rule, score, n_mentions`` with rule one
    of ``alias`` (a gazetteer name or alias), ``metonymy``, ``short-name-in-document``,
    ``short-name`` (a surname joining the corpus's one dominant full name with it; score: that
    name's share of the mentions of full names with the surname), ``fuzzy`` and ``fuzzy-alias``
    (spelling variants; score: rapidfuzz ratio), ``tail`` ("al darraji" of "abu firas al
    darraji"). Pairs in the gazetteer's ``aliases_exclude.csv`` are never merged.
    """

    gazetteer: Gazetteer
    threshold: float = 90.0
    labels: set[str] = field(default_factory=lambda: set(ACTOR_LABELS))
    counts: Counter = field(default_factory=Counter)
    merges: list[dict] = field(default_factory=list)
    _ids: dict = field(default_factory=dict)
    _forms: dict = field(default_factory=lambda: defaultdict(Counter))

    @staticmethod
    def key(mention: dict) -> tuple:
        """What identifies a mention for resolution: (gazetteer id, folded name, label,
        metonymy, gender its title tells)."""
        return (mention.get("gazetteer_id"), fold(mention.get("full") or mention["text"]),
                mention["label"], bool(mention.get("metonymy")), gender_of(mention.get("title")))

    def observe(self, mentions: Iterable[dict]) -> None:
        for m in mentions:
            if m["label"] in self.labels:
                key = self.key(m)
                self.counts[key] += 1
                self._forms[key][m["text"]] += 1

    def build(self) -> None:
        """Resolve every observed key: the gazetteer (ids, aliases, metonymy), then names the
        gazetteer does not know: label by majority vote, spelling variants, short names."""
        aliases = self.gazetteer.alias_table()
        labels_of = dict(zip(self.gazetteer.actors["entity_id"], self.gazetteer.actors["label"],
                             strict=True))
        rules: dict[tuple, tuple[str, float]] = {}
        label_votes: dict[str, Counter] = defaultdict(Counter)
        for (_, name, label, _, _), n in self.counts.items():
            label_votes[name][label] += n
        unresolved: dict[str, Counter] = defaultdict(Counter)  # label class → name → count
        shorts: list[tuple] = []  # one-word person names, joined to full names last
        for key, n in self.counts.items():
            gazetteer_id, name, label, metonymy, _ = key
            if gazetteer_id:
                self._ids[key], rules[key] = gazetteer_id, ("alias", 1.0)
            elif metonymy and name in self.gazetteer.metonymy:
                self._ids[key], rules[key] = self.gazetteer.metonymy[name], ("metonymy", 1.0)
            elif name in aliases and (label not in PLACE_LABELS or labels_of[aliases[name]] in PLACE_LABELS):
                self._ids[key], rules[key] = aliases[name], ("alias", 1.0)
            elif _majority(label_votes[name]) == "PERSON" and len(name.split()) == 1:
                shorts.append(key)
            else:
                # One class per name, by majority vote across the corpus: "Lib Dem" tagged
                # PERSON here and ORG there is one name.
                unresolved[label_class(_majority(label_votes[name]))][name] += n
        targets: dict[str, dict[str, str]] = defaultdict(dict)
        for form, entity_id in aliases.items():
            targets[label_class(labels_of[entity_id])].setdefault(form, entity_id)
        name_ids: dict[str, tuple[str, str, float]] = {}
        for group, names in unresolved.items():
            clusters = cluster_names(names, self.threshold)
            choices = list(targets[group])
            votes: dict[str, Counter] = defaultdict(Counter)
            for name, representative in clusters.items():
                votes[representative].update(label_votes[name])
            for name, representative in clusters.items():
                hit = _best_variant(representative, choices, self.threshold) if choices else None
                target = targets[group][hit[0]] if hit else None
                rule = ("fuzzy-alias", hit[1]) if hit else None
                if target is None:
                    target = f"{_majority(votes[representative]).lower()}:{slug(representative)}"
                    rule = None
                    if name != representative:
                        tail = representative.split()[-len(name.split()):] == name.split()
                        rule = ("tail", 1.0) if tail else ("fuzzy", _ratio(name, representative))
                name_ids[name] = (target, *(rule or ("", 0.0)))
        waiting = set(shorts)
        for key in self.counts:
            if key not in self._ids and key not in waiting:
                target, rule, score = name_ids[key[1]]
                self._ids[key] = target
                if rule:
                    rules[key] = (rule, score)
        self._join_short_names(shorts, rules)
        self._split_other_gender(rules)
        self._record_merges(rules)

    def _record_merges(self, rules: dict) -> None:
        """One row in :attr:`merges` per surface form resolved to an entity of another name."""
        for key, entity_id in self._ids.items():
            rule, score = rules.get(key, (None, 1.0))
            canonical = fold(self.entity_name(entity_id))
            for form, n in self._forms[key].items():
                folded = fold(form)
                if folded == canonical or (folded, entity_id) in self.gazetteer.exclude:
                    continue
                if folded != key[1]:  # "al-Saadi" read as "Abu Baqir al-Saadi" in its document
                    rule_of_form, score_of_form = "short-name-in-document", 1.0
                elif rule is not None:
                    rule_of_form, score_of_form = rule, score
                else:
                    continue  # an id of its own name
                self.merges.append({"from_form": form, "label": key[2], "to_id": entity_id,
                                    "rule": rule_of_form, "score": round(float(score_of_form), 3),
                                    "n_mentions": n})

    def entity_name(self, entity_id: str) -> str:
        """The gazetteer name of an id, else the name part of a ``label:slug`` id."""
        info = self.gazetteer.info(entity_id)
        return info["name"] if info else entity_id.split(":", 1)[-1].replace("-", " ")

    def _join_short_names(self, shorts: list[tuple], rules: dict) -> None:
        """A one-word person name joins the one dominant full name ending with it in the corpus
        (its mentions at least twice those of any other), when their titles' genders agree;
        else it stays its own entity, apart from the same surname with a title of the other
        gender ("Mrs Howard" is not "Mr Howard")."""
        full_names: dict[str, Counter] = defaultdict(Counter)  # surname → entity id → mentions
        genders: dict[str, Counter] = defaultdict(Counter)  # entity id → mentions per title gender
        for key, n in self.counts.items():
            if key in self._ids and key[2] == "PERSON" and len(key[1].split()) > 1:
                full_names[key[1].split()[-1]][self._ids[key]] += n
                if key[4]:
                    genders[self._ids[key]][key[4]] += n
        # Titled short names ("Mr Blair") first: they tell the full name's gender.
        for key in sorted(shorts, key=lambda k: (k[4] is None, -self.counts[k])):
            name, label, gender = key[1], key[2], key[4]
            # Incompatible: the full name's titles mostly tell the other gender.
            candidates = Counter({i: n for i, n in full_names.get(name, Counter()).items()
                                  if not (gender and sum(c for g, c in genders[i].items() if g != gender)
                                          > genders[i][gender])})
            ranked = candidates.most_common()
            seen = sum(candidates.values())
            # Only full names seen in this corpus count: a gazetteer name never written out here
            # ("Charles Kennedy") must not attract every "Kennedy".
            if len(ranked) == 1 or (ranked and ranked[0][1] >= 2 * ranked[1][1]):
                target, share = ranked[0][0], ranked[0][1] / seen
                self._ids[key], rules[key] = target, ("short-name", share)
                if gender:
                    genders[target][gender] += self.counts[key]
            else:
                # The same surname with titles of both genders is two people.
                others = {k[4] for k in shorts if k[1] == name and k[4] and k[4] != gender}
                suffix = f"{gender}-{name}" if gender and others else name
                self._ids[key] = f"{label.lower()}:{slug(suffix)}"

    def _split_other_gender(self, rules: dict) -> None:
        """A titled name joined (in its document) to a person whose titles in the corpus mostly
        tell the other gender is a person of its own: "Mrs Howard" beside many "Mr Howard"."""
        told: dict[str, Counter] = defaultdict(Counter)
        for key, n in self.counts.items():
            if key[4] and key in self._ids:
                told[self._ids[key]][key[4]] += n
        for key in self.counts:
            gender = key[4]
            if gender and key in self._ids and sum(n for g, n in told[self._ids[key]].items()
                                                     if g != gender) > told[self._ids[key]][gender]:
                self._ids[key] = f"{key[2].lower()}:{slug(gender + ' ' + key[1].split()[-1])}"
                rules.pop(key, None)

    def entity_id(self, mention: dict) -> str | None:
        """The canonical id of a mention (``None`` for labels outside ``labels``, e.g. DATE).

        A merge listed in the gazetteer's ``aliases_exclude.csv`` is undone: the mention keeps an
        id of its own name.
        """
        entity_id = self._ids.get(self.key(mention))
        if entity_id is not None and (fold(mention["text"]), entity_id) in self.gazetteer.exclude:
            return f"{mention['label'].lower()}:{slug(fold(mention['text']))}"
        return entity_id


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b)
