"""Score event extraction on a hand-coded dev set in ACLED's export layout.

    PYTHONPATH=src python benchmarks/score_events.py [benchmarks/devsets/events_dev.csv]

Each note is analysed as a document published on its ``event_date``; its main event is the
first asserted event of an ACLED type. Figures: event type accuracy (a note coded without an
ACLED type — a statement, a denial, a threat — is right when no asserted event is found),
actor1 and location (fuzzy match: rapidfuzz token-set ratio ≥ 80 against the phrase as
written or its ACLED-style name), date, modality of the main trigger, and asserted events per
single-event note. ``newsdesk evaluate --kind events`` reads the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

from rapidfuzz import fuzz

from helpers import acled, entities

DEV_SET = Path(__file__).parent / "devsets" / "events_dev.csv"
THRESHOLD = 80


def similar(gold: str | None, *predicted: str | None) -> bool:
    """Whether any predicted form names the gold value (folded, token-set ratio ≥ 80)."""
    if not gold:
        return False
    target = entities.fold(gold)
    return any(p and fuzz.token_set_ratio(target, entities.fold(p)) >= THRESHOLD for p in predicted)


def score(rows: list[dict], analyse) -> dict:
    """Figures of ``analyse(text, published) -> list of event dicts`` on dev-set ``rows``."""
    n = {"type": 0, "actor1": 0, "actor1_all": 0, "location": 0, "location_all": 0, "date": 0,
         "date_all": 0, "events": 0, "single": 0}
    misses = []
    for row in rows:
        published = dt.date.fromisoformat(row["event_date"])
        found = analyse(row["notes"], published)
        asserted = [e for e in found if e["modality"] == "asserted" and e["event_type"]]
        main = asserted[0] if asserted else None
        gold_type = row["event_type"] or None
        right_type = (main["event_type"] if main else None) == gold_type
        n["type"] += right_type
        if not right_type:
            misses.append(("type", row["notes"], gold_type, main and main["event_type"]))
        if gold_type is None:
            continue
        n["single"] += 1
        n["events"] += len(asserted)
        country = row.get("country") or None
        if row["actor1"]:
            n["actor1_all"] += 1
            hit = main is not None and similar(row["actor1"], main["actor1_text"],
                                               acled.actor_name(main["actor1_text"], main["actor1_type"], country))
            n["actor1"] += hit
            if not hit:
                misses.append(("actor1", row["notes"], row["actor1"], main and main["actor1_text"]))
        if row["location"]:
            n["location_all"] += 1
            hit = main is not None and similar(row["location"], main["location_text"])
            n["location"] += hit
            if not hit:
                misses.append(("location", row["notes"], row["location"], main and main["location_text"]))
        n["date_all"] += 1
        n["date"] += main is not None and main["event_date"] == published
        if main is not None and main["event_date"] != published:
            misses.append(("date", row["notes"], published, main["event_date"]))
    return {
        "notes": len(rows),
        "event_type": n["type"] / len(rows),
        "actor1": n["actor1"] / max(n["actor1_all"], 1),
        "location": n["location"] / max(n["location_all"], 1),
        "date": n["date"] / max(n["date_all"], 1),
        "events_per_note": n["events"] / max(n["single"], 1),
        "misses": misses,
    }


def load(path: Path = DEV_SET) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    from helpers import extract

    extractor = extract.Extractor(extract.Options())

    def analyse(text, published):
        return extractor.analyse(extractor.nlp(text), published)["events"]

    figures = score(load(Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_SET), analyse)
    for kind, note, gold, got in figures.pop("misses"):
        print(f"MISS {kind}: gold={gold!r} got={got!r} | {note}")
    for key, value in figures.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")


if __name__ == "__main__":
    main()
