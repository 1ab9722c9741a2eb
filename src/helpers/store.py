"""Reading and writing tables and JSON, atomically.

Every write goes to a hidden temporary file beside its target and is moved into place with
``os.replace``: a run killed at any moment leaves either the old file or the new one, never a
partial table. Temporary files are created with the user's umask (not ``tempfile``'s 0600), so
a table or report is as readable as any other file the user creates. Large tables are streamed
in Parquet row groups with :class:`TableWriter`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import paths, schema


def table_path(corpus: str, table: str) -> Path:
    """``data/processed/<corpus>/<table>.parquet``."""
    return paths.processed_dir(corpus) / f"{table}.parquet"


@contextlib.contextmanager
def atomic_path(target: Path):
    """Yield a temporary path beside ``target``; on success move it onto ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = create_temporary(target)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def create_temporary(target: Path) -> Path:
    """Create an empty hidden file ``.<name>.<random>.tmp`` beside ``target``; return its path.

    Like ``tempfile.mkstemp`` (exclusive creation, unguessable name) but with mode 0666 filtered
    by the umask, as ``open()`` gives: mkstemp's 0600 would survive ``os.replace`` and leave
    tables and reports unreadable to the research group sharing the folder.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = Path(target).parent / f".{Path(target).name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, flags, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"no free temporary name beside {target}")


class TableWriter:
    """Stream record batches of one contract table into a Parquet file, atomically.

    >>> with TableWriter(path, "mentions") as out:
    ...     out.write(records)          # list of dicts, one row group per call
    """

    def __init__(self, target: Path, table: str):
        self.target, self.table = Path(target), table
        self.n_rows = 0

    def __enter__(self) -> TableWriter:
        self._atomic = atomic_path(self.target)
        tmp = self._atomic.__enter__()
        self._writer = pq.ParquetWriter(tmp, schema.arrow_schema(self.table))
        return self

    def write(self, records: Iterable[Mapping]) -> None:
        batch = schema.to_arrow(records, self.table)
        if batch.num_rows:
            self._writer.write_table(batch)
            self.n_rows += batch.num_rows

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._writer.close()
        return self._atomic.__exit__(exc_type, exc, tb)


def sweep_temporary(folder: Path) -> int:
    """Remove temporary files that a killed run left in ``folder``; returns how many.

    Only one run writes a corpus's tables at a time, so any temporary file found when a run
    starts is an orphan.
    """
    removed = 0
    for orphan in Path(folder).glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            orphan.unlink()
            removed += 1
    return removed


def write_records(target: Path, records: Iterable[Mapping], table: str) -> int:
    """Write dict records as a contract table (one row group); returns the row count."""
    with TableWriter(target, table) as out:
        out.write(records)
    return out.n_rows


def write_frame(target: Path, frame: pd.DataFrame, table: str) -> None:
    """Write a DataFrame that follows the contract of ``table``."""
    frame = schema.conform(frame, table)
    arrow = pa.Table.from_pandas(frame, schema=schema.arrow_schema(table), preserve_index=False)
    with atomic_path(target) as tmp:
        pq.write_table(arrow, tmp)


def read_table(corpus: str, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read ``data/processed/<corpus>/<table>.parquet`` as a DataFrame.

    Raises ``FileNotFoundError`` naming the notebook that makes the table when it is missing.
    """
    path = table_path(corpus, table)
    if not path.exists():
        maker = "01_clean" if table == "documents" else "02_entities"
        raise FileNotFoundError(f"{path} does not exist: run notebooks/{maker}.ipynb first")
    return pq.read_table(path, columns=columns).to_pandas()


def write_json(target: Path, data) -> None:
    """Write JSON (UTF-8, indented) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                       encoding="utf-8")


def read_json(source: Path, default=None):
    """Read a JSON file, or return ``default`` when it does not exist."""
    source = Path(source)
    if not source.exists():
        return default
    return json.loads(source.read_text(encoding="utf-8"))


def write_csv(target: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as CSV for R, Stata and spreadsheets, atomically.

    UTF-8 without a byte-order mark, a header row, dates as ISO ``YYYY-MM-DD``, empty cells for
    nulls, lists (``aliases``) as JSON arrays and booleans as ``true``/``false``. Returns ``target``.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "true", False: "false"})
        elif values.dtype == object and values.map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any():
            out[column] = values.map(lambda v: json.dumps(list(v), ensure_ascii=False)
                                     if hasattr(v, "__len__") and not isinstance(v, str) else v)
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
    with atomic_path(Path(target)) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return Path(target)


def export_csv(corpus: str, tables: Iterable[str] | None = None) -> list[Path]:
    """Write ``<table>.csv`` beside ``<table>.parquet`` for the named ``tables`` of a corpus (all
    of its tables when ``None``; see :func:`write_csv`); returns the CSV paths, in name order."""
    folder = paths.processed_dir(corpus)
    sources = (sorted(folder.glob("*.parquet")) if tables is None
               else sorted(folder / f"{name}.parquet" for name in tables))
    return [write_csv(parquet.with_suffix(".csv"), pq.read_table(parquet).to_pandas()) for parquet in sources]
