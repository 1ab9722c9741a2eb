"""HTML report pages: a run's ``index.html`` and the ``reports/index.html`` list of runs.

Pages are plain HTML with inline CSS and local images only: no script, no network request.
Every piece of text that comes from an article or a parameter goes through :func:`esc`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import filters, runlock, store

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.5rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555}.failed{color:#b00020;font-weight:bold}.ok{color:#1b7f3b;font-weight:bold}
table{border-collapse:collapse;margin:.5rem 0;font-size:13px;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}td.date{white-space:nowrap}
figure{margin:1.5rem 0;background:#fff;padding:.8rem;border:1px solid #e3e3e3}
figure img{max-width:100%;height:auto}figcaption{color:#444;font-size:13px;margin-top:.4rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border:1px solid #e3e3e3;padding:.6rem 1rem}
.card b{display:block;font-size:22px}details{margin:.5rem 0}code{font-size:12px}.scroll{overflow-x:auto}
"""


# Columns shown as right-aligned whole numbers.
INTEGER_COLUMNS = ("n_mentions", "n_docs", "count", "n", "bytes", "documents", "mentions", "fatalities",
                   "reports")
DATE_COLUMNS = ("date", "published")


def esc(value) -> str:
    """HTML-escape any value (``None`` and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f'img-src \'self\' data:; style-src \'unsafe-inline\'; frame-src \'self\'">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>"
            f"<body><main>{body}</main></body></html>\n")


def table(frame: pd.DataFrame, numeric: Iterable[str] = INTEGER_COLUMNS) -> str:
    """An escaped HTML table of a DataFrame (at most what you pass in); ``numeric`` columns are
    right-aligned and whole numbers print as integers (``160``, not ``160.0``)."""
    if frame.empty:
        return "<p class=meta>None.</p>"
    numeric = set(numeric)
    frame = frame.assign(**{c: frame[c].map(_number) for c in frame.columns if c in numeric})
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(f'<td class="num">{esc(v)}</td>' if c in numeric else
                        f'<td class="date">{esc(v)}</td>' if c in DATE_COLUMNS else f"<td>{esc(v)}</td>"
                        for c, v in zip(frame.columns, record, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    # A wide table scrolls inside its box instead of widening the page.
    return f"<div class=scroll><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"


def _number(value):
    """A count as text: whole numbers without a decimal point, thousands separated."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else value


# Notebook pages show at most this much of a text: a 30 MB article embedded twice would make
# 01_clean.html unusable. The tables keep the whole text.
PREVIEW_CHARS = 20_000


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a note saying how much is left out."""
    text = text or ""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n\n[… {len(text) - limit:,} more characters not shown; the table has the whole text]"


def side_by_side(before: str, after: str, title: str = "", limit: int = PREVIEW_CHARS) -> str:
    """Two escaped text columns, before and after cleaning (for notebooks), each a
    :func:`preview` of at most ``limit`` characters."""
    style = "white-space:pre-wrap;font-size:12px;margin:0;padding:.5rem;background:#f7f7f7"
    cells = "".join(f'<td style="vertical-align:top;width:50%"><b>{label}</b>'
                    f'<pre style="{style}">{esc(preview(text, limit))}</pre></td>'
                    for label, text in (("before", before), ("after", after)))
    return f"<p><b>{esc(title)}</b></p><table style='width:100%'><tr>{cells}</tr></table>"


def key_values(mapping: dict) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(_plain(v))}</td></tr>" for k, v in mapping.items())
    return f"<table>{rows}</table>"


def _plain(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, list | dict) else value


ACTOR_LABELS = ["PERSON", "ORG", "GPE", "NORP"]
TABLE_TITLES = {"actors": "Top actors", "quotes": "Quotes", "events": "Events"}
# Columns shown as right-aligned whole numbers.


def document_columns(documents: pd.DataFrame) -> pd.DataFrame:
    """Per ``doc_id``, how a table cites it: ``document`` (title, else the doc_id), ``outlet``
    (``unknown source`` when none), ``published`` (ISO date, or ``undated``) and ``url`` (the
    full tables' CSV carry it; the pages do not link addresses that come from articles)."""
    published = pd.to_datetime(documents["published"])
    return pd.DataFrame({
        "doc_id": documents["doc_id"],
        "document": documents["title"].where(documents["title"].notna() & documents["title"].ne(""),
                                             documents["doc_id"]),
        "outlet": documents["source"].fillna("unknown source"),
        "published": published.dt.strftime("%Y-%m-%d").fillna("undated"),
        "url": documents["url"],
    })


def report_tables(corpus: str, chosen: filters.Filters | None = None) -> dict[str, pd.DataFrame]:
    """The report's tables in full: ``actors`` (most mentioned first), ``quotes`` and ``events``
    (newest document first) with their source documents; ``{}`` before stage 2 has run.

    ``chosen`` restricts them to the documents the filters keep (the charts' selection).
    """
    from . import extract

    try:
        tables = extract.load_tables(corpus)
        documents = store.read_table(corpus, "documents", ["doc_id", "title", "source", "published", "url",
                                                           "language", "status"])
    except FileNotFoundError:
        return {}
    tables = filters.subset(tables, documents, chosen or filters.Filters())
    names = tables["entities"].set_index("entity_id")["name"]
    cited = document_columns(documents)
    entities = tables["entities"]
    actors = entities[entities["label"].isin(ACTOR_LABELS)].sort_values(["n_mentions", "name"],
                                                                        ascending=[False, True])
    actors = actors.assign(aliases=actors["aliases"].map(lambda a: ", ".join(list(a)[:5])))
    actors = actors[["name", "label", "actor_type", "n_mentions", "n_docs", "aliases"]]
    quotes = tables["quotes"]
    quotes = quotes[quotes["speaker_text"].notna()]
    quote_view = pd.DataFrame({
        "doc_id": quotes["doc_id"],
        "speaker": quotes["speaker_entity_id"].map(names).fillna(quotes["speaker_text"]),
        "cue": quotes["cue"], "quote": quotes["quote"], "start_char": quotes["start_char"]})
    quote_view = _newest_first(quote_view.merge(cited, on="doc_id", how="left"))
    # one row per event (its first report), asserted events of an ACLED type only
    events = tables["events"]
    events = events[events["event_type"].notna() & (events["modality"] == "asserted")]
    events = events.drop_duplicates("event_id")
    event_view = pd.DataFrame({
        "doc_id": events["doc_id"],
        "type": events["event_type"], "sub-type": events["sub_event_type"],
        "date": pd.to_datetime(events["event_date"]).dt.strftime("%Y-%m-%d").fillna("undated"),
        "actor": events["actor1"].map(names).fillna(events["actor1"]),
        "target": events["actor2"].map(names).fillna(events["actor2"]),
        "place": events["location"].map(names).fillna(events["location"]),
        "fatalities": events["fatalities"].astype("Int64"), "reports": events["n_reports"].astype("Int64"),
        "count": events["count"].astype("Int64"), "sentence": events["sentence"],
        "start_char": events["start_char"]})
    event_view = _newest_first(event_view.merge(cited, on="doc_id", how="left"))
    return {"actors": actors.reset_index(drop=True), "quotes": quote_view, "events": event_view}


def _newest_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the most recently published documents first (undated last), in text order."""
    order = frame.assign(_undated=frame["published"].eq("undated"))
    order = order.sort_values(["_undated", "published", "doc_id", "start_char"],
                              ascending=[True, False, True, True])
    return order.drop(columns=["_undated", "start_char"]).reset_index(drop=True)


def table_section(name: str, frame: pd.DataFrame, run_dir: Path, shown: int = 15) -> str:
    """A report section for one table: title, "N of M" and a link to the full table, written
    as ``tables/<name>.csv`` in ``run_dir``, then the first ``shown`` rows."""
    csv_name = f"tables/{name}.csv"
    store.write_csv(Path(run_dir) / csv_name, frame)
    view = frame.drop(columns=["doc_id", "url"], errors="ignore").head(shown)
    return (f"<h2>{esc(TABLE_TITLES.get(name, name))}</h2>"
            f"<p class=meta>{len(view):,} of {len(frame):,} shown · "
            f'<a href="{esc(csv_name)}">full table (CSV)</a></p>' + table(view))


def dating_section(documents: pd.DataFrame) -> str:
    """How many kept documents have no publication date, and what that means for the timelines."""
    kept = documents[documents["status"] == "kept"]
    undated = int(kept["published"].isna().sum())
    if kept.empty:
        return "<p class=meta>No kept documents.</p>"
    if undated == 0:
        return f"<p class=meta>Every kept document ({len(kept):,}) has a publication date.</p>"
    return (f"<p><b>Undated: {undated:,} of {len(kept):,} kept documents.</b> Their mentions are left out of "
            "the timeline of mentions and of the date filters; their relative dates (\"last Friday\") cannot be "
            "resolved, so their events are dated only by absolute dates in the sentence, else left undated. "
            "Give their dates in a <code>metadata.csv</code> beside the articles (see the README) and run again.</p>")


def changes_section(found: dict) -> str:
    """The "what changed since the last run" section from ``changes.json``."""
    if not found:
        return ""
    parts = ["<h2>What changed since the last run</h2>"]
    if found.get("first_run"):
        return parts[0] + "<p class=meta>This is the first run of this corpus: nothing to compare with yet.</p>"
    counts = found.get("counts", {})
    parts.append(f"<p class=meta>Compared with run <code>{esc(found.get('previous_run'))}</code> "
                 f"(publication dates {esc(_window(found.get('window_before')))} then, "
                 f"{esc(_window(found.get('window_now')))} now). Full lists: "
                 '<a href="changes.json">changes.json</a>.</p>')
    if found.get("selection_before") != found.get("selection_now"):
        parts.append(f"<p class=failed>The runs cover different documents "
                     f"({esc(found.get('selection_before') or 'not recorded')} then, "
                     f"{esc(found.get('selection_now') or 'not recorded')} now): part of what changed is the "
                     "selection.</p>")
    parts.append("<div class=cards>" + "".join(
        f"<div class=card><b>{int(counts.get(key, 0)):,}</b>{label}</div>" for key, label in (
            ("new_documents", "new documents"), ("gone_documents", "gone documents"),
            ("new_actors", "new actors"), ("rising", "actors rising"), ("falling", "actors falling"),
            ("new_events", "new events"))) + "</div>")
    sections = (("new_actors", "New actors", ["name", "label", "mentions"]),
                ("rising", "Rising (mentions per week)", ["name", "label", "per_week_before", "per_week_now"]),
                ("falling", "Falling (mentions per week)", ["name", "label", "per_week_before", "per_week_now"]),
                ("new_events", "New events", ["date", "type", "document", "sentence"]),
                ("new_documents", "New documents", ["doc_id", "title"]),
                ("gone_documents", "Gone documents", ["doc_id", "title"]))
    for key, title, columns in sections:
        rows = found.get(key) or []
        if rows:
            frame = pd.DataFrame(rows).reindex(columns=columns).round(1)  # mentions a week: one decimal is plenty
            parts.append(f"<h3>{title} ({len(rows)} of {int(counts.get(key, len(rows))):,})</h3>" + table(frame))
    return "\n".join(parts)


def _window(window) -> str:
    return f"{window[0]} to {window[1]}" if window else "none"


def run_status(manifest: dict) -> str:
    """The run's status; a run still marked "running" that holds no lock was interrupted."""
    status = manifest.get("status", "unknown")
    if status == "running":
        try:
            holder = runlock.holder(manifest.get("name", ""))
        except (ValueError, OSError):
            holder = None
        if holder is None or holder.get("run_id") not in (None, manifest.get("run_id")):
            return "interrupted"
    return status


def nothing_to_show(manifest: dict) -> str | None:
    """Why a finished run has no results to show (empty corpus, all rejected, no analysable
    language), or ``None`` when it has some."""
    counts = manifest.get("documents", {}).get("by_status", {})
    extraction = manifest.get("extraction") or {}
    if not manifest.get("inputs"):
        return "The corpus folder holds no files: there is nothing to analyse."
    if not counts.get("kept"):
        return ("No document was kept: every input was rejected or a duplicate (see the reasons below), "
                "so there is nothing to analyse.")
    if extraction.get("n_analysed") == 0:
        languages = manifest.get("parameters", {}).get("languages")
        return (f"No kept document is in an analysed language (languages = {_plain(languages)}): nothing was "
                f"analysed. Set keep_other_languages=true or add the corpus's languages to analyse them.")
    return None


def run_page(run_dir: Path, manifest: dict) -> Path:
    """Write ``<run_dir>/index.html`` from the run's manifest, figures and tables.

    A run that did not succeed shows why and no results: the corpus's tables are those of the
    last successful run, and showing them here would pass them off as this run's.
    """
    run_dir = Path(run_dir)
    status = run_status(manifest)
    parts = [f"<h1>Newsdesk report: {esc(manifest.get('name'))}</h1>",
             f"<p class=meta>Run <code>{esc(manifest.get('run_id'))}</code>, started "
             f"{esc(manifest.get('started'))}, status "
             f"<span class={'ok' if status == 'succeeded' else 'failed'}>{esc(status)}</span>.</p>"]
    if manifest.get("error"):
        parts.append(f"<p class=failed>{esc(manifest['error'])}</p>")
    if status != "succeeded":
        parts.append(f"<p class=failed>This run {esc(status)}: it has no results. It left "
                     f"data/processed/{esc(manifest.get('name'))} as it was (the last successful run's "
                     f"tables, if any).</p>")
    elif nothing_to_show(manifest):
        parts.append(f"<p class=failed>{esc(nothing_to_show(manifest))}</p>")
    counts = manifest.get("documents", {}).get("by_status", {})
    extraction = manifest.get("extraction", {})
    cards = [("input files", len(manifest.get("inputs", []))), *counts.items(),
             ("analysed", extraction.get("n_analysed")), ("processed now", extraction.get("n_processed")),
             ("reused", extraction.get("n_reused"))]
    parts.append("<div class=cards>" + "".join(
        f"<div class=card><b>{esc(v)}</b>{esc(k)}</div>" for k, v in cards if v is not None) + "</div>")

    succeeded = status == "succeeded"
    if succeeded:  # what a desk editor reads first on Monday morning, before the figures
        parts.append(changes_section(store.read_json(run_dir / "changes.json", default={})))
    figures = store.read_json(run_dir / "figures" / "figures.json", default=[]) if succeeded else []
    parts.append("<h2>Figures</h2>")
    if not figures:
        parts.append("<p class=meta>No figures were produced.</p>")
    for figure in figures:
        parts.append(f'<figure><img src="figures/{esc(figure["png"])}" alt="{esc(figure["alt"])}">'
                     f'<figcaption>{esc(figure["title"])}. '
                     f'<a href="figures/{esc(figure["svg"])}">SVG</a></figcaption></figure>')

    if succeeded:
        corpus = manifest.get("name", "")
        try:  # what 03_charts was given; its own defaults select every document
            chosen = filters.from_mapping(manifest.get("overrides", {}))
        except ValueError:
            chosen = filters.Filters()
        if chosen.active:
            parts.append(f"<p class=meta>Figures and tables cover the documents {esc(chosen.describe())}.</p>")
        with contextlib.suppress(FileNotFoundError):  # stage 1 failed: the error above says why
            parts.append("<h2>Dates</h2>" + dating_section(store.read_table(corpus, "documents",
                                                                             ["status", "published"])))
        for name, frame in report_tables(corpus, chosen).items():
            parts.append(table_section(name, frame, run_dir))
        if (run_dir / "events_acled.csv").is_file():
            parts.append('<p class=meta>Every asserted event in ACLED\'s export layout: '
                         '<a href="events_acled.csv">events_acled.csv</a>.</p>')

    notebooks = manifest.get("notebooks", [])
    parts.append("<h2>Notebooks</h2><table><tr><th>notebook</th><th>status</th><th>seconds</th><th>pages</th></tr>")
    for nb in notebooks:
        links = f'<a href="{esc(nb["html"])}">report</a>' if nb.get("html") else ""
        links += f' · <a href="{esc(nb["output"])}">notebook</a>'
        parts.append(f"<tr><td>{esc(nb['name'])}</td><td>{esc(nb['status'])}</td>"
                     f'<td class="num">{esc(nb.get("seconds"))}</td><td>{links}</td></tr>')
    parts.append("</table>")

    parts.append("<h2>Parameters</h2>" + key_values(manifest.get("parameters", {})))
    parts.append("<h2>Provenance</h2>" + key_values(manifest.get("versions", {})))
    reasons = manifest.get("documents", {}).get("by_reason", [])
    if reasons:
        parts.append("<h3>Documents by status and reason</h3>" + table(pd.DataFrame(reasons)))
    inputs = pd.DataFrame(manifest.get("inputs", []))
    parts.append(f"<details><summary>{len(inputs)} input files and their SHA-256</summary>"
                 + table(inputs) + "</details>")
    parts.append('<p class=meta>Full record: <a href="manifest.json">manifest.json</a> · '
                 '<a href="../index.html">all runs</a></p>')
    target = run_dir / "index.html"
    with store.atomic_path(target) as tmp:
        tmp.write_text(page(f"Newsdesk report: {manifest.get('name')}", "\n".join(parts)), encoding="utf-8")
    return target


def runs_index(reports_dir: Path) -> Path:
    """Write ``reports/index.html``: every run (from its manifest), newest first."""
    reports_dir = Path(reports_dir)
    runs = []
    for manifest_path in reports_dir.glob("*/manifest.json"):
        manifest = read_manifest(manifest_path)
        if manifest is None:
            continue
        runs.append({
            "run": f'<a href="{esc(manifest_path.parent.name)}/index.html">{esc(manifest_path.parent.name)}</a>',
            "corpus": esc(manifest.get("name")), "started": str(manifest.get("started", "")),
            "status": esc(run_status(manifest)),
            "documents": esc(sum((manifest.get("documents") or {}).get("by_status", {}).values()))})
    runs.sort(key=lambda r: r["started"], reverse=True)
    rows = "".join(f"<tr><td>{r['run']}</td><td>{r['corpus']}</td><td>{esc(r['started'])}</td>"
                   f"<td>{r['status']}</td><td class=num>{r['documents']}</td></tr>" for r in runs)
    body = (f"<h1>Newsdesk runs</h1><p class=meta>{len(runs)} runs, newest first. Updated "
            f"{esc(dt.datetime.now(dt.UTC).isoformat(timespec='seconds'))}.</p>"
            f"<table><tr><th>run</th><th>corpus</th><th>started</th><th>status</th><th>documents</th></tr>{rows}</table>")
    target = reports_dir / "index.html"
    with store.atomic_path(target) as tmp:
        tmp.write_text(page("Newsdesk runs", body), encoding="utf-8")
    return target


def read_manifest(path: Path) -> dict | None:
    """A run's manifest, or ``None`` with a one-line warning when it cannot be read (a run killed
    while writing it, a file edited by hand): one broken run folder must not break the others."""
    try:
        manifest = store.read_json(path, default=None)
    except (ValueError, OSError) as error:
        print(f"newsdesk: skipping {path}: not a readable manifest ({error})", file=sys.stderr)
        return None
    if not isinstance(manifest, dict):
        if manifest is not None:
            print(f"newsdesk: skipping {path}: not a manifest (a JSON {type(manifest).__name__})", file=sys.stderr)
        return None
    return manifest


def notebook_html(notebook: Path, target: Path) -> Path:
    """Render an executed notebook as HTML without code, stderr output or network scripts."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook_node = nbformat.read(notebook, as_version=4)
    for cell in notebook_node.cells:
        # Progress bars and warnings on stderr help at the keyboard, not in a report.
        cell["outputs"] = [o for o in cell.get("outputs", [])
                           if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    exporter = HTMLExporter(template_name="offline",
                            extra_template_basedirs=[str(Path(__file__).parent / "templates")],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    body, _ = exporter.from_notebook_node(notebook_node)
    with store.atomic_path(Path(target)) as tmp:
        tmp.write_text(body, encoding="utf-8")
    return Path(target)
