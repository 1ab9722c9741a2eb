"""Per-document analysis: one ``Doc`` and its publication date in, typed records out.

:class:`Analyser` holds one pipeline (built by :func:`helpers.nlp.load`) and the lexicons, and
turns each document into its mentions, dates, quotes and events, each from its own module
(:mod:`~helpers.entities`, :mod:`~helpers.dates`, :mod:`~helpers.quotes`,
:mod:`~helpers.events`). Nothing here knows of corpora, caches or files: assembly
(:mod:`helpers.extract`) and the public API (:mod:`helpers.api`) sit above it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import cache, dates, entities, events, lexicons, nlp, paths, quotes, records, vocab

KINDS = ("mentions", "dates", "quotes", "events")
LOG = logging.getLogger(__name__)


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
    # Numeric dates such as 3/4/2020: "day" first, "month" first, or "" (day first, flagged ambiguous).
    day_first: str = ""
    # Which documents assembly analyses (see helpers.filters): publication dates, outlets; empty: all.
    start_date: str = ""
    end_date: str = ""
    sources: list[str] = field(default_factory=list)

    @property
    def components(self) -> list[str]:
        return nlp.components_for(self.quotes, self.events)

    @property
    def reads_day_first(self) -> bool | None:
        """``day_first`` as :func:`helpers.dates.extract` takes it."""
        return {"day": True, "month": False}.get(self.day_first)

    @property
    def gazetteer_path(self) -> Path:
        return paths.resolve(self.gazetteer_dir, paths.GAZETTEER)


class DocRecords(NamedTuple):
    """Everything the analysis finds in one document, by kind."""

    mentions: list[entities.Mention]
    dates: list[dates.DateMention]
    quotes: list[quotes.Quote]
    events: list[events.Event]

    def __getitem__(self, key):
        """``records["events"]`` as well as ``records.events`` and ``records[3]``."""
        return getattr(self, key) if isinstance(key, str) else tuple.__getitem__(self, key)

    def as_dicts(self) -> dict[str, list[dict]]:
        """``{"mentions": [...], ...}`` as plain dicts: what the cache stores."""
        return {kind: records.as_dicts(getattr(self, kind)) for kind in KINDS}


class Analyser:
    """One loaded pipeline plus the gazetteer and lexicons: ``Doc`` → :class:`DocRecords`."""

    def __init__(self, options: Options):
        self.options = options
        entities.reload_lexicons()
        events.reload_lexicons()
        self.gazetteer = entities.load_gazetteer(options.gazetteer_path)
        self.nlp = nlp.load(options.model, tuple(options.components), self.gazetteer)
        self.cues = quotes.load_cues()
        self.triggers = events.index_triggers(events.load_triggers())

    def analyse(self, doc, published: dt.date | None, text: str | None = None) -> DocRecords:
        """The records of one Doc that left :attr:`nlp`.

        ``text`` is the Doc's text when known (``Doc.text`` is rebuilt from tokens on each access).
        """
        text = doc.text if text is None else text
        mentions = entities.extract(doc, self.gazetteer.metonymy)
        found_dates = dates.extract(doc, published, self.options.reads_day_first, text=text)
        found_quotes = quotes.extract(doc, self.cues, text) if self.options.quotes else []
        found_events = (events.extract(doc, mentions, found_dates, self.triggers, published=published)
                        if self.options.events else [])
        return DocRecords(mentions, found_dates, found_quotes, found_events)

    def pipe(self, items: Iterable[tuple[str, str, dt.date | None]], batch_size: int | None = None
             ) -> Iterator[tuple[str, dict[str, list[dict]]]]:
        """``(key, text, published)`` items → ``(key, records as dicts)``, through ``nlp.pipe``.

        A text longer than :data:`PIECE_CHARS` is parsed alone, piece by piece, its pieces cut at
        paragraph breaks, and the pieces' records are joined with offsets into the whole text:
        memory then stays bounded by the piece, not the document (a parsed Doc of a million
        characters takes gigabytes). Short names, pronouns and repeated events are resolved
        within a piece. Results come in the order of the items.
        """
        batch_size = batch_size or self.options.batch_size
        for batch in _batches_by_length(items, batch_size):
            if len(batch) == 1 and len(batch[0][1]) > PIECE_CHARS:
                key, text, published = batch[0]
                yield key, self._guarded(key, self.analyse_long, text, published)
                continue
            stream = ((text, (key, text, published)) for key, text, published in batch)
            for doc, (key, text, published) in self.nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
                yield key, self._guarded(key, self.analyse, doc, published, text)

    def _guarded(self, key: str, analyse, *args) -> dict[str, list[dict]]:
        """``analyse(*args)`` as dicts; an extractor that fails on one document costs that
        document's records (kept as ``{"error": ...}`` and counted by assembly), not the run."""
        try:
            return analyse(*args).as_dicts()
        except Exception as error:  # noqa: BLE001 - one document's failure must not stop a corpus
            LOG.warning("analysis failed on document %s: %s: %s", key[:12], type(error).__name__, error)
            return {kind: [] for kind in KINDS} | {"error": f"{type(error).__name__}: {error}"}

    def analyse_long(self, text: str, published: dt.date | None) -> DocRecords:
        """The records of a long text, parsed one piece at a time (see :func:`pieces`)."""
        parts = []
        for start, piece, _ in pieces(text):
            doc = self.nlp(piece)
            parts.append((start, sum(1 for _ in doc.sents), self.analyse(doc, published, piece)))
        return joined(parts)


def _batches_by_length(items: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    """Lists of at most ``size`` items, in order; a text longer than :data:`PIECE_CHARS` is a
    list of its own."""
    batch: list[tuple] = []
    for item in items:
        if len(item[1]) > PIECE_CHARS:
            if batch:
                yield batch
            yield [item]
            batch = []
            continue
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# Texts longer than this are parsed in pieces (see Analyser.pipe); news articles never are.
PIECE_CHARS = 100_000


def pieces(text: str, size: int | None = None) -> list[tuple[int, str, bool]]:
    """``(start, piece, is_last)`` of ``text`` cut into pieces of at most ``size`` characters,
    at the last paragraph break (else line break, else space) before the limit."""
    size = size or PIECE_CHARS
    found, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = next((window.rfind(sep) + len(sep) for sep in ("\n\n", "\n", " ") if window.rfind(sep) > size // 2),
                   size)
        found.append((start, window[:cut], False))
        start += cut
    found.append((start, text[start:], True))
    return found


def joined(parts: list[tuple[int, int, DocRecords]]) -> DocRecords:
    """The records of a document's pieces ``(start, number of sentences, records)`` as one
    document's: offsets moved by each piece's start, sentence numbers by the sentences before."""
    if len(parts) == 1:
        return parts[0][2]
    kinds: dict[str, list] = {kind: [] for kind in KINDS}
    sentences_before = 0
    for start, n_sentences, found in parts:
        for kind in KINDS:
            kinds[kind] += [_moved(record, start, sentences_before) for record in getattr(found, kind)]
        sentences_before += n_sentences
    return DocRecords(**kinds)


def _moved(record, chars: int, sentences: int):
    """``record`` with its character offsets (``start_char``, ``*_start``, ``*_end``, ...) moved by
    ``chars`` and its sentence number by ``sentences``."""
    changes = {}
    for name, value in record.as_dict().items():
        if type(value) is not int:  # bools (range_start) and texts are not offsets
            continue
        if name in {"start_char", "end_char"} or name.endswith(("_start", "_end")):
            changes[name] = value + chars
        elif name == "sentence":
            changes[name] = value + sentences
    return dataclasses.replace(record, **changes)


def fingerprint(options: Options) -> str:
    """What shapes per-document results: model, components, data files and code."""
    package = nlp.resolve_model(options.model)
    gazetteer = sorted(options.gazetteer_path.glob("*.csv"))
    return cache.fingerprint(
        package, nlp.pipeline_version(package), options.components, options.quotes, options.events,
        options.day_first,
        cache.file_digest(*gazetteer, *lexicons.files()),
        cache.code_version(nlp, entities, dates, quotes, events, records, lexicons, vocab, sys.modules[__name__]))
