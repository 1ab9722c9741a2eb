"""The cache: JSON values (never pickle), dates and sketches round-trip, unreadable stores rebuilt."""

from __future__ import annotations

import datetime as dt
import pickle
import sqlite3

import pytest

from helpers import cache, clean


def test_values_round_trip_with_dates_and_tag_like_keys(tmp_path):
    value = {"mentions": [{"start_char": 0, "label": "GPE", "metonymy": False, "score": 0.5, "id": None}],
             "dates": [{"start_date": dt.date(2025, 3, 4), "anchor": dt.date(1999, 12, 31)}],
             "stamp": dt.datetime(2025, 3, 4, 8, 30),
             "odd": {"$date": "not a tag, a key of the data"}, "text": "caf\u00e9 \U0001f4f0"}
    with cache.Store(tmp_path / "c.sqlite") as store:
        store.put_many({"k": value})
        assert store.get_many(["k", "missing"]) == {"k": value}


def test_values_are_stored_as_json_text_not_pickles(tmp_path):
    with cache.Store(tmp_path / "c.sqlite") as store:
        store.put_many({"k": {"day": dt.date(2025, 1, 2), "rows": [1, 2]}})
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        (stored,) = db.execute("SELECT value FROM kv").fetchone()
    assert isinstance(stored, str)
    assert stored == '{"day":{"$date":"2025-01-02"},"rows":[1,2]}'


def test_objects_that_are_not_data_are_refused(tmp_path):
    with cache.Store(tmp_path / "c.sqlite") as store, pytest.raises(TypeError, match="JSON-like"):
        store.put_many({"k": {"path": object()}})


def test_minhash_sketches_round_trip(tmp_path):
    sketch = clean.minhash("the harbour authority agreed to review night-shift pay")
    with cache.Store(tmp_path / "c.sqlite") as store:
        store.put_many({"minhash:x": sketch})
        back = store.get_many(["minhash:x"])["minhash:x"]
    assert back.dtype == sketch.dtype and back.shape == sketch.shape and (back == sketch).all()


def test_arrays_are_stored_as_bytes_and_only_numbers_are_read_back(tmp_path):
    import numpy as np

    values = np.array([1, 2**32 - 1, 7], dtype=np.uint32)
    encoded = cache.encode({"sketch": values})
    assert '"dtype":"<u4"' in encoded and "4294967295" not in encoded  # bytes, not a list of numbers
    assert (cache.decode(encoded)["sketch"] == values).all()
    with pytest.raises(TypeError, match="one-dimensional"):
        cache.encode(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="one-dimensional"):
        cache.encode(np.array(["a"], dtype=object))
    planted = '{"$array":{"dtype":"|O","base64":"AAAAAAAAAAA="}}'
    with pytest.raises(ValueError, match="dtype"):
        cache.decode(planted)
    with cache.Store(tmp_path / "c.sqlite") as store:
        store.put_encoded({"bad": planted, "good": cache.encode([1])})
        assert store.get_many(["bad", "good"]) == {"good": [1]}  # the planted value is dropped


class Planted:
    """Unpickling this runs code: what an attacker would plant in an old pickle cache."""

    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path(TARGET).write_text('owned')".replace(
            "TARGET", repr(str(PLANTED_TARGET))),))


PLANTED_TARGET = None


def test_a_planted_pickle_never_runs_and_the_store_is_rebuilt(tmp_path, capsys):
    global PLANTED_TARGET
    PLANTED_TARGET = tmp_path / "owned.txt"
    path = tmp_path / "extract.sqlite"
    with sqlite3.connect(path) as db:  # the layout of the old pickle cache
        db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB)")
        db.execute("INSERT INTO kv VALUES ('k', ?)", (pickle.dumps(Planted()),))
    db.close()
    with cache.Store(path) as store:
        assert store.get_many(["k"]) == {} and len(store) == 0
        store.put_many({"k": [1]})
        assert store.get_many(["k"]) == {"k": [1]}
    assert not PLANTED_TARGET.exists()
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "moved to extract.sqlite.broken-" in message
    assert len(list(tmp_path.glob("extract.sqlite.broken-*"))) == 1


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100,
                                     b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_malformed_store_is_moved_aside_and_rebuilt(tmp_path, capsys, content):
    path = tmp_path / "clean.sqlite"
    path.write_bytes(content)
    with cache.Store(path) as store:
        store.put_many({"k": {"a": 1}})
        assert store.get_many(["k"]) == {"k": {"a": 1}}
    assert "could not be read" in capsys.readouterr().err
    assert (next(tmp_path.glob("clean.sqlite.broken-*"))).read_bytes() == content


def test_a_garbled_value_is_dropped_not_fatal(tmp_path, capsys):
    path = tmp_path / "c.sqlite"
    with cache.Store(path) as store:
        store.put_many({"good": 1, "bad": 2})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE kv SET value = '{not json' WHERE key = 'bad'")
    db.close()
    with cache.Store(path) as store:
        assert store.get_many(["good", "bad"]) == {"good": 1}
        assert store.present(["good", "bad"]) == {"good"}
    assert "1 unreadable entries dropped" in capsys.readouterr().err
