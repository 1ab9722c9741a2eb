"""Stage 2, assembly: documents → mentions, entities, dates, quotes, events, co-occurrence.

Documents stream from ``documents.parquet`` through the per-document analysis
(:mod:`helpers.analysis`, run by :mod:`helpers.engines`); each result is stored in a cache
keyed by the text, publication date and everything that shapes the result (model, components,
gazetteer, lexicons, code version), so reruns process only new or changed documents. Then two
streaming passes over the cache resolve canonical entities across the corpus
(:class:`Assembly`) and write every table in Parquet row groups. Memory stays flat: no pass
holds the corpus.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from itertools import combinations
from pathlib import Path

import pyarrow.parquet as pq

from . import acled, cache, engines, entities, events, filters, nlp, paths, schema, store
from .analysis import Options, fingerprint
from .vocab import NAMED_LABELS

__all__ = ["Options", "extract_corpus", "load_tables", "displayed_entities", "top_actors", "busiest_document"]

TABLES = ("mentions", "entities", "dates", "quotes", "events", "cooccurrence", "entity_merges")
# Rows written document by document; events are grouped across documents first (small rows).
STREAMED_TABLES = ("mentions", "dates", "quotes")
CHUNK = 256  # documents per cache commit and per Parquet row group


def doc_key(text: str, published, version: str) -> str:
    return hashlib.sha256(f"{version}\0{published}\0{text}".encode()).hexdigest()


def cache_path(corpus: str) -> Path:
    return paths.processed_dir(corpus) / "cache" / "extract.sqlite"


def analysed_batches(corpus: str, options: Options, version: str) -> Iterator[list[dict]]:
    """The documents stage 2 analyses, in batches of :data:`CHUNK`, with their cache keys."""
    source = pq.ParquetFile(store.table_path(corpus, "documents"))
    columns = ["doc_id", "text", "published", "status", "language", "source"]
    is_selected = selection(options)
    for batch in source.iter_batches(batch_size=CHUNK, columns=columns):
        rows = [r for r in batch.to_pylist() if is_selected(r)]
        for row in rows:
            row["key"] = doc_key(row["text"], row["published"], version)
        if rows:
            yield rows


def selection(options: Options):
    """``row → bool``: whether stage 2 analyses a ``documents`` row (a dict with ``status``,
    ``language``, ``published`` and ``source``): kept, in an analysed language, and inside the
    date and outlet filters. ``newsdesk run``, its manifest and ``helpers.analyse`` share it."""
    chosen = filters.Filters.from_parameters(options.start_date, options.end_date, options.sources)

    def is_selected(row: dict) -> bool:
        return (row["status"] == "kept"
                and (options.keep_other_languages or row["language"] in options.languages)
                and chosen.keeps(row.get("published"), row.get("source"), row.get("language")))
    return is_selected


def extract_corpus(corpus: str, options: Options | None = None, progress: bool = True) -> dict:
    """Run stage 2 on ``data/processed/<corpus>/documents.parquet`` and write its tables.

    Returns a summary: documents analysed, processed and reused, skipped, seconds per phase,
    model description and table row counts. The summary is also written to
    ``extract_summary.json`` beside the tables (the run manifest picks it up).
    """
    options = options or Options()
    started = time.perf_counter()
    store.sweep_temporary(paths.processed_dir(corpus))
    version = fingerprint(options)
    statuses = Counter(pq.ParquetFile(store.table_path(corpus, "documents"))
                       .read(columns=["status"]).column("status").to_pylist())
    with cache.Store(cache_path(corpus)) as db:
        n_analysed, n_processed = analyse_pending(corpus, options, version, db, progress)
        processed_at = time.perf_counter()
        counts, failed = assemble(corpus, options, version, db)
    acled.write(corpus)
    finished = time.perf_counter()
    summary = {
        "model": nlp.describe_package(options.model, options.components), "n_analysed": n_analysed,
        "n_processed": n_processed, "n_reused": n_analysed - n_processed,
        "n_not_analysed": sum(statuses.values()) - n_analysed,
        "statuses": dict(statuses), "rows": counts, "failed": failed, "options": dataclasses.asdict(options),
        "seconds": {"nlp": round(processed_at - started, 3),
                    "assemble": round(finished - processed_at, 3)},
    }
    store.write_json(paths.processed_dir(corpus) / "extract_summary.json", summary)
    return summary


def analyse_pending(corpus: str, options: Options, version: str, db: cache.Store,
                    progress: bool = True) -> tuple[int, int]:
    """Analyse the documents whose results are not cached yet, committing every :data:`CHUNK`.

    Returns ``(documents analysed in all, documents processed now)``.
    """
    from tqdm import tqdm

    # A first pass counts, for the summary and the progress bar; texts stream in the second.
    n_analysed = n_todo = 0
    for rows in analysed_batches(corpus, options, version):
        n_analysed += len(rows)
        n_todo += len({r["key"] for r in rows} - db.present(r["key"] for r in rows))

    def pending() -> Iterator[tuple]:
        for rows in analysed_batches(corpus, options, version):
            done = db.present(r["key"] for r in rows)
            yield from ((r["key"], r["text"], r["published"]) for r in rows if r["key"] not in done)

    n_processed = 0
    with tqdm(total=n_todo, desc="extracting", unit="doc", disable=not progress) as bar:
        batch: dict[str, dict] = {}
        for key, found in engines.run(options, pending(), version):
            batch[key] = found
            bar.update(1)  # per document, so a notebook shows progress between cache commits
            if len(batch) >= CHUNK:
                db.put_many(batch)
                n_processed, batch = n_processed + len(batch), {}
        db.put_many(batch)
        n_processed += len(batch)
    return n_analysed, n_processed


def _cached(db: cache.Store, corpus: str, options: Options, version: str
            ) -> Iterator[list[tuple[dict, dict]]]:
    for rows in analysed_batches(corpus, options, version):
        found = db.get_many(r["key"] for r in rows)
        missing = [r["doc_id"] for r in rows if r["key"] not in found]
        if missing:
            raise RuntimeError(f"extraction results missing for {missing[:3]}...")
        yield [(row, found[row["key"]]) for row in rows]


def assemble(corpus: str, options: Options, version: str, db: cache.Store
             ) -> tuple[dict[str, int], list[dict]]:
    """Resolve entities across the corpus and write all stage-2 tables.

    Returns the row counts by table and the documents whose analysis failed (``doc_id``,
    ``error``): they are in no table but are listed, so every document is accounted for.
    """
    assembly = Assembly(entities.load_gazetteer(options.gazetteer_path), options.fuzzy_threshold)
    failed = []
    for chunk in _cached(db, corpus, options, version):
        for row, found in chunk:
            assembly.observe(found["mentions"])
            if found.get("error"):
                failed.append({"doc_id": row["doc_id"], "error": found["error"]})
    assembly.build()
    folder = paths.processed_dir(corpus)
    event_rows: list[dict] = []
    with ExitStack() as stack:
        writers = {table: stack.enter_context(store.TableWriter(folder / f"{table}.parquet", table))
                   for table in STREAMED_TABLES}
        for chunk in _cached(db, corpus, options, version):
            out: dict[str, list[dict]] = defaultdict(list)
            for row, found in chunk:
                for table, rows in assembly.rows(row["doc_id"], row["published"], found).items():
                    out[table] += rows
            for table, writer in writers.items():
                writer.write(out[table])
            event_rows += out["events"]
    counts = {table: writer.n_rows for table, writer in writers.items()}
    for table, rows in assembly.corpus_tables(event_rows).items():
        store.write_records(folder / f"{table}.parquet", rows, table)
        counts[table] = len(rows)
    return counts, failed


class Assembly:
    """Corpus-level resolution and the rows of every stage-2 table.

    Feed every document's mentions to :meth:`observe`, call :meth:`build`, then ask
    :meth:`rows` for each document's rows (this also tallies entities and co-occurrence), and
    finally :meth:`entity_rows` and :meth:`cooccurrence_rows`.
    """

    def __init__(self, gazetteer: entities.Gazetteer, threshold: float):
        self.gazetteer = gazetteer
        self.resolver = entities.Resolver(gazetteer, threshold=threshold, labels=set(NAMED_LABELS))
        self.n_mentions: Counter = Counter()
        self.n_docs: Counter = Counter()
        self.forms: dict[str, Counter] = defaultdict(Counter)
        self.labels: dict[str, Counter] = defaultdict(Counter)
        self.pair_docs: Counter = Counter()
        self.pair_sentences: Counter = Counter()

    def observe(self, mentions: Iterable) -> None:
        self.resolver.observe(mentions)

    def build(self) -> None:
        self.resolver.build()

    def rows(self, doc_id: str, published, found: dict[str, list]) -> dict[str, list[dict]]:
        """One document's rows of ``mentions``, ``dates``, ``quotes`` and ``events``."""
        mentions = [dict(m, entity_id=self.resolver.entity_id(m)) for m in found["mentions"]]
        self._tally(mentions)
        return {
            "mentions": [mention_row(doc_id, m) for m in mentions],
            "dates": [dict(d, doc_id=doc_id) for d in found["dates"]],
            "quotes": [quote_row(doc_id, q, mentions) for q in found["quotes"]],
            "events": [event_row(doc_id, published, e, mentions) for e in found["events"]],
        }

    def _tally(self, mentions: list[dict]) -> None:
        by_sentence = defaultdict(set)
        for m in mentions:
            if m["entity_id"]:
                self.n_mentions[m["entity_id"]] += 1
                self.forms[m["entity_id"]][m["full"] or m["text"]] += 1
                self.labels[m["entity_id"]][m["label"]] += 1
                by_sentence[m["sentence"]].add(m["entity_id"])
        in_doc = set().union(*by_sentence.values()) if by_sentence else set()
        self.n_docs.update(in_doc)
        self.pair_docs.update(combinations(sorted(in_doc), 2))
        for ids in by_sentence.values():
            self.pair_sentences.update(combinations(sorted(ids), 2))

    def corpus_tables(self, event_rows: list[dict]) -> dict[str, list[dict]]:
        """The tables that need the whole corpus: events grouped into reports of one event
        (:func:`helpers.events.group_reports`), entities, co-occurrence and the merges made."""
        return {"events": events.group_reports(event_rows), "entities": self.entity_rows(),
                "cooccurrence": self.cooccurrence_rows(), "entity_merges": self.resolver.merges}

    def entity_rows(self) -> list[dict]:
        """One row per canonical entity, most mentioned first."""
        rows = []
        for entity_id, n in self.n_mentions.most_common():
            info = self.gazetteer.info(entity_id)
            rows.append({
                "entity_id": entity_id,
                "name": info["name"] if info else display_name(self.forms[entity_id]),
                "label": info["label"] if info else self.labels[entity_id].most_common(1)[0][0],
                "n_mentions": n, "n_docs": self.n_docs[entity_id],
                "aliases": [form for form, _ in self.forms[entity_id].most_common()],
                "actor_type": info["actor_type"] if info else None,
                "country": info["country"] if info else None, "in_gazetteer": info is not None})
        return rows

    def cooccurrence_rows(self) -> list[dict]:
        """One row per pair of entities named in the same document, most documents first."""
        return [{"entity_a": a, "entity_b": b, "n_docs": n, "n_sentences": self.pair_sentences[(a, b)]}
                for (a, b), n in sorted(self.pair_docs.items(), key=lambda kv: (-kv[1], kv[0]))]


def mention_row(doc_id: str, m: dict) -> dict:
    return {"doc_id": doc_id, "start_char": m["start_char"], "end_char": m["end_char"],
            "text": m["text"], "label": m["label"], "entity_id": m["entity_id"],
            "sentence": m["sentence"], "metonymy": m["metonymy"],
            "origin": "gazetteer" if m["gazetteer_id"] else "model"}


def quote_row(doc_id: str, q: dict, mentions: list[dict]) -> dict:
    speaker = (_entity_at(mentions, q["speaker_start"], q["speaker_end"])
               or _entity_at(mentions, q["represents_start"], q["represents_end"]))
    return {"doc_id": doc_id, "speaker_text": q["speaker_text"],
            "speaker_entity_id": speaker["entity_id"] if speaker else None,
            "speaker_start": q["speaker_start"], "speaker_end": q["speaker_end"],
            "cue": q["cue"], "quote": q["quote"], "start_char": q["start_char"], "end_char": q["end_char"],
            "kind": q.get("kind")}


def display_name(forms: Counter) -> str:
    """The most frequent surface form, without a leading "the" or a trailing possessive."""
    name = forms.most_common(1)[0][0]
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    return re.sub(r"['\u2019]s?$", "", name).strip() or forms.most_common(1)[0][0]


def _entity_at(mentions: list[dict], start: int | None, end: int | None) -> dict | None:
    """The entity a phrase names: a person in it, else its first named mention, else ``None``.

    "Interior Ministry spokesman Burak Tunc" is Burak Tunc; "the UN coordinator for Sudan"
    is the UN.
    """
    if start is None:
        return None
    inside = [m for m in mentions if m.get("entity_id")
              and m["start_char"] < end and m["end_char"] > start]
    people = [m for m in inside if m["label"] == "PERSON"]
    return (people or inside or [None])[0]


def event_row(doc_id: str, published, event: dict, mentions: list[dict]) -> dict:
    """An events-table row: the per-document record with its actors and place resolved to
    canonical ids (the text as written stays in ``*_text``)."""
    def resolved(prefix: str) -> str | None:
        hit = _entity_at(mentions, event[f"{prefix}_start"], event[f"{prefix}_end"])
        return hit["entity_id"] if hit else event[f"{prefix}_text"]

    row = {k: v for k, v in event.items() if k in EVENT_COLUMNS}
    return row | {"doc_id": doc_id, "actor1": resolved("actor1"), "actor2": resolved("actor2"),
                  "location": resolved("location"), "event_date": event["event_date"] or published}


EVENT_COLUMNS = frozenset(schema.columns("events"))


# displaCy shows the start of a long document: a million characters of markup would make the
# page unreadable and the notebook heavy.
DISPLAY_CHARS = 20_000


def displayed_entities(corpus: str, doc_id: str | None, mentions, max_chars: int = DISPLAY_CHARS) -> dict:
    """One document's text and entity mentions as stage 2 recorded them, in displaCy's manual
    format (``displacy.render(shown, style="ent", manual=True)``): ``{"text", "ents": [{"start",
    "end", "label"}], "title"}``, the title being the ``doc_id`` (the headline is usually the
    text's first line). Only the first ``max_chars`` characters (cut at a paragraph break) and the
    mentions inside them are shown; ``doc_id`` ``None`` (nothing analysed) gives an empty text. No
    model is loaded: the picture is the table, not a new parse."""
    if doc_id is None:
        return {"text": "", "ents": [], "title": None}
    documents = store.read_table(corpus, "documents", ["doc_id", "text"]).set_index("doc_id")
    if doc_id not in documents.index:
        raise KeyError(f"no document {doc_id!r} in corpus {corpus!r}")
    text = documents.loc[doc_id, "text"]
    if len(text) > max_chars:
        cut = text.rfind("\n\n", 0, max_chars)
        text = text[:cut if cut > max_chars // 2 else max_chars]
    spans = mentions[(mentions["doc_id"] == doc_id) & (mentions["end_char"] <= len(text))]
    spans = spans.sort_values(["start_char", "end_char"])
    ents, last_end = [], 0
    for start, end, label in spans[["start_char", "end_char", "label"]].itertuples(index=False):
        if start >= last_end:  # displaCy draws no overlapping spans
            ents.append({"start": int(start), "end": int(end), "label": label})
            last_end = end
    return {"text": text, "ents": ents, "title": doc_id}


def busiest_document(mentions) -> str | None:
    """The doc_id with the most entity mentions; ``None`` when there are none (an empty corpus
    completes and says so rather than stopping here)."""
    if mentions.empty:
        return None
    return mentions["doc_id"].value_counts().index[0]


def top_actors(entities_table, per_type: int = 5):
    """The most mentioned entities of each actor type (gazetteer types; others as "unknown")."""
    frame = entities_table.assign(actor_type=entities_table["actor_type"].fillna("unknown"))
    frame = frame[frame["label"].isin(["PERSON", "ORG", "GPE", "NORP"])]
    top = frame.sort_values("n_mentions", ascending=False).groupby("actor_type").head(per_type)
    return top.sort_values(["actor_type", "n_mentions"], ascending=[True, False])[
        ["actor_type", "name", "label", "n_mentions", "n_docs", "country"]].reset_index(drop=True)


def load_tables(corpus: str) -> dict:
    """Every stage-2 table of ``corpus`` as DataFrames, by name."""
    return {table: store.read_table(corpus, table) for table in TABLES}

