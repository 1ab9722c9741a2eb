"""Who said what: attributed quotes from a parsed Doc.

Quoted spans are found in the text (straight or curly marks). Each is attributed to the
nearest verb of speech (``data/lexicons/speech_cues.txt``) outside the quotes in the same or
the preceding sentence; the speaker is that verb's subject (or the object of "according to").
A quote split by its attribution (``"We will respond," Haddad said, "at a time of our
choosing."``) becomes one record; a quote that runs over several paragraphs (each opens with a
quotation mark, only the last closes) takes the speaker named at its end. Pronoun speakers take
the latest fitting name that was a subject; "the group" and its like, the latest organisation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from pathlib import Path

from . import entities, paths

CUES_FILE = paths.LEXICONS / "speech_cues.txt"
DEFAULT_CUES = {"say", "tell", "add", "state", "announce", "claim", "warn", "insist", "deny",
                "confirm", "note", "write", "explain", "argue", "stress", "quip", "declare",
                "reiterate", "vow", "threaten", "urge", "ask", "reply", "respond"}
# Opening mark → the marks that may close it.
QUOTE = re.compile(r'"(?P<a>[^"\n]{2,}?)"|\u201c(?P<b>[^\u201c\u201d\n]{2,}?)[\u201d"]'
                   r"|\u00ab\s?(?P<c>[^\u00ab\u00bb\n]{2,}?)\s?\u00bb")
PRONOUNS = {"he": "PERSON", "she": "PERSON", "they": None, "it": None, "we": None}
SUBJECTS = {"nsubj", "nsubjpass"}


def load_cues(path: Path = CUES_FILE) -> set[str]:
    """Lemmas of verbs of speech, from a data file (``#`` comments), or a built-in default."""
    if not Path(path).exists():
        return set(DEFAULT_CUES)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return {ln.strip().lower() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")}


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges (without the marks) of quoted passages in ``text``."""
    spans = []
    for match in QUOTE.finditer(text):
        group = next(g for g in ("a", "b", "c") if match.group(g) is not None)
        spans.append((match.start(group), match.end(group)))
    return spans


def open_paragraph_quotes(text: str) -> list[tuple[int, int]]:
    """Quotes that run on into the next paragraph, the news way: the paragraph opens a quote
    and never closes it, and the next paragraph opens the quote again.

    Returns the character ranges (without the opening mark) up to the end of each such
    paragraph.
    """
    spans = []
    paragraphs = [m for m in re.finditer(r"[^\n]+", text)]
    for paragraph, following in zip(paragraphs, paragraphs[1:], strict=False):
        line = paragraph.group()
        opened = max(line.rfind("\u201c"), line.rfind("\u00ab"))
        closed = max(line.rfind("\u201d"), line.rfind("\u00bb"))
        if opened < 0 or opened < closed:
            # Straight marks: a paragraph that starts with one and holds an odd number of them.
            if not (line.startswith('"') and line.count('"') % 2 == 1):
                continue
            opened = 0
        if following.group().lstrip()[:1] in {'"', "\u201c", "\u00ab"}:
            start = paragraph.start() + opened + 1
            if len(text[start:paragraph.end()].split()) >= 2:
                spans.append((start, paragraph.end()))
    return spans


def _speaker_span(verb, inside: set[int]):
    """The subject phrase of a speech verb (outside the quotes), trimmed of clauses."""
    subject = next((c for c in verb.children if c.dep_ in SUBJECTS), None)
    if subject is None and verb.dep_ in {"conj", "advcl"}:  # "..., he said and added"
        subject = next((c for c in verb.head.children if c.dep_ in SUBJECTS), None)
    if subject is None:
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        subject = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
    if subject is None or subject.idx in inside:
        return None
    keep = [t for t in subject.subtree if _inside(t, subject)]
    span = subject.doc[min(t.i for t in keep):max(t.i for t in keep) + 1]
    # Widen to whole entities the phrase cuts through ("al" of "al-Darraji"), by the tokens'
    # entity tags (doc.ents is rebuilt from every token on each access).
    doc, start, end = subject.doc, span.start, span.end
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def _inside(token, head) -> bool:
    """Whether ``token`` is in ``head``'s phrase proper (no clause, apposition or place)."""
    node = token
    while node != head:
        if node.dep_ in {"relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "parataxis"}:
            return False
        if node.dep_ == "prep" and node.lower_ not in {"of", "for"}:
            return False
        node = node.head
    return True


def _according_to(tokens):
    for token in tokens:
        if token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor().lower_ == "to":
            pobj = next((c for c in token.nbor().children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return token, pobj.doc[pobj.left_edge.i:pobj.right_edge.i + 1]
    return None


def _resolve_pronoun(span, names: list):
    """A pronoun or description speaker → the name it most likely refers to; else itself.

    The latest fitting name that was the subject of its sentence wins ("The group said ...
    They added"); failing that, the latest fitting name. "The group" and its like refer to
    organisations (:func:`helpers.entities.is_group_description`).
    """
    if entities.is_group_description(span):
        return entities.referent(span, names, entities.ORGANISATION_LABELS) or span
    wanted = PRONOUNS.get(span.text.lower(), "")
    if wanted == "" or len(span) != 1:
        return span
    labels = {wanted} if wanted else entities.ORGANISATION_LABELS | {"GPE"}
    return entities.referent(span, names, labels) or span


def _represented(speaker, names: list):
    """The organisation a speaker speaks for when the phrase calls it "the group" ("the group's
    spokesman", "a spokesman for the militia"), else ``None``."""
    for token in speaker:
        if token.lower_ in entities.GROUP_NOUNS and token.dep_ in {"poss", "pobj"}:
            phrase = speaker.doc[token.left_edge.i:token.i + 1]
            if entities.is_group_description(phrase):
                return entities.referent(phrase, names, entities.ORGANISATION_LABELS)
    return None


SPEAKER_FIELDS = ("speaker_text", "speaker_start", "speaker_end", "represents_start", "represents_end", "cue")


def extract(doc, cues: Iterable[str] | None = None, text: str | None = None) -> list[dict]:
    """Quote records of a parsed Doc.

    Returns dicts with: speaker_text, speaker_start, speaker_end (character offsets of the
    speaker phrase, for entity lookup), represents_start, represents_end (the organisation
    the speaker speaks for when the phrase only calls it "the group", else ``None``), cue,
    quote, start_char, end_char.
    """
    cues = set(cues) if cues is not None else load_cues()
    text = doc.text if text is None else text  # Doc.text joins every token on each access
    running_on = open_paragraph_quotes(text)
    spans = sorted({s for s in quoted_spans(text) if len(text[s[0]:s[1]].split()) >= 2} | set(running_on))
    if not spans:
        return []
    inside = set()
    for start, end in spans:
        inside.update(range(start, end))
    names = [e for e in doc.ents if e.label_ in entities.ORGANISATION_LABELS | {"PERSON", "GPE"}]
    sentences = list(doc.sents)
    sentence_starts = [s.start_char for s in sentences]

    def window(start: int, end: int) -> list:
        """Sentences touching the quote, plus the one before when the quote opens a sentence.

        Sentences are found by bisection: scanning them all for every quote made quotes grow
        with the square of the document's length.
        """
        first_index = max(bisect.bisect_right(sentence_starts, start - 1) - 1, 0)
        chosen, index = [], first_index
        while index < len(sentences) and sentences[index].start_char < end + 1:
            if sentences[index].end_char > start - 1:
                chosen.append((index, sentences[index]))
            index += 1
        if chosen and text[chosen[0][1].start_char:start].strip(' "\u201c') == "":
            index = chosen[0][0]
            if index and sentences[index - 1].text.rstrip().endswith(":"):
                chosen.insert(0, (index - 1, sentences[index - 1]))
        return [sentence for _, sentence in chosen]

    records = []
    for start, end in spans:
        around = [t for s in window(start, end) for t in s if t.idx not in inside]
        verbs = [t for t in around if t.lemma_.lower() in cues and t.pos_ in {"VERB", "AUX"}]
        verb = min(verbs, key=lambda t: min(abs(t.idx - start), abs(t.idx - end))) if verbs else None
        speaker, cue = None, None
        if verb is not None:
            cue, speaker = verb.text, _speaker_span(verb, inside)
        else:
            found = _according_to(around)
            if found:
                cue, speaker = "according to", found[1]
        represents = None
        if speaker is not None:
            speaker = _resolve_pronoun(speaker, names)
            represents = _represented(speaker, names)
        if cue is None and len(text[start:end].split()) < 4:
            continue  # a short unattributed quote is a scare quote, not speech
        records.append({
            "speaker_text": speaker.text if speaker is not None else None,
            "speaker_start": speaker.start_char if speaker is not None else None,
            "speaker_end": speaker.end_char if speaker is not None else None,
            "represents_start": represents.start_char if represents is not None else None,
            "represents_end": represents.end_char if represents is not None else None,
            "cue": cue, "quote": text[start:end].strip(), "start_char": start, "end_char": end,
        })
    records = carry_speakers(merge_split(records, text), text)
    return attribute_running_on(records, {start for start, _ in running_on})


def attribute_running_on(records: list[dict], running_on: set[int]) -> list[dict]:
    """A paragraph of a quote that runs on takes the speaker of the paragraph that ends it."""
    for index in range(len(records) - 2, -1, -1):
        record, after = records[index], records[index + 1]
        if record["start_char"] in running_on and record["cue"] is None and after["cue"] is not None:
            for field in SPEAKER_FIELDS:
                record[field] = after[field]
    return records


def carry_speakers(records: list[dict], text: str) -> list[dict]:
    """An unattributed quote continues the attributed quote before it in the same paragraph."""
    for previous, record in zip(records, records[1:], strict=False):
        if record["cue"] is None and previous["cue"] is not None \
                and "\n" not in text[previous["end_char"]:record["start_char"]]:
            for field in SPEAKER_FIELDS:
                record[field] = previous[field]
    return records


def merge_split(records: list[dict], text: str) -> list[dict]:
    """Join a quote interrupted by its attribution: ``"A," X said, "b."`` → one record."""
    merged: list[dict] = []
    for record in records:
        if merged:
            last = merged[-1]
            between = text[last["end_char"]:record["start_char"]]
            continues = (last["quote"].endswith(",") or record["quote"][:1].islower())
            if (continues and last["cue"] is not None and len(between) < 80 and "\n" not in between
                    and not re.search(r"[.!?]\s*$", between.strip(' "\u201c\u201d'))
                    and last["speaker_start"] is not None
                    and last["speaker_start"] >= last["end_char"]
                    # The second part has no speaker of its own: 'X said. Y said: "..."' is two quotes.
                    and record["speaker_start"] in (None, last["speaker_start"])):
                last["quote"] = f"{last['quote'].rstrip(',')} {record['quote']}"
                last["end_char"] = record["end_char"]
                continue
        merged.append(dict(record))
    return merged
