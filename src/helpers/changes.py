"""What changed since the last run of the same corpus: documents, actors and events.

Each successful run leaves ``snapshot.json`` in its folder (the documents analysed, every actor's
mentions per week over the run's window of publication dates, every event's key). The next run of
the same corpus compares its own snapshot with the latest earlier one and writes
``changes.json``: new and gone documents, new actors, actors rising and falling, new events.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import filters, store

ACTOR_LABELS = ("PERSON", "ORG", "GPE", "NORP")
# An actor rises (falls) when its mentions per week grow (shrink) by this factor and by at least
# MIN_DIFFERENCE mentions a week: a move from 0.1 to 0.3 a week is noise, not news.
FACTOR = 1.5
MIN_DIFFERENCE = 1.0
LISTED = 15  # rows of each list kept in changes.json


def snapshot(tables: dict[str, pd.DataFrame], documents: pd.DataFrame,
             chosen: filters.Filters | None = None) -> dict:
    """The state a later run compares against.

    ``tables`` holds ``mentions``, ``entities`` and ``events``; ``documents`` the documents table;
    ``chosen`` the run's filters (the documents it covers). Returns ``{"documents": {doc_id:
    title}, "selection": str, "window": [first, last] publication dates or None, "weeks": float,
    "actors": {entity_id: {"name", "label", "mentions", "per_week"}}, "events": {key: {"type",
    "date", "doc_id", "sentence"}}}``.
    """
    chosen = chosen or filters.Filters()
    docs = documents[documents["status"].eq("kept") & chosen.mask(documents)]
    published = pd.to_datetime(docs["published"]).dropna()
    window = [published.min().date().isoformat(), published.max().date().isoformat()] if len(published) else None
    weeks = max((published.max() - published.min()).days + 1, 7) / 7 if len(published) else 1.0
    entities = tables["entities"]
    actors = entities[entities["label"].isin(ACTOR_LABELS)]
    events = tables["events"]
    return {
        "documents": {d.doc_id: (d.title if isinstance(d.title, str) else None) for d in docs.itertuples()},
        "selection": chosen.describe() or "every document", "window": window, "weeks": round(weeks, 3),
        "actors": {a.entity_id: {"name": a.name, "label": a.label, "mentions": int(a.n_mentions),
                                 "per_week": round(a.n_mentions / weeks, 3)} for a in actors.itertuples()},
        "events": {event_key(e): {"type": e.event_type, "date": _iso(e.event_date), "doc_id": e.doc_id,
                                  "sentence": e.sentence}
                   for e in events[events["event_type"] != "statement"].itertuples()},
    }


def event_key(event) -> str:
    """A stable key of one event row: document, offset of its sentence, type and trigger."""
    return f"{event.doc_id}@{event.start_char}:{event.event_type}:{event.trigger}"


def _iso(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def compare(before: dict | None, after: dict) -> dict:
    """Changes from snapshot ``before`` (``None`` for a first run) to snapshot ``after``.

    Returns ``{"first_run", "new_documents", "gone_documents", "new_actors", "rising",
    "falling", "new_events", "counts"}``; lists hold at most :data:`LISTED` rows each (most
    mentioned or most changed first) and ``counts`` gives their full lengths.
    """
    if before is None:
        return {"first_run": True, "counts": {"documents": len(after["documents"])}}
    new_docs = [{"doc_id": d, "title": after["documents"][d]} for d in after["documents"]
                if d not in before["documents"]]
    gone_docs = [{"doc_id": d, "title": before["documents"][d]} for d in before["documents"]
                 if d not in after["documents"]]
    new_actors = sorted(({"entity_id": k, **v} for k, v in after["actors"].items() if k not in before["actors"]),
                        key=lambda a: -a["mentions"])
    moves = []
    for key, now in after["actors"].items():
        then = before["actors"].get(key, {"per_week": 0.0})
        difference = now["per_week"] - then["per_week"]
        if key in before["actors"] and abs(difference) >= MIN_DIFFERENCE and (
                now["per_week"] >= FACTOR * then["per_week"] or then["per_week"] >= FACTOR * now["per_week"]):
            moves.append({"entity_id": key, "name": now["name"], "label": now["label"],
                          "per_week_before": then["per_week"], "per_week_now": now["per_week"],
                          "change": round(difference, 3)})
    for key, then in before["actors"].items():
        if key not in after["actors"] and then["per_week"] >= MIN_DIFFERENCE:
            moves.append({"entity_id": key, "name": then["name"], "label": then["label"],
                          "per_week_before": then["per_week"], "per_week_now": 0.0,
                          "change": -then["per_week"]})
    rising = sorted((m for m in moves if m["change"] > 0), key=lambda m: -m["change"])
    falling = sorted((m for m in moves if m["change"] < 0), key=lambda m: m["change"])
    new_events = sorted(({"key": k, **v, "document": after["documents"].get(v["doc_id"]) or v["doc_id"]}
                         for k, v in after["events"].items() if k not in before["events"]),
                        key=lambda e: e["date"] or "", reverse=True)
    found = {"new_documents": new_docs, "gone_documents": gone_docs, "new_actors": new_actors,
             "rising": rising, "falling": falling, "new_events": new_events}
    return {"first_run": False, "window_before": before.get("window"), "window_now": after.get("window"),
            "selection_before": before.get("selection"), "selection_now": after.get("selection"),
            "counts": {k: len(v) for k, v in found.items()}, **{k: v[:LISTED] for k, v in found.items()}}


def previous_snapshot(corpus: str, reports_dir: Path, current: Path) -> tuple[str | None, dict | None]:
    """The latest earlier successful run of ``corpus`` with a snapshot: ``(run id, snapshot)``."""
    candidates = []
    for manifest_path in Path(reports_dir).glob("*/manifest.json"):
        folder = manifest_path.parent
        if folder.resolve() == Path(current).resolve() or not (folder / "snapshot.json").exists():
            continue
        manifest = store.read_json(manifest_path, default={})
        if manifest.get("name") == corpus and manifest.get("status") == "succeeded":
            candidates.append((manifest.get("started", ""), folder))
    if not candidates:
        return None, None
    _, folder = max(candidates)
    return folder.name, store.read_json(folder / "snapshot.json")


def record_run(corpus: str, run_dir: Path, reports_dir: Path, chosen: filters.Filters | None = None) -> dict:
    """Write ``snapshot.json`` and ``changes.json`` in ``run_dir`` for a run covering the
    documents ``chosen`` keeps; returns the counts of changes (for the manifest) with the id of
    the run compared against."""
    from . import extract

    documents = store.read_table(corpus, "documents")
    tables = filters.subset(extract.load_tables(corpus), documents, chosen or filters.Filters())
    current = snapshot(tables, documents, chosen)
    previous_id, previous = previous_snapshot(corpus, reports_dir, run_dir)
    found = compare(previous, current) | {"previous_run": previous_id}
    store.write_json(Path(run_dir) / "snapshot.json", current)
    store.write_json(Path(run_dir) / "changes.json", found)
    return {"previous_run": previous_id, **found["counts"]}
