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

from .vocab import EVENT_TYPES, INTER, MODALITIES


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
        Column("language", STRING, "Language detected from the cleaned text: its ISO 639-1 code, or the ISO 639-3 code "
               "of a language without one (fastText's labels, e.g. `ckb` Central Kurdish, `arz` Egyptian Arabic); "
               "`und` when undetermined."),
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
        Column("actor_type", STRING, "government, military, armed group, international organisation, official, state, political party, legislature; null when unknown."),
        Column("country", STRING, "ISO 3166-1 alpha-3 code of the actor's country, when known."),
        Column("in_gazetteer", BOOL, "True when the entity comes from the gazetteer."),
    ],
    "dates": [
        Column("doc_id", STRING, "Document the date expression is in."),
        Column("start_char", INT, "Start offset in `text`."),
        Column("end_char", INT, "End offset (exclusive)."),
        Column("text", STRING, "The time expression as written, with TimeML's extent (\"early last week\", \"about three weeks\"; never the preposition before it)."),
        Column("type", STRING, "TimeML type: DATE, TIME (a time of day), DURATION (\"three weeks\") or SET (\"every Friday\", \"weekly\")."),
        Column("value", STRING, "TIMEX3 value: 2024-02-09, 2024-W05, 2024-02, 2024-Q1, 2024-SU, 199 (a decade), 2024-02-09TMO, 2024-02-09T18:30, P3D, XXXX-WXX-5, PRESENT_REF, FY2025, ...; null when no rule can value it."),
        Column("start_date", DATE, "First calendar day the expression can mean; null when it is not a stretch of the calendar (durations, sets, PAST_REF) or unresolved."),
        Column("end_date", DATE, "Last calendar day it can mean; null likewise."),
        Column("precision", STRING, "day | week | month | quarter | half | season | year: the unit of the range; null likewise."),
        Column("anchor", DATE, "The publication date it was resolved against."),
        Column("range_start", BOOL, "True when the expression opens a range (\"since early July\"): the event runs from it, not on it."),
        Column("ambiguous", BOOL, "True when a numeric date (3/4/2020) could be read day-first or month-first and neither the corpus nor the numbers decided."),
    ],
    "quotes": [
        Column("doc_id", STRING, "Document the quote is in."),
        Column("speaker_text", STRING, "Speaker as written (\"the US defense official\"); null when unattributed."),
        Column("speaker_entity_id", STRING, "Canonical id of the speaker when it resolves to an entity; for \"the group's spokesman\", the group's."),
        Column("speaker_start", INT, "Start offset of the speaker phrase in `text` (the name a pronoun speaker resolves to); null when unattributed."),
        Column("speaker_end", INT, "End offset (exclusive) of the speaker phrase."),
        Column("cue", STRING, "Verb of speech that attributes the quote (said, told, added, ...)."),
        Column("quote", STRING, "The quoted words, without quotation marks; a quote split by its attribution is joined."),
        Column("start_char", INT, "Start offset of the (first part of the) quote in `text`."),
        Column("end_char", INT, "End offset of the (last part of the) quote in `text`."),
        Column("kind", STRING, "direct (a quoted clause or sentence attributed by a verb of speech) | mixed (a quoted clause inside indirect speech) | partial (a quoted fragment inside indirect speech)."),
    ],
    "events": [
        Column("doc_id", STRING, "Document the event is reported in (one row per event per document; `event_id` groups the reports of one event)."),
        Column("sentence", STRING, "The sentence that reports it (the first, when the document tells it twice)."),
        Column("start_char", INT, "Start offset of the sentence in `text`."),
        Column("label", STRING, "Newsdesk's finer label (the `label` column of `data/lexicons/event_triggers.csv`: air/drone strike, assassination, riot, talks, threat, statement, ...)."),
        Column("event_type", STRING, f"ACLED event type: {', '.join(EVENT_TYPES)}; null for statements and threats."),
        Column("sub_event_type", STRING, "ACLED sub-event type (Air/drone strike, Armed clash, Arrests, Peaceful protest, ...); null for statements and threats."),
        Column("modality", STRING, f"{' | '.join(MODALITIES)} (future: planned or threatened). Charts count asserted events."),
        Column("trigger", STRING, "The word that signals the event (its lemma)."),
        Column("actor1", STRING, "Who acted: an entity id where it resolves, else the phrase as written (\"unidentified gunmen\")."),
        Column("actor1_text", STRING, "actor1 as written in the sentence."),
        Column("actor1_type", INT, "ACLED inter code of actor1 from its words: " + ", ".join(f"{k} {v.lower()}" for k, v in INTER.items()) + "; null when unknown."),
        Column("actor2", STRING, "Who was acted upon or the counterpart: an entity id where it resolves, else the text."),
        Column("actor2_text", STRING, "actor2 as written in the sentence."),
        Column("actor2_type", INT, "ACLED inter code of actor2 (as `actor1_type`)."),
        Column("location", STRING, "Where: an entity id where it resolves, else the place as written (never a nationality)."),
        Column("location_text", STRING, "The place as written (after in/near/outside, a facility, X-based, or the dateline)."),
        Column("event_date", DATE, "When: start of the most specific date of the sentence that does not open a range (\"since early July\" does not), else the publication date."),
        Column("date_text", STRING, "The date expression the date comes from; null when it is the publication date."),
        Column("date_precision", STRING, "day | week | month | year (ACLED time_precision 1, 2, 3); week when the publication date stands in."),
        Column("date_range_start", STRING, "A date of the sentence that opens a range (\"since early July\") and so is not the event's date; flagged so the researcher can see what the event date is not."),
        Column("fatalities", INT, "People reported killed in the sentence of an asserted violent event (0 when a killing is denied); null when not told."),
        Column("count", INT, "A number of attacks attached to the event (\"over 160 attacks\" → 160); null when none."),
        Column("event_id", STRING, "Id shared by every report of the same event across documents (same label, type and modality, compatible actors and place, dates within `events.WINDOW_DAYS` days)."),
        Column("n_reports", INT, "Number of rows (reports) with this `event_id`."),
        Column("report_docs", STRINGS, "The documents reporting this event."),
    ],
    "entity_merges": [
        Column("from_form", STRING, "Surface form as written that was joined to an entity of another name."),
        Column("label", STRING, "spaCy label of the mentions of that form."),
        Column("to_id", STRING, "The entity id it was joined to."),
        Column("rule", STRING, "alias | metonymy | short-name-in-document | short-name | fuzzy | fuzzy-alias | tail (see `entities.Resolver`); undo one with `data/gazetteer/aliases_exclude.csv`."),
        Column("score", pa.float64(), "Evidence strength: rapidfuzz ratio (fuzzy), share of the surname's full-name mentions (short-name), 1.0 for exact rules."),
        Column("n_mentions", INT, "Mentions of the form so joined."),
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


README_MARKERS = ("<!-- data-dictionary:start -->", "<!-- data-dictionary:end -->")


def update_readme(readme) -> None:
    """Rewrite the data dictionary between the README's markers (``python -m helpers.schema``)."""
    from pathlib import Path

    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    start = text.index(README_MARKERS[0]) + len(README_MARKERS[0])
    end = text.index(README_MARKERS[1])
    path.write_text(f"{text[:start]}\n{data_dictionary().strip()}\n{text[end:]}", encoding="utf-8")


if __name__ == "__main__":
    from helpers import paths

    update_readme(paths.PROJECT_ROOT / "README.md")
