"""Who said what: attributed quotes from a parsed Doc.

Quoted spans are found in the text (straight, curly, doubled-apostrophe ``''...''`` or guillemet
marks). Each is attributed to the nearest verb of speech or phrase such as "according to"
(``data/lexicons/speech_cues.txt``) outside the quotes in the same or the preceding sentence;
the speaker is that verb's subject (or the object of "according to"), never a dateline
("WASHINGTON —").

Every record has a ``kind``:

* ``direct``: the quote is a clause or sentence of its own, opening its sentence or introduced
  by its attribution ("X said:", "X said,") and closing it or followed by the attribution;
* ``mixed``: a quoted clause (its own subject and verb) embedded in indirect speech (``X said
  that "we will never leave"``);
* ``partial``: a quoted fragment inside indirect speech (``They said "painful strikes" would
  follow``).

Quoted words in running text that no verb of speech attributes, names and titles ("Meet the
Press") and words after a marker such as "so-called" (``data/lexicons/scare_quote_markers.txt``)
are scare quotes, not records.

A quote split by its attribution (``"We will respond," Haddad said, "at a time of our
choosing."``) becomes one record. An unattributed direct quote continues the speaker of the
direct quote before it, in the same paragraph or as the next paragraph; a quote that runs over
several paragraphs (each opens with a quotation mark, only the last closes) takes the speaker
of the paragraph before it, else the one named at its end. Pronoun speakers take the nearest
fitting earlier speaker or subject outside any quote; "the group" and its like, the latest
organisation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from . import entities, lexicons
from .records import Record
from .vocab import ORGANISATION_LABELS

# Opening mark → the marks that may close it.
QUOTE = re.compile(r'"(?P<a>[^"\n]{2,}?)"|\u201c(?P<b>[^\u201c\u201d\n]{2,}?)[\u201d"]'
                   r"|\u00ab\s?(?P<c>[^\u00ab\u00bb\n]{2,}?)\s?\u00bb"
                   r"|(?:''|``)(?P<d>[^\n]{2,}?)''"
                   r"|\u2039\s?(?P<e>[^\u2039\u203a\n]{2,}?)\s?\u203a")
GROUPS = ("a", "b", "c", "d", "e")
OPENERS = ('"', "\u201c", "\u00ab", "''", "``", "\u2039")
MARKS = "\"'`\u201c\u201d\u00ab\u00bb\u2039\u203a\u2018\u2019"
PRONOUNS = {"he": "PERSON", "she": "PERSON", "they": None, "it": None}
SUBJECTS = {"nsubj", "nsubjpass"}
KINDS = ("direct", "mixed", "partial")
SENTENCE_END = re.compile(r"[.!?\u2026][" + MARKS + r"\)\]]*\s")
# "WASHINGTON —", "KYIV, Ukraine (AP) —", "LONDON (Reuters) -": a place in capitals opening a
# paragraph, then a dash.
DATELINE = re.compile(r"(?m)^[ \t]*[A-Z][A-Z.'\-]+(?:[ ,]+[A-Z][A-Za-z.'\-]*){0,3}\s*(?:\([^)\n]{1,40}\))?"
                      r"\s*(?:\u2014|\u2013|--?)\s*")
FINITE = {"VBD", "VBZ", "VBP", "MD"}
MINOR_WORDS = {"the", "of", "and", "a", "an", "in", "on", "for", "to", "at", "with", "&"}


def load_cues() -> set[str]:
    """Lemmas of verbs of speech and phrases such as "according to"
    (``data/lexicons/speech_cues.txt``).

    The other quote lexicons (scare-quote markers, person nouns) are reread after this call,
    so edits to them count when the analyser loads.
    """
    scare_markers.cache_clear()
    person_nouns.cache_clear()
    return set(lexicons.speech_cues())


@dataclass(frozen=True)
class Quote(Record):
    """One quotation of a document with its attribution (character offsets into the text)."""

    speaker_text: str | None  # the speaker as written; None when unattributed
    speaker_start: int | None
    speaker_end: int | None
    represents_start: int | None  # the organisation a speaker like "the group's spokesman" speaks for
    represents_end: int | None
    cue: str | None  # the verb of speech, or "according to"
    quote: str
    start_char: int
    end_char: int
    kind: str  # direct, mixed or partial (see the module's docstring)


def cue_forms(cues: Iterable[str]) -> frozenset[str]:
    """Surface forms of the cue verbs ("said", "tells"), to read an attribution without a parse."""
    return lexicons.verb_forms(c for c in cues if " " not in c)


@lru_cache(maxsize=1)
def scare_markers() -> tuple[str, ...]:
    """Words that make the quoted words after them a name or label ("so-called"), from
    ``data/lexicons/scare_quote_markers.txt``."""
    return tuple(word.lower() for word in lexicons.words(lexicons.SCARE_QUOTE_MARKERS))


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges (without the marks) of quoted passages in ``text``."""
    spans = []
    for match in QUOTE.finditer(text):
        group = next(g for g in GROUPS if match.group(g) is not None)
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
        width = 1
        if opened < 0 or opened < closed:
            # Straight or doubled marks: a paragraph that holds an odd
            # number of them; the last one opens the quote that runs on.
            mark = next((m for m in ("''", "``", '"') if m in line), None)
            if mark is None or (line.count(mark) + (line.count("''") if mark == "``" else 0)) % 2 != 1:
                continue
            opened, width = line.rfind(mark), len(mark)
        if following.group().lstrip().startswith(OPENERS):
            start = paragraph.start() + opened + width
            if len(text[start:paragraph.end()].split()) >= 2:
                spans.append((start, paragraph.end()))
    return spans


def datelines(text: str) -> list[tuple[int, int]]:
    """Character ranges of datelines ("WASHINGTON —") that open paragraphs: never speakers."""
    return [(m.start(), m.end()) for m in DATELINE.finditer(text)]


def _speaker_span(verb, inside: set[int], dateline_ends: dict[int, int]):
    """The subject phrase of a speech verb (outside the quotes and datelines), trimmed of clauses."""
    subject = next((c for c in verb.children if c.dep_ in SUBJECTS and c.idx not in inside), None)
    if subject is None and verb.dep_ in {"conj", "advcl"}:  # "..., he said and added"
        subject = next((c for c in verb.head.children if c.dep_ in SUBJECTS and c.idx not in inside), None)
    if subject is None:
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        subject = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
    if subject is None:
        subject = _inverted_subject(verb, inside)
    if subject is None or subject.idx in inside:
        return None
    if subject.lower_ in {"which", "who", "that"} and verb.dep_ == "relcl":
        subject = verb.head  # "the ministry, which said ...": the ministry speaks
        if subject.idx in inside:
            return None
    named = _apposed_name(subject)
    if named is not None:
        return _without_dateline(named, dateline_ends)
    keep = [t for t in subject.subtree if _inside(t, subject) and t.idx not in inside]
    doc = subject.doc
    start, end = min(t.i for t in keep), max(t.i for t in keep) + 1
    # Widen to whole entities the phrase cuts through ("al" of "al-Darraji"), by the tokens'
    # entity tags (doc.ents is rebuilt from every token on each access).
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return _without_dateline(doc[start:end], dateline_ends)


def _inverted_subject(verb, inside: set[int]):
    """The speaker when the parse found no subject: after a verb that follows the quote ('"...,"
    gushed coach Harriet Lowe', '"...!" shouted a firefighter'), else the first noun between
    the quote and the verb ('"...," the man, Nabil Ghosn, told reporters')."""
    doc = verb.doc
    left = doc[verb.sent.start:verb.i]
    quoted = [t for t in left if t.idx in inside]
    between = [t for t in left if quoted and t.i > quoted[-1].i]
    if between and not all(t.is_punct for t in between):
        nouns = [t for t in between if t.pos_ in {"NOUN", "PROPN"}]
        heads = [t for t in nouns if t.head not in between]  # the phrase's own head
        return next((t for t in between if t.ent_type_ == "PERSON"), None) or next(iter(heads + nouns), None)
    for child in verb.rights:
        if child.idx in inside or child.is_punct:
            continue
        if child.pos_ in {"NOUN", "PROPN"} and child.dep_ in {"dobj", "npadvmod", "attr", "nsubj", "dep",
                                                              "appos", "oprd", "conj"}:
            return child
        break
    # A name right after the verb, maybe after a title ("exclaimed Mayor Carlos Mendes").
    following = doc[verb.i + 1:verb.i + 4]
    return next((t for t in following if t.ent_type_ == "PERSON" and t.ent_iob_ == "B"), None)


def _apposed_name(subject):
    """A name in apposition to a described speaker ("the transport secretary, Owen Price,";
    "the French minister Claire Dumont"), as a span, or ``None``."""
    for child in subject.children:
        # The model tags some such names ORG ("the club's chairman, Roy Diallo,").
        if (child.i > subject.i and subject.ent_type_ != "PERSON"
                and ((child.dep_ == "appos" and child.pos_ == "PROPN")
                     or (child.dep_ in {"appos", "compound"} and child.ent_type_ == "PERSON"))):
            doc = subject.doc
            start, end = child.i, child.i + 1
            while start > 0 and doc[start].ent_iob_ == "I":
                start -= 1
            while end < len(doc) and doc[end].ent_iob_ == "I":
                end += 1
            return doc[start:end]
    return None


def _without_dateline(span, dateline_ends: dict[int, int]):
    """``span`` cut after a dateline it starts with; ``None`` when nothing else is left."""
    for begin, finish in dateline_ends.items():
        if span.start_char < finish and span.end_char > begin:
            rest = [t for t in span if t.idx >= finish and not t.is_punct]
            return span.doc[rest[0].i:span.end] if rest else None
    return span


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


def _phrase_cue(tokens, phrases: set[str]):
    """A cue phrase such as "according to" among ``tokens`` and the phrase its object names."""
    for phrase in phrases:
        words = phrase.split()
        for token in tokens:
            doc = token.doc
            if token.i + len(words) > len(doc) or [t.lower_ for t in doc[token.i:token.i + len(words)]] != words:
                continue
            last = doc[token.i + len(words) - 1]
            pobj = next((c for c in last.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return phrase, doc[pobj.left_edge.i:pobj.right_edge.i + 1]
    return None


# --- which quotes are speech ---------------------------------------------------------------------

def clause_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The words of the sentence before a quote's opening mark and after its closing mark.

    ``lead`` runs from the last sentence end (or paragraph start) to the opening mark; ``tail``
    from the closing mark to the next sentence end (or paragraph end).
    """
    paragraph_start = text.rfind("\n", 0, start) + 1
    dateline = DATELINE.match(text, paragraph_start)
    if dateline and dateline.end() <= start:
        paragraph_start = dateline.end()
    lead = text[paragraph_start:start].rstrip(" " + MARKS)
    ends = list(SENTENCE_END.finditer(lead + " "))
    if ends:
        lead = lead[min(ends[-1].end(), len(lead)):]
    paragraph_end = text.find("\n", end)
    tail = text[end:paragraph_end if paragraph_end >= 0 else len(text)].lstrip(" " + MARKS)
    stop = SENTENCE_END.search(tail + " ")
    return lead.strip(), tail[:stop.start() + 1 if stop else len(tail)].strip()


def _is_title(quote: str) -> bool:
    """Capitalised words without closing punctuation: a name or title ("Meet the Press")."""
    words = quote.split()
    return (len(words) <= 8 and quote[-1:].isalnum()
            and all(w[:1].isupper() or w[:1].isdigit() or w.lower() in MINOR_WORDS for w in words))


def _has_clause(doc, start: int, end: int) -> bool:
    """Whether the quoted words hold a subject and its finite verb ("we will never leave")."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    # The quote's own heads (tokens whose head is outside it), not a relative clause inside it.
    heads = [t for t in span if not span.start <= t.head.i < span.end or t.head == t]
    return any(any(c.dep_ in SUBJECTS for c in t.children)
               and (t.tag_ in FINITE or any(c.tag_ == "MD" or c.dep_ == "aux" for c in t.children))
               for t in heads)


def quote_kind(text: str, start: int, end: int, attributed: bool, forms: Iterable[str] = (),
               doc=None) -> str | None:
    """What a quoted passage is: ``"direct"``, ``"mixed"``, ``"partial"``, or ``None`` for a scare
    quote, name or title.

    ``attributed`` says whether a verb of speech attributes it; ``forms`` are the surface forms
    of those verbs ("said", "told"), for attributions without a comma (``He said "We won."``);
    ``doc`` is the parsed Doc, needed to tell a quoted clause (mixed) from a fragment (partial).
    """
    quote = text[start:end].strip()
    lead, tail = clause_context(text, start, end)
    lowered = lead.lower()
    if any(lowered == m or lowered.endswith(" " + m) or lowered.endswith("-" + m) for m in scare_markers()):
        return None
    last_words = [w.strip(",.;:").lower() for w in lead.split()[-3:]]
    opens = (lead == "" or lead[-1] in ":,;\u2014\u2013"
             or (attributed and any(w in forms for w in last_words) and quote[:1].isupper()))
    closes = (tail == "" or tail[0] in ".!?\u2026,;\u2014\u2013" or quote[-1:] in ".!?\u2026,;:")
    capital = quote[:1].isupper() or quote[:1].isdigit() or quote[:1] in MARKS + "\u2026."
    continuing = lead.endswith(",") and lead[:1] in MARKS  # '"A," he said, "b."'
    if opens and closes and (capital or continuing or lead == ""):
        if _is_title(quote) and lead != "":
            return None
        if not attributed and len(quote.split()) < 4:
            return None  # a short unattributed quote is a scare quote, not speech
        return "direct"
    if not attributed or len(quote.split()) < 2 or _is_title(quote):
        return None
    return "mixed" if doc is not None and _has_clause(doc, start, end) else "partial"


# --- who said it ----------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def person_nouns() -> frozenset[str]:
    """Lemmas of nouns that name people ("governor"), from ``data/lexicons/person_nouns.txt``,
    plus the words of titles."""
    words = {w for title in entities.load_titles() for w in entities.fold_chars(title).split()}
    return frozenset(words | {word.lower() for word in lexicons.words(lexicons.PERSON_NOUNS)})


# Endings of nouns for agents ("rapper", "lobbyist", "librarian"): a last resort for he/she.
AGENT_NOUN = re.compile(r"(?:er|or|ist|ian|ant|ent|man|woman|person)$")


def subject_phrases(doc, blocked: set[int], weak: bool = False) -> list:
    """Noun phrases that are the subject of their clause and name a person ("the governor"),
    outside quotes and datelines (``blocked`` character offsets), not entities: candidates
    for a later "he" or "she". With ``weak``, nouns that only end like an agent noun
    ("the rapper") count instead of those in ``person_nouns.txt``."""
    found = []
    for token in doc:
        if token.dep_ not in SUBJECTS or token.pos_ != "NOUN" or token.ent_type_ or token.idx in blocked:
            continue
        lemma = token.lemma_.lower()
        listed, agent = lemma in person_nouns(), AGENT_NOUN.search(lemma) is not None
        if (not weak and not listed) or (weak and (listed or not agent)):
            continue
        found.append(_apposed_name(token) or doc[token.left_edge.i:token.i + 1])
    return found


def _fits(candidate, wanted: str | None, plural: bool) -> bool:
    """Whether an earlier speaker or subject can be what a pronoun refers to.

    ``wanted`` is PERSON for he/she, else ``None`` (they/it: organisations, places, groups and
    plural descriptions such as "US officials").
    """
    labels = {t.ent_type_ for t in candidate if t.ent_type_}
    root = candidate.root
    group = entities.is_group_description(candidate) or root.lower_ in entities.GROUP_NOUNS
    if wanted == "PERSON":
        if "PERSON" in labels:
            return True
        return not labels and not group and root.tag_ in {"NN", "NNP"}
    if labels & (ORGANISATION_LABELS | {"GPE"}) or group:
        return True
    return plural and root.tag_ in {"NNS", "NNPS"}


def resolve_pronoun(span, names: list, spoken: list, people: list = (), blocked: set[int] = frozenset()):
    """A pronoun or description speaker → the phrase it most likely refers to; else itself.

    ``names`` are the Doc's entity spans outside quotes; ``spoken`` the speaker phrases of the
    quotes before (spans); ``people`` subject phrases that name a person (:func:`subject_phrases`),
    for he/she; ``blocked`` the character offsets of quotes and datelines. The subject of a
    clause governing the pronoun's in the same sentence wins ("The office condemned what it
    called ..."). "The group" and its like take the organisation named before them
    (:func:`helpers.entities.referent`). A pronoun takes the nearest earlier speaker or entity
    that was the subject of its clause and fits it (he/she: a person; they/it: an organisation,
    a place, a group or a plural description); failing that, the latest fitting name.
    """
    if entities.is_group_description(span):
        return entities.referent(span, names, ORGANISATION_LABELS) or span
    word = span.text.lower()
    if word not in PRONOUNS or len(span) != 1:
        return span
    wanted, plural = PRONOUNS[word], word == "they"
    governing = _governing_subject(span[0], wanted, blocked)
    if governing is not None:
        return governing
    before = [n for n in names if n.end_char <= span.start_char]
    # A name in apposition to a subject counts as one ("One of them, Rosa Kim, said").
    subjects = [n for n in before if n.root.dep_ in SUBJECTS
                or (n.root.dep_ == "appos" and n.root.head.dep_ in SUBJECTS)]
    subjects += [s for s in spoken if s.end_char <= span.start_char]
    if wanted == "PERSON":
        subjects += [p for p in people if p.end_char <= span.start_char]
    fitting = [c for c in subjects if _fits(c, wanted, plural)]
    if not fitting:
        labels = {"PERSON"} if wanted else ORGANISATION_LABELS | {"GPE"}
        fitting = [n for n in before if n.label_ in labels]
    if not fitting and wanted == "PERSON":
        fitting = [p for p in subject_phrases(span.doc, blocked, weak=True) if p.end_char <= span.start_char]
    return max(fitting, key=lambda c: c.start_char) if fitting else span


def _governing_subject(pronoun, wanted: str | None, blocked: set[int]):
    """The subject of a clause that governs the pronoun's clause in the same sentence ("The
    office condemned what it called ..."), before the pronoun and outside quotes (``blocked``
    character offsets), when it is a fitting noun phrase; else ``None``."""
    for verb in pronoun.head.ancestors:
        if verb.idx in blocked:
            return None
        subject = next((c for c in verb.children if c.dep_ in SUBJECTS
                        and c.i < pronoun.i and c.idx not in blocked), None)
        if subject is None or subject.pos_ == "PRON":
            continue
        phrase = pronoun.doc[subject.left_edge.i:subject.i + 1]
        person = subject.ent_type_ == "PERSON" or subject.lemma_.lower() in person_nouns()
        return phrase if person == (wanted == "PERSON") else None
    return None


def _represented(speaker, names: list):
    """The organisation a speaker speaks for when the phrase calls it "the group" ("the group's
    spokesman", "a spokesman for the militia"), else ``None``."""
    for token in speaker:
        if token.lower_ in entities.GROUP_NOUNS and token.dep_ in {"poss", "pobj"}:
            phrase = speaker.doc[token.left_edge.i:token.i + 1]
            if entities.is_group_description(phrase):
                return entities.referent(phrase, names, ORGANISATION_LABELS)
    return None


SPEAKER_FIELDS = ("speaker_text", "speaker_start", "speaker_end", "represents_start", "represents_end", "cue")


DASH_ATTRIBUTION = re.compile(r"[ \t]*[\u2015\u2014\u2013-]{1,2}[ \t]*")


def _dash_attribution(doc, text: str, end: int):
    """``("—", name)`` when a quote is signed after a dash on its own line ('"..." ― Lena
    Brandt, Denver': readers' comments, pull quotes), else ``None``. The name is the person
    (or organisation) entity that starts right after the dash."""
    closing = end
    while closing < len(text) and text[closing] in MARKS:
        closing += 1
    dash = DASH_ATTRIBUTION.match(text, closing)
    if dash is None or dash.end() == closing:
        return None
    name = next((e for e in doc.ents if e.start_char == dash.end() and e.label_ in {"PERSON", "ORG"}), None)
    return ("\u2014", name) if name is not None else None


def extract(doc, cues: Iterable[str] | None = None, text: str | None = None) -> list[Quote]:
    """Quote records of a parsed Doc.

    Returns :class:`Quote` records: speaker_text, speaker_start, speaker_end (character offsets of the
    speaker phrase, for entity lookup), represents_start, represents_end (the organisation
    the speaker speaks for when the phrase only calls it "the group", else ``None``), cue,
    quote, start_char, end_char, kind (direct, mixed or partial: see the module's docstring).
    """
    cues = set(cues) if cues is not None else load_cues()
    phrases = {c for c in cues if " " in c}
    forms = cue_forms(cues)
    text = doc.text if text is None else text  # Doc.text joins every token on each access
    running_on = open_paragraph_quotes(text)
    spans = sorted({s for s in quoted_spans(text) if len(text[s[0]:s[1]].split()) >= 2} | set(running_on))
    if not spans:
        return []
    inside = set()
    for start, end in spans:
        inside.update(range(start, end))
    dateline_ends = dict(datelines(text))
    dateline_chars = {i for begin, finish in dateline_ends.items() for i in range(begin, finish)}
    names = [e for e in doc.ents if e.label_ in ORGANISATION_LABELS | {"PERSON", "GPE"}
             and e.start_char not in inside
             and not any(b <= e.start_char < f for b, f in dateline_ends.items())]
    sentences = list(doc.sents)
    people = subject_phrases(doc, inside | dateline_chars)
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
        if chosen and text[chosen[0][1].start_char:start].strip(" " + MARKS) == "":
            index = chosen[0][0]
            if index and sentences[index - 1].text.rstrip().endswith(":"):
                chosen.insert(0, (index - 1, sentences[index - 1]))
        # '"Why now?" Graham asked.': the splitter ends a sentence at the question mark, so the
        # attribution right after the closing mark is a sentence of its own.
        after = chosen[-1][0] + 1 if chosen else None
        if (after is not None and after < len(sentences) and text[end - 1:end] in {"?", "!"}
                and text[end:sentences[after].start_char].strip(" " + MARKS) == ""
                and "\n" not in text[end:sentences[after].start_char]):
            chosen.append((after, sentences[after]))
        return [sentence for _, sentence in chosen]

    records, spoken = [], []
    for start, end in spans:
        around = [t for s in window(start, end) for t in s if t.idx not in inside]
        verbs = [t for t in around if t.lemma_.lower() in cues and t.pos_ in {"VERB", "AUX"}]
        # A verb in the quote's own paragraph wins over one in the paragraph before
        # (which counts when it introduces the quote: 'He said:').
        paragraph_start = text.rfind("\n", 0, start) + 1
        paragraph_end = text.find("\n", end) % (len(text) + 1)
        verbs = [t for t in verbs if paragraph_start <= t.idx < paragraph_end] or verbs
        # A verb that governs the quoted words wins ('Tangara said the group would continue
        # "until ..."' is Tangara's, not the group's).
        first = next((t for t in doc.char_span(start, end, alignment_mode="expand") or [] if not t.is_punct), None)
        governing = [t for t in verbs if first is not None and t in first.ancestors]
        verbs = governing or verbs
        verb = min(verbs, key=lambda t: min(abs(t.idx - start), abs(t.idx - end))) if verbs else None
        speaker, cue = None, None
        if verb is not None:
            cue, speaker = verb.text, _speaker_span(verb, inside | dateline_chars, dateline_ends)
        else:
            found = _phrase_cue(around, phrases) or _dash_attribution(doc, text, end)
            if found:
                cue, speaker = found[0], _without_dateline(found[1], dateline_ends)
        kind = quote_kind(text, start, end, cue is not None, forms, doc)
        if kind is None:
            continue
        represents = None
        if speaker is not None:
            speaker = resolve_pronoun(speaker, names, spoken, people, inside | dateline_chars)
            represents = _represented(speaker, names)
            if speaker.text.lower() not in PRONOUNS:
                spoken.append(speaker)
        records.append({
            "speaker_text": speaker.text if speaker is not None else None,
            "speaker_start": speaker.start_char if speaker is not None else None,
            "speaker_end": speaker.end_char if speaker is not None else None,
            "represents_start": represents.start_char if represents is not None else None,
            "represents_end": represents.end_char if represents is not None else None,
            "cue": cue, "quote": text[start:end].strip(), "start_char": start, "end_char": end,
            "kind": kind,
        })
    records = carry_speakers(merge_split(records, text), text)
    return [Quote(**r) for r in attribute_running_on(records, {start for start, _ in running_on})]


def attribute_running_on(records: list[dict], running_on: set[int]) -> list[dict]:
    """A paragraph of a quote that runs on, still without a speaker, takes the speaker of the
    paragraph that ends it."""
    for index in range(len(records) - 2, -1, -1):
        record, after = records[index], records[index + 1]
        if record["start_char"] in running_on and record["cue"] is None and after["cue"] is not None:
            for field in SPEAKER_FIELDS:
                record[field] = after[field]
    return records


def _continues(text: str, previous: dict, record: dict) -> bool:
    """Whether ``record`` goes on with ``previous``'s speech: the same paragraph, or the next
    paragraph opening with it when at most the attribution stands between them."""
    between = text[previous["end_char"]:record["start_char"]]
    if "\n" not in between:
        return True
    before, _, after = between.rpartition("\n")
    return (after.strip(" " + MARKS) == "" and not before.strip("\n").count("\n")
            and len(SENTENCE_END.findall(before.strip(" \n" + MARKS) + " ")) <= 1)


def carry_speakers(records: list[dict], text: str) -> list[dict]:
    """An unattributed direct quote continues the attributed direct quote before it, in the same
    paragraph or as the paragraph after it."""
    for previous, record in zip(records, records[1:], strict=False):
        if (record["cue"] is None and previous["cue"] is not None and record["kind"] == "direct"
                and previous["kind"] == "direct" and _continues(text, previous, record)):
            for field in SPEAKER_FIELDS:
                record[field] = previous[field]
    return records


# Words that start a clause of their own between two quoted parts: 'the mayor said, adding that
# it would take "more hours"' is a second, reported quote, not the rest of the first.
NEW_CLAUSE = re.compile(r"\b(?:that|adding|added|before|after|while|when|then|but|and|asking|asked|as)\b",
                        re.IGNORECASE)


def merge_split(records: list[dict], text: str) -> list[dict]:
    """Join a quote interrupted by its attribution: ``"A," X said, "b."`` → one record.

    Only the attribution may stand between the parts: a new clause there ("adding that",
    "before asking her") makes the second part a quote of its own.
    """
    merged: list[dict] = []
    for record in records:
        if merged:
            last = merged[-1]
            between = text[last["end_char"]:record["start_char"]]
            continues = (last["quote"].endswith(",") or record["quote"][:1].islower())
            if (continues and last["cue"] is not None and len(between) < 80 and "\n" not in between
                    and not NEW_CLAUSE.search(between)
                    and not re.search(r"[.!?]\s*$", between.strip(" " + MARKS))
                    and last["speaker_start"] is not None
                    and last["speaker_start"] >= last["end_char"]
                    # The second part has no speaker of its own: 'X said. Y said: "..."' is two quotes.
                    and record["speaker_start"] in (None, last["speaker_start"])):
                last["quote"] = f"{last['quote'].rstrip(',')} {record['quote']}"
                last["end_char"] = record["end_char"]
                continue
        merged.append(dict(record))
    return merged
