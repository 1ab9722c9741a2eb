"""Hostile corpora and parameters (issue 16): nothing leaks, nothing escapes, one bad file never
stops a run. The red-team corpus is built at test time by :func:`hostile.build_red_team_corpus`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import time

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import charts, clean, ingest, parameters, paths, report, run, runlock, store

from hostile import BILLION_LAUGHS, RED_TEAM_MAX_FILE_MB, SECRET, build_red_team_corpus

UNPRIVILEGED = os.geteuid() != 0  # root reads files whatever their mode


@pytest.fixture(scope="module")
def red_team(tmp_path_factory):
    base = tmp_path_factory.mktemp("red_team")
    expected = build_red_team_corpus(base / "corpus", base / "outside", unprivileged=UNPRIVILEGED)
    documents = clean.clean_corpus(base / "corpus", clean.Options(max_file_mb=RED_TEAM_MAX_FILE_MB),
                                   cache_path=base / "cache" / "clean.sqlite", progress=False)
    yield base / "corpus", expected, documents
    for locked in ("locked/secret_file.txt", "locked_folder"):  # let pytest clean up
        if (base / "corpus" / locked).exists():
            (base / "corpus" / locked).chmod(0o700)


def row(documents: pd.DataFrame, doc_id: str) -> dict:
    found = documents[documents["doc_id"] == doc_id]
    assert len(found) == 1, doc_id
    return found.iloc[0].to_dict()


# --- 1. inputs stay inside the corpus -----------------------------------------------------------

def test_every_red_team_input_is_accounted_for_with_its_expected_status(red_team):
    _, expected, documents = red_team
    assert set(documents["doc_id"]) == set(expected)
    for doc_id, expectation in expected.items():
        status, *words = expectation.split()
        found = row(documents, doc_id)
        assert found["status"] == status, (doc_id, found["reason"])
        evidence = " ".join(str(found[k]) for k in ("reason", "metadata", "encoding")).lower()
        for word in words:
            assert word.lower() in evidence, (doc_id, word, evidence)


def test_nothing_outside_the_corpus_is_read(red_team):
    _, _, documents = red_team
    for text in documents["text"].dropna():
        assert SECRET not in text and "root:x:0:0" not in text
    leaks = documents[documents["doc_id"].str.startswith("leak/") & documents["status"].eq("rejected")]
    assert leaks["text"].isna().all() and leaks["file_hash"].isna().all()


def test_a_link_inside_the_corpus_is_read_as_the_file_it_names(red_team):
    _, _, documents = red_team
    copy = row(documents, "leak/copy_of_original.txt")
    assert copy["dup_of"] == "news/original.txt"


def test_a_file_name_that_is_not_utf8_stays_readable(red_team):
    folder, _, documents = red_team
    found = row(documents, "names/caf\\xe9_story.txt")
    assert found["status"] == "kept" and "Serrin river" in found["text"]
    view = clean.before_after("names/caf\\xe9_story.txt", folder, documents)
    assert "Serrin river" in view["before"]


def test_a_fifo_is_never_opened(tmp_path):
    os.mkfifo(tmp_path / "feed.jsonl")
    started = time.monotonic()
    (record,) = ingest.read_corpus(tmp_path)
    assert time.monotonic() - started < 5
    assert "named pipe" in record.reject


def test_symlink_to_a_special_file_inside_the_corpus(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "story.txt").symlink_to("pipe")
    records = {r.doc_id: r for r in ingest.read_corpus(tmp_path)}
    assert "named pipe" in records["story.txt"].reject


def test_unreadable_files_and_folders_are_rejected_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("A story about the harbour that cannot be read.\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Another story, in a folder that cannot be listed.\n")
    real_open, real_scandir = os.open, os.scandir

    def deny_open(path, *args, **kwargs):
        if str(path).endswith("a.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    def deny_scandir(path="."):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(ingest.os, "open", deny_open)
    monkeypatch.setattr(ingest.os, "scandir", deny_scandir)
    records = {r.doc_id: r for r in ingest.read_corpus(tmp_path)}
    assert records["a.txt"].reject == "file cannot be read: Permission denied"
    assert records["sub"].reject == "folder cannot be read: Permission denied"


def test_unreadable_corpus_folder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest.os, "scandir", lambda path: (_ for _ in ()).throw(PermissionError(13, "denied")))
    with pytest.raises(PermissionError, match="cannot be read"):
        ingest.iter_files(tmp_path)


def test_files_over_the_size_limit_are_not_read(tmp_path):
    (tmp_path / "big.txt").write_text("word " * 1000)
    (record,) = ingest.read_corpus(tmp_path, max_bytes=1000)
    assert "larger than the limit of 1,000 bytes" in record.reject and record.file_hash is None
    (record,) = ingest.read_corpus(tmp_path, max_bytes=10_000)
    assert record.reject is None


def test_reads_stop_one_byte_past_the_limit_whatever_size_a_file_reports(tmp_path):
    import os

    read, write = os.pipe()  # reports size 0, like files in /proc
    os.write(write, b"x" * 3000)
    os.close(write)
    try:
        assert len(ingest._read_capped(read, 0, 1000)) == 1001  # one byte over: refused by the caller
    finally:
        os.close(read)
    path = tmp_path / "grown.txt"
    path.write_bytes(b"y" * 5000)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert ingest._read_capped(fd, 10, 100_000) == b"y" * 5000  # grew since its size was read
    finally:
        os.close(fd)


# --- 4. parsers with limits ---------------------------------------------------------------------

def test_yaml_aliases_are_refused_before_they_expand(tmp_path):
    (tmp_path / "bomb.md").write_text(BILLION_LAUGHS)
    started = time.monotonic()
    (record,) = ingest.read_corpus(tmp_path)
    assert time.monotonic() - started < 5
    assert record.reject == "front matter refused: YAML aliases are not allowed in front matter"


def test_yaml_dates_are_checked_by_newsdesk_not_by_the_yaml_library():
    meta, body, problem = ingest.split_front_matter("---\npublished: 2024-02-30\ntitle: x\n---\nBody\n")
    assert problem is None and meta["published"] == "2024-02-30" and body == "Body\n"


@pytest.mark.parametrize(("value", "expected", "problem"), [
    ("2024-02-29", dt.date(2024, 2, 29), None),
    ("2024-02-30", None, "is not a date"),
    ("9999-12-31", None, "outside 1800"),
    ("0001-01-01", None, "outside 1800"),
    ("1799-12-31", None, "outside 1800"),
    ("not a date", None, "is not a date"),
    (dt.date(3000, 1, 1), None, "outside"),
    ("", None, None),
])
def test_publication_dates_outside_the_sane_range_are_null_with_a_reason(value, expected, problem):
    found, reason = ingest.checked_date(value)
    assert found == expected
    assert (reason is None) if problem is None else (problem in reason)


def test_a_bad_date_in_a_record_is_recorded(tmp_path):
    (tmp_path / "feed.jsonl").write_text(json.dumps({"text": "A story.", "date": "2024-13-45"}) + "\n")
    (record,) = ingest.read_corpus(tmp_path)
    assert record.published is None and "is not a date" in record.metadata["date_error"]


def test_file_name_dates_outside_the_range_are_ignored():
    assert ingest.date_from_name("1066-10-14_battle.txt") is None
    assert ingest.date_from_name("2025-03-04_story.txt") == dt.date(2025, 3, 4)


def test_json_depth_and_number_size_are_limited():
    assert ingest.load_json("[" * 100_000 + "]" * 100_000)[1] == "nested too deeply"
    assert "100,000 digits" in ingest.load_json("1" * 100_000)[1]
    assert ingest.load_json('{"n": 12345678901234567890, "x": 1.5}') == ({"n": 12345678901234567890, "x": 1.5}, None)


def test_csv_unclosed_quote_rejects_one_row_and_keeps_the_rest(tmp_path):
    (tmp_path / "rows.csv").write_text('title,text\nA,"one\nB,"two" and more\nC,three\nD,"four\nfive"\n')
    records = list(ingest.read_corpus(tmp_path))
    by_row = {r.record: r for r in records}
    assert "malformed CSV row 2 (line 2)" in by_row[2].reject and "unbalanced quotes" in by_row[2].reject
    assert by_row[3].reject and "line 3" in by_row[3].reject
    assert by_row[4].body == "three"
    assert by_row[5].body == "four\nfive"  # a legitimate multi-line field still works


def test_a_nul_byte_in_a_csv_loses_no_row(tmp_path):
    (tmp_path / "rows.csv").write_bytes(b"title,text\nA,first story\x00 here\nB,second story\n")
    records = list(ingest.read_corpus(tmp_path))
    assert [r.body for r in records] == ["first story here", "second story"]
    assert all(r.metadata["nul_bytes_removed"] == 1 for r in records)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-16", "utf-32"])
def test_utf16_and_utf32_with_or_without_bom(encoding):
    text = "The caf\u00e9 reopened on Friday \u2013 a small victory, said its owner \u201cMarta\u201d.\n"
    decoded, found, problem = ingest.decode(text.encode(encoding))
    assert problem is None and decoded == text and found.startswith(encoding[:6])


def test_binary_with_many_nul_bytes_is_still_binary():
    assert ingest.decode(b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02\x03" * 50)[2].startswith("binary")


def test_mixed_utf8_and_cp1252_decode_piece_by_piece():
    data = "Caf\u00e9 na\u00efve \u2014 ".encode() + "\u201cquoted\u201d d\u00e9j\u00e0".encode("cp1252")
    text, encoding, problem = ingest.decode(data)
    assert (text, encoding, problem) == ("Caf\u00e9 na\u00efve \u2014 \u201cquoted\u201d d\u00e9j\u00e0",
                                         "utf-8+cp1252", None)


def test_dates_in_text_that_no_calendar_has_stay_unresolved():
    from helpers import dates

    anchor = dt.date(2025, 3, 4)
    for text in ("October 0000", "the winter of 9999", "December 31, 9999", "January 1, 0001"):
        assert dates.resolve(text, anchor) is None, text
    assert dates.resolve("March 2030", anchor).start == dt.date(2030, 3, 1)


def test_charts_print_dollar_signs_instead_of_parsing_mathtext(tmp_path):
    entities = pd.DataFrame({"entity_id": ["a", "b"], "name": ["Cash $$ News", "Price $x^2$ index"],
                             "label": ["ORG", "ORG"], "n_mentions": [3, 2], "n_docs": [1, 1],
                             "aliases": [["x"], ["y"]], "actor_type": [None, None], "country": [None, None],
                             "in_gazetteer": [False, False]})
    figure = charts.top_entities(entities, ["ORG"], 5)
    assert isinstance(figure, Figure)
    figure.savefig(tmp_path / "f.png")
    figure.savefig(tmp_path / "f.svg")
    assert "Cash $$ News" in (tmp_path / "f.svg").read_text()


# --- 2. corpus names and folders ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../../../tmp/x", "/tmp/x", "..", ".", "", "a/b", "a\\b", "x" * 101,
                                  ".staging-x", "caf\u00e9", "two words", "nul\x00"])
def test_unsafe_corpus_names_are_refused(name):
    with pytest.raises(paths.UnsafeName):
        paths.check_name(name)


@pytest.mark.parametrize("name", ["gaza", "gaza-2026", "wire_feed.v2", "A1"])
def test_safe_corpus_names(name):
    assert paths.check_name(name) == name


def test_processed_dir_refuses_escapes_and_planted_links(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    with pytest.raises(paths.UnsafeName):
        paths.processed_dir("../outside")
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "planted").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="outside"):
        paths.processed_dir("planted")


def test_default_name_of_the_root_folder_is_an_error():
    assert paths.default_name(paths.PROJECT_ROOT / "my articles (2026)") == "my-articles-2026"
    with pytest.raises(paths.UnsafeName, match="--name"):
        paths.default_name("/")


@pytest.mark.parametrize("raw", ["/", "/proc/self", "/sys"])
def test_system_folders_are_not_corpora(raw):
    with pytest.raises(run.ParameterError, match="system folder"):
        run.check_raw(raw)


# --- 6. parameter values ------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "value"), [
    ("batch_size", 0), ("batch_size", -1), ("fuzzy_threshold", 1000.0), ("fuzzy_threshold", -5.0),
    ("max_chars", 0), ("max_chars", 2_000_000), ("top_n", 0), ("engine", "spark"),
    ("start_date", "2024-13-45"), ("end_date", "0001-01-01"), ("model", "xx_no_such_model"),
    ("gazetteer_dir", "/nonexistent/gazetteer"), ("n_process", 0), ("near_duplicate_threshold", 1.5),
    ("languages", []), ("languages", ["English!"]), ("boilerplate_patterns", ["(unclosed"]),
    ("max_file_mb", 0.0), ("labels", ["person"]),
])
def test_each_bad_value_gets_one_message(name, value):
    found = parameters.problems({name: value})
    assert len(found) == 1 and found[0].startswith(f"{name} = {value!r}: expected")


def test_good_values_and_the_defaults_pass():
    declared = run.declared_parameters()
    assert parameters.problems({k: v for k, v in run.default_values(declared).items()
                                if k not in run.RUNNER_PARAMETERS}) == []
    assert parameters.problems({"batch_size": 1, "engine": "dask", "start_date": "2025-01-01",
                                "end_date": "2025-02-01", "gazetteer_dir": str(paths.GAZETTEER)}) == []


def test_every_settable_notebook_parameter_has_a_rule_or_is_free_text():
    declared = set(run.declared_parameters()) - run.RUNNER_PARAMETERS
    assert declared <= set(parameters.RULES), declared - set(parameters.RULES)


def test_joint_rule_start_before_end():
    assert parameters.problems({"start_date": "2025-02-01", "end_date": "2025-01-01"}) == [
        "start_date must not be after end_date (start_date = '2025-02-01', end_date = '2025-01-01')"]


def test_all_bad_values_are_reported_at_once(tmp_path):
    raw = tmp_path / "corpus"
    raw.mkdir()
    with pytest.raises(run.ParameterError) as error:
        run.run(raw, overrides={"batch_size": 0, "engine": "spark", "top_n": 0}, reports_dir=tmp_path / "r")
    message = str(error.value)
    assert "batch_size = 0" in message and "engine = 'spark'" in message and "top_n = 0" in message
    assert not (tmp_path / "r").exists()


# --- 5. transactional runs ----------------------------------------------------------------------

@pytest.fixture
def processed(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    (tmp_path / "processed").mkdir()
    return tmp_path / "processed"


def test_swap_in_replaces_tables_and_keeps_the_cache(processed):
    final = processed / "gaza"
    (final / "cache").mkdir(parents=True)
    (final / "documents.parquet").write_text("old")
    (final / "cache" / "extract.sqlite").write_text("cache")
    staging = run.staging_dir("gaza", "gaza-20261125-101010")
    (staging / "documents.parquet").write_text("new")
    (staging / "cache" / "clean.sqlite").write_text("written through the link")
    run.swap_in(staging, "gaza")
    assert (final / "documents.parquet").read_text() == "new"
    assert not (final / "cache").is_symlink()
    assert sorted(p.name for p in (final / "cache").iterdir()) == ["clean.sqlite", "extract.sqlite"]
    assert sorted(p.name for p in processed.iterdir()) == ["gaza"]


def test_a_failed_run_leaves_the_tables_and_the_cache(processed):
    final = processed / "gaza"
    (final / "cache").mkdir(parents=True)
    (final / "documents.parquet").write_text("old")
    staging = run.staging_dir("gaza", "gaza-20261125-101010")
    (staging / "documents.parquet").write_text("half-made")
    (staging / "cache" / "extract.sqlite").write_text("reusable work")
    run.discard(staging)
    assert (final / "documents.parquet").read_text() == "old"
    assert (final / "cache" / "extract.sqlite").read_text() == "reusable work"
    assert not staging.exists()


@pytest.mark.parametrize("crash_after", ["final moved aside", "cache carried over"])
def test_recover_finishes_a_swap_a_crash_interrupted(processed, crash_after):
    final = processed / "gaza"
    (final / "cache").mkdir(parents=True)
    (final / "cache" / "extract.sqlite").write_text("cache")
    (final / "documents.parquet").write_text("old")
    staging = run.staging_dir("gaza", "gaza-20261125-101010")
    (staging / "documents.parquet").write_text("new")
    (staging / run.COMPLETE).touch()
    old = processed / ".old-gaza-0123456789ab"
    os.rename(final, old)
    if crash_after == "cache carried over":
        (staging / "cache").unlink()
        os.rename(old / "cache", staging / "cache")
    run.recover("gaza")
    assert (final / "documents.parquet").read_text() == "new"
    assert (final / "cache" / "extract.sqlite").read_text() == "cache"
    assert sorted(p.name for p in processed.iterdir()) == ["gaza"]


def test_recover_restores_the_old_tables_when_the_new_ones_were_not_complete(processed):
    old = processed / ".old-gaza-0123456789ab"
    (old / "cache").mkdir(parents=True)
    (old / "documents.parquet").write_text("old")
    staging = processed / ".staging-gaza-20261125-101010"
    staging.mkdir()
    (staging / "documents.parquet").write_text("half-made")
    other = processed / ".staging-gaza-north-20261125-101010"  # another corpus's: left alone
    other.mkdir()
    run.recover("gaza")
    assert (processed / "gaza" / "documents.parquet").read_text() == "old"
    assert sorted(p.name for p in processed.iterdir()) == [".staging-gaza-north-20261125-101010", "gaza"]


def test_a_second_run_on_the_same_name_is_refused_with_a_clear_message(processed):
    with runlock.corpus_lock("gaza", {"run_id": "gaza-20261125-101010", "pid": 4242}):
        assert runlock.holder("gaza")["run_id"] == "gaza-20261125-101010"
        with pytest.raises(runlock.CorpusBusy, match="gaza-20261125-101010.*--wait"), \
                runlock.corpus_lock("gaza", {}):
            pass
        with runlock.corpus_lock("other", {}):  # another name is free
            pass
    assert runlock.holder("gaza") is None
    with runlock.corpus_lock("gaza", {}):  # released when the first run ended
        pass


def test_a_stale_running_manifest_shows_as_interrupted(processed):
    manifest = {"run_id": "gaza-20261125-101010", "name": "gaza", "status": "running"}
    assert report.run_status(manifest) == "interrupted"
    with runlock.corpus_lock("gaza", {"run_id": "gaza-20261125-101010"}):
        assert report.run_status(manifest) == "running"
        assert report.run_status(dict(manifest, run_id="gaza-20261120-000000")) == "interrupted"
    assert report.run_status(dict(manifest, status="failed")) == "failed"


def test_a_broken_manifest_elsewhere_is_skipped_with_a_warning(tmp_path, capsys):
    (tmp_path / "good-1").mkdir()
    store.write_json(tmp_path / "good-1" / "manifest.json",
                     {"run_id": "good-1", "name": "good", "status": "succeeded", "started": "2026-01-01T00:00:00"})
    (tmp_path / "broken-1").mkdir()
    (tmp_path / "broken-1" / "manifest.json").write_text('{"run_id": "broken-1", "status": "succ')
    (tmp_path / "list-1").mkdir()
    (tmp_path / "list-1" / "manifest.json").write_text("[1, 2]")
    page = report.runs_index(tmp_path).read_text()
    assert "good-1" in page and "broken-1" not in page
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 2 and all(w.startswith("newsdesk: skipping") for w in warnings)


def test_a_failed_run_page_shows_no_results(tmp_path):
    manifest = {"run_id": "gaza-1", "name": "gaza", "status": "failed", "error": "notebook 02 failed",
                "documents": {"by_status": {"kept": 3}}, "inputs": [{"path": "a.txt"}]}
    (tmp_path / "figures").mkdir()
    store.write_json(tmp_path / "figures" / "figures.json",
                     [{"png": "stale.png", "svg": "stale.svg", "alt": "an old figure", "title": "Old"}])
    page = report.run_page(tmp_path, manifest).read_text()
    assert "This run failed: it has no results" in page
    assert "stale.png" not in page and "Top actors" not in page


@pytest.mark.parametrize(("manifest", "message"), [
    ({"inputs": [], "documents": {}}, "holds no files"),
    ({"inputs": [{"path": "a.pdf"}], "documents": {"by_status": {"rejected": 1}}}, "No document was kept"),
    ({"inputs": [{"path": "a.txt"}], "documents": {"by_status": {"kept": 1}}, "extraction": {"n_analysed": 0},
      "parameters": {"languages": ["en"]}}, "No kept document is in an analysed language"),
])
def test_empty_corpora_say_why_there_is_nothing_to_show(manifest, message):
    assert message in report.nothing_to_show(manifest)


# --- 8. previews of huge texts ------------------------------------------------------------------

def test_notebook_pages_show_a_preview_of_huge_texts():
    huge = "word " * 400_000
    html = report.side_by_side(huge, huge, title="big")
    assert len(html) < 3 * report.PREVIEW_CHARS
    assert "more characters not shown" in html
    assert report.preview("short") == "short"


# --- 9. files keep the user's umask -------------------------------------------------------------

@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_written_files_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        store.write_json(tmp_path / "manifest.json", {"a": 1})
        store.write_records(tmp_path / "quotes.parquet", [], "quotes")
    finally:
        os.umask(old)
    for name in ("manifest.json", "quotes.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~mask, name


class CountingList(list):
    """A list that counts how many times it is iterated over."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def test_event_extraction_reads_mentions_and_dates_once_not_once_per_sentence(extractor):
    from helpers import events

    text = "\n\n".join(f"Gunmen attacked a checkpoint in Kirkuk on Monday, police said. Hundreds of people "
                       f"protested in Basra on Friday over power cuts, said Karim Obaid, teacher number {i}."
                       for i in range(1, 25))
    doc = extractor.nlp(text)
    records = extractor.analyse(doc, dt.date(2025, 3, 4), text)
    mentions, dates = CountingList(records["mentions"]), CountingList(records["dates"])
    found = events.extract(doc, mentions, dates, extractor.triggers, published=dt.date(2025, 3, 4))
    # 24 retellings of the same two events are one row each (one row per event in a document)
    assert found == records["events"] and len(found) == 2
    # Filtering them once per event sentence made the cost grow with the square of the length.
    assert mentions.passes == 1 and dates.passes == 1


def test_front_matter_over_the_limit_is_not_parsed_and_nothing_is_lost():
    text = "---\n" + "".join(f"k{i}: v{i}\n" for i in range(10_000)) + "---\nThe body.\n"
    meta, body, problem = ingest.split_front_matter(text)
    assert meta == {} and body == text and "not parsed" in problem
    assert ingest.split_front_matter("---\nA rule, then text without front matter.\n") == (
        {}, "---\nA rule, then text without front matter.\n", None)


@pytest.mark.parametrize("mask", [0o002, 0o077])
def test_cache_files_follow_the_umask(tmp_path, mask):
    from helpers import cache

    old = os.umask(mask)
    try:
        with cache.Store(tmp_path / "c.sqlite") as db:
            db.put_many({"k": 1})
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    assert modes and set(modes.values()) == {0o666 & ~mask}, modes


def test_a_waiting_run_starts_when_the_first_one_ends(processed):
    import threading

    order = []

    def first():
        with runlock.corpus_lock("gaza", {"run_id": "first"}):
            order.append("first started")
            started.set()
            time.sleep(0.5)
            order.append("first ended")

    started = threading.Event()
    thread = threading.Thread(target=first)
    thread.start()
    started.wait(5)
    with runlock.corpus_lock("gaza", {"run_id": "second"}, wait=True):
        order.append("second started")
    thread.join()
    assert order == ["first started", "first ended", "second started"]


def test_the_displacy_example_shows_only_the_start_of_a_huge_document(tmp_path):
    from helpers import extract

    raw = tmp_path / "huge"
    raw.mkdir()
    paragraph = " ".join(f"The council of Valmora met on day {i} to discuss the harbour." for i in range(30))
    (raw / "huge.txt").write_text("\n\n".join(f"{paragraph} Part {n}." for n in range(100)))
    documents = clean.clean_corpus(raw, clean.Options(near_duplicate_threshold=0), progress=False)
    clean.write_documents("huge-example", documents)
    assert len(documents["text"].iloc[0]) > 150_000
    mentions = pd.DataFrame({"doc_id": ["huge.txt"] * 4, "start_char": [1_000, 15, 18, 9_000],
                             "end_char": [1_007, 22, 30, 9_007], "label": ["GPE", "ORG", "GPE", "GPE"]})
    shown = extract.displayed_entities("huge-example", "huge.txt", mentions, max_chars=5_000)
    assert 2_500 < len(shown["text"]) <= 5_000 and shown["text"].endswith("Part 1.")  # two whole paragraphs
    # In text order; an overlapping span and mentions past the cut are not drawn.
    assert shown["ents"] == [{"start": 15, "end": 22, "label": "ORG"}, {"start": 1_000, "end": 1_007, "label": "GPE"}]
    assert shown["title"] == "huge.txt"
