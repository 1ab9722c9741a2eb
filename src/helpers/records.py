"""The base of the typed per-document records (mentions, dates, quotes, events).

Records are frozen dataclasses, like textacy's triples: a Doc goes in, typed records come out.
They are cached and assembled as plain dicts (:meth:`Record.as_dict`), and they also read like
those dicts (``record["start_char"]``, ``record.get("full")``), so code downstream takes either.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Record:
    """A frozen record that can be read by field name like a dict."""

    def __getitem__(self, name: str):
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    def get(self, name: str, default=None):
        return getattr(self, name, default)

    def as_dict(self) -> dict:
        """The record as a plain dict (what caches store and tables are built from)."""
        return dataclasses.asdict(self)


def as_dicts(records) -> list[dict]:
    """Plain dicts of records (dicts pass through unchanged)."""
    return [r.as_dict() if isinstance(r, Record) else dict(r) for r in records]
