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
    """Every regular file below ``folder``, recursively, in a stable (sorted) order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder {folder} does not exist")
    return sorted(p for p in folder.rglob("*") if p.is_file())


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


CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # below 32, except \t \n \r \f


def control_ratio(text: str) -> float:
    """Share of characters that are control characters other than whitespace."""
    if not text:
        return 0.0
    return len(CONTROL_CHARACTERS.findall(text)) / len(text)


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
    simple = simple_front_matter(match.group(1))  # fast path; None when YAML must decide
    if simple is not None:
        return simple, body, None
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        return {}, body, f"front matter is not valid YAML: {str(error).splitlines()[0]}"
    if not isinstance(meta, dict):
        return {}, body, "front matter is not a mapping"
    return meta, body, None


SIMPLE_ENTRY = re.compile(r'([A-Za-z_][A-Za-z0-9_-]*): +(?:"([^"\\]*)"|([A-Za-z][^\n]*?)|(\d{4}-\d\d-\d\d)) *')
# Plain words YAML reads as booleans or null (YAML 1.1, as PyYAML does).
YAML_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null"}
# Characters that YAML rejects or reads as line breaks (PyYAML's non-printable set, NEL and
# the Unicode separators), and tabs (PyYAML refuses some, e.g. after a colon).
NOT_SIMPLE = re.compile("[^\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]")
# Inside a plain value, these make YAML read something other than the text (a comment or a
# nested mapping); such front matter goes to the YAML parser.
NOT_PLAIN = re.compile(r": |:$| #")


def simple_front_matter(block: str) -> dict | None:
    """Front matter made only of ``key: value`` lines, read without a YAML parser.

    A value is a double-quoted string without escapes or quotes inside, an ISO date
    (``2025-03-14``, a ``datetime.date`` as YAML gives it) or plain words starting with a letter
    (``Harbour Post``, ``https://...``). Returns ``None`` for anything else (lists, numbers,
    comments, repeated keys, words YAML reads as booleans): the caller then parses the block
    as YAML, so the result is always what ``yaml.safe_load`` gives.
    """
    if NOT_SIMPLE.search(block):
        return None
    fields: dict = {}
    for line in block.split("\n"):
        line = line.removesuffix("\r")
        match = None if "\r" in line else SIMPLE_ENTRY.fullmatch(line)
        if match is None:
            return None
        key, quoted, plain, date = match.groups()
        if key in fields or key.lower() in YAML_WORDS:
            return None
        if plain is not None:
            if plain.lower() in YAML_WORDS or NOT_PLAIN.search(plain):
                return None
            fields[key] = plain
        elif quoted is not None:
            fields[key] = quoted
        else:
            try:
                fields[key] = dt.date.fromisoformat(date)
            except ValueError:
                return None
    return fields


def headline_line(body: str) -> str | None:
    """The first line as a headline when it stands alone and looks like one."""
    lines = body.strip().split("\n", 2)
    first = lines[0].strip().lstrip("#").strip()
    alone = len(lines) == 1 or not lines[1].strip()
    if first and alone and len(first) <= 200 and not first.endswith((".", ",", ";")):
        return first
    return None


# trafilatura's best settings on news pages: no reader comments, tables kept (tabulated figures
# are article text), and neither precision nor recall favoured (favor_precision drops real lines).
EXTRACT_SETTINGS = dict(include_comments=False, include_tables=True, favor_precision=False,
                        deduplicate=False)
# A fallback extraction is article text only when it is this long: menus and footers are shorter.
MIN_FALLBACK_WORDS = 40


def read_html(markup: str, base: dict, name_date: dt.date | None) -> RawRecord:
    """An HTML page: main text by trafilatura, title and site name, date by htmldate.

    When trafilatura finds no main text (or only menu lines, see :func:`looks_like_text`),
    ``favor_recall`` is tried, then a readability-style
    extraction (:func:`readability_text`); ``metadata["extraction"]`` names the fallback used.
    The date, title and site name are kept even when the page is rejected.
    """
    import trafilatura

    record = RawRecord(**base)
    record.published = html_date(markup) or name_date
    try:
        meta = trafilatura.extract_metadata(markup)
        text = trafilatura.extract(markup, **EXTRACT_SETTINGS)
    except Exception as error:  # a page that breaks the parser is a rejection, not a crash
        record.reject = f"HTML could not be parsed: {error}"
        return record
    if meta is not None:
        record.title = clean_field(meta.title)
        record.source = clean_field(meta.sitename)
        record.url = clean_field(meta.url)
    if not looks_like_text(text):
        text, method = fallback_text(markup)
        if method:
            record.metadata["extraction"] = method
    if not text or not text.strip():
        record.reject = "HTML page has no main text"
        return record
    record.body, record.page_text = text, page_text(markup)
    return record


def html_date(markup: str) -> dt.date | None:
    """The publication date htmldate finds in the page (original date, extensive search)."""
    from htmldate import find_date

    try:
        found = find_date(markup, original_date=True, extensive_search=True, outputformat="%Y-%m-%d")
    except Exception:  # htmldate gives up on some malformed pages; the date is then unknown
        return None
    return parse_date(found)


def looks_like_text(text: str | None) -> bool:
    """Whether an extraction holds a sentence (a line of eight words or more), not only the
    one- or two-word lines of a menu, which trafilatura returns for pages without an article."""
    return bool(text) and any(len(line.split()) >= 8 for line in text.split("\n"))


def fallback_text(markup: str) -> tuple[str | None, str | None]:
    """``(text, method)`` for a page trafilatura's main pass found nothing in: its
    ``favor_recall`` mode, then :func:`readability_text`; ``(None, None)`` when both fail."""
    import trafilatura

    settings = {**EXTRACT_SETTINGS, "favor_recall": True}
    attempts = (("favor_recall", lambda: trafilatura.extract(markup, **settings)),
                ("readability", lambda: readability_text(markup)))
    for method, attempt in attempts:
        try:
            text = attempt()
        except Exception:  # a fallback that breaks on the page is just a failed fallback
            continue
        if looks_like_text(text) and len(text.split()) >= MIN_FALLBACK_WORDS:
            return text, method
    return None, None


def readability_text(markup: str) -> str | None:
    """The main text by readability's scoring of paragraphs (trafilatura's port), one line per block."""
    import lxml.html
    from trafilatura.readability_lxml import Document

    tree = lxml.html.fromstring(markup.encode("utf-8"))
    summary = Document(tree).summary()
    return page_text(summary) if summary else None


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
