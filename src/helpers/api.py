"""The public analysis API: one text (or a list of texts) in, every table's rows out.

``analyse`` and ``analyse_many`` clean each text as ``newsdesk run`` cleans a ``.txt`` file,
analyse it with the same pipeline (:mod:`helpers.analysis`), resolve canonical entities across
the texts given (:class:`helpers.extract.Assembly`) and return the rows of ``documents``,
``mentions``, ``entities``, ``dates``, ``quotes``, ``events``, ``cooccurrence`` and ``entity_merges`` with the
tables' columns. Character offsets point into each text *as given*: cleaning may change
characters (curly quotes, spaces, boilerplate lines), so offsets are mapped back through an
alignment of the cleaned text with the original.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import pandas as pd

from . import clean, engines, entities, extract, ingest, schema
from .analysis import Options

# Offset columns of each table, as (start, end) pairs mapped back to the text as given.
OFFSETS = {"mentions": [("start_char", "end_char")], "dates": [("start_char", "end_char")],
           "quotes": [("start_char", "end_char"), ("speaker_start", "speaker_end")],
           "events": [("start_char", None)]}


def analyse(text: str, published=None, *, options: Options | None = None) -> dict[str, pd.DataFrame]:
    """Analyse one news text: ``{"documents", "mentions", "entities", "dates", "quotes",
    "events", "cooccurrence", "entity_merges"}`` → DataFrames with the tables' columns.

    ``published`` (a date, datetime or date string) anchors relative dates ("last Friday");
    without it they stay unresolved. The ``documents`` row carries the cleaned text; offsets in
    the other tables point into ``text`` as given. The document's ``doc_id`` is ``"text"``.
    """
    return analyse_many([{"doc_id": "text", "text": text, "published": published}], options=options)


def analyse_many(records, options: Options | None = None) -> dict[str, pd.DataFrame]:
    """Analyse several texts together: the same tables as :func:`analyse`, with canonical
    entities resolved across all of them (as ``newsdesk run`` resolves them across a corpus).

    ``records`` is a DataFrame or an iterable of strings or mappings with ``text`` and
    optionally ``published``, ``doc_id`` (default ``doc-<n>``), ``title`` and ``source``.
    Nothing is written to ``data/processed``. Texts that cleaning rejects (empty, binary) get a
    ``documents`` row with ``status`` rejected and no other rows; so do kept texts that a run would
    not analyse (a language outside ``options.languages``, outside the date or outlet filters).
    Raises ``ValueError`` when a ``doc_id`` repeats.
    """
    options = options or Options()
    documents = [_clean(record, n) for n, record in enumerate(_as_records(records))]
    repeated = [doc_id for doc_id, n in Counter(d["doc_id"] for d in documents).items() if n > 1]
    if repeated:
        raise ValueError(f"doc_id given more than once: {repeated[:5]}")
    kept = [d for d in documents if extract.selection(options)(d)]  # as a run selects them
    analyser = engines.analyser(options)
    found = dict(analyser.pipe((d["doc_id"], d["text"], d["published"]) for d in kept))
    assembly = extract.Assembly(entities.load_gazetteer(options.gazetteer_path), options.fuzzy_threshold)
    for d in kept:
        assembly.observe(found[d["doc_id"]]["mentions"])
    assembly.build()
    rows: dict[str, list[dict]] = defaultdict(list)
    for d in kept:
        to_given = OffsetMap(d["text"], d.pop("_given"))
        for table, table_rows in assembly.rows(d["doc_id"], d["published"], found[d["doc_id"]]).items():
            rows[table] += [to_given.row(r, OFFSETS[table]) for r in table_rows]
    for d in documents:
        d.pop("_given", None)
    rows["documents"] = documents
    rows |= assembly.corpus_tables(rows["events"])
    return {table: _frame(rows[table], table) for table in ("documents", *extract.TABLES)}


def clean_html(markup: str) -> tuple[str, dict]:
    """The cleaned main text of one HTML page and its metadata (title, published, source,
    url, language), as ``newsdesk run`` reads ``.html`` files.

    Raises ``ValueError`` with the reason when the page has no usable text.
    """
    base = {"doc_id": "page", "source_path": "page", "format": "html",
            "file_hash": hashlib.sha256(markup.encode("utf-8", "replace")).hexdigest()}
    row = clean.clean_record(ingest.read_html(markup, base, None), clean.Cleaner(clean.Options()))
    if row["status"] != "kept":
        raise ValueError(f"no usable text in the page: {row['reason']}")
    return row["text"], {key: row[key] for key in ("title", "published", "source", "url", "language")}


def _as_records(records) -> Iterable[Mapping]:
    if isinstance(records, pd.DataFrame):
        return records.to_dict("records")
    if isinstance(records, str):
        raise TypeError("analyse_many takes a list of texts; use analyse() for one text")
    return [{"text": r} if isinstance(r, str) else r for r in records]


def _clean(record: Mapping, n: int) -> dict:
    """The ``documents`` row of one given text, cleaned as a ``.txt`` file is (plus ``_given``)."""
    text = record.get("text")
    if not isinstance(text, str):
        raise TypeError(f"record {n}: 'text' must be a string, not {type(text).__name__}")
    doc_id = str(record.get("doc_id") or f"doc-{n}")
    base = {"doc_id": doc_id, "source_path": doc_id, "format": "txt",
            "file_hash": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()}
    raw = ingest.read_text(text, base, None)
    for field in ("title", "source", "url"):
        if record.get(field):
            setattr(raw, field, str(record[field]))
    raw.published = ingest.parse_date(record.get("published")) or raw.published
    options = clean.Options(repeated_lines=False)
    row = clean.clean_record(raw, clean.Cleaner(options))
    clean.finish_row(row, options, clean.Furniture(options))
    row.pop("signature", None)  # the near-duplicate sketch is no column
    row["_given"] = text
    return row


def _frame(rows: list[dict], table: str) -> pd.DataFrame:
    return schema.conform(schema.to_arrow(rows, table).to_pandas(), table)


class OffsetMap:
    """Maps character offsets in a cleaned text back to the text it was cleaned from.

    Lines are matched first (cleaning drops and edits lines, but rarely moves text between
    them), then characters within matched lines by a Levenshtein alignment (rapidfuzz), so
    characters replaced one for one (quotes, spaces) keep their position. A span next to
    characters that cleaning removed or added maps to the nearest aligned boundary.
    """

    def __init__(self, cleaned: str, given: str):
        self.identity = cleaned == given
        if self.identity:
            return
        # _start[k]: where a span starting at cleaned[k] starts in given; _end[k]: where one
        # ending before cleaned[k] ends. -1 until known.
        self._start = [-1] * (len(cleaned) + 1)
        self._end = [-1] * (len(cleaned) + 1)
        self._start[-1], self._end[0] = len(given), 0
        ours, theirs = _lines(cleaned), _lines(given)
        keys = [clean.normalize(line).strip() for _, line in theirs]
        matcher = difflib.SequenceMatcher(None, [line.strip() for _, line in ours], keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in {"equal", "replace"} and i2 > i1 and j2 > j1:
                self._align(ours[i1][0], cleaned[ours[i1][0]:_stop(ours, i2 - 1)],
                            theirs[j1][0], given[theirs[j1][0]:_stop(theirs, j2 - 1)])
        _fill(self._start, forward=False)
        _fill(self._end, forward=True)

    def _align(self, at: int, ours: str, given_at: int, theirs: str) -> None:
        from rapidfuzz.distance import Levenshtein

        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(ours, theirs):
            one_for_one = tag in {"equal", "replace"} and i2 - i1 == j2 - j1
            for k in range(i1, i2):
                self._start[at + k] = given_at + (j1 + (k - i1) if one_for_one else j1)
                self._end[at + k + 1] = given_at + (j1 + (k - i1) + 1 if one_for_one else j2)

    def start(self, offset: int) -> int:
        return offset if self.identity else self._start[offset]

    def end(self, offset: int) -> int:
        return offset if self.identity else self._end[offset]

    def row(self, row: dict, columns: list[tuple[str, str | None]]) -> dict:
        """``row`` with its offset columns mapped to the given text."""
        if self.identity:
            return row
        row = dict(row)
        for start, end in columns:
            if row.get(start) is not None:
                row[start] = self.start(row[start])
            if end and row.get(end) is not None:
                row[end] = self.end(row[end])
        return row


def _lines(text: str) -> list[tuple[int, str]]:
    """``(offset, line)`` of each line of ``text``."""
    found, at = [], 0
    for line in text.split("\n"):
        found.append((at, line))
        at += len(line) + 1
    return found


def _stop(lines: list[tuple[int, str]], index: int) -> int:
    """Where line ``index`` ends (before its line break)."""
    return lines[index][0] + len(lines[index][1])


def _fill(values: list[int], forward: bool) -> None:
    """Fill the unknown (-1) entries with the nearest known one before (``forward``) or after."""
    order = range(len(values)) if forward else range(len(values) - 1, -1, -1)
    last = None
    for k in order:
        if values[k] == -1 and last is not None:
            values[k] = last
        elif values[k] != -1:
            last = values[k]
