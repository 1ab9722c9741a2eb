"""HTML report pages: a run's ``index.html`` and the ``reports/index.html`` list of runs.

Pages are plain HTML with inline CSS and local images only: no script, no network request.
Every piece of text that comes from an article or a parameter goes through :func:`esc`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from . import runlock, store

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:1.5rem}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555}.failed{color:#b00020;font-weight:bold}.ok{color:#1b7f3b;font-weight:bold}
table{border-collapse:collapse;margin:.5rem 0;font-size:13px;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:1.5rem 0;background:#fff;padding:.8rem;border:1px solid #e3e3e3}
figure img{max-width:100%;height:auto}figcaption{color:#444;font-size:13px;margin-top:.4rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border:1px solid #e3e3e3;padding:.6rem 1rem}
.card b{display:block;font-size:22px}details{margin:.5rem 0}code{font-size:12px}
"""


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


def table(frame: pd.DataFrame, numeric: Iterable[str] = ()) -> str:
    """An escaped HTML table of a DataFrame (at most what you pass in)."""
    if frame.empty:
        return "<p class=meta>None.</p>"
    numeric = set(numeric)
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = "".join(f'<td class="num">{esc(v)}</td>' if c in numeric else f"<td>{esc(v)}</td>"
                        for c, v in zip(frame.columns, record, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


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


def top_tables(corpus: str, top_n: int = 15) -> dict[str, pd.DataFrame]:
    """The report's tables: top actors, quotes and events, with their source documents."""
    try:
        entities = store.read_table(corpus, "entities")
        quotes = store.read_table(corpus, "quotes")
        events = store.read_table(corpus, "events")
        documents = store.read_table(corpus, "documents", ["doc_id", "title", "source", "published"])
    except FileNotFoundError:
        return {}
    names = entities.set_index("entity_id")["name"]
    doc_label = {d.doc_id: f"{d.title or d.doc_id} — {d.source or 'unknown source'}, {d.published or 'undated'}"
                 for d in documents.itertuples()}
    actors = entities[entities["label"].isin(["PERSON", "ORG", "GPE", "NORP"])].nlargest(top_n, "n_mentions")
    actors = actors.assign(aliases=actors["aliases"].map(lambda a: ", ".join(list(a)[:5])))
    actors = actors[["name", "label", "actor_type", "n_mentions", "n_docs", "aliases"]]
    quote_view = quotes[quotes["speaker_text"].notna()].head(top_n)
    quote_view = pd.DataFrame({
        "speaker": quote_view["speaker_entity_id"].map(names).fillna(quote_view["speaker_text"]),
        "cue": quote_view["cue"], "quote": quote_view["quote"],
        "document": quote_view["doc_id"].map(doc_label)})
    # one row per event (its first report), asserted events of an ACLED type only
    event_view = events[events["event_type"].notna() & (events["modality"] == "asserted")]
    event_view = event_view.drop_duplicates("event_id").head(top_n)
    event_view = pd.DataFrame({
        "type": event_view["event_type"], "sub-type": event_view["sub_event_type"],
        "date": event_view["event_date"],
        "actor": event_view["actor1"].map(names).fillna(event_view["actor1"]),
        "target": event_view["actor2"].map(names).fillna(event_view["actor2"]),
        "place": event_view["location"].map(names).fillna(event_view["location"]),
        "fatalities": event_view["fatalities"], "reports": event_view["n_reports"],
        "count": event_view["count"], "sentence": event_view["sentence"],
        "document": event_view["doc_id"].map(doc_label)})
    return {"actors": actors, "quotes": quote_view, "events": event_view}


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
    figures = store.read_json(run_dir / "figures" / "figures.json", default=[]) if succeeded else []
    parts.append("<h2>Figures</h2>")
    if not figures:
        parts.append("<p class=meta>No figures were produced.</p>")
    for figure in figures:
        parts.append(f'<figure><img src="figures/{esc(figure["png"])}" alt="{esc(figure["alt"])}">'
                     f'<figcaption>{esc(figure["title"])}. '
                     f'<a href="figures/{esc(figure["svg"])}">SVG</a></figcaption></figure>')

    tables = top_tables(manifest.get("name", "")) if succeeded else {}
    titles = {"actors": "Top actors", "quotes": "Quotes", "events": "Events"}
    for name, frame in tables.items():
        numeric = ("n_mentions", "n_docs", "count", "fatalities", "reports")
        parts.append(f"<h2>{titles[name]}</h2>" + table(frame, numeric=numeric))

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
        parts.append("<h3>Documents by status and reason</h3>" + table(pd.DataFrame(reasons), numeric=("n",)))
    inputs = pd.DataFrame(manifest.get("inputs", []))
    parts.append(f"<details><summary>{len(inputs)} input files and their SHA-256</summary>"
                 + table(inputs, numeric=("bytes",)) + "</details>")
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
