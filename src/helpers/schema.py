"""The data contract: every table's columns, types and meaning, in one place.

Each table is a list of :class:`Column`. Stage code builds plain ``dict`` records and turns
them into Arrow tables with :func:`to_arrow`; readers get pandas DataFrames whose columns are
exactly the contract's (:func:`conform`). The README's data dictionary is generated from here
(:func:`data_dictionary`), so code and documentation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str


STRING = pa.string()
INT = pa.int64()
DATE = pa.date32()
BOOL = pa.bool_()
STRINGS = pa.list_(pa.string())

STATUSES = ("kept", "duplicate", "rejected")

TABLES: dict[str, list[Column]] = {
    "documents": [
        Column("doc_id", STRING, "Stable id of the document: file path inside the corpus, plus `#<n>` for the n-th record of a JSONL/CSV file."),
        Column("source_path", STRING, "Path of the input file, relative to the corpus folder."),
        Column("record", INT, "1-based line (JSONL) or row (CSV) number inside the file; null for one-article files."),
        Column("format", STRING, "Input format: txt, md, html, jsonl, csv, or the unknown extension."),
        Column("title", STRING, "Headline from front matter, HTML metadata or the record; null when none."),
        Column("published", DATE, "Publication date (front matter, record, or htmldate for HTML); null when unknown."),
        Column("source", STRING, "Outlet name (front matter, record, or the site name of an HTML page)."),
        Column("url", STRING, "Canonical address of the article when known."),
        Column("language", STRING, "ISO 639-1 code detected from the cleaned text (`und` when undetermined)."),
        Column("text", STRING, "Cleaned body text; null for rejected inputs."),
        Column("text_original", STRING, "`text` with its quotes and apostrophes as written (curly ones kept): same length and offsets as `text`, for showing quotes as the source wrote them."),
        Column("n_words", INT, "Number of whitespace-separated words in `text`."),
        Column("content_hash", STRING, "SHA-256 of the normalised text (lowercased, whitespace collapsed): equal hashes are exact duplicates."),
        Column("status", STRING, "kept | duplicate | rejected. Kept documents in a language not analysed are skipped by stage 2 (see `language`)."),
        Column("reason", STRING, "Why a document is not plainly kept (rejection cause, duplicate kind, truncation, language); null otherwise."),
        Column("dup_of", STRING, "doc_id of the document this one duplicates; null otherwise."),
        Column("similarity", pa.float64(), "Estimated Jaccard similarity to `dup_of` for near duplicates (1.0 for exact)."),
        Column("encoding", STRING, "Detected text encoding of the input file (e.g. utf-8, cp1252)."),
        Column("file_hash", STRING, "SHA-256 of the input file's bytes."),
        Column("n_chars_raw", INT, "Characters of the text before cleaning."),
        Column("n_chars_removed", INT, "Characters removed by cleaning (boilerplate, repairs, spaces)."),
        Column("n_lines_dropped", INT, "Lines dropped as boilerplate."),
        Column("metadata", STRING, "Other fields of the record (JSON object), e.g. author or section."),
    ],
    "mentions": [
        Column("doc_id", STRING, "Document the mention is in."),
        Column("start_char", INT, "Start offset of the mention in the document's `text`."),
        Column("end_char", INT, "End offset (exclusive)."),
        Column("text", STRING, "Surface form as written."),
        Column("label", STRING, "spaCy entity label (PERSON, ORG, GPE, LOC, NORP, FAC, DATE, ...)."),
        Column("entity_id", STRING, "Canonical entity id (gazetteer id, or `label:slug` for entities found by the model)."),
        Column("sentence", INT, "0-based index of the sentence in the document."),
        Column("origin", STRING, "Who found the span: `gazetteer` (entity ruler) or `model` (statistical NER)."),
        Column("metonymy", BOOL, "True when a place stands for its government (\"Washington said\")."),
    ],
    "entities": [
        Column("entity_id", STRING, "Canonical id."),
        Column("name", STRING, "Canonical display name."),
        Column("label", STRING, "spaCy label of the entity."),
        Column("n_mentions", INT, "Mentions in kept documents."),
        Column("n_docs", INT, "Kept documents that mention it."),
        Column("aliases", STRINGS, "Distinct surface forms seen in the corpus, most frequent first."),
        Column("actor_type", STRING, "government, military, armed group, international organisation, official, state; null when unknown."),
        Column("country", STRING, "ISO 3166-1 alpha-3 code of the actor's country, when known."),
        Column("in_gazetteer", BOOL, "True when the entity comes from the gazetteer."),
    ],
    "dates": [
        Column("doc_id", STRING, "Document the date expression is in."),
        Column("start_char", INT, "Start offset in `text`."),
        Column("end_char", INT, "End offset (exclusive)."),
        Column("text", STRING, "The date expression as written (\"early last week\")."),
        Column("start_date", DATE, "First calendar day the expression can mean; null when unresolved."),
        Column("end_date", DATE, "Last calendar day it can mean; null when unresolved."),
        Column("precision", STRING, "day | week | month | year; null when unresolved."),
        Column("anchor", DATE, "The publication date it was resolved against."),
    ],
    "quotes": [
        Column("doc_id", STRING, "Document the quote is in."),
        Column("speaker_text", STRING, "Speaker as written (\"the US defense official\"); null when unattributed."),
        Column("speaker_entity_id", STRING, "Canonical id of the speaker when it resolves to an entity; for \"the group's spokesman\", the group's."),
        Column("cue", STRING, "Verb of speech that attributes the quote (said, told, added, ...)."),
        Column("quote", STRING, "The quoted words, without quotation marks; a quote split by its attribution is joined."),
        Column("start_char", INT, "Start offset of the (first part of the) quote in `text`."),
        Column("end_char", INT, "End offset of the (last part of the) quote in `text`."),
    ],
    "events": [
        Column("doc_id", STRING, "Document the event is reported in."),
        Column("sentence", STRING, "The sentence that reports it."),
        Column("event_type", STRING, "attack, air/drone strike, armed clash, threat, statement, talks/agreement, arrest or protest."),
        Column("actor1", STRING, "Who acted: an entity id where it resolves, else the text."),
        Column("actor2", STRING, "Who was acted upon or the counterpart: an entity id where it resolves, else the text."),
        Column("location", STRING, "Where: an entity id where it resolves, else the place as written."),
        Column("event_date", DATE, "When: start of the resolved date in the sentence, else the publication date when the sentence has no date."),
        Column("date_text", STRING, "The date expression the date comes from; null when it is the publication date."),
        Column("trigger", STRING, "The word that signals the event (its lemma)."),
        Column("count", INT, "A number attached to the event (\"over 160 attacks\" → 160); null when none."),
        Column("start_char", INT, "Start offset of the sentence in `text`."),
    ],
    "cooccurrence": [
        Column("entity_a", STRING, "One entity id (the smaller of the pair)."),
        Column("entity_b", STRING, "The other entity id."),
        Column("n_docs", INT, "Kept documents that mention both."),
        Column("n_sentences", INT, "Sentences that mention both."),
    ],
}


def columns(table: str) -> list[str]:
    """Column names of ``table`` in contract order."""
    return [c.name for c in TABLES[table]]


def arrow_schema(table: str) -> pa.Schema:
    """The pyarrow schema of ``table``."""
    return pa.schema([pa.field(c.name, c.type) for c in TABLES[table]])


def to_arrow(records: Iterable[Mapping], table: str) -> pa.Table:
    """Build an Arrow table from dict records; missing keys become nulls, extra keys are errors."""
    schema = arrow_schema(table)
    rows = list(records)
    extra = {key for row in rows for key in row} - set(schema.names)
    if extra:
        raise ValueError(f"{table}: columns not in the contract: {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=schema)


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Check that ``frame`` has every contract column, and order them; raises ``ValueError``."""
    missing = [c for c in columns(table) if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing columns {missing}")
    return frame[columns(table)]


def data_dictionary() -> str:
    """The data dictionary of every table as Markdown (used by the README and the report)."""
    parts = []
    for table, cols in TABLES.items():
        parts.append(f"#### `{table}`\n\n| column | type | meaning |\n|---|---|---|")
        parts += [f"| `{c.name}` | {c.type} | {c.description} |" for c in cols]
        parts.append("")
    return "\n".join(parts)
