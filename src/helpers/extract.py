"""Stage 2: documents → mentions, entities, dates, quotes, events, co-occurrence.

Documents stream from ``documents.parquet`` through spaCy (``nlp.pipe``, only the components
the chosen outputs need) and the per-document extractors; each result is stored in a cache
keyed by the text, publication date and everything that shapes the result (model, components,
gazetteer, lexicons, code version), so reruns process only new or changed documents. Then two
streaming passes over the cache resolve canonical entities across the corpus and write every
table in Parquet row groups. Memory stays flat: no pass holds the corpus.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import pyarrow.parquet as pq

from . import cache, dates, entities, events, filters, nlp, paths, quotes, store

# Labels that name something and get a canonical entity id; numbers and dates do not.
NAMED_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART",
                "LANGUAGE"}
TABLES = ("mentions", "entities", "dates", "quotes", "events", "cooccurrence")
CHUNK = 256  # documents per cache commit and per Parquet row group


@dataclass
class Options:
    """Extraction parameters (the 02_entities notebook's parameters map onto these)."""

    model: str = nlp.DEFAULT_MODEL
    quotes: bool = True
    events: bool = True
    fuzzy_threshold: float = 90.0
    languages: list[str] = field(default_factory=lambda: ["en"])
    keep_other_languages: bool = False
    batch_size: int = 64
    n_process: int = 1
    engine: str = "local"
    scheduler: str = ""
    n_workers: int = 2
    gazetteer_dir: str = ""
    # Which documents to analyse (see helpers.filters): publication dates, outlets; empty: all.
    start_date: str = ""
    end_date: str = ""
    sources: list[str] = field(default_factory=list)

    @property
    def components(self) -> list[str]:
        return nlp.components_for(self.quotes, self.events)

    @property
    def gazetteer_path(self) -> Path:
        return paths.resolve(self.gazetteer_dir, paths.GAZETTEER)


class Extractor:
    """The per-document analysis: one loaded pipeline plus the lexicons, Doc → records."""

    def __init__(self, options: Options):
        self.options = options
        entities.reload_lexicons()
        self.gazetteer = entities.load_gazetteer(options.gazetteer_path)
        self.nlp = nlp.load(options.model, tuple(options.components))
        entities.add_ruler(self.nlp, self.gazetteer)
        self.cues = quotes.load_cues()
        self.triggers = events.index_triggers(events.load_triggers())

    def analyse(self, doc, published: dt.date | None, text: str | None = None) -> dict:
        """Records of one Doc: ``{"mentions", "dates", "quotes", "events"}`` (lists of dicts).

        ``text`` is the Doc's text when known (``Doc.text`` is rebuilt from tokens on each access).
        """
        text = doc.text if text is None else text
        mentions = entities.doc_mentions(doc, self.gazetteer.metonymy, text)
        date_records = []
        for mention in mentions:
            if mention["label"] != "DATE":
                continue
            ent = doc.char_span(mention["start_char"], mention["end_char"])
            found = dates.resolve(ent.text, published, future=dates.future_context(ent))
            date_records.append({
                "start_char": ent.start_char, "end_char": ent.end_char, "text": ent.text,
                "start_date": found.start if found else None,
                "end_date": found.end if found else None,
                "precision": found.precision if found else None, "anchor": published})
        found_quotes = quotes.extract(doc, self.cues, text) if self.options.quotes else []
        found_events = (events.extract(doc, mentions, date_records, self.triggers)
                        if self.options.events else [])
        return {"mentions": mentions, "dates": date_records, "quotes": found_quotes,
                "events": found_events}

    def pipe(self, items: Iterator[tuple[str, str, dt.date | None]], batch_size: int | None = None
             ) -> Iterator[tuple[str, dict]]:
        """``(key, text, published)`` items → ``(key, records)``, through ``nlp.pipe``."""
        stream = ((text, (key, text, published)) for key, text, published in items)
        batch_size = batch_size or self.options.batch_size
        for doc, (key, text, published) in self.nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
            yield key, self.analyse(doc, published, text)


def fingerprint(options: Options) -> str:
    """What shapes per-document results: model, components, data files and code."""
    package = nlp.resolve_model(options.model)
    gazetteer = sorted(options.gazetteer_path.glob("*.csv"))
    return cache.fingerprint(
        package, nlp.pipeline_version(package), options.components, options.quotes,
        options.events, cache.file_digest(*gazetteer, quotes.CUES_FILE, events.TRIGGERS_FILE,
                                          entities.TITLES_FILE, entities.ORGANISATION_WORDS_FILE),
        cache.code_version(nlp, entities, dates, quotes, events), cache.code_version(Extractor))


def doc_key(text: str, published, version: str) -> str:
    return hashlib.sha256(f"{version}\0{published}\0{text}".encode()).hexdigest()


def cache_path(corpus: str) -> Path:
    return paths.processed_dir(corpus) / "cache" / "extract.sqlite"


def analysed_batches(corpus: str, options: Options, version: str) -> Iterator[list[dict]]:
    """The documents stage 2 analyses, in batches of :data:`CHUNK`, with their cache keys."""
    source = pq.ParquetFile(store.table_path(corpus, "documents"))
    columns = ["doc_id", "text", "published", "status", "language", "source"]
    chosen = filters.Filters.from_parameters(options.start_date, options.end_date, options.sources)
    for batch in source.iter_batches(batch_size=CHUNK, columns=columns):
        rows = [r for r in batch.to_pylist() if r["status"] == "kept" and (
            options.keep_other_languages or r["language"] in options.languages)
            and chosen.keeps(r["published"], r["source"], r["language"])]
        for row in rows:
            row["key"] = doc_key(row["text"], row["published"], version)
        if rows:
            yield rows


def extract_corpus(corpus: str, options: Options | None = None, progress: bool = True) -> dict:
    """Run stage 2 on ``data/processed/<corpus>/documents.parquet`` and write its tables.

    Returns a summary: documents analysed, processed and reused, skipped, seconds per phase,
    model description and table row counts. The summary is also written to
    ``extract_summary.json`` beside the tables (the run manifest picks it up).
    """
    from tqdm import tqdm

    from . import engines

    options = options or Options()
    started = time.perf_counter()
    store.sweep_temporary(paths.processed_dir(corpus))
    version = fingerprint(options)
    db = cache.Store(cache_path(corpus))
    documents = pq.ParquetFile(store.table_path(corpus, "documents"))
    statuses = Counter(documents.read(columns=["status"]).column("status").to_pylist())

    def pending() -> Iterator[tuple[str, str, dt.date | None]]:
        for rows in analysed_batches(corpus, options, version):
            done = db.present(r["key"] for r in rows)
            yield from ((r["key"], r["text"], r["published"]) for r in rows if r["key"] not in done)

    # A first pass counts, for the summary and the progress bar; texts stream in the second.
    n_analysed = n_todo = 0
    for rows in analysed_batches(corpus, options, version):
        n_analysed += len(rows)
        n_todo += len({r["key"] for r in rows} - db.present(r["key"] for r in rows))
    bar = tqdm(total=n_todo, desc="extracting", unit="doc", disable=not progress)
    n_processed = 0
    with bar:
        batch: dict[str, dict] = {}
        for key, records in engines.run(options, pending(), version):
            batch[key] = records
            bar.update(1)  # per document, so a notebook shows progress between cache commits
            if len(batch) >= CHUNK:
                db.put_many(batch)
                n_processed += len(batch)
                batch = {}
        if batch:
            db.put_many(batch)
            n_processed += len(batch)
    processed_at = time.perf_counter()
    counts = assemble(corpus, options, version, db)
    db.close()
    finished = time.perf_counter()
    described = nlp.describe_package(options.model, options.components)
    summary = {
        "model": described, "n_analysed": n_analysed, "n_processed": n_processed,
        "n_reused": n_analysed - n_processed,
        "n_not_analysed": sum(statuses.values()) - n_analysed,
        "statuses": dict(statuses), "rows": counts, "options": dataclasses.asdict(options),
        "seconds": {"nlp": round(processed_at - started, 3),
                    "assemble": round(finished - processed_at, 3)},
    }
    store.write_json(paths.processed_dir(corpus) / "extract_summary.json", summary)
    return summary


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


def _cached(db: cache.Store, corpus: str, options: Options, version: str
            ) -> Iterator[list[tuple[dict, dict]]]:
    for rows in analysed_batches(corpus, options, version):
        found = db.get_many(r["key"] for r in rows)
        missing = [r["doc_id"] for r in rows if r["key"] not in found]
        if missing:
            raise RuntimeError(f"extraction results missing for {missing[:3]}...")
        yield [(row, found[row["key"]]) for row in rows]


def assemble(corpus: str, options: Options, version: str, db: cache.Store) -> dict[str, int]:
    """Resolve entities across the corpus and write all stage-2 tables; returns row counts."""
    gazetteer = entities.load_gazetteer(options.gazetteer_path)
    resolver = entities.Resolver(gazetteer, threshold=options.fuzzy_threshold, labels=NAMED_LABELS)
    for chunk in _cached(db, corpus, options, version):
        for _, records in chunk:
            resolver.observe(records["mentions"])
    resolver.build()

    n_mentions: Counter = Counter()
    n_docs: Counter = Counter()
    forms: dict[str, Counter] = defaultdict(Counter)
    labels: dict[str, Counter] = defaultdict(Counter)
    pair_docs: Counter = Counter()
    pair_sentences: Counter = Counter()
    folder = paths.processed_dir(corpus)
    writers = {t: store.TableWriter(folder / f"{t}.parquet", t)
               for t in ("mentions", "dates", "quotes", "events")}
    for writer in writers.values():
        writer.__enter__()
    try:
        for chunk in _cached(db, corpus, options, version):
            out = {t: [] for t in writers}
            for row, records in chunk:
                doc_id = row["doc_id"]
                mentions = [dict(m, entity_id=resolver.entity_id(m)) for m in records["mentions"]]
                by_sentence = defaultdict(set)
                for m in mentions:
                    out["mentions"].append({
                        "doc_id": doc_id, "start_char": m["start_char"], "end_char": m["end_char"],
                        "text": m["text"], "label": m["label"], "entity_id": m["entity_id"],
                        "sentence": m["sentence"], "metonymy": m["metonymy"],
                        "origin": "gazetteer" if m["gazetteer_id"] else "model"})
                    if m["entity_id"]:
                        n_mentions[m["entity_id"]] += 1
                        forms[m["entity_id"]][m["full"] or m["text"]] += 1
                        labels[m["entity_id"]][m["label"]] += 1
                        by_sentence[m["sentence"]].add(m["entity_id"])
                in_doc = set().union(*by_sentence.values()) if by_sentence else set()
                n_docs.update(in_doc)
                pair_docs.update(combinations(sorted(in_doc), 2))
                for ids in by_sentence.values():
                    pair_sentences.update(combinations(sorted(ids), 2))
                out["dates"] += [dict(d, doc_id=doc_id) for d in records["dates"]]
                for q in records["quotes"]:
                    speaker = (_entity_at(mentions, q["speaker_start"], q["speaker_end"])
                               or _entity_at(mentions, q["represents_start"], q["represents_end"]))
                    out["quotes"].append({
                        "doc_id": doc_id, "speaker_text": q["speaker_text"],
                        "speaker_entity_id": speaker["entity_id"] if speaker else None,
                        "cue": q["cue"], "quote": q["quote"], "start_char": q["start_char"],
                        "end_char": q["end_char"]})
                dates_at = {d["start_char"]: d for d in records["dates"]}
                for e in records["events"]:
                    out["events"].append(_event_row(doc_id, row["published"], e, mentions, dates_at))
            for table, rows in out.items():
                writers[table].write(rows)
    except BaseException as error:
        for writer in writers.values():
            writer.__exit__(type(error), error, error.__traceback__)
        raise
    for writer in writers.values():
        writer.__exit__(None, None, None)

    entity_rows = []
    for entity_id, n in n_mentions.most_common():
        info = gazetteer.info(entity_id)
        entity_rows.append({
            "entity_id": entity_id,
            "name": info["name"] if info else display_name(forms[entity_id]),
            "label": info["label"] if info else labels[entity_id].most_common(1)[0][0],
            "n_mentions": n, "n_docs": n_docs[entity_id],
            "aliases": [form for form, _ in forms[entity_id].most_common()],
            "actor_type": info["actor_type"] if info else None,
            "country": info["country"] if info else None, "in_gazetteer": info is not None})
    store.write_records(folder / "entities.parquet", entity_rows, "entities")
    pair_rows = [{"entity_a": a, "entity_b": b, "n_docs": n, "n_sentences": pair_sentences[(a, b)]}
                 for (a, b), n in sorted(pair_docs.items(), key=lambda kv: (-kv[1], kv[0]))]
    store.write_records(folder / "cooccurrence.parquet", pair_rows, "cooccurrence")
    counts = {t: w.n_rows for t, w in writers.items()}
    counts |= {"entities": len(entity_rows), "cooccurrence": len(pair_rows)}
    return counts


def display_name(forms: Counter) -> str:
    """The most frequent surface form, without a leading "the" or a trailing possessive."""
    name = forms.most_common(1)[0][0]
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    return re.sub(r"['\u2019]s?$", "", name).strip() or forms.most_common(1)[0][0]


def _event_row(doc_id: str, published, event: dict, mentions: list[dict], dates_at: dict) -> dict:
    def resolved(prefix: str) -> str | None:
        hit = _entity_at(mentions, event[f"{prefix}_start"], event[f"{prefix}_end"])
        return hit["entity_id"] if hit else event[f"{prefix}_text"]

    date = dates_at.get(event["date_start"]) if event["date_start"] is not None else None
    return {
        "doc_id": doc_id, "sentence": event["sentence"], "event_type": event["event_type"],
        "actor1": resolved("actor1"), "actor2": resolved("actor2"),
        "location": resolved("location"),
        "event_date": date["start_date"] if date else published,
        "date_text": date["text"] if date else None, "trigger": event["trigger"],
        "count": event["count"], "start_char": event["sentence_start"]}


def parse_one(corpus: str, doc_id: str, options: Options | None = None):
    """The spaCy Doc of one document, parsed as stage 2 parses it (for displaCy)."""
    options = options or Options()
    documents = store.read_table(corpus, "documents", ["doc_id", "text"]).set_index("doc_id")
    if doc_id not in documents.index:
        raise KeyError(f"no document {doc_id!r} in corpus {corpus!r}")
    extractor = Extractor(options)
    doc = extractor.nlp(documents.loc[doc_id, "text"])
    entities.label_organisations(doc, entities.join_split_names(doc))
    return doc


def busiest_document(mentions) -> str:
    """The doc_id with the most entity mentions."""
    if mentions.empty:
        raise ValueError("no mentions: nothing to show")
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

