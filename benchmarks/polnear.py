"""PolNeAR attributions → the quotes JSONL of ``newsdesk evaluate --kind quotes``.

    python benchmarks/polnear.py /work/devdata/polnear/dev --out /work/devdata/polnear/quotes-dev.jsonl
    python benchmarks/polnear.py /work/devdata/polnear/train --limit 100 --seed 13 --out ...

PolNeAR (Newell, Margolin & Ruths 2018, https://github.com/networkdynamics/PolNeAR) annotates
attributions in US political news in brat standoff: ``T`` lines are spans (``Source``, ``Cue``,
``Content``; a span may be discontinuous, ``start end;start end``), ``E`` lines tie them into
one attribution (``Attribution:T4 Content:T3 Cue:T2 Source:T1``, sometimes ``Content2``; an
``Attribution-no-source`` has no Source). A split folder holds ``text/<article>.txt`` and
``attributions/<article>_<annotator>.ann``.

Only the train and dev splits may be converted: a path naming the test split is refused, since
that split is held out and must never shape Newsdesk.

What counts as a DIRECT quote (the only kind written out):

* Each Content fragment of the attribution is taken with the double quotation marks that sit
  right outside it (annotators sometimes leave them out) and any ``.,;:!?`` after its closing
  mark trimmed away.
* A content is wholly quoted when it opens with an opening double mark (“ or "), ends with a
  closing one (” or "), and every closing mark inside is followed, up to the next opening
  mark, by nothing but white space. Only marks of the opening mark's style count (straight or
  curly; a quote opened in one style and closed in the other is accepted), so a quote inside
  the quote in the other style does not end it. This admits the news convention for a quote
  running over several paragraphs (each paragraph opens a mark, only the last closes) and
  back-to-back quotes, and rejects "partial" contents such as *the plan a “bridge to nowhere”* or
  *it was “a disaster,” he argued, and should end*.
* The attribution is direct when its Content fragments, joined in text order with a space,
  are wholly quoted (annotators often cut a long quote into sentences, only the first and last
  carrying a mark). Contents with a
  mark somewhere but not wholly quoted are counted as ``partial``, contents without marks as
  ``indirect``; both are counted in the summary and left out of the gold. Single quotation
  marks (‘ ’) are not quote delimiters here: in US news they mark quotes inside quotes and
  headlines, and ’ is also the apostrophe.

Gold quotes are the quoted passages (the text between the marks) of a direct attribution,
paragraph by paragraph, as Newsdesk records quotes: a sentence interrupted by its attribution
(“We will,” she said, “win.”: the first part ends with a comma, semicolon or dash, or the second
starts in lower case) is one quote; two sentences around the attribution (“We will.” she said.
“We must.”) are two; a quote running over three paragraphs is three, with the same speaker.

The speaker is the Source span's text as written (fragments joined by a space); null for an
``Attribution-no-source``. PolNeAR has no gold coreference (its CoreNLP files are automatic),
so a pronoun Source ("he", "she", "they") is kept as the pronoun and flagged
``"pronoun": true``; the scorer cannot credit a pronoun resolved to the right name, so speaker
accuracy should be read on the named speakers as well (``benchmarks/polnear_errors.py``).

Articles annotated by several annotators (the agreement set) use the annotation of the
alphabetically first annotator id. ``published`` is the date in the file name
(``<publisher>_<YYYY-MM-DD>_<slug>``). Each quote also carries ``cue`` (the Cue text) and
``speaker_start``/``speaker_end`` for reading errors; the scorer ignores them.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HELD_OUT = re.compile(r"(^|[^a-z])test([^a-z]|$)", re.IGNORECASE)
OPENING = {"\u201c", "\u201e"}
CLOSING = {"\u201d"}
STRAIGHT = '"'
MARKS = OPENING | CLOSING | {STRAIGHT}
AFTER_CLOSING = ".,;:!?"
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "him", "her", "them"}
# PolNeAR's splits are months from 8 Nov 2015: train the first ten, dev the eleventh (8 Sep to
# 7 Oct 2016), test the twelfth. An article dated in the twelfth month is refused even if it
# was copied into another folder.
TEST_MONTH_STARTS = "2016-10-08"
FILE_NAME = re.compile(r"^(?P<publisher>[a-z-]+)_(?P<date>\d{4}-\d{2}-\d{2})_")


@dataclass
class Attribution:
    """One PolNeAR attribution: its roles' character spans (half-open) in the article."""

    sources: list[tuple[int, int]] = field(default_factory=list)
    cues: list[tuple[int, int]] = field(default_factory=list)
    contents: list[tuple[int, int]] = field(default_factory=list)


def refuse_test_split(path: Path) -> None:
    """Raise ``SystemExit`` when ``path`` or its folder is named like the held-out test split."""
    path = Path(path).resolve()
    if HELD_OUT.search(path.name) or HELD_OUT.search(path.parent.name):
        raise SystemExit(f"polnear: {path} is (in) the PolNeAR test split, which is held out; "
                         "convert only train or dev")


def refuse_test_article(name: str) -> None:
    """Raise ``SystemExit`` for an article from the test split's month (published on or after
    :data:`TEST_MONTH_STARTS`), whatever folder it was found in."""
    date = FILE_NAME.match(name)
    if date and date.group("date") >= TEST_MONTH_STARTS:
        raise SystemExit(f"polnear: {name} is dated in the held-out test month; convert only train or dev")


def parse_ann(ann: str) -> list[Attribution]:
    """brat standoff text → the attributions its ``E`` lines define.

    Span roles are read from the relation's argument names (``Content2`` is more Content);
    ``Discard``/``Discuss`` spans and annotator notes, which no relation uses, are ignored.
    """
    spans: dict[str, list[tuple[int, int]]] = {}
    relations: list[list[tuple[str, str]]] = []
    for line in ann.splitlines():
        if line.startswith("T"):
            ident, rest = line.split("\t")[:2]
            offsets = rest.split(" ", 1)[1]
            spans[ident] = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
        elif line.startswith("E"):
            arguments = line.split("\t")[1].split()
            relations.append([tuple(a.split(":", 1)) for a in arguments if ":" in a])
    attributions = []
    for arguments in relations:
        attribution = Attribution()
        for role, ident in arguments:
            role = role.rstrip("0123456789")
            target = {"Source": attribution.sources, "Cue": attribution.cues,
                      "Content": attribution.contents}.get(role)
            if target is not None and ident in spans:
                target.extend(spans[ident])
        attributions.append(attribution)
    return attributions


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """A content fragment with the double marks right outside it taken in, white space trimmed
    and punctuation after a closing mark (``”.``) trimmed off."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    before = start - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    if before >= 0 and text[start:start + 1] not in MARKS and text[before] in OPENING | {STRAIGHT}:
        start = before
    after = end
    while after < len(text) and text[after] in AFTER_CLOSING + " ":
        after += 1
    if text[end - 1:end] not in MARKS and after < len(text) and text[after] in CLOSING | {STRAIGHT}:
        end = after + 1
    while end > start + 1 and text[end - 1] in AFTER_CLOSING and text[end - 2] in MARKS:
        end -= 1
    return start, end


def _role(fragment: str, i: int) -> str:
    """``open`` or ``close`` for the double mark at ``fragment[i]``; a straight mark opens when
    it follows white space (or starts the fragment) and precedes a non-space."""
    mark = fragment[i]
    if mark in OPENING:
        return "open"
    if mark in CLOSING:
        return "close"
    starts_word = i + 1 < len(fragment) and not fragment[i + 1].isspace()
    after_space = i == 0 or fragment[i - 1].isspace() or fragment[i - 1] in "([\u2014\u2013-"
    return "open" if starts_word and after_space else "close"


def outer_marks(fragment: str) -> set[str]:
    """The marks that delimit ``fragment``'s quote: straight marks when it opens with one,
    else curly ones (a straight closing mark allowed), so that a quote inside the quote in the
    other style ("He asked: “Why?” and left.") is not taken for its end."""
    if fragment[:1] == STRAIGHT:
        return {STRAIGHT} | (CLOSING if fragment[-1:] in CLOSING else set())
    return OPENING | CLOSING | ({STRAIGHT} if fragment[-1:] == STRAIGHT else set())


def wholly_quoted(fragment: str) -> bool:
    """True when ``fragment`` (already widened) is quoted from its first to its last character.

    >>> wholly_quoted("\u201cWe will win.\u201d")
    True
    >>> wholly_quoted("\u201cFirst paragraph.\\n\\n\u201cSecond.\u201d")
    True
    >>> wholly_quoted("the cause of \u201creform\u201d")
    False
    """
    if len(fragment) < 2:
        return False
    roles = [(i, _role(fragment, i)) for i, c in enumerate(fragment) if c in outer_marks(fragment)]
    if not roles or roles[0] != (0, "open") or roles[-1] != (len(fragment) - 1, "close"):
        return False
    for (i, role), following in zip(roles, [*roles[1:], None], strict=True):
        if role == "close" and following is not None:
            gap_end = following[0] if following[1] == "open" else len(fragment)
            if fragment[i + 1:gap_end].strip():
                return False
    return True


def kind_of(text: str, attribution: Attribution) -> str:
    """``direct``, ``partial`` (a mark inside, not wholly quoted) or ``indirect``; ``none`` when
    the attribution has no Content."""
    if not attribution.contents:
        return "none"
    fragments = [text[slice(*widen(text, s, e))] for s, e in sorted(attribution.contents)]
    fragments = [f for f in fragments if f]
    # Annotators often cut a long quote into sentences; the quote is judged as a whole.
    if fragments and wholly_quoted(" ".join(fragments)):
        return "direct"
    if any(c in MARKS for f in fragments for c in f):
        return "partial"
    return "indirect"


def quoted_segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The passages between an opening and a closing double mark within ``text[start:end]``
    (one line); a passage opened and not closed runs to ``end`` (a quote continuing in the next
    paragraph). White space is trimmed; punctuation inside the marks is kept."""
    line = text[start:end]
    marks = outer_marks(line.lstrip())
    segments, opened = [], None
    for i, c in enumerate(line):
        if c not in marks:
            continue
        role = _role(line, i)
        if role == "open" and opened is None:
            opened = i + 1
        elif role == "close" and opened is not None:
            segments.append((start + opened, start + i))
            opened = None
    if opened is not None:
        segments.append((start + opened, end))
    trimmed = []
    for a, b in segments:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed


def continues(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """True when ``second`` continues the sentence ``first`` broke off for its attribution:
    ``first`` ends with a comma, semicolon or dash, or ``second`` starts in lower case, and the
    words between do not end a sentence (“We will,” she said, “win.”)."""
    between = text[first[1]:second[0]].strip(" \t" + "".join(MARKS))
    broken = text[first[1] - 1] in ",;\u2014\u2013-" or text[second[0]].islower()
    return broken and not re.search(r"[.!?]$", between)


def quote_pieces(text: str, fragments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The gold quotes of one direct attribution: its quoted passages, paragraph by paragraph,
    a passage joined to the next when the attribution only interrupts the sentence
    (:func:`continues`); each piece runs from its first to its last quoted character."""
    by_line: dict[int, list[int]] = {}
    for start, end in fragments:
        for match in re.finditer(r"[^\n]+", text[start:end]):
            line = text.count("\n", 0, start + match.start())
            by_line.setdefault(line, []).extend([start + match.start(), start + match.end()])
    pieces = []
    for line in sorted(by_line):
        segments = quoted_segments(text, min(by_line[line]), max(by_line[line]))
        for segment in segments:
            if pieces and pieces[-1][1] <= segment[0] and "\n" not in text[pieces[-1][1]:segment[0]] \
                    and continues(text, pieces[-1], segment):
                pieces[-1] = (pieces[-1][0], segment[1])
            else:
                pieces.append(segment)
    return pieces


def convert_article(text: str, ann: str, doc_id: str, published: str | None) -> tuple[dict, Counter]:
    """One article and its annotation → ``({doc_id, text, published, quotes}, counts by kind)``.

    Each quote is ``{quote, speaker, start_char, end_char, kind, cue, pronoun, speaker_start,
    speaker_end}``; see the module docstring for what is kept.
    """
    quotes, counts = [], Counter()
    for attribution in parse_ann(ann):
        kind = kind_of(text, attribution)
        counts[kind] += 1
        if kind != "direct":
            continue
        sources = sorted(attribution.sources)
        speaker = " ".join(text[s:e].strip() for s, e in sources) or None
        cue = " ".join(text[s:e].strip() for s, e in sorted(attribution.cues)) or None
        widened = sorted(widen(text, s, e) for s, e in attribution.contents)
        for start, end in quote_pieces(text, widened):
            quotes.append({"quote": text[start:end], "speaker": speaker, "start_char": start,
                           "end_char": end, "kind": "direct", "cue": cue,
                           "pronoun": bool(speaker) and speaker.casefold() in PRONOUNS,
                           "speaker_start": sources[0][0] if sources else None,
                           "speaker_end": sources[-1][1] if sources else None})
    counts["gold quotes"] = len(quotes)
    quotes.sort(key=lambda q: q["start_char"])
    return {"doc_id": doc_id, "text": text, "published": published, "quotes": quotes}, counts


def annotation_for(split: Path, article: str) -> Path | None:
    """The ``.ann`` file of ``article``: the alphabetically first annotator's when several."""
    found = sorted((split / "attributions").glob(f"{article}_*.ann"))
    return found[0] if found else None


def convert_split(split: Path, limit: int | None = None, seed: int | None = None) -> tuple[list[dict], Counter]:
    """All articles of a PolNeAR split folder (or ``limit`` of them: the first in name order,
    or a random sample when ``seed`` is given) → (records, counts). Refuses the test split."""
    refuse_test_split(split)
    texts = sorted((split / "text").glob("*.txt"))
    for path in texts:
        refuse_test_article(path.stem)
    if not texts:
        raise SystemExit(f"polnear: no text/*.txt under {split}")
    if limit is not None and limit < len(texts):
        texts = sorted(random.Random(seed).sample(texts, limit)) if seed is not None else texts[:limit]
    records, counts = [], Counter()
    for path in texts:
        ann = annotation_for(split, path.stem)
        if ann is None:
            counts["articles without annotation"] += 1
            continue
        date = FILE_NAME.match(path.stem)
        record, article_counts = convert_article(path.read_text(encoding="utf-8"),
                                                 ann.read_text(encoding="utf-8"), path.stem,
                                                 date.group("date") if date else None)
        records.append(record)
        counts.update(article_counts)
    counts["articles"] = len(records)
    return records, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", type=Path, help="a PolNeAR split folder (train or dev) with text/ and attributions/")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write (keep it outside the repository)")
    parser.add_argument("--limit", type=int, help="convert at most this many articles")
    parser.add_argument("--seed", type=int, help="with --limit: sample at random with this seed")
    args = parser.parse_args(argv)
    records, counts = convert_split(args.split, args.limit, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(json.dumps(dict(counts), indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
