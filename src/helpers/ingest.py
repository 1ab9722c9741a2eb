"""Reading a folder of articles: one :class:`RawRecord` per article, or per rejected input.

Formats: ``.txt``/``.md`` (optional YAML front matter), ``.html``/``.htm`` (main text by
trafilatura, date by htmldate), ``.jsonl``, ``.csv`` and ``.tsv`` (one article per line or row)
and ``.json`` (an article object or an array of them); fields beyond the known ones are kept
as metadata. Nothing here raises on bad input: a file or a
record that cannot be read becomes a record with ``reject`` set, so every input is accounted for.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEXT_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".text": "txt"}
HTML_FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html"}
RECORD_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv"}

# Field names of JSONL/CSV records, and the synonyms that real exports use for them.
FIELD_SYNONYMS = {
    "text": ("text", "body", "content", "article", "full_text", "maintext"),
    "title": ("title", "headline", "heading"),
    "published": ("published", "date", "published_at", "publication_date", "pubdate",
                  "date_publish", "datetime"),
    "source": ("source", "outlet", "publisher", "site", "site_name", "source_name", "domain"),
    "url": ("url", "link", "permalink"),
}

# Optional table beside the articles giving or correcting their title, date, outlet and address.
SIDECAR = "metadata.csv"
SIDECAR_KEYS = ("doc_id", "path")

FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d|19\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
# Single-byte encodings that charset detection confuses with each other on short Western text;
# cp1252 is what such files nearly always are (it also covers Latin-1's printable range).
WESTERN_SINGLE_BYTE = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "mac_roman",
                       "cp850", "cp1254", "iso8859_9", "iso8859_16", "cp1257"}


@dataclass
class RawRecord:
    """One article as read from disk, before cleaning.

    ``body`` is plain text for txt/md/jsonl/csv and the extracted main text for HTML;
    ``reject`` is the reason when the record cannot be used (then ``body`` is ``None``).
    """

    doc_id: str
    source_path: str
    format: str
    file_hash: str
    record: int | None = None
    encoding: str | None = None
    body: str | None = None
    title: str | None = None
    published: dt.date | None = None
    source: str | None = None
    url: str | None = None
    metadata: dict = field(default_factory=dict)
    reject: str | None = None
    page_text: str | None = None  # all visible text of an HTML page, before extraction


def iter_files(folder: Path) -> list[Path]:
    """Every regular file below ``folder``, recursively, in a stable (sorted) order; the
    metadata sidecar (``metadata.csv`` at the top of the folder) describes articles, it is not one."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder {folder} does not exist")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p != folder / SIDECAR)


def read_corpus(folder: Path) -> Iterator[RawRecord]:
    """Yield a :class:`RawRecord` for every article (or rejected input) below ``folder``."""
    folder = Path(folder)
    for path in iter_files(folder):
        yield from read_file(path, folder)


def read_file(path: Path, root: Path) -> Iterator[RawRecord]:
    """Yield the records of one file; ``root`` is the corpus folder ids are relative to."""
    rel = path.relative_to(root).as_posix()
    data = path.read_bytes()
    file_hash = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    fmt = (TEXT_FORMATS | HTML_FORMATS | RECORD_FORMATS).get(suffix, suffix.lstrip(".") or "none")
    base = dict(doc_id=rel, source_path=rel, format=fmt, file_hash=file_hash)

    if suffix not in TEXT_FORMATS | HTML_FORMATS | RECORD_FORMATS:
        yield RawRecord(**base, reject=f"unknown extension {suffix or '(none)'!r}")
        return
    text, encoding, problem = decode(data)
    if problem:
        yield RawRecord(**base, encoding=encoding, reject=problem)
        return
    base["encoding"] = encoding
    name_date = date_from_name(path.name)
    if fmt in ("txt", "md"):
        yield read_text(text, base, name_date)
    elif fmt == "html":
        yield read_html(text, base, name_date)
    elif fmt == "jsonl":
        yield from read_jsonl(text, base)
    elif fmt == "json":
        yield from read_json(text, base)
    else:
        yield from read_csv(text, base, delimiter="\t" if fmt == "tsv" else ",")


def decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Decode file bytes: ``(text, encoding, problem)``; ``problem`` explains a failure."""
    if not data.strip():
        return None, None, "empty file"
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, None, "binary file (contains NUL bytes)"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", None
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None, None, "undecodable: no text encoding fits the bytes"
    encoding = best.encoding
    if encoding in WESTERN_SINGLE_BYTE:
        try:
            return data.decode("cp1252"), "cp1252", None
        except UnicodeDecodeError:
            pass
    text = str(best)
    if control_ratio(text) > 0.05:
        return None, encoding, "binary file (mostly control characters)"
    return text, encoding, None


def control_ratio(text: str) -> float:
    """Share of characters that are control characters other than whitespace."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad / len(text)


def read_text(text: str, base: dict, name_date: dt.date | None) -> RawRecord:
    """A txt/md article, with optional YAML front matter."""
    if control_ratio(text) > 0.05:
        return RawRecord(**base, reject="binary file (mostly control characters)")
    meta, body, problem = split_front_matter(text)
    record = RawRecord(**base, body=body)
    assign_fields(record, meta)
    if problem:
        record.metadata["front_matter_error"] = problem
    if record.title is None:
        record.title = headline_line(body)
    record.published = record.published or name_date
    return record


def split_front_matter(text: str) -> tuple[dict, str, str | None]:
    """``(fields, body, problem)`` of a text that may start with ``---`` YAML front matter."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text.lstrip("\ufeff"), None
    body = text[match.end():]
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        return {}, body, f"front matter is not valid YAML: {str(error).splitlines()[0]}"
    if not isinstance(meta, dict):
        return {}, body, "front matter is not a mapping"
    return meta, body, None


def headline_line(body: str) -> str | None:
    """The first line as a headline when it stands alone and looks like one."""
    lines = body.strip().split("\n", 2)
    first = lines[0].strip().lstrip("#").strip()
    alone = len(lines) == 1 or not lines[1].strip()
    if first and alone and len(first) <= 200 and not first.endswith((".", ",", ";")):
        return first
    return None


def read_html(markup: str, base: dict, name_date: dt.date | None) -> RawRecord:
    """An HTML page: main text by trafilatura, title and site name, date by htmldate."""
    import trafilatura
    from htmldate import find_date

    try:
        text = trafilatura.extract(markup, include_comments=False, include_tables=False,
                                   favor_precision=True, deduplicate=False)
        meta = trafilatura.extract_metadata(markup)
    except Exception as error:  # a page that breaks the parser is a rejection, not a crash
        return RawRecord(**base, reject=f"HTML could not be parsed: {error}")
    if not text or not text.strip():
        return RawRecord(**base, reject="HTML page has no main text")
    record = RawRecord(**base, body=text, page_text=page_text(markup))
    if meta is not None:
        record.title = clean_field(meta.title)
        record.source = clean_field(meta.sitename)
        record.url = clean_field(meta.url)
    try:
        found = find_date(markup, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate gives up on some malformed pages; the date is then unknown
        found = None
    record.published = parse_date(found) or name_date
    return record


BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote", "pre",
              "figcaption", "caption", "div", "section", "article", "header", "footer", "nav", "aside",
              "main", "form", "button", "label", "time", "address", "ul", "ol", "table", "tr", "body"}


def page_text(markup: str) -> str | None:
    """All visible text of a page, one line per innermost block (paragraph, list item, menu).

    This is the "before" of cleaning for HTML: what main-text extraction leaves out (menus,
    share buttons, footers) shows up as dropped lines and removed characters.
    """
    import lxml.html

    try:
        tree = lxml.html.fromstring(markup.encode("utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return None
    for hidden in tree.xpath("//script|//style|//noscript|//template|//head|//svg"):
        hidden.drop_tree()
    lines = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag not in BLOCK_TAGS:
            continue
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in element.iterdescendants()):
            continue
        line = " ".join(element.text_content().split())
        if line:
            lines.append(line)
    return "\n".join(lines) or None


def read_jsonl(text: str, base: dict) -> Iterator[RawRecord]:
    """One record per non-blank line; a malformed line rejects that line only."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record = RawRecord(**base, record=number)
        record.doc_id = f"{base['doc_id']}#{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            record.reject = f"malformed JSON on line {number}: {error.msg}"
            yield record
            continue
        if not isinstance(row, dict):
            record.reject = f"line {number} is JSON but not an object"
            yield record
            continue
        yield from_row(record, row)


def read_json(text: str, base: dict) -> Iterator[RawRecord]:
    """A ``.json`` export: one article object, or an array of them (records numbered from 1).

    A file that is not valid JSON is one rejection; in an array, an element that is not an
    object rejects that element only.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        yield RawRecord(**base, reject=f"malformed JSON: {error.msg} (line {error.lineno})")
        return
    if isinstance(data, dict):
        yield from_row(RawRecord(**base), data)
        return
    if not isinstance(data, list):
        yield RawRecord(**base, reject="JSON file is neither an object nor an array of objects")
        return
    for number, row in enumerate(data, start=1):
        record = RawRecord(**base, record=number)
        record.doc_id = f"{base['doc_id']}#{number}"
        if not isinstance(row, dict):
            record.reject = f"element {number} of the JSON array is not an object"
            yield record
            continue
        yield from_row(record, row)


def read_csv(text: str, base: dict, delimiter: str = ",") -> Iterator[RawRecord]:
    """One record per CSV (or TSV) row, RFC 4180 with multi-line fields; bad rows are rejected."""
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error) as error:
        yield RawRecord(**base, reject=f"CSV has no readable header: {error}")
        return
    row_number = 1
    while True:
        row_number += 1
        record = RawRecord(**base, record=row_number)
        record.doc_id = f"{base['doc_id']}#{row_number}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            record.reject = f"malformed CSV row {row_number}: {error}"
            yield record
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            record.reject = (f"malformed CSV row {row_number}: {len(row)} fields, "
                             f"header has {len(header)}")
            yield record
            continue
        yield from_row(record, dict(zip(header, row, strict=True)))


def from_row(record: RawRecord, row: dict) -> RawRecord:
    """Fill a record from a JSONL/CSV row; rejects it when there is no text."""
    assign_fields(record, row)
    if not record.body or not str(record.body).strip():
        record.body = None
        # Say which: a missing column and an empty cell call for different fixes in the export.
        present = {str(k).strip().lower() for k in row} & set(FIELD_SYNONYMS["text"])
        record.reject = ("record text is empty" if present else
                         "record has no text field (expected one of: text, body, content)")
    return record


def assign_fields(record: RawRecord, row: dict) -> None:
    """Map known fields (and their synonyms) onto ``record``; keep the rest as metadata."""
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    used = set()
    for name, synonyms in FIELD_SYNONYMS.items():
        key = next((k for k in synonyms if lowered.get(k) not in (None, "")), None)
        if key is None:
            continue
        used.add(key)
        value = lowered[key]
        if name == "published":
            record.published = parse_date(value)
        elif name == "text":
            record.body = value if isinstance(value, str) else json.dumps(value)
        else:
            setattr(record, name, clean_field(value))
    # An empty cell of a known column (a CSV row without a url) is not metadata: without this
    # check every such row carried {"url": ""} or {"text": ""} in its metadata.
    known = {k for synonyms in FIELD_SYNONYMS.values() for k in synonyms}
    record.metadata.update({k: v for k, v in lowered.items()
                            if k not in used and not (k in known and v in (None, ""))})


def clean_field(value) -> str | None:
    """A metadata value as a single-line string, or ``None`` when empty."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def parse_date(value) -> dt.date | None:
    """A date from a date, datetime, ISO string or free-form string; ``None`` when unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    import dateparser

    parsed = dateparser.parse(text, languages=["en"],
                              settings={"PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False,
                                        "REQUIRE_PARTS": ["year", "month"]})
    return parsed.date() if parsed else None


def date_from_name(name: str) -> dt.date | None:
    """A date written in a file name (``2026-09-22_story.txt``), or ``None``."""
    match = DATE_IN_NAME.search(name)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


# --- the metadata sidecar --------------------------------------------------------------------

def read_sidecar(folder: Path) -> list[dict]:
    """The rows of ``<folder>/metadata.csv``, or ``[]`` when there is none.

    Columns: ``path`` (a file path relative to the folder: every record of that file) or
    ``doc_id`` (one document, ``feed.jsonl#3``), then any of ``title``, ``published``,
    ``source``, ``url`` or their synonyms (``date``, ``outlet``, ...) and extra columns. Each
    row comes back as ``{"key": (column, value), "fields": {...}, "extra": {...}, "line": n}``
    with ``published`` parsed to a date. Raises ``ValueError`` naming the file and the line for
    a table without a key column, a row without a key or a date that cannot be read.
    """
    path = Path(folder) / SIDECAR
    if not path.is_file():
        return []
    text, _, problem = decode(path.read_bytes())
    if problem:
        raise ValueError(f"{path}: {problem}")
    reader = csv.DictReader(io.StringIO(text))
    header = {str(h).strip().lower() for h in reader.fieldnames or []}
    if not header & set(SIDECAR_KEYS):
        raise ValueError(f"{path}: needs a 'path' or a 'doc_id' column (found: {', '.join(sorted(header))})")
    known = {k: name for name, synonyms in FIELD_SYNONYMS.items() if name != "text" for k in synonyms}
    entries = []
    for line, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        column = next((k for k in SIDECAR_KEYS if row.get(k)), None)
        if column is None:
            raise ValueError(f"{path}, line {line}: no path or doc_id")
        fields, extra = {}, {}
        for key, value in row.items():
            if key in SIDECAR_KEYS or not value:
                continue
            if key in known:
                fields.setdefault(known[key], value)
            else:
                extra[key] = value
        if "published" in fields:
            published = parse_date(fields["published"])
            if published is None:
                raise ValueError(f"{path}, line {line}: published {fields['published']!r} is not a date")
            fields["published"] = published
        entries.append({"key": (column, row[column].replace("\\", "/")), "fields": fields, "extra": extra,
                        "line": line})
    return entries


def apply_sidecar(rows: list[dict], folder: Path) -> int:
    """Give ``documents`` rows (dicts with ``doc_id``, ``source_path``, ``title``, ``published``,
    ``source``, ``url``, ``metadata``) what ``<folder>/metadata.csv`` says about them, in place.

    A sidecar value wins over the file's own (the researcher wrote it on purpose); empty cells
    change nothing; extra columns join ``metadata``. A ``doc_id`` row wins over a ``path`` row.
    Returns the number of documents changed. Raises ``ValueError`` for a sidecar row that names
    no document of the corpus (a typo would otherwise go unnoticed), or as :func:`read_sidecar`.
    """
    entries = read_sidecar(folder)
    if not entries:
        return 0
    by_key = {entry["key"]: entry for entry in entries}
    matched, changed = set(), 0
    for row in rows:
        found = [by_key[k] for k in (("path", row["source_path"]), ("doc_id", row["doc_id"])) if k in by_key]
        for entry in found:  # path first, so a doc_id row overrides it
            row.update(entry["fields"])
            if entry["extra"]:
                metadata = json.loads(row["metadata"]) if row.get("metadata") else {}
                row["metadata"] = json.dumps(metadata | entry["extra"], ensure_ascii=False)
            matched.add(entry["key"])
        changed += bool(found)
    unmatched = [f"line {e['line']} ({e['key'][0]} {e['key'][1]!r})" for e in entries if e["key"] not in matched]
    if unmatched:
        raise ValueError(f"{Path(folder) / SIDECAR}: no document for " + ", ".join(unmatched[:5])
                         + (f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""))
    return changed
