"""Scoring Newsdesk against gold annotations in standard formats (``newsdesk evaluate``).

Four kinds of gold, each with a reader (file → gold documents), the records handed to the
analysis API, and a scorer (gold + predicted tables → figures):

``conll``
    CoNLL-2003-style token files (token first, IOB tag last on each line; blank lines end
    sentences; ``-DOCSTART-`` starts a document; IOB1 or IOB2). A document's text is its tokens
    joined by single spaces and its sentences by newlines, so predicted character spans map back
    to tokens exactly. Entities are scored the way ``conlleval`` scores them: chunks are decoded
    from the tags with conlleval's rules (a chunk starts at ``B-X``, or at ``I-X`` after ``O`` or
    after another type), predicted mentions are written as IOB2 tags on the tokens they overlap
    and decoded the same way, and a predicted chunk is correct when its first token, last token
    and type equal a gold chunk's. spaCy labels map to CoNLL's four with :data:`CONLL_LABELS`.
``timeml``
    A folder of TimeML ``.tml`` files (or one file). The document is the text inside ``<TEXT>``
    with the tags stripped; its publication date is the DCT's TIMEX3 ``value``. Scored the
    TempEval-3 way (UzZaman et al. 2013): strict (same start and end) and relaxed (any overlap)
    span P/R/F1, each gold and predicted expression matched at most once; then, among relaxed
    matches, type and value accuracy, and type and value F1, where a relaxed match counts only
    when the attribute is equal as well (attribute P = correct / predicted, R = correct / gold).
``quotes``
    A JSONL file, one document a line: ``{"text", "published", "quotes": [{"quote", "speaker",
    "start_char", "end_char"}]}`` (``doc_id`` and a quote's ``kind`` are optional; a quote without
    offsets is looked up in the text). A predicted quote matches a gold one when their character
    overlap is at least half the longer of the two; pairs are made one-to-one, largest overlap
    first. Speakers are then compared over the matched quotes (see :func:`same_speaker`).
``events``
    A CSV in ACLED's export layout (``notes``, ``event_date``, ``event_type``, ``sub_event_type``,
    ``actor1``, ``actor2``, ``location``, ``admin1``, any other columns ignored). Each note is a
    document published on its ``event_date``; its predicted main event is its first asserted event
    (see :func:`main_event`); fields are compared as :func:`same_name` says. Accuracies are over
    all gold notes: a note without a predicted event is wrong on every field.

Everything here is pure except :func:`evaluate` (which runs the analysis) and
:func:`write_report`. The analyser is a parameter, ``analyse_many(records, options=...) ->
{"mentions": DataFrame, ...}`` with a ``doc_id`` column linking rows to the input records;
by default it is the public API's :func:`helpers.analyse_many` (module ``helpers.api``).
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import datetime as dt
import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz

from . import paths, store

KINDS = ("conll", "timeml", "quotes", "events")

# spaCy (OntoNotes) label → CoNLL-2003 label. Labels not listed (DATE, TIME, MONEY, PERCENT,
# QUANTITY, ORDINAL, CARDINAL) have no CoNLL counterpart and are dropped from the predictions.
CONLL_LABELS = {
    "PERSON": "PER", "PER": "PER",
    "ORG": "ORG",
    "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "LAW": "MISC", "WORK_OF_ART": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}
CONLL_TYPES = ("PER", "ORG", "LOC", "MISC")
TAG = re.compile(r"^(?:O|[BI]-\S+)$")
DOCSTART = "-DOCSTART-"

QUOTE_OVERLAP = 0.5  # share of the longer span two quotes must share to match
FUZZY_THRESHOLD = 90.0  # rapidfuzz token_set_ratio (0-100) from which two names are the same
ASSERTED = {"asserted"}  # modality values of events that happened as reported
EVENT_COLUMNS = ("notes", "event_date", "event_type", "actor1", "actor2", "location")
# ACLED actor names carry a period of rule in parentheses, "Military Forces of Ukraine (2019-)",
# or a country, "Protesters (India)"; a news text names the actor without either.
PARENTHESES = re.compile(r"\([^)]*\)")
STOPWORDS = {"the", "of", "and", "a", "an", "al"}


class GoldError(ValueError):
    """A gold file that cannot be read: the message names the file and, where known, the line."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None):
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")
        self.path, self.line, self.reason = Path(path), line, reason


# --------------------------------------------------------------------------------------------
# Scoring primitives


def prf(correct: int, n_predicted: int, n_gold: int) -> dict:
    """Precision, recall and F1 of ``correct`` hits among ``n_predicted`` and ``n_gold`` items.

    As conlleval does, a ratio with a zero denominator is 0.0 (no predictions: precision 0).
    Returns ``{"precision", "recall", "f1", "correct", "predicted", "gold"}``.
    """
    precision = correct / n_predicted if n_predicted else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "correct": correct,
            "predicted": n_predicted, "gold": n_gold}


def accuracy(correct: int, total: int) -> dict:
    """``{"accuracy", "correct", "total"}``; accuracy is 0.0 when there is nothing to count."""
    return {"accuracy": correct / total if total else 0.0, "correct": correct, "total": total}


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Characters two half-open ``(start, end)`` spans share."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match_one_to_one(gold: list[tuple[int, int]], predicted: list[tuple[int, int]],
                     accept: Callable[[tuple[int, int], tuple[int, int]], bool]) -> list[tuple[int, int]]:
    """Pairs ``(gold index, predicted index)``, each side used at most once.

    Candidate pairs are those ``accept(gold_span, predicted_span)`` allows; they are taken
    largest overlap first (ties: earlier gold, then earlier prediction), so one long prediction
    covering two gold spans matches the one it covers most.
    """
    candidates = [(-overlap(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(predicted)
                  if accept(g, p)]
    used_gold, used_predicted, pairs = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_gold and j not in used_predicted:
            used_gold.add(i)
            used_predicted.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def strict(g: tuple[int, int], p: tuple[int, int]) -> bool:
    return g == p


def relaxed(g: tuple[int, int], p: tuple[int, int]) -> bool:
    return overlap(g, p) > 0


def half_of_longer(g: tuple[int, int], p: tuple[int, int]) -> bool:
    """True when the spans share at least :data:`QUOTE_OVERLAP` of the longer one's characters."""
    longer = max(g[1] - g[0], p[1] - p[0])
    return longer > 0 and overlap(g, p) >= QUOTE_OVERLAP * longer


# --------------------------------------------------------------------------------------------
# Names: normalising and comparing


def normalise(name) -> str:
    """Casefolded, accents and punctuation removed, spaces collapsed: ``"Al-Qassam"`` → ``"al qassam"``."""
    if not _present(name):
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def acled_name(gold_name: str) -> str:
    """A gold (ACLED-style) name normalised, without parentheses: ``"Military Forces of Ukraine
    (2019-)"`` → ``"military forces of ukraine"``. The parenthesis goes first: "Civilians
    (Ukraine)" must not match "Ukraine"."""
    return normalise(PARENTHESES.sub(" ", str(gold_name)))


def _content(name: str) -> str:
    return " ".join(w for w in name.split() if w not in STOPWORDS)


def same_name(gold_name: str, predicted_names: Iterable[str], threshold: float = FUZZY_THRESHOLD) -> bool:
    """True when a predicted name is the gold name, fuzzily.

    The gold name (:func:`acled_name`) and the predicted names are normalised and stripped of
    "the", "of", "and", "a", "an", "al"; a pair matches when rapidfuzz's ``token_set_ratio`` is at
    least ``threshold``. That ratio is 100 when the words of one name are all in the other, so
    "Ukraine" matches "Military Forces of Ukraine" (and, leniently, "Front" matches "Northern
    Liberation Front"); otherwise it allows for misspellings. Names with no word left never match.
    """
    gold = _content(acled_name(gold_name))
    predicted = {_content(normalise(n)) for n in predicted_names} - {""}
    return bool(gold) and any(fuzz.token_set_ratio(gold, p) >= threshold for p in predicted)


def same_speaker(gold_speaker, predicted_names: Iterable[str]) -> bool:
    """Lenient speaker match of a gold name against the predicted speaker's names.

    ``predicted_names`` are the speaker as written plus the resolved entity's name and aliases.
    After :func:`normalise`, the gold name matches when its words are contained in one of them
    ("haddad" in "omar haddad", but not "ali" in "alina petrova"), when a predicted name that is
    not a pronoun is contained in the gold one (gold that keeps an apposition: "omar haddad" in
    "omar haddad, the defence minister"), or when their last words are equal ("Defence Minister
    Omar Haddad" and "Haddad"; "a military official" and "the official"). A gold quote without
    speaker matches only a prediction without speaker.
    """
    names = [n for n in map(normalise, predicted_names) if n]
    gold = normalise(gold_speaker)
    if not gold:
        return not names
    return any(f" {gold} " in f" {n} " or n.split()[-1] == gold.split()[-1]
               or (n not in PRONOUNS and f" {n} " in f" {gold} ") for n in names)


PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "him", "her", "them"})
# Predicted quote kinds that count as direct speech: a clause or sentence in quotation marks,
# attributed; "mixed" (a quoted clause after "said that") and "partial" are reported speech.
DIRECT_KINDS = ("direct",)


# --------------------------------------------------------------------------------------------
# Small helpers


def _present(value) -> bool:
    """False for None, NaN, pd.NA, NaT and empty strings."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, list | tuple | set | dict) or hasattr(value, "shape"):  # lists, arrays
        return len(value) > 0
    return not pd.isna(value)


def _as_date(value) -> dt.date | None:
    if not _present(value):
        return None
    if isinstance(value, dt.datetime) or hasattr(value, "to_pydatetime"):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _rows(tables: dict, table: str, required: tuple[str, ...], optional: tuple[str, ...],
          missing: list[str]) -> list[dict]:
    """Rows of a predicted table as dicts; absent optional columns are noted in ``missing``.

    Raises ``ValueError`` when the table or a required column is absent (the analyser broke its
    contract).
    """
    if table not in tables:
        raise ValueError(f"the analyser returned no {table!r} table")
    frame = tables[table]
    if len(frame) == 0 and len(frame.columns) == 0:  # nothing found, columns not even named
        return []
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise ValueError(f"the analyser's {table!r} table lacks column(s) {', '.join(absent)}")
    missing += [f"{table}.{c}" for c in optional if c not in frame.columns]
    return frame.to_dict("records")


def _by_doc(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(str(row["doc_id"]), []).append(row)
    return grouped


def _entity_names(tables: dict) -> dict[str, list[str]]:
    """``entity_id → [name, *aliases]`` from the predicted ``entities`` table (empty when absent)."""
    frame = tables.get("entities")
    if frame is None or "entity_id" not in frame.columns:
        return {}
    names = {}
    for row in frame.to_dict("records"):
        aliases = row.get("aliases")
        aliases = list(aliases) if _present(aliases) and not isinstance(aliases, str) else []
        names[str(row["entity_id"])] = [n for n in [row.get("name"), *aliases] if _present(n)]
    return names


# --------------------------------------------------------------------------------------------
# CoNLL


@dataclass
class ConllDocument:
    """One document of a CoNLL file: tokens, gold tags, and sentence ends (the index of the token
    after each sentence's last). Its text and the tokens' offsets in it are derived."""

    doc_id: str
    tokens: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sentence_ends: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(self.tokens[a:b]) for a, b in self.sentences())

    def sentences(self) -> list[tuple[int, int]]:
        starts = [0, *self.sentence_ends[:-1]]
        return list(zip(starts, self.sentence_ends, strict=True))

    def offsets(self) -> list[tuple[int, int]]:
        spans, position = [], 0
        for a, b in self.sentences():
            for token in self.tokens[a:b]:
                spans.append((position, position + len(token)))
                position += len(token) + 1  # the space, or the newline after the last token
        return spans


def read_conll(path: Path) -> list[ConllDocument]:
    """CoNLL-2003-style file → documents (those without tokens are dropped).

    A line is ``token ... tag`` (whitespace-separated; the first column is the token, the last
    the IOB tag ``O``, ``B-X`` or ``I-X``); blank lines end sentences. With ``-DOCSTART-`` lines,
    each starts a document; without any, each sentence is a document. Raises :class:`GoldError`.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise GoldError(path, f"cannot read: {error}") from error
    per_sentence = not any(line.split()[:1] == [DOCSTART] for line in lines)
    documents: list[ConllDocument] = []
    current: ConllDocument | None = None

    def close_sentence():
        if current is not None and current.tokens and (
                not current.sentence_ends or current.sentence_ends[-1] < len(current.tokens)):
            current.sentence_ends.append(len(current.tokens))

    def new_document():
        nonlocal current
        close_sentence()
        current = ConllDocument(f"{path.name}#{len(documents) + 1}")
        documents.append(current)

    for number, line in enumerate(lines, 1):
        columns = line.split()
        if not columns:
            close_sentence()
            if per_sentence:
                current = None
            continue
        if columns[0] == DOCSTART:
            new_document()
            continue
        if len(columns) < 2 or not TAG.match(columns[-1]):
            raise GoldError(path, f"expected 'token ... TAG' with TAG O, B-X or I-X, got {line!r}", number)
        if current is None:
            new_document()
        current.tokens.append(columns[0])
        current.tags.append(columns[-1])
    close_sentence()
    documents = [d for d in documents if d.tokens]
    if not documents:
        raise GoldError(path, "no tokens")
    for number, document in enumerate(documents, 1):
        document.doc_id = f"{path.name}#{number}"
    return documents


def chunks(tags: list[str], sentence_ends: list[int]) -> set[tuple[int, int, str]]:
    """``(first token, last token, type)`` chunks of IOB1 or IOB2 tags, decoded as conlleval does.

    A chunk starts at ``B-X``, and at ``I-X`` when the previous tag is ``O``, of another type, or
    in another sentence; it ends before the next start or ``O``.
    """
    found, start, kind = set(), None, None
    ends = set(sentence_ends)
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        boundary = i in ends
        if start is not None and (prefix != "I" or label != kind or boundary):
            found.add((start, i - 1, kind))
            start = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, kind = i, label
    return found


def predicted_tags(document: ConllDocument, mentions: list[dict]) -> list[str]:
    """IOB2 tags of a document's tokens from predicted mentions (char offsets into its text).

    A mention tags the tokens it overlaps with its :data:`CONLL_LABELS` label; mentions with other
    labels are dropped; where mentions overlap, the one starting first keeps the tokens.
    """
    offsets = document.offsets()
    starts = [s for s, _ in offsets]
    tags = ["O"] * len(offsets)
    for mention in sorted(mentions, key=lambda m: (int(m["start_char"]), -int(m["end_char"]))):
        label = CONLL_LABELS.get(str(mention["label"]))
        if label is None:
            continue
        start, end = int(mention["start_char"]), int(mention["end_char"])
        first = max(0, bisect.bisect_right(starts, start) - 1)
        if offsets and offsets[first][1] <= start:  # the mention starts after this token's end
            first += 1
        covered = range(first, bisect.bisect_left(starts, end))
        if not covered or any(tags[i] != "O" for i in covered):
            continue
        tags[covered[0]] = f"B-{label}"
        for i in covered[1:]:
            tags[i] = f"I-{label}"
    return tags


def score_conll(documents: list[ConllDocument], tables: dict) -> dict:
    """Exact-chunk P/R/F1, overall and per PER/ORG/LOC/MISC (and any other gold type)."""
    missing: list[str] = []
    mentions = _by_doc(_rows(tables, "mentions", ("doc_id", "start_char", "end_char", "label"), (), missing))
    gold_all, predicted_all, errors = Counter(), Counter(), []
    correct = Counter()
    for document in documents:
        gold = chunks(document.tags, document.sentence_ends)
        guess = chunks(predicted_tags(document, mentions.get(document.doc_id, [])), document.sentence_ends)
        for chunk_set, counter in ((gold, gold_all), (guess, predicted_all)):
            counter.update(c[2] for c in chunk_set)
        correct.update(c[2] for c in gold & guess)
        errors += _chunk_errors(document, gold, guess)
    types = sorted(set(gold_all) | set(predicted_all), key=lambda t: ((CONLL_TYPES + (t,)).index(t), t))
    scores = {"all": prf(sum(correct.values()), sum(predicted_all.values()), sum(gold_all.values()))}
    scores |= {t: prf(correct[t], predicted_all[t], gold_all[t]) for t in types}
    return {"prf": scores, "counts": {"documents": len(documents),
                                      "tokens": sum(len(d.tokens) for d in documents)},
            "missing_columns": missing, "errors": errors,
            "rules": {"labels": CONLL_LABELS, "matching": "conlleval: same first token, last token and type"}}


def _chunk_errors(document: ConllDocument, gold: set, guess: set) -> list[dict]:
    def show(chunk, what):
        a, b, label = chunk
        return {"doc_id": document.doc_id, "error": what, "label": label,
                "text": " ".join(document.tokens[a:b + 1]), "tokens": [a, b]}
    return ([show(c, "missed") for c in sorted(gold - guess)]
            + [show(c, "spurious") for c in sorted(guess - gold)])


# --------------------------------------------------------------------------------------------
# TimeML


@dataclass
class Timex:
    start: int
    end: int
    text: str
    type: str
    value: str


@dataclass
class TimemlDocument:
    doc_id: str
    text: str
    published: dt.date
    timexes: list[Timex]


def read_timeml(path: Path) -> list[TimemlDocument]:
    """A ``.tml`` file, or every ``.tml`` file under a folder (sorted), → documents.

    The text is the content of ``<TEXT>`` with the tags stripped (entities unescaped); each
    TIMEX3 inside it gives ``(start, end, type, value)`` in that text. The DCT's TIMEX3 value
    gives the publication date. Raises :class:`GoldError` naming the file (and line for bad XML).
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.rglob("*.tml"))
        if not files:
            raise GoldError(path, "no .tml files in this folder")
    elif path.is_file():
        files = [path]
    else:
        raise GoldError(path, "no such file or folder")
    return [_read_tml(f, f.relative_to(path).as_posix() if path.is_dir() else f.name) for f in files]


def _read_tml(path: Path, doc_id: str) -> TimemlDocument:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise GoldError(path, f"not well-formed XML: {error}", error.position[0]) from error
    except OSError as error:
        raise GoldError(path, f"cannot read: {error}") from error
    body = root.find(".//TEXT")
    if body is None:
        raise GoldError(path, "no <TEXT> element")
    dct = root.find(".//DCT/TIMEX3")
    if dct is None or not dct.get("value"):
        raise GoldError(path, "no <DCT> with a TIMEX3 value (the document creation time)")
    try:
        published = dt.date.fromisoformat(dct.get("value")[:10])
    except ValueError as error:
        raise GoldError(path, f"DCT value {dct.get('value')!r} is not a YYYY-MM-DD date") from error
    parts: list[str] = []
    found: list[tuple[int, int, ET.Element]] = []
    length = 0

    def walk(element):  # the text in document order, noting where each TIMEX3 starts and ends
        nonlocal length
        parts.append(element.text or "")
        length += len(parts[-1])
        for child in element:
            start = length
            walk(child)
            if child.tag == "TIMEX3":
                found.append((start, length, child))
            parts.append(child.tail or "")
            length += len(parts[-1])

    walk(body)
    text = "".join(parts)
    timexes = sorted((Timex(a, b, text[a:b], e.get("type", ""), e.get("value", "")) for a, b, e in found),
                     key=lambda t: (t.start, t.end))
    return TimemlDocument(doc_id, text, published, timexes)


def score_timeml(documents: list[TimemlDocument], tables: dict) -> dict:
    """TempEval-3 scores of predicted ``dates`` rows against the gold TIMEX3s."""
    missing: list[str] = []
    dates = _by_doc(_rows(tables, "dates", ("doc_id", "start_char", "end_char"), ("type", "value"), missing))
    n_gold = n_predicted = n_strict = n_relaxed = n_type = n_value = 0
    errors = []
    attributes = [a for a in ("type", "value") if f"dates.{a}" not in missing]
    for document in documents:
        predicted = sorted(dates.get(document.doc_id, []), key=lambda r: (int(r["start_char"]), int(r["end_char"])))
        gold_spans = [(t.start, t.end) for t in document.timexes]
        spans = [(int(r["start_char"]), int(r["end_char"])) for r in predicted]
        n_gold, n_predicted = n_gold + len(gold_spans), n_predicted + len(spans)
        n_strict += len(match_one_to_one(gold_spans, spans, strict))
        pairs = match_one_to_one(gold_spans, spans, relaxed)
        n_relaxed += len(pairs)
        for i, j in pairs:
            gold, guess = document.timexes[i], predicted[j]
            type_ok = _text(guess.get("type")).upper() == gold.type.strip().upper()
            value_ok = _text(guess.get("value")).upper() == gold.value.strip().upper()
            n_type, n_value = n_type + type_ok, n_value + value_ok
            wrong = {"type": not type_ok, "value": not value_ok}
            if spans[j] != gold_spans[i] or any(wrong[a] for a in attributes):
                errors.append({"doc_id": document.doc_id, "error": "span, type or value",
                               "gold": dataclasses.asdict(gold),
                               "predicted": {k: _jsonable(guess.get(k)) for k in
                                             ("start_char", "end_char", "text", "type", "value")}})
        matched_gold = {i for i, _ in pairs}
        matched_guess = {j for _, j in pairs}
        errors += [{"doc_id": document.doc_id, "error": "missed", "gold": dataclasses.asdict(t)}
                   for i, t in enumerate(document.timexes) if i not in matched_gold]
        errors += [{"doc_id": document.doc_id, "error": "spurious",
                    "predicted": {"start_char": s, "end_char": e, "text": document.text[s:e]}}
                   for j, (s, e) in enumerate(spans) if j not in matched_guess]
    scores = {"strict span": prf(n_strict, n_predicted, n_gold),
              "relaxed span": prf(n_relaxed, n_predicted, n_gold)}
    accuracies = {}
    for attribute, n_ok in (("type", n_type), ("value", n_value)):
        if f"dates.{attribute}" not in missing:
            scores[f"{attribute} (relaxed)"] = prf(n_ok, n_predicted, n_gold)
            accuracies[f"{attribute} of relaxed matches"] = accuracy(n_ok, n_relaxed)
    return {"prf": scores, "accuracy": accuracies,
            "counts": {"documents": len(documents), "gold timexes": n_gold, "predicted dates": n_predicted},
            "missing_columns": missing, "errors": errors,
            "rules": {"strict": "same start and end", "relaxed": "any overlap, one-to-one, largest overlap first",
                      "attributes": "equal (case-insensitive) among relaxed matches; "
                                    "attribute P = correct/predicted, R = correct/gold"}}


def _jsonable(value):
    if not _present(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return str(_as_date(value))
    return value.tolist() if hasattr(value, "tolist") else value  # numpy scalars and arrays


def _text(value) -> str:
    """A predicted cell as a stripped string, "" when absent."""
    return str(value).strip() if _present(value) else ""


# --------------------------------------------------------------------------------------------
# Quotes


@dataclass
class GoldQuote:
    start: int
    end: int
    quote: str
    speaker: str | None
    kind: str | None = None


@dataclass
class QuotesDocument:
    doc_id: str
    text: str
    published: dt.date | None
    quotes: list[GoldQuote]


def read_quotes(path: Path) -> list[QuotesDocument]:
    """JSONL of ``{"text", "published", "quotes": [...]}`` → documents. Raises :class:`GoldError`.

    A quote needs ``speaker`` (null when unattributed) and either ``start_char``/``end_char``
    (offsets into ``text``, end exclusive; when ``quote`` is given too it must be the text there,
    quotation marks aside) or ``quote`` alone (found in the text).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise GoldError(path, f"cannot read: {error}") from error
    documents, seen = [], {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise GoldError(path, f"not JSON: {error}", number) from error
        documents.append(_quotes_document(record, path, number))
        _unique(documents[-1].doc_id, number, seen, path)
    if not documents:
        raise GoldError(path, "no documents")
    return documents


def _unique(doc_id: str, line: int, seen: dict[str, int], path: Path) -> None:
    """Each gold document needs its own id: predictions are joined to gold by it."""
    if doc_id in seen:
        raise GoldError(path, f"id {doc_id!r} was already used on line {seen[doc_id]}", line)
    seen[doc_id] = line


def _quotes_document(record, path: Path, number: int) -> QuotesDocument:
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"]:
        raise GoldError(path, "each line must be an object with a non-empty 'text'", number)
    if not isinstance(record.get("quotes", []), list):
        raise GoldError(path, "'quotes' must be a list", number)
    try:
        published = _as_date(record.get("published"))
    except ValueError as error:
        raise GoldError(path, f"'published' is not a YYYY-MM-DD date: {record.get('published')!r}",
                        number) from error
    text = record["text"]
    quotes = [_gold_quote(q, text, path, number) for q in record.get("quotes", [])]
    doc_id = str(record.get("doc_id") or record.get("id") or f"{path.name}#{number}")
    return QuotesDocument(doc_id, text, published, quotes)


def _gold_quote(item, text: str, path: Path, number: int) -> GoldQuote:
    if not isinstance(item, dict) or "speaker" not in item:
        raise GoldError(path, "each quote must be an object with 'speaker' (null when unattributed)", number)
    quote, start, end = item.get("quote"), item.get("start_char"), item.get("end_char")
    if start is None and end is None:
        if not isinstance(quote, str) or quote not in text:
            raise GoldError(path, f"quote without offsets not found in the text: {quote!r}", number)
        start = text.index(quote)
        end = start + len(quote)
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise GoldError(path, f"bad offsets start_char={start!r} end_char={end!r} "
                              f"for a text of {len(text)} characters", number)
    marks = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb "
    if isinstance(quote, str) and text[start:end].strip(marks) != quote.strip(marks):
        raise GoldError(path, f"text[{start}:{end}] is {text[start:end]!r}, not the quote {quote!r}", number)
    speaker = item.get("speaker")
    return GoldQuote(start, end, text[start:end], speaker if _present(speaker) else None, item.get("kind"))


def score_quotes(documents: list[QuotesDocument], tables: dict) -> dict:
    """Quote detection P/R/F1 (≥ 50 % overlap, one-to-one) and speaker accuracy over matches."""
    missing: list[str] = []
    quotes = _by_doc(_rows(tables, "quotes", ("doc_id", "start_char", "end_char"),
                           ("speaker_text", "speaker_entity_id", "kind"), missing))
    names = _entity_names(tables)
    n_gold = n_predicted = n_matched = n_speaker = 0
    named = Counter()  # matched quotes whose gold speaker is a name, not a pronoun (gold without coreference)
    gold_kinds, matched_gold_kinds, predicted_kinds, matched_predicted_kinds = (Counter() for _ in range(4))
    direct = Counter()  # detection counted over the predictions of a direct kind only
    errors = []
    for document in documents:
        predicted = quotes.get(document.doc_id, [])
        spans = [(int(r["start_char"]), int(r["end_char"])) for r in predicted]
        gold_spans = [(q.start, q.end) for q in document.quotes]
        pairs = match_one_to_one(gold_spans, spans, half_of_longer)
        if "quotes.kind" not in missing:
            direct_spans = [s for s, r in zip(spans, predicted, strict=True) if r.get("kind") in DIRECT_KINDS]
            direct.update(predicted=len(direct_spans), gold=len(gold_spans),
                          matched=len(match_one_to_one(gold_spans, direct_spans, half_of_longer)))
        n_gold, n_predicted, n_matched = n_gold + len(document.quotes), n_predicted + len(spans), n_matched + len(pairs)
        gold_kinds.update(str(q.kind) for q in document.quotes if q.kind)
        predicted_kinds.update(str(r["kind"]) for r in predicted if _present(r.get("kind")))
        for i, j in pairs:
            gold, guess = document.quotes[i], predicted[j]
            speaker_names = _speaker_names(guess, names)
            ok = same_speaker(gold.speaker, speaker_names)
            n_speaker += ok
            if _present(gold.speaker) and normalise(gold.speaker) not in PRONOUNS:
                named.update(total=1, correct=int(ok))
            if gold.kind:
                matched_gold_kinds[str(gold.kind)] += 1
            if _present(guess.get("kind")):
                matched_predicted_kinds[str(guess["kind"])] += 1
            if not ok:
                errors.append({"doc_id": document.doc_id, "error": "speaker", "quote": gold.quote,
                               "gold": gold.speaker, "predicted": speaker_names})
        errors += _quote_errors(document, predicted, pairs)
    scores = {"detection": prf(n_matched, n_predicted, n_gold)}
    if "quotes.kind" not in missing:
        scores[f"detection of {' and '.join(DIRECT_KINDS)} quotes"] = prf(
            direct["matched"], direct["predicted"], direct["gold"])
    kinds = sorted(set(gold_kinds) | set(predicted_kinds))
    by_kind = {k: {"gold": gold_kinds[k], "gold matched": matched_gold_kinds[k],
                   "predicted": predicted_kinds[k], "predicted matched": matched_predicted_kinds[k]} for k in kinds}
    speakers = {"speaker of matched quotes": accuracy(n_speaker, n_matched),
                "speaker of all gold quotes": accuracy(n_speaker, n_gold),
                "speaker of matched quotes, gold speaker named": accuracy(named["correct"], named["total"])}
    if {"quotes.speaker_text", "quotes.speaker_entity_id"} <= set(missing):
        speakers = {}  # the analyser names no speakers at all
    return {"prf": scores, "accuracy": speakers,
            "counts": {"documents": len(documents), "gold quotes": n_gold, "predicted quotes": n_predicted},
            "by_kind": by_kind, "missing_columns": missing, "errors": errors,
            "rules": {"match": f"character overlap >= {QUOTE_OVERLAP:.0%} of the longer span, one-to-one",
                      "direct": f"the second detection score counts only predictions of kind {DIRECT_KINDS}",
                      "speaker": "normalised gold name inside the predicted speaker text or the resolved "
                                 "entity's name/aliases, a predicted name (not a pronoun) inside the gold "
                                 "name, or equal last words"}}


def _speaker_names(row: dict, names: dict[str, list[str]]) -> list[str]:
    found = [row.get("speaker_text")]
    entity = row.get("speaker_entity_id")
    if _present(entity):
        found += names.get(str(entity), [])
    return [n for n in found if _present(n)]


def _quote_errors(document: QuotesDocument, predicted: list[dict], pairs) -> list[dict]:
    matched_gold, matched_guess = {i for i, _ in pairs}, {j for _, j in pairs}
    missed = [{"doc_id": document.doc_id, "error": "missed", "quote": q.quote, "speaker": q.speaker,
               "start_char": q.start, "end_char": q.end}
              for i, q in enumerate(document.quotes) if i not in matched_gold]
    spurious = [{"doc_id": document.doc_id, "error": "spurious",
                 "quote": document.text[int(r["start_char"]):int(r["end_char"])],
                 "start_char": int(r["start_char"]), "end_char": int(r["end_char"]),
                 "kind": r.get("kind") if _present(r.get("kind")) else None}
                for j, r in enumerate(predicted) if j not in matched_guess]
    return missed + spurious


# --------------------------------------------------------------------------------------------
# Events


@dataclass
class GoldEvent:
    doc_id: str
    notes: str
    event_date: dt.date
    event_type: str | None  # None: the note reports no event to code (negated, hypothetical, rhetoric)
    sub_event_type: str | None
    actor1: str | None
    actor2: str | None
    location: str | None
    admin1: str | None


DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y", "%B %d, %Y")


def _parse_event_date(value: str) -> dt.date:
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


def read_events(path: Path) -> list[GoldEvent]:
    """ACLED-layout CSV → one gold event per row. Raises :class:`GoldError` naming file and line.

    Needs the columns :data:`EVENT_COLUMNS`; ``sub_event_type`` and ``admin1`` are scored when
    present. ``event_date`` is ISO (2024-03-05) or ACLED's older "05 March 2024"; the row's id is
    ``event_id_cnty`` when present, else ``<file>#<line>``.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in EVENT_COLUMNS if c not in (reader.fieldnames or [])]
            if absent:
                raise GoldError(path, f"missing column(s) {', '.join(absent)}", 1)
            events, seen = [], {}
            for row in reader:
                events.append(_gold_event(row, path, reader.line_num))
                _unique(events[-1].doc_id, reader.line_num, seen, path)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise GoldError(path, f"cannot read: {error}") from error
    if not events:
        raise GoldError(path, "no rows")
    return events


def _gold_event(row: dict, path: Path, line: int) -> GoldEvent:
    if None in row or any(v is None for v in row.values()):
        raise GoldError(path, "wrong number of fields", line)
    if not row["notes"].strip():
        raise GoldError(path, "empty 'notes'", line)
    try:
        date = _parse_event_date(row["event_date"])
    except ValueError as error:
        raise GoldError(path, f"event_date {row['event_date']!r} is not a date", line) from error

    def value(column):
        text = (row.get(column) or "").strip()
        return text or None

    doc_id = value("event_id_cnty") or f"{path.name}#{line}"
    return GoldEvent(doc_id, row["notes"], date, value("event_type"), value("sub_event_type"),
                     value("actor1"), value("actor2"), value("location"), value("admin1"))


def main_event(rows: list[dict]) -> dict | None:
    """The note's main event: the first asserted row (modality absent, null or "asserted") that
    has an event type (statements and threats have none: they are no ACLED events), ordered by
    ``start_char`` (the reporting sentence's offset), then by row order."""
    asserted = [r for r in rows if _present(r.get("event_type"))
                and (not _present(r.get("modality")) or str(r["modality"]).lower() in ASSERTED)]
    if not asserted:
        return None
    return min(enumerate(asserted), key=lambda p: (_offset(p[1]), p[0]))[1]


def _offset(row: dict) -> int:
    value = row.get("start_char")
    return int(value) if _present(value) else 0


def _same_type(gold: str | None, predicted) -> bool:
    return normalise(gold) == normalise(predicted)


def _field_names(row: dict, column: str, names: dict[str, list[str]]) -> list[str]:
    """What a predicted actor/location field may be called: the text as written, the resolved
    entity's name and aliases when the value is an entity id (else the value itself), and for an
    actor the ACLED-style name ``events_acled.csv`` gives it ("Israeli forces" → "Military Forces of
    Israel", "gunmen" → "Unidentified Armed Group")."""
    from . import acled

    found, value = [row.get(f"{column}_text")], row.get(column)
    if _present(value):  # an entity id stands for its names; anything else is a name itself
        found += names.get(str(value), [value])
    inter = row.get(f"{column}_type")
    if column.startswith("actor") and (_present(row.get(f"{column}_text")) or _present(inter)):
        text = row.get(f"{column}_text") if _present(row.get(f"{column}_text")) else None
        found.append(acled.actor_name(text, int(inter) if _present(inter) else None))
    return [str(n) for n in found if _present(n)]


EVENT_FIELDS = {  # scored field → the predicted columns it is read from
    "event_type": ["event_type"], "sub_event_type": ["sub_event_type"],
    "actor1": ["actor1", "actor1_text", "actor1_type"], "actor2": ["actor2", "actor2_text", "actor2_type"],
    "location": ["location", "location_text"], "location or admin1": ["location", "location_text"],
    "event_date": ["event_date", "date_text"],
}


def score_events(gold_events: list[GoldEvent], tables: dict, threshold: float = FUZZY_THRESHOLD) -> dict:
    """Per-note accuracies of the main event's fields, type P/R/F1, coverage and events per note."""
    missing: list[str] = []
    optional = tuple(dict.fromkeys(c for cs in EVENT_FIELDS.values() for c in cs if c != "event_type"))
    rows = _by_doc(_rows(tables, "events", ("doc_id", "event_type"), (*optional, "modality", "start_char"),
                         missing))
    names = _entity_names(tables)
    # Fields the gold never fills, or the analyser never gives, are left out rather than scored.
    fields = [f for f in EVENT_FIELDS if not all(f"events.{c}" in missing for c in EVENT_FIELDS[f])
              and (f != "sub_event_type" or any(g.sub_event_type for g in gold_events))]
    correct, errors, type_pairs = Counter(), [], []
    coded = [g for g in gold_events if g.event_type is not None]
    uncoded = [g for g in gold_events if g.event_type is None]
    for gold in coded:
        guess = main_event(rows.get(gold.doc_id, []))
        type_pairs.append((gold.event_type, guess["event_type"] if guess else None))
        if guess is None:
            errors.append({"doc_id": gold.doc_id, "error": "no event", "gold_type": gold.event_type})
            continue
        verdict = {f: ok for f, ok in _event_verdict(gold, guess, names, threshold).items() if f in fields}
        correct.update(k for k, ok in verdict.items() if ok)
        if not all(verdict.values()):
            errors.append({"doc_id": gold.doc_id, "wrong": [k for k, ok in verdict.items() if not ok],
                           "gold": dataclasses.asdict(gold) | {"notes": None, "event_date": str(gold.event_date)},
                           "predicted": {k: _jsonable(v) for k, v in guess.items()}})
    quiet = 0  # notes without a codable event for which no asserted event is predicted
    for gold in uncoded:
        guess = main_event(rows.get(gold.doc_id, []))
        quiet += guess is None
        if guess is not None:
            errors.append({"doc_id": gold.doc_id, "error": "event where the gold has none",
                           "predicted": {k: _jsonable(v) for k, v in guess.items()}})
    total = len(coded)
    coded_rows = [r for note in (rows.get(g.doc_id, []) for g in coded) for r in note]
    asserted_rows = [r for r in coded_rows if main_event([r]) is not None]
    accuracies = {f: accuracy(correct[f], total) for f in fields}
    accuracies["coverage (notes with an event)"] = accuracy(sum(p is not None for _, p in type_pairs), total)
    if uncoded:
        accuracies["no asserted event where the gold codes none"] = accuracy(quiet, len(uncoded))
    return {"prf": per_class(type_pairs, "type: "), "accuracy": accuracies,
            "counts": {"notes": len(gold_events), "notes with a coded event": total,
                       "predicted events": len(coded_rows), "asserted events": len(asserted_rows),
                       "events per note": len(coded_rows) / total if total else 0.0,
                       "asserted events per note": len(asserted_rows) / total if total else 0.0},
            "modalities": sorted({str(r["modality"]) for r in coded_rows if _present(r.get("modality"))}),
            "missing_columns": missing, "errors": errors,
            "rules": {"main event": "first asserted row (modality null or 'asserted') with an event type, "
                                    "by start_char",
                      "names": f"normalised, ACLED parentheses dropped, rapidfuzz token_set_ratio >= "
                               f"{threshold:g} against the text as written, or the resolved entity's "
                               "name and aliases (else the value)",
                      "denominator": "gold notes with a coded event; a note without a predicted event is "
                                     "wrong on every field. Notes whose event_type is empty code no event: "
                                     "they are right when no asserted event is predicted"}}


def per_class(pairs: list[tuple[str, str | None]], prefix: str = "") -> dict[str, dict]:
    """P/R/F1 of each class from ``(gold class, predicted class or None)`` pairs, one per item.

    Classes are compared normalised (case, punctuation); each is shown as first spelled in the gold.
    """
    shown: dict[str, str] = {}
    for name in [g for g, _ in pairs] + [p for _, p in pairs]:
        if _present(name):
            shown.setdefault(normalise(name), str(name))
    gold_count = Counter(normalise(g) for g, _ in pairs)
    guess_count = Counter(normalise(p) for _, p in pairs if _present(p))
    hits = Counter(normalise(g) for g, p in pairs if normalise(g) == normalise(p))
    return {f"{prefix}{shown[c]}": prf(hits[c], guess_count[c], gold_count[c])
            for c in sorted(shown, key=lambda c: shown[c].casefold())}


def _event_verdict(gold: GoldEvent, guess: dict, names: dict[str, list[str]], threshold: float) -> dict[str, bool]:
    def name_ok(gold_name, column):
        predicted = _field_names(guess, column, names)
        if not gold_name:
            return not predicted
        return same_name(gold_name, predicted, threshold)

    location = name_ok(gold.location, "location")
    return {
        "event_type": _same_type(gold.event_type, guess.get("event_type")),
        "sub_event_type": _same_type(gold.sub_event_type, guess.get("sub_event_type")),
        "actor1": name_ok(gold.actor1, "actor1"),
        "actor2": name_ok(gold.actor2, "actor2"),
        "location": location,
        "location or admin1": location or (bool(gold.admin1) and name_ok(gold.admin1, "location")),
        # The note is analysed as published on its event_date, which an event without a date of its
        # own falls back to: that date is right only when the text gave it (date_text).
        "event_date": _as_date(guess.get("event_date")) == gold.event_date
        and ("date_text" not in guess or _present(guess.get("date_text"))),
    }


# --------------------------------------------------------------------------------------------
# Running an evaluation


def gold_records(kind: str, gold) -> list[dict]:
    """The ``{doc_id, text, published}`` records to analyse for parsed gold of ``kind``."""
    if kind == "conll":
        return [{"doc_id": d.doc_id, "text": d.text, "published": None} for d in gold]
    if kind == "events":
        return [{"doc_id": g.doc_id, "text": g.notes, "published": g.event_date} for g in gold]
    return [{"doc_id": d.doc_id, "text": d.text, "published": d.published} for d in gold]


READERS = {"conll": read_conll, "timeml": read_timeml, "quotes": read_quotes, "events": read_events}
SCORERS = {"conll": score_conll, "timeml": score_timeml, "quotes": score_quotes, "events": score_events}


def evaluate(kind: str, gold_path, analyse_many=None, options=None, *,
             fuzzy_threshold: float = FUZZY_THRESHOLD) -> dict:
    """Read gold of ``kind`` from ``gold_path``, analyse its texts, score the predictions.

    ``analyse_many(records, options=options) -> dict[str, DataFrame]`` defaults to
    ``helpers.analyse_many``. Returns a JSON-ready dict: ``kind``, ``gold``, ``options``
    (the analyser's, as given; None for its defaults), ``created``,
    ``prf`` (name → precision/recall/f1/correct/predicted/gold), ``accuracy`` (name →
    accuracy/correct/total), ``counts``, ``missing_columns`` (optional predicted columns the
    analyser did not return; the scores that need them are left out), ``errors`` (each miss, for
    reading) and ``rules`` (how matching was done). Raises :class:`GoldError` for bad gold and
    ``ValueError`` for an unknown kind.
    """
    if kind not in READERS:
        raise ValueError(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    gold = READERS[kind](Path(gold_path))
    if analyse_many is None:
        from .api import analyse_many  # imported here: the analysis loads spaCy

        options = analysis_options() if options is None else options
    tables = analyse_many(gold_records(kind, gold), options=options)
    result = score_events(gold, tables, fuzzy_threshold) if kind == "events" else SCORERS[kind](gold, tables)
    result.setdefault("accuracy", {})
    described = dataclasses.asdict(options) if dataclasses.is_dataclass(options) else options
    return {"kind": kind, "gold": str(gold_path), "options": described,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **result}


def analysis_options(model: str | None = None):
    """The analyser's default options, with another spaCy pipeline when ``model`` is given,
    analysing every gold text whatever language cleaning detects: a run skips a three-word
    headline as undetermined and a short report that opens with a French quote as French, but
    the gold says what such texts hold, and a text left out would count as every entity missed."""
    from . import analysis

    return analysis.Options(keep_other_languages=True, **({"model": model} if model else {}))


def write_report(result: dict, out: Path | str | None = None) -> Path:
    """Write ``result`` as JSON; returns the path.

    ``out`` is a ``.json`` file, or a folder (default ``reports/evaluations/``) where the file is
    named ``<kind>-<UTC time>.json``. The file gets the permissions of the user's umask, like any
    file the user creates.
    """
    out = Path(out) if out else paths.REPORTS / "evaluations"
    if out.suffix != ".json":
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        target = out / f"{result['kind']}-{stamp}.json"
        n = 2
        while target.exists():
            target = out / f"{result['kind']}-{stamp}-{n}.json"
            n += 1
        out = target
    store.write_json(out, result)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(out, 0o666 & ~mask)  # the atomic write's temporary file is private (0600)
    return out


def format_table(result: dict) -> str:
    """The figures of a result as a plain-text table for the terminal."""
    lines = [f"newsdesk evaluate: {result['kind']} gold {result['gold']}"]
    counts = ", ".join(f"{k} {_number(v)}" for k, v in result.get("counts", {}).items())
    if counts:
        lines.append(counts)
    if result.get("prf"):
        width = max(len(k) for k in result["prf"]) + 2
        lines += ["", f"{'':{width}}{'precision':>10}{'recall':>10}{'F1':>10}{'correct':>9}{'pred':>7}{'gold':>7}"]
        for name, s in result["prf"].items():
            lines.append(f"{name:{width}}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['f1']:>10.3f}"
                         f"{s['correct']:>9}{s['predicted']:>7}{s['gold']:>7}")
    if result.get("accuracy"):
        width = max(len(k) for k in result["accuracy"]) + 2
        lines += ["", f"{'':{width}}{'accuracy':>10}{'correct':>9}{'total':>7}"]
        for name, a in result["accuracy"].items():
            lines.append(f"{name:{width}}{a['accuracy']:>10.3f}{a['correct']:>9}{a['total']:>7}")
    if result.get("by_kind"):
        lines.append("")
    for kind, c in result.get("by_kind", {}).items():
        lines.append(f"quote kind {kind}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    if result.get("missing_columns"):
        lines += ["", "not scored, the analyser returned no column(s): " + ", ".join(result["missing_columns"])]
    return "\n".join(lines)


def _number(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
