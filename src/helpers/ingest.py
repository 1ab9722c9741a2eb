"""Reading a folder of articles: one :class:`RawRecord` per article, or per rejected input.

Formats: ``.txt``/``.md`` (optional YAML front matter), ``.html``/``.htm`` (main text by
trafilatura, date by htmldate), ``.jsonl``, ``.csv`` and ``.tsv`` (one article per line or row)
and ``.json`` (an article object or an array of them); fields beyond the known ones are kept
as metadata. Nothing here raises on bad input: a file or a
record that cannot be read becomes a record with ``reject`` set, so every input is accounted for.

The corpus folder is untrusted (often scraped from the web): nothing outside it is ever read.
Links that resolve outside it, links to folders, link loops, special files (FIFOs, devices,
sockets), unreadable files and folders, and files over the size limit are rejected with a
reason and never opened; parsers run with limits (no YAML aliases, bounded JSON depth and
number size, CSV quotes checked), and file names that are not valid UTF-8 are kept readable.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import errno
import hashlib
import io
import json
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

TEXT_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".text": "txt"}
HTML_FORMATS = {".html": "html", ".htm": "html", ".xhtml": "html"}
RECORD_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv"}
KNOWN_FORMATS = TEXT_FORMATS | HTML_FORMATS | RECORD_FORMATS

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

# Limits on what one input may cost. MAX_FILE_BYTES is the default of the 01_clean parameter
# ``max_file_mb``; the others bound parsers that would otherwise grow without limit.
MAX_FILE_BYTES = 50 * 2**20
MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_JSON_NUMBER_DIGITS = 40
# A NUL byte or two in a text file (a bad export) is removed; more than this share of the bytes
# (and more than MAX_NUL_BYTES) means binary. Other control characters are judged after decoding.
MAX_NUL_SHARE = 0.01
MAX_NUL_BYTES = 16
# Publication dates outside [EARLIEST_YEAR, next year] are typos or attacks, not news.
EARLIEST_YEAR = 1800
# A valid UTF-8 multi-byte sequence: its presence in a file that is not valid UTF-8 as a whole
# means a mixed file (UTF-8 with some cp1252 bytes pasted in), decoded piece by piece.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252 (mixed files)."""
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("newsdesk-cp1252", _cp1252_fallback)


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
    """Every entry below ``folder`` that must be accounted for, recursively, in a stable order.

    Regular files, and also what :func:`read_file` rejects without reading: links (to files,
    folders, outside the corpus, loops), special files and folders that cannot be listed.
    Links to folders are never followed, so a loop cannot make the walk endless. The metadata
    sidecar (``metadata.csv`` at the top of the folder) describes articles: it is not one.
    Raises ``FileNotFoundError`` when ``folder`` is not a folder, ``PermissionError`` when it
    cannot be listed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"corpus folder {folder} does not exist")
    found: list[Path] = []
    pending = [folder]
    while pending:  # an explicit stack: very deep folders cannot exhaust the recursion limit
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            if directory == folder:
                raise PermissionError(f"corpus folder {folder} cannot be read: {error.strerror}") from None
            found.append(directory)  # read_file records it as an unreadable folder
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_folder = False
            (pending if is_folder else found).append(Path(entry.path))
    return sorted(p for p in found if p != folder / SIDECAR)


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as text that is always valid UTF-8.

    File names are bytes; one that is not valid UTF-8 (a Latin-1 name from an old archive)
    shows its odd bytes as ``\\xNN`` escapes instead of breaking the tables.
    """
    path, prefix = os.fspath(path), os.path.join(os.fspath(root), "")
    # The walk joins names onto the root, so a string cut is the relative path (Path.relative_to
    # costs more than reading a small file); anything else takes the general way.
    if os.sep == "/" and path.startswith(prefix) and prefix != "./" and "/./" not in path \
            and "//" not in path[len(prefix) - 1:]:
        relative = os.fsencode(path[len(prefix):])
    else:
        relative = os.fsencode(Path(path).relative_to(root).as_posix())
    return relative.decode("utf-8", errors="backslashreplace")


def locate(root: Path, source_path: str) -> Path:
    """The file whose :func:`display_path` is ``source_path`` (the inverse, for re-reading)."""
    root = Path(root)
    direct = root / source_path
    if os.path.lexists(direct):
        return direct
    for path in iter_files(root):
        if display_path(path, root) == source_path:
            return path
    raise FileNotFoundError(f"{source_path!r} is not in {root}")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return name
    return "special file"


def file_problem(path: Path, root: Path) -> str | None:
    """Why ``path`` must not be read (a reason for the rejection), or ``None`` when it may.

    A link is followed only when it resolves to a regular file inside ``root``.
    """
    try:
        info = os.lstat(path)
    except OSError as error:
        return f"file cannot be read: {error.strerror}"
    if stat.S_ISDIR(info.st_mode):
        try:
            os.scandir(path).close()
        except OSError as error:
            return f"folder cannot be read: {error.strerror}"
        return "folder skipped"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = Path(path).resolve(strict=True)
        except (RuntimeError, OSError) as error:
            loop = isinstance(error, RuntimeError) or getattr(error, "errno", None) == errno.ELOOP
            return "link loop: the link points back at itself" if loop else "broken link: its target does not exist"
        if not target.is_relative_to(Path(root).resolve()):
            return "link points outside the corpus folder: not read"
        try:
            info = os.stat(target)
        except OSError as error:
            return f"file cannot be read: {error.strerror}"
        if stat.S_ISDIR(info.st_mode):
            return "link to a folder: not followed (its files are read where they are)"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)}): not read"
    return None


def _inside(real_path: str, real_root: str) -> bool:
    """Whether a resolved path lies in (or is) a resolved folder."""
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def read_bytes(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES, real_root: str | None = None
               ) -> tuple[bytes | None, str | None]:
    """``(data, problem)``: the bytes of a regular file inside ``root``, at most ``max_bytes``.

    The file is opened without following a final link and checked again once open, so a file
    swapped for a link or a pipe between the check and the read is still refused. ``real_root``
    is ``os.path.realpath(root)`` when the caller reads many files at once.
    """
    problem = file_problem(path, root)
    if problem:
        return None, problem
    # Where the path leads now (a link, or a folder on the way, may have been re-pointed since
    # the check); string paths, as this runs for every file.
    target = os.path.realpath(path)
    if not _inside(target, real_root or os.path.realpath(root)):
        return None, "link points outside the corpus folder: not read"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as error:
        return None, f"file cannot be read: {error.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"not a regular file ({_kind(info.st_mode)}): not read"
        if info.st_size > max_bytes:
            return None, f"file is larger than the limit of {max_bytes:,} bytes (max_file_mb): not read"
        data = _read_capped(fd, info.st_size, max_bytes)
    except OSError as error:
        return None, f"file cannot be read: {error.strerror}"
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        return None, f"file is larger than the limit of {max_bytes:,} bytes (max_file_mb): not read"
    return data, None


READ_CHUNK = 1 << 20


def _read_capped(fd: int, size: int, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes from ``fd``: the reported ``size`` and one byte more
    first (asking for the whole limit at once would allocate it for every small file), then
    chunks, for files that grew or report no size (/proc)."""
    chunks, total = [], 0
    want = size + 1
    while total <= max_bytes:
        chunk = os.read(fd, min(want, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = READ_CHUNK
    return b"".join(chunks)


def file_hash(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """SHA-256 of a file's bytes, or of the reason it is not read (for cache keys)."""
    data, problem = read_bytes(path, root, max_bytes)
    return hashlib.sha256(data if data is not None else f"problem:{problem}".encode()).hexdigest()


# A file changed within this many seconds may change again within one tick of the file system's
# clock, with the same size and times: its key is its content (git's "racily clean" entries).
SETTLED_SECONDS = 2.0


def file_key(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES, now: float | None = None) -> str:
    """What the clean cache knows a file by: for a regular file that has not changed in the last
    :data:`SETTLED_SECONDS`, its identity and times (``stat:`` device, inode, size, modification
    and change times, in ns), read without opening it; else ``sha256:`` and :func:`file_hash`.

    Writing a file, renaming another over it or changing its permissions moves its change time,
    which no program can set back, so a file with the same stat key has the same content.
    """
    try:
        info = os.lstat(path)
    except OSError:
        info = None
    now = time.time() if now is None else now
    if info is not None and stat.S_ISREG(info.st_mode) \
            and now - max(info.st_mtime, info.st_ctime) > SETTLED_SECONDS:
        return f"stat:{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"
    return "sha256:" + file_hash(path, root, max_bytes)


def read_corpus(folder: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[RawRecord]:
    """Yield a :class:`RawRecord` for every article (or rejected input) below ``folder``."""
    folder = Path(folder)
    for path in iter_files(folder):
        yield from read_file(path, folder, max_bytes)


def read_file(path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES, real_root: str | None = None
              ) -> Iterator[RawRecord]:
    """Yield the records of one file; ``root`` is the corpus folder ids are relative to.

    Anything :func:`read_bytes` refuses (links leaving the corpus, special files, files over
    ``max_bytes``, unreadable files and folders) is one rejected record, never read.
    ``real_root`` as in :func:`read_bytes`.
    """
    rel = display_path(path, root)
    name = os.path.basename(path)
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # as Path.suffix, without a Path
    fmt = KNOWN_FORMATS.get(suffix, suffix.lstrip(".") or "none")
    data, problem = read_bytes(path, root, max_bytes, real_root)
    if problem:
        yield RawRecord(doc_id=rel, source_path=rel, format=fmt, file_hash=None, reject=problem)
        return
    n_nul = data.count(b"\x00")
    records = _read_data(data, name, rel, fmt, suffix)
    for record in records:
        if n_nul and record.encoding and not record.encoding.startswith("utf-16") \
                and not record.encoding.startswith("utf-32"):
            record.metadata["nul_bytes_removed"] = n_nul
        yield record


def _read_data(data: bytes, name: str, rel: str, fmt: str, suffix: str) -> Iterator[RawRecord]:
    file_hash = hashlib.sha256(data).hexdigest()
    base = dict(doc_id=rel, source_path=rel, format=fmt, file_hash=file_hash)

    if suffix not in KNOWN_FORMATS:
        yield RawRecord(**base, reject=f"unknown extension {suffix or '(none)'!r}")
        return
    text, encoding, problem = decode(data)
    if problem:
        yield RawRecord(**base, encoding=encoding, reject=problem)
        return
    base["encoding"] = encoding
    name_date = date_from_name(name)
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
    """Decode file bytes: ``(text, encoding, problem)``; ``problem`` explains a failure.

    UTF-8 (with or without BOM), UTF-16/32 (with or without BOM), files mixing UTF-8 with
    cp1252 bytes (``utf-8+cp1252``), and single-byte encodings by detection. A few stray NUL
    bytes are removed; many mean a binary file.
    """
    if not data.strip(b" \t\r\n\f\v\x00"):
        return None, None, "empty file"
    wide = decode_wide(data)
    if wide is not None:
        return wide
    n_nul = data.count(b"\x00")
    if n_nul:
        if n_nul > max(MAX_NUL_SHARE * len(data), MAX_NUL_BYTES):
            return None, None, "binary file (contains NUL bytes)"
        data = data.replace(b"\x00", b"")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", None
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    n_valid = len(UTF8_SEQUENCE.findall(data))
    if n_valid and n_valid * 4 >= _count_invalid_utf8(data):
        text = data.decode("utf-8", errors="newsdesk-cp1252")
        if control_ratio(text) <= 0.05:
            return text, "utf-8+cp1252", None
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


def _count_invalid_utf8(data: bytes) -> int:
    """How many bytes of ``data`` are not part of valid UTF-8 (counted by a replacing decode)."""
    return data.decode("utf-8", errors="replace").count("\ufffd") - data.count("\ufffd".encode())


def decode_wide(data: bytes) -> tuple[str, str, None] | None:
    """Text in UTF-32 or UTF-16 (with a BOM, or without one, told by where the zero bytes are).

    Returns ``(text, encoding, None)`` or ``None`` when the bytes are not such text.
    """
    boms = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
            (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
    candidates = [name for bom, name in boms if data.startswith(bom)][:1]
    if not candidates:
        sample = data[:4096]
        if len(sample) < 4:
            return None

        def zeros(step: int, offset: int) -> float:
            part = sample[offset::step]
            return part.count(0) / len(part) if part else 0.0

        if len(data) % 4 == 0 and min(zeros(4, 1), zeros(4, 2), zeros(4, 3)) > 0.9 and zeros(4, 0) < 0.5:
            candidates = ["utf-32-le"]
        elif len(data) % 4 == 0 and min(zeros(4, 0), zeros(4, 1), zeros(4, 2)) > 0.9 and zeros(4, 3) < 0.5:
            candidates = ["utf-32-be"]
        elif len(data) % 2 == 0 and zeros(2, 1) > 0.7 and zeros(2, 0) < 0.3:
            candidates = ["utf-16-le"]
        elif len(data) % 2 == 0 and zeros(2, 0) > 0.7 and zeros(2, 1) < 0.3:
            candidates = ["utf-16-be"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.strip() and control_ratio(text) <= 0.05:
            return text.lstrip("\ufeff"), encoding, None
    return None


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
    try:
        meta, body, problem = split_front_matter(text)
    except FrontMatterRefused as refused:
        return RawRecord(**base, reject=f"front matter refused: {refused}")
    record = RawRecord(**base, body=body)
    assign_fields(record, meta)
    if problem:
        record.metadata["front_matter_error"] = problem
    if record.title is None:
        record.title = headline_line(body)
    record.published = record.published or name_date
    return record


class FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases (no "billion laughs") and without implicit dates.

    Dates stay strings for :func:`parse_date`, so ``2024-02-30`` is a recorded bad date rather
    than an exception from inside the YAML library.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise FrontMatterRefused("YAML aliases are not allowed in front matter")
        return super().compose_node(parent, index)


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class FrontMatterRefused(ValueError):
    """Front matter that is hostile (aliases, oversized): the document is rejected."""


def split_front_matter(text: str) -> tuple[dict, str, str | None]:
    """``(fields, body, problem)`` of a text that may start with ``---`` YAML front matter.

    Raises :class:`FrontMatterRefused` for front matter using aliases; invalid YAML is a
    ``problem``, not an exception. Front matter longer than :data:`MAX_FRONT_MATTER_CHARS` is
    not parsed: the whole text is the body, and the problem says so.
    """
    if text.startswith(("---", "\ufeff---")):
        closing = re.search(r"\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", text[:MAX_FRONT_MATTER_CHARS + 16])
        if closing is None:
            late = re.search(r"\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", text)
            problem = (f"front matter longer than {MAX_FRONT_MATTER_CHARS:,} characters: not parsed, "
                       f"read as text") if late else None
            return {}, text.lstrip("\ufeff"), problem
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text.lstrip("\ufeff"), None
    body = text[match.end():]
    simple = simple_front_matter(match.group(1))  # fast path; None when YAML must decide
    if simple is not None:
        return simple, body, None
    try:
        meta = yaml.load(match.group(1), Loader=FrontMatterLoader)  # a SafeLoader without aliases
    except yaml.YAMLError as error:
        return {}, body, f"front matter is not valid YAML: {str(error).splitlines()[0]}"
    except (ValueError, TypeError, RecursionError) as error:
        if isinstance(error, FrontMatterRefused):
            raise
        return {}, body, f"front matter could not be read: {error}"
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
        row, problem = load_json(line)
        if problem:
            record.reject = f"malformed JSON on line {number}: {problem}"
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
    data, problem = load_json(text)
    if problem:
        yield RawRecord(**base, reject=f"malformed JSON: {problem}")
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


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise ValueError(f"number with {len(digits):,} digits (limit {MAX_JSON_NUMBER_DIGITS})")
    return int(digits)


def _bounded_float(digits: str) -> float:
    if len(digits) > 4 * MAX_JSON_NUMBER_DIGITS:
        raise ValueError(f"number with {len(digits):,} characters (limit {4 * MAX_JSON_NUMBER_DIGITS})")
    return float(digits)


def load_json(text: str) -> tuple[object, str | None]:
    """``(value, problem)``: parsed JSON, or why it is refused (syntax, nesting, huge numbers)."""
    try:
        return json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float), None
    except json.JSONDecodeError as error:
        return None, f"{error.msg} (line {error.lineno})"
    except RecursionError:
        return None, "nested too deeply"
    except ValueError as error:
        return None, str(error)


def read_csv(text: str, base: dict, delimiter: str = ",") -> Iterator[RawRecord]:
    """One record per CSV (or TSV) row, RFC 4180 with multi-line fields; bad rows are rejected.

    Quotes are parsed strictly: a row whose quotes do not balance (an unclosed quote would
    otherwise swallow every following row into one field) is rejected with its row and line
    number, and reading resumes on the line after it, so the rows that follow are still read.
    """
    csv.field_size_limit(2**31 - 1)
    lines = io.StringIO(text, newline="").readlines()
    start = 0  # index of the first line the current reader was given
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error) as error:
        yield RawRecord(**base, reject=f"CSV has no readable header: {error}")
        return
    row_number = 1
    while True:
        first_line = start + reader.line_num  # lines before this row
        row_number += 1
        record = RawRecord(**base, record=row_number)
        record.doc_id = f"{base['doc_id']}#{row_number}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            record.reject = (f"malformed CSV row {row_number} (line {first_line + 1}): {error}; "
                             f"unbalanced quotes, reading resumes on line {first_line + 2}")
            yield record
            start = first_line + 1
            reader = csv.reader(lines[start:], delimiter=delimiter, strict=True)
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
            record.published, problem = checked_date(value)
            if problem:
                record.metadata["date_error"] = problem
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
    """A date from a date, datetime, ISO string or free-form string; ``None`` when unknown or
    outside the sane range (see :func:`checked_date` for the reason)."""
    return checked_date(value)[0]


def checked_date(value) -> tuple[dt.date | None, str | None]:
    """``(date, problem)``: a publication date, or ``None`` with why a given value is not used.

    Dates before :data:`EARLIEST_YEAR` or after next year are refused: ``9999-12-31`` is a
    placeholder or an attack, and would stretch every timeline over millennia.
    """
    if value is None or value == "":
        return None, None
    found = _parse_date(value)
    if found is None:
        return None, f"published value {clean_field(value)[:80]!r} is not a date"
    if not sane_date(found):
        return None, f"published date {found.isoformat()} is outside {EARLIEST_YEAR}..{dt.date.today().year + 1}"
    return found, None


def sane_date(day: dt.date) -> bool:
    """True for dates from :data:`EARLIEST_YEAR` to the end of next year."""
    return EARLIEST_YEAR <= day.year <= dt.date.today().year + 1


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()[:200]
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d\d-\d\d.*", text):
        return None  # ISO-shaped but impossible (2024-02-30): not for dateparser to reinterpret
    import dateparser

    try:
        parsed = dateparser.parse(text, languages=["en"],
                                  settings={"PREFER_DAY_OF_MONTH": "first", "STRICT_PARSING": False,
                                            "REQUIRE_PARTS": ["year", "month"]})
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed else None


def date_from_name(name: str) -> dt.date | None:
    """A date written in a file name (``2026-09-22_story.txt``), or ``None``."""
    match = DATE_IN_NAME.search(name)
    if not match:
        return None
    try:
        day = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    return day if sane_date(day) else None


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
    if not path.is_file() and not path.is_symlink():
        return []
    data, problem = read_bytes(path, Path(folder), MAX_FILE_BYTES)  # never a link out of the corpus
    if data is None:
        raise ValueError(f"{path}: {problem}")
    text, _, problem = decode(data)
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


class Sidecar:
    """What ``<folder>/metadata.csv`` says about documents, applied row by row (rows may stream).

    A sidecar value wins over the file's own (the researcher wrote it on purpose); empty cells
    change nothing; extra columns join ``metadata``. A ``doc_id`` row wins over a ``path`` row.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.entries = read_sidecar(folder)
        self.by_key = {entry["key"]: entry for entry in self.entries}
        self.matched: set = set()

    def apply(self, row: dict) -> bool:
        """Give one ``documents`` row (a dict with ``doc_id``, ``source_path``, ``title``,
        ``published``, ``source``, ``url``, ``metadata``) its sidecar values, in place; returns
        whether any applied."""
        found = [self.by_key[k] for k in (("path", row["source_path"]), ("doc_id", row["doc_id"]))
                 if k in self.by_key]
        for entry in found:  # path first, so a doc_id row overrides it
            row.update(entry["fields"])
            if entry["extra"]:
                metadata = json.loads(row["metadata"]) if row.get("metadata") else {}
                row["metadata"] = json.dumps(metadata | entry["extra"], ensure_ascii=False)
            self.matched.add(entry["key"])
        return bool(found)

    def check(self) -> None:
        """Raise ``ValueError`` for sidecar rows that named no document (a typo would otherwise
        go unnoticed)."""
        unmatched = [f"line {e['line']} ({e['key'][0]} {e['key'][1]!r})" for e in self.entries
                     if e["key"] not in self.matched]
        if unmatched:
            raise ValueError(f"{self.folder / SIDECAR}: no document for " + ", ".join(unmatched[:5])
                             + (f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""))
