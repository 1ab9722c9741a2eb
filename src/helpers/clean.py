"""Stage 1: raw records → clean documents (the ``documents`` table).

Text steps are small ``str → str`` functions (:data:`STEPS`) composed by :class:`Cleaner`,
each switchable by a parameter. Corpus-wide steps follow: lines that repeat across one
source's documents, exact and near duplicates (MinHash LSH), language identification.
Nothing is dropped silently: every input ends as one row with a status and a reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
import pandas as pd
from tqdm import tqdm

from . import cache, ingest, paths, schema, store

BOILERPLATE_RULES = paths.LEXICONS / "boilerplate.txt"

# --- text steps -------------------------------------------------------------------------------

SINGLE_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u0060\u00b4"), "'")
DOUBLE_QUOTES = dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\u02ba"), '"')
# Every Unicode space separator (NBSP, narrow NBSP, thin, figure, ideographic, ...) and tab.
ODD_SPACES = re.compile(r"[^\S\n]+")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
# Lookarounds, not groups: a consumed letter could not start the next match, so "ab-\nc-\nd"
# needed two passes (normalize was not idempotent).
HYPHEN_BREAK = re.compile(r"(?<=\w)[-\u00ad\u2010]\n[ \t]*(?=[a-z])")
MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.M)
MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
# Underscores only at word edges (as in CommonMark): "file_name_here" and handles such as
# "@news_desk_live" are words, not emphasis.
MD_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)([^\n*]+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)([^\n_]+?)(?<=\S)\3(?!\w)")


def fix_unicode(text: str) -> str:
    """Repair mojibake and odd encodings with ftfy (quotes are left to :func:`straighten_quotes`)."""
    return ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=False, normalization="NFC")


def straighten_quotes(text: str) -> str:
    """Curly quotes, primes and modifier apostrophes → ``'`` and ``"``."""
    return text.translate(SINGLE_QUOTES).translate(DOUBLE_QUOTES)


def normalize_spaces(text: str) -> str:
    """Unify line breaks; odd spaces → one space; drop invisible characters; trim lines."""
    text = LINE_BREAKS.sub("\n", text).translate(INVISIBLE)
    lines = (ODD_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
    # time), so repeat until nothing changes. Two passes nearly always suffice.
    for _ in range(MAX_PASSES):
        before = text
        for name in steps:
            text = STEPS[name](text)
        if text == before:
            break
    return text


# --- boilerplate -------------------------------------------------------------------------------

def load_rules(path: Path = BOILERPLATE_RULES, extra: Iterable[str] = ()) -> list[re.Pattern]:
    """Boilerplate line rules: regexes from a data file (``#`` comments) plus ``extra`` ones.

    Each rule must match a whole stripped line, case-insensitively. A bad pattern raises
    ``ValueError`` naming it.
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines() if Path(path).exists() else []
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    compiled = []
    for pattern in [*patterns, *extra]:
        try:
            compiled.append(re.compile(pattern, re.I))
        except re.error as error:
            raise ValueError(f"bad boilerplate pattern {pattern!r}: {error}") from None
    return compiled


def drop_lines(text: str, is_boilerplate: Callable[[str], bool]) -> tuple[str, list[str]]:
    """Remove the lines for which ``is_boilerplate(line)`` holds: ``(text, dropped lines)``."""
    kept, dropped = [], []
    for line in text.split("\n"):
        (dropped if line.strip() and is_boilerplate(line.strip()) else kept).append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), dropped


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

    @property
    def steps(self) -> list[str]:
        return [name for name in STEPS if getattr(self, name)]


class Cleaner:
    """Clean one record's text: the enabled steps, then boilerplate rules."""

    def __init__(self, options: Options):
        self.options = options
        self.rules = load_rules(extra=options.boilerplate_patterns) if options.drop_boilerplate else []

    def is_boilerplate(self, line: str) -> bool:
        return any(rule.fullmatch(line) for rule in self.rules)

    def __call__(self, text: str, fmt: str = "txt") -> tuple[str, list[str]]:
        """``(clean text, dropped lines)``."""
        if fmt == "md":
            text = strip_markdown(text)
        text = normalize(text, self.options.steps)
        if not self.rules:
            return text, []
        return drop_lines(text, self.is_boilerplate)


# --- corpus-wide steps -------------------------------------------------------------------------

def content_hash(text: str) -> str:
    """SHA-256 of text with case and whitespace folded: equal hashes are exact duplicates."""
    folded = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def repeated_lines(docs: list[dict], share: float, min_docs: int) -> dict[str, set[str]]:
    """Per source, the lines found in at least ``share`` of its documents (and ``min_docs``).

    ``docs`` are dicts with ``source`` and ``text``; long lines (over 300 characters) are never
    counted, since those are article paragraphs, not site furniture.
    """
    by_source: dict[str, Counter] = defaultdict(Counter)
    n_docs: Counter = Counter()
    for doc in docs:
        if doc.get("text") is None or not doc.get("source"):
            continue
        n_docs[doc["source"]] += 1
        by_source[doc["source"]].update(
            {ln.strip() for ln in doc["text"].split("\n") if 0 < len(ln.strip()) <= 300})
    found = {}
    for source, counts in by_source.items():
        need = max(min_docs, share * n_docs[source])
        lines = {line for line, n in counts.items() if n >= need}
        if lines and n_docs[source] >= min_docs:
            found[source] = lines
    return found


def shingles(text: str, size: int = 3) -> set[bytes]:
    """Word ``size``-grams of the folded text, as bytes for MinHash."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < size:
        return {" ".join(words).encode()}
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def minhash_of(grams: set[bytes], num_perm: int = 128):
    """A datasketch MinHash of a set of shingles."""
    from datasketch import MinHash

    sketch = MinHash(num_perm=num_perm, seed=7)
    sketch.update_batch(list(grams))
    return sketch


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def mark_duplicates(docs: list[dict], threshold: float, sketches: dict | None = None) -> None:
    """Set ``status``/``dup_of``/``similarity`` on exact and near duplicates, in place.

    The original is the earliest published document (then the shortest, then the first
    ``doc_id``: copies tend to carry suffixes). A later copy is an exact duplicate when its
    ``content_hash`` is equal, a near duplicate when its word 3-gram Jaccard similarity to a
    kept document reaches ``threshold``. MinHash LSH (datasketch) proposes candidates with a
    looser threshold; the exact similarity decides, so the verdict does not depend on sketch noise.
    ``sketches`` (content hash → MinHash) is read and filled, so a caller can keep them between runs.
    """
    from datasketch import MinHashLSH

    order = sorted((d for d in docs if d["status"] == "kept"),
                   key=lambda d: (d["published"] or dt.date.max, len(d["doc_id"]), d["doc_id"]))
    first_by_hash: dict[str, str] = {}
    near = 0 < threshold <= 1
    lsh = MinHashLSH(threshold=max(threshold - 0.15, 0.05), num_perm=128) if near else None
    sketches = {} if sketches is None else sketches
    texts: dict[str, str] = {}  # shingles are rebuilt only for the few candidate pairs
    for doc in order:
        original = first_by_hash.setdefault(doc["content_hash"], doc["doc_id"])
        if original != doc["doc_id"]:
            doc.update(status="duplicate", reason="exact duplicate", dup_of=original, similarity=1.0)
            continue
        if not near:
            continue
        sketch = sketches.get(doc["content_hash"])
        if sketch is None:
            sketch = sketches[doc["content_hash"]] = minhash_of(shingles(doc["text"]))
        candidates = lsh.query(sketch)
        if candidates:
            own = shingles(doc["text"])
            similarity, best = max((jaccard(own, shingles(texts[c])), c) for c in candidates)
            if similarity >= threshold:
                doc.update(status="duplicate", reason="near duplicate", dup_of=best,
                           similarity=round(similarity, 3))
                continue
        lsh.insert(doc["doc_id"], sketch)
        texts[doc["doc_id"]] = doc["text"]


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language (langdetect, seeded), or ``und``."""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    sample = text[:3000]
    if len(re.findall(r"[^\W\d_]+", sample)) < 5:
        return "und"
    try:
        return detect(sample)
    except LangDetectException:
        return "und"


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
    """One ``documents`` row for a raw record (before corpus-wide steps)."""
    row = {
        "doc_id": raw.doc_id, "source_path": raw.source_path, "record": raw.record,
        "format": raw.format, "title": raw.title, "published": raw.published,
        "source": raw.source, "url": raw.url, "encoding": raw.encoding,
        "file_hash": raw.file_hash, "status": "kept", "reason": None, "dup_of": None,
        "similarity": None, "language": None, "text": None, "n_words": 0,
        "content_hash": None, "n_chars_raw": 0, "n_chars_removed": 0, "n_lines_dropped": 0,
        "metadata": json.dumps(raw.metadata, ensure_ascii=False, default=str) if raw.metadata else None,
    }
    if raw.reject:
        row.update(status="rejected", reason=raw.reject)
        return row
    text, dropped = cleaner(raw.body, raw.format)
    # For HTML, "before" is the whole visible page: what the main-text extraction left out counts.
    before = raw.page_text or raw.body
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
    row["text"] = text
    row["language"] = detect_language(text)
    return row


def clean_corpus(raw_dir: Path, options: Options | None = None, *,
                 cache_path: Path | None = None, progress: bool = True) -> pd.DataFrame:
    """Read and clean every file below ``raw_dir``: the ``documents`` table as a DataFrame.

    Per-file results are cached in ``cache_path`` (SQLite) by file hash, options and code
    version, so a rerun only cleans new or changed files. Returns one row per input file
    (one per record for JSONL/CSV), with ``status`` kept, duplicate or rejected.
    """
    options = options or Options()
    cleaner = Cleaner(options)
    version = cache.fingerprint(dataclasses.asdict(options),
                                cache.code_version(ingest, sys.modules[__name__]),
                                cache.file_digest(BOILERPLATE_RULES))
    files = ingest.iter_files(raw_dir)
    rows: list[dict] = []
    db = cache.Store(cache_path) if cache_path else None
    try:
        for path in tqdm(files, desc="cleaning", unit="file", disable=not progress):
            key = cache.fingerprint(hashlib.sha256(path.read_bytes()).hexdigest(),
                                    path.relative_to(raw_dir).as_posix(), version)
            cached = db.get_many([key]).get(key) if db is not None else None
            if cached is None:
                cached = [clean_record(raw, cleaner) for raw in ingest.read_file(path, Path(raw_dir))]
                if db is not None:  # an empty Store is falsy (it has a length): compare with None
                    db.put_many({key: cached})
            rows.extend(dict(row) for row in cached)
        ingest.apply_sidecar(rows, Path(raw_dir))  # metadata.csv: dates, titles, outlets the files lack
        finish_texts(rows, options)
        sketches = {}
        if db is not None:
            hashes = {r["content_hash"] for r in rows if r["status"] == "kept"}
            stored = db.get_many(f"minhash:{h}" for h in hashes)
            sketches = {key.removeprefix("minhash:"): value for key, value in stored.items()}
        known = set(sketches)
        mark_duplicates(rows, options.near_duplicate_threshold, sketches)
        if db is not None:
            db.put_many({f"minhash:{h}": sketch for h, sketch in sketches.items() if h not in known})
    finally:
        if db is not None:
            db.close()
    frame = schema.to_arrow(rows, "documents").to_pandas()
    return schema.conform(frame, "documents")


def finish_texts(rows: list[dict], options: Options) -> None:
    """Repeated lines, the length limit, word counts and content hashes, in place."""
    kept = [row for row in rows if row["status"] == "kept"]
    if options.repeated_lines:
        furniture = repeated_lines(kept, options.repeated_line_share, options.repeated_line_min_docs)
        for row in kept:
            lines = furniture.get(row["source"])
            if lines:
                row["text"], dropped = drop_lines(row["text"], lines.__contains__)
                row["n_lines_dropped"] += len(dropped)
    for row in kept:
        if not row["text"]:
            row.update(status="rejected", reason="no text left after cleaning", text=None)
            continue
        if len(row["text"]) > options.max_chars:
            original = len(row["text"])
            row["text"] = truncate(row["text"], options.max_chars)
            row["reason"] = (f"truncated from {original:,} to {len(row['text']):,} characters "
                             f"(max_chars, spaCy's max_length)")
        row["n_words"] = len(row["text"].split())
        row["n_chars_removed"] = max(row["n_chars_raw"] - len(row["text"]), 0)
        row["content_hash"] = content_hash(row["text"])


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
    path = Path(raw_dir) / row["source_path"]
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
