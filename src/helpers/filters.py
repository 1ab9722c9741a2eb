"""Which documents an analysis looks at: publication dates, sources and languages.

One :class:`Filters` serves stage 2 (``extract.analysed_batches`` keeps only the documents it
accepts) and stage 3 (:func:`subset` restricts the tables the charts and the report draw on), so
both stages see the same documents. :func:`Filters.from_parameters` validates notebook parameter
values and raises ``ValueError`` with a message naming the parameter, before anything runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

PARAMETERS = ("start_date", "end_date", "sources", "languages")


@dataclass(frozen=True)
class Filters:
    """Documents kept: published in ``[start, end]`` (either may be ``None``), from one of
    ``sources`` (empty: any) and in one of ``languages`` (empty: any).

    With a start or an end date, undated documents are left out: they cannot be placed.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def from_parameters(cls, start_date: str = "", end_date: str = "", sources: Iterable[str] = (),
                        languages: Iterable[str] = ()) -> Filters:
        """Filters from notebook parameters (``YYYY-MM-DD`` strings, lists of names).

        Raises ``ValueError`` naming the parameter for a malformed date, a start after the end,
        or a list that is not a list of strings.
        """
        start, end = _date("start_date", start_date), _date("end_date", end_date)
        if start and end and start > end:
            raise ValueError(f"start_date {start} is after end_date {end}")
        return cls(start, end, _names("sources", sources), _names("languages", languages))

    @property
    def active(self) -> bool:
        return bool(self.start or self.end or self.sources or self.languages)

    def keeps(self, published: dt.date | None, source: str | None, language: str | None) -> bool:
        """Whether one document passes (the row-by-row form of :meth:`mask`)."""
        if (self.start or self.end) and published is None:
            return False
        if self.start and published < self.start:
            return False
        if self.end and published > self.end:
            return False
        if self.sources and source not in self.sources:
            return False
        return not (self.languages and language not in self.languages)

    def mask(self, documents: pd.DataFrame) -> pd.Series:
        """Boolean mask over a ``documents`` table (columns ``published``, ``source``, ``language``)."""
        keep = pd.Series(True, index=documents.index)
        published = pd.to_datetime(documents["published"])
        if self.start or self.end:
            keep &= published.notna()
        if self.start:
            keep &= published >= pd.Timestamp(self.start)
        if self.end:
            keep &= published <= pd.Timestamp(self.end)
        if self.sources:
            keep &= documents["source"].isin(list(self.sources))
        if self.languages:
            keep &= documents["language"].isin(list(self.languages))
        return keep.fillna(False).astype(bool)

    def describe(self) -> str:
        """The filters in words ("published 2026-09-01 to 2026-09-30; sources: A, B"), or ""."""
        parts = []
        if self.start or self.end:
            parts.append(f"published {self.start or 'any time'} to {self.end or 'any time'}")
        if self.sources:
            parts.append("sources: " + ", ".join(self.sources))
        if self.languages:
            parts.append("languages: " + ", ".join(self.languages))
        return "; ".join(parts)


def from_mapping(values: Mapping) -> Filters:
    """:meth:`Filters.from_parameters` from a mapping of parameter values (missing ones: any)."""
    return Filters.from_parameters(**{k: values[k] for k in PARAMETERS if values.get(k) is not None})


def _date(name: str, value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} {value!r} is not a date of the form YYYY-MM-DD") from None


def _names(name: str, values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = values.split(",")
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name} must be a list of names, got {values!r}")
    return tuple(v.strip() for v in values if v.strip())


def subset(tables: Mapping[str, pd.DataFrame], documents: pd.DataFrame, filters: Filters
           ) -> dict[str, pd.DataFrame]:
    """The stage-2 tables restricted to the documents ``filters`` keeps.

    ``tables`` holds ``mentions``, ``entities``, ``quotes``, ``events`` (and optionally
    ``dates``, ``cooccurrence``); returns the same keys plus ``documents``. Entity counts
    (``n_mentions``, ``n_docs``) and the co-occurrence table are recounted over the kept
    documents, so rankings and the network describe the selection, not the whole corpus.
    Without active filters the tables are returned as they are.
    """
    result = dict(tables)
    result["documents"] = documents
    if not filters.active:
        return result
    kept_docs = documents[filters.mask(documents)]
    ids = set(kept_docs["doc_id"])
    result["documents"] = kept_docs
    for name in ("mentions", "quotes", "events", "dates"):
        if name in tables:
            result[name] = tables[name][tables[name]["doc_id"].isin(ids)].reset_index(drop=True)
    mentions = result["mentions"]
    named = mentions[mentions["entity_id"].notna()]
    counts = named.groupby("entity_id").agg(n_mentions=("doc_id", "size"), n_docs=("doc_id", "nunique"))
    entities = tables["entities"].drop(columns=["n_mentions", "n_docs"]).merge(
        counts, left_on="entity_id", right_index=True, how="inner")
    result["entities"] = entities[tables["entities"].columns].reset_index(drop=True)
    if "cooccurrence" in tables:
        result["cooccurrence"] = cooccurrence(named)
    return result


def cooccurrence(mentions: pd.DataFrame) -> pd.DataFrame:
    """Pairs of entities in the same documents and sentences (the ``cooccurrence`` table's
    columns) from mentions with ``doc_id``, ``sentence`` and ``entity_id``."""
    columns = ["entity_a", "entity_b", "n_docs", "n_sentences"]
    places = mentions[["doc_id", "sentence", "entity_id"]].drop_duplicates()
    if places.empty:
        return pd.DataFrame(columns=columns)
    docs = places[["doc_id", "entity_id"]].drop_duplicates()
    pairs = docs.merge(docs, on="doc_id")
    pairs = pairs[pairs["entity_id_x"] < pairs["entity_id_y"]]
    by_doc = pairs.groupby(["entity_id_x", "entity_id_y"]).size().rename("n_docs")
    sentences = places.merge(places, on=["doc_id", "sentence"])
    sentences = sentences[sentences["entity_id_x"] < sentences["entity_id_y"]]
    by_sentence = sentences.groupby(["entity_id_x", "entity_id_y"]).size().rename("n_sentences")
    table = pd.concat([by_doc, by_sentence], axis=1).fillna(0).astype("int64").reset_index()
    table.columns = columns
    return table
