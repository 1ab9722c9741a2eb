"""Stage 3: DataFrames → matplotlib Figures, one function per figure, one style.

Every function takes stage-2 tables and returns a :class:`~matplotlib.figure.Figure` whose
title says what is shown; its alt text (for the report) is the figure's label,
:func:`alt_text`. Empty inputs give a figure that says there is nothing to show, never an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

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
PLACE_LABELS = ["GPE", "LOC", "FAC"]
# Calendar weeks are ISO weeks: Monday to Sunday, labelled by their Monday.
WEEK = "W-SUN"


class Chart(Figure):
    """A matplotlib Figure that shows itself inline in Jupyter, whatever the backend.

    Charts are made without pyplot (so nothing piles up in pyplot's list of open figures), and
    IPython only learns to display bare Figures once pyplot's inline backend has been loaded:
    without this method a notebook cell printed ``<Figure size 1320x836 with 4 Axes>``.
    """

    _shown_png: bytes | None = None

    def keep_png(self, png: bytes) -> None:
        """Show ``png`` (this figure, just saved) inline instead of drawing the figure again,
        until anything in it changes: drawing is most of a chart's cost."""
        self._shown_png = png
        self.stale = False  # saving leaves the flag set; any change to an artist sets it again
        earlier = self.stale_callback

        def forget(figure, stale):
            figure._shown_png = None
            if earlier is not None:
                earlier(figure, stale)
        self.stale_callback = forget

    def _repr_png_(self) -> bytes:
        if self._shown_png is not None:
            return self._shown_png
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


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
    fig = Chart(figsize=size)
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
    fig = Chart(figsize=(6 * columns, 0.32 * top_n * rows + 1.2))
    axes = fig.subplots(rows, columns, squeeze=False)
    parts = []
    for ax, label in zip(axes.flat, labels, strict=False):
        top = entities[entities["label"] == label].nlargest(top_n, "n_mentions").iloc[::-1]
        ax.barh(top["name"], top["n_mentions"], color=colour(label))
        ax.set_title(label, loc="left", fontsize=11)
        ax.set_xlabel("mentions")
        _integer_axis(ax.xaxis)
        ax.grid(axis="y", visible=False)
        parts.append(f"{label}: " + ", ".join(f"{n} ({c})" for n, c in
                                               zip(top["name"][::-1], top["n_mentions"][::-1], strict=True)))
    for ax in list(axes.flat)[len(labels):]:
        ax.axis("off")
    fig.suptitle(title, fontweight="bold")
    fig.set_label(f"{title}. " + "; ".join(parts))
    return fig


@styled
def documents_by_status(documents: pd.DataFrame) -> Figure:
    """Horizontal bars: how many inputs were kept, marked duplicate or rejected, by reason
    (``clean.status_summary``'s rows), so every input is accounted for at a glance."""
    title = "What became of every input"
    if documents.empty:
        return _empty(title, "No inputs.")
    reasons = documents["reason"].fillna("").str.replace(r"\d[\d,]*", "N", regex=True).str.slice(0, 60)
    counts = (documents.assign(what=documents["status"] + reasons.where(reasons == "", " · " + reasons))
              .groupby(["status", "what"]).size().rename("n").reset_index()
              .sort_values(["status", "n"], ascending=[False, True]))
    fig = Chart(figsize=(9, 0.35 * len(counts) + 1.4))
    ax = fig.subplots()
    colours = {"kept": "#2e7d32", "duplicate": "#f9a825", "rejected": "#c62828"}
    ax.barh(counts["what"], counts["n"], color=[colours.get(s, "#777777") for s in counts["status"]])
    ax.set_xlabel("documents")
    _integer_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    fig.set_label(f"{title}: " + ", ".join(f"{w} ({n})" for w, n in zip(counts["what"], counts["n"], strict=True)))
    return fig


def _entity_labels(mentions: pd.DataFrame, entities: pd.DataFrame | None) -> pd.Series:
    """Each mention's label for filtering: its entity's label (the one every chart and the
    ``entities`` table show) where it has one, else the mention's own."""
    if entities is None or entities.empty:
        return mentions["label"]
    return mentions["entity_id"].map(entities.set_index("entity_id")["label"]).fillna(mentions["label"])


def _integer_axis(axis) -> None:
    """Counts are whole numbers: no tick at 0.25."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _headroom(ax, top: float, share: float = 0.15) -> None:
    """Room above the tallest bar or point so it never touches the frame or the legend."""
    ax.set_ylim(0, max(top, 1) * (1 + share))


def _left_out(n_undated: int, n_outside: int, start, end, what: str) -> str:
    """The footnote naming what a timeline leaves out, or ""."""
    parts = []
    if n_outside:
        parts.append(f"{n_outside} {what} dated outside {_span(start, end)}")
    if n_undated:
        parts.append(f"{n_undated} undated {what}")
    return ("Not shown: " + "; ".join(parts) + ".") if parts else ""


def _span(start, end) -> str:
    if start and end:
        return f"{start:%d %b %Y} – {end:%d %b %Y}"
    return f"from {start:%d %b %Y}" if start else (f"until {end:%d %b %Y}" if end else "any date")


def _footnote(fig: Figure, text: str) -> None:
    """A note under the axes (constrained layout keeps it clear of the tick labels)."""
    if text:
        fig.supxlabel(text, x=0.01, ha="left", fontsize=8, color="#555555")


@styled
def mentions_over_time(mentions: pd.DataFrame, documents: pd.DataFrame,
                       labels: Iterable[str] = ACTOR_LABELS, freq: str = WEEK,
                       start: dt.date | None = None, end: dt.date | None = None,
                       per_article: bool = False, entities: pd.DataFrame | None = None) -> Figure:
    """Mentions per ISO week (or ``freq``) of publication date, one line per entity label.

    ``per_article`` divides each period's mentions by the documents published in it, so a
    week with many articles does not look like a surge of attention. Mentions in undated
    documents or outside ``[start, end]`` are counted in a footnote, not drawn.
    """
    title = "Mentions over publication dates, by label" + (" (per article)" if per_article else "")
    frame = mentions.assign(label=_entity_labels(mentions, entities))
    frame = frame[frame["label"].isin(list(labels))].merge(documents[["doc_id", "published"]], on="doc_id")
    undated = int(frame["published"].isna().sum())
    dated = frame[frame["published"].notna()]
    shown = _in_range(dated, "published", start, end)
    if shown.empty:
        return _empty(title, "No dated documents with mentions.")
    period = pd.to_datetime(shown["published"]).dt.to_period(freq).dt.start_time
    counts = shown.assign(period=period).groupby(["period", "label"]).size().unstack(fill_value=0)
    unit = "week" if freq.startswith("W") else "period"
    if per_article:
        # Every analysed article of the period counts, also those that name none of these labels.
        docs = documents[documents["doc_id"].isin(set(mentions["doc_id"]))]
        articles = pd.to_datetime(docs["published"]).dt.to_period(freq).dt.start_time.value_counts()
        counts = counts.div(articles.reindex(counts.index), axis=0)
    fig, ax = _figure()
    for label in counts.columns:
        ax.plot(counts.index, counts[label], marker="o", label=label, color=colour(label))
    ax.set_title(title)
    ax.set_ylabel(f"mentions per article, by {unit}" if per_article else f"mentions per {unit}")
    if not per_article:
        _integer_axis(ax.yaxis)
    _headroom(ax, float(counts.values.max()), 0.2)
    ax.legend(frameon=False, ncols=len(counts.columns), loc="upper left")
    fig.autofmt_xdate()
    note = _left_out(undated, len(dated) - len(shown), start, end, "mentions")
    _footnote(fig, note)
    busiest = counts.sum(axis=1).idxmax()
    fig.set_label(f"{title}: {len(shown)} mentions from {counts.index.min():%d %b %Y} to "
                  f"{counts.index.max():%d %b %Y}; busiest {unit} {busiest:%d %b %Y}. {note}".strip())
    return fig


@styled
def cooccurrence_network(cooccurrence: pd.DataFrame, entities: pd.DataFrame, top_n: int = 30,
                         min_docs: int = 2, labels: Iterable[str] = ACTOR_LABELS) -> Figure:
    """The actors that appear together: node size by mentions, colour by label, edge width
    by shared documents. Shows the ``top_n`` most mentioned entities of ``labels`` with an edge."""
    import networkx as nx

    title = "Who appears with whom (shared documents)"
    info = entities[entities["label"].isin(list(labels))].set_index("entity_id")
    edges = cooccurrence[(cooccurrence["n_docs"] >= min_docs) & cooccurrence["entity_a"].isin(info.index)
                         & cooccurrence["entity_b"].isin(info.index)]
    if edges.empty:
        return _empty(title, f"No pair of entities shares {min_docs} or more documents.")
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
    """Asserted events per ISO week of event date, stacked by ACLED type.

    ``count="events"`` counts each event once however many documents report it (its
    ``event_id``); ``count="reports"`` counts every report. Statements, threats and events
    that are negated, denied, hypothetical or only planned are left out. Events dated outside
    ``[start, end]`` (background dates such as "in 2004") and undated events are counted in a
    footnote, not drawn: a handful of them would otherwise stretch the axis over decades.
    """
    if count not in {"events", "reports"}:
        raise ValueError(f"count must be 'events' or 'reports', not {count!r}")
    title = "Events over time, by type" if count == "events" else "Event reports over time, by type"
    frame = events[events["event_type"].notna() & (events["modality"] == "asserted")]
    if count == "events":
        frame = frame.drop_duplicates("event_id")
    undated = int(frame["event_date"].isna().sum())
    dated = frame[frame["event_date"].notna()]
    if start is None and end is None:
        start, end = dense_range(dated["event_date"])
    shown = _in_range(dated, "event_date", start, end)
    note = _left_out(undated, len(dated) - len(shown), start, end, count)
    if shown.empty:
        return _empty(title, "No dated events. " + note)
    shown = shown.assign(week=pd.to_datetime(shown["event_date"]).dt.to_period(WEEK).dt.start_time)
    counts = shown.groupby(["week", "event_type"]).size().unstack(fill_value=0)
    fig, ax = _figure((10, 5))
    bottom = pd.Series(0, index=counts.index)
    for kind in counts.columns:
        ax.bar(counts.index, counts[kind], bottom=bottom, width=5, align="edge", label=kind,
               color=EVENT_COLOURS.get(kind, "#777777"))
        bottom += counts[kind]
    _headroom(ax, float(bottom.max()), 0.25)  # the busiest week's stack stays below the frame
    # The axis spans the weeks the footnote names, so weeks without events show as empty.
    ax.set_xlim(left=pd.Timestamp(start).to_period(WEEK).start_time if start else None,
                right=pd.Timestamp(end).to_period(WEEK).end_time.normalize() + pd.Timedelta(days=1) if end else None)
    _integer_axis(ax.yaxis)
    ax.set_title(title)
    ax.set_ylabel(f"{count} per week")  # ISO weeks, from Monday (the README says so)
    ax.legend(frameon=False, fontsize=8, ncols=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.autofmt_xdate()
    _footnote(fig, note)
    totals = counts.sum().sort_values(ascending=False)
    fig.set_label(f"{title}: " + ", ".join(f"{n} {k}" for k, n in totals.items())
                  + f", weeks of {counts.index.min():%d %b %Y} to {counts.index.max():%d %b %Y}. {note}".rstrip())
    return fig


def default_range(documents: pd.DataFrame, months_before: int = 3) -> tuple[dt.date | None, dt.date | None]:
    """The span charts show by default: from ``months_before`` months before the first
    publication date to the last one (older background dates would squash the timeline)."""
    published = pd.to_datetime(documents["published"]).dropna()
    if published.empty:
        return None, None
    start = published.min() - pd.DateOffset(months=months_before)
    return start.date(), published.max().date()


def dense_range(dates: pd.Series, share: float = 0.9, longest_days: int = 365
                ) -> tuple[dt.date | None, dt.date | None]:
    """Without a span from publication dates (an undated corpus), the span a timeline shows:
    every date when they fit in ``longest_days``, else the middle ``share`` of them, so a few
    background dates do not stretch the axis over decades."""
    dates = pd.to_datetime(dates).dropna()
    if dates.empty or (dates.max() - dates.min()).days <= longest_days:
        return None, None
    tail = (1 - share) / 2
    return dates.quantile(tail).date(), dates.quantile(1 - tail).date()


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
                    top_n: int = 15, labels: Iterable[str] = ACTOR_LABELS, per_article: bool = False) -> Figure:
    """Which outlet mentions which actor: mentions per source × top entity of ``labels``
    (the entity's label); ``per_article`` divides by the source's number of articles."""
    title = "Sources × entities (mentions" + (" per article)" if per_article else ")")
    frame = mentions[mentions["entity_id"].notna()]
    frame = frame[_entity_labels(frame, entities).isin(list(labels))]
    frame = frame.merge(documents[["doc_id", "source"]], on="doc_id")
    frame = frame.assign(source=frame["source"].fillna("(unknown source)"))
    if frame.empty:
        return _empty(title)
    top = frame["entity_id"].value_counts().head(top_n).index
    table = (frame[frame["entity_id"].isin(top)].groupby(["source", "entity_id"]).size()
             .unstack(fill_value=0).reindex(columns=top, fill_value=0))
    if per_article:
        articles = documents.assign(source=documents["source"].fillna("(unknown source)")).loc[
            documents["doc_id"].isin(set(frame["doc_id"]))].groupby("source").size()
        table = table.div(articles.reindex(table.index), axis=0)
    names = entities.set_index("entity_id")["name"]
    fig, ax = _figure((max(7, 0.55 * len(top) + 3), max(3, 0.45 * len(table) + 2)))
    image = ax.imshow(table.values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(top)), [names.get(e, e) for e in top], rotation=45, ha="right")
    ax.set_yticks(range(len(table)), table.index)
    ax.grid(False)
    for (i, j), value in pd.DataFrame(table.values).stack().items():
        if value:
            ax.text(j, i, f"{value:.1f}" if per_article else int(value), ha="center", va="center", fontsize=7,
                    color="white" if value > table.values.max() / 2 else "black")
    fig.colorbar(image, ax=ax, label="mentions per article" if per_article else "mentions", shrink=0.8)
    ax.set_title(title)
    busiest = table.sum(axis=1).idxmax()
    fig.set_label(f"{title}: {len(table)} sources by the {len(top)} most mentioned entities; "
                  f"{busiest} has the most mentions{' per article' if per_article else ''}.")
    return fig


@styled
def quotes_per_speaker(quotes: pd.DataFrame, entities: pd.DataFrame, top_n: int = 15,
                       labels: Iterable[str] | None = None) -> Figure:
    """Number of quotes per speaker (canonical entity where it resolves, else as written).

    With ``labels``, speakers that resolve to an entity of another label are left out;
    speakers that resolve to no entity ("a US official") stay.
    """
    title = "Who is quoted most"
    frame = quotes[quotes["speaker_text"].notna()]
    label_of_entity = entities.set_index("entity_id")["label"]
    if labels is not None:
        speaker_label = frame["speaker_entity_id"].map(label_of_entity)
        frame = frame[speaker_label.isna() | speaker_label.isin(list(labels))]
    if frame.empty:
        return _empty(title, "No attributed quotes.")
    names = entities.set_index("entity_id")["name"]
    speaker = frame["speaker_entity_id"].map(names).fillna(frame["speaker_text"])
    counts = speaker.value_counts().head(top_n).iloc[::-1]
    label_of = (frame.assign(name=speaker).drop_duplicates("name").set_index("name")["speaker_entity_id"]
                .map(label_of_entity))
    fig, ax = _figure((8, 0.35 * len(counts) + 1.5))
    ax.barh(counts.index, counts.values, color=[colour(label_of.get(n) or "OTHER") for n in counts.index])
    ax.set_xlabel("quotes")
    _integer_axis(ax.xaxis)
    ax.grid(axis="y", visible=False)
    ax.set_title(title)
    fig.set_label(f"{title}: " + ", ".join(f"{n} ({c})" for n, c in counts.iloc[::-1].items()))
    return fig


# --- places ----------------------------------------------------------------------------------

@styled
def places_map(entities: pd.DataFrame, top_n: int = 40, labels: Iterable[str] = PLACE_LABELS,
               min_population: int = 20_000) -> Figure:
    """The places mentioned, sized by mentions, on country outlines (Natural Earth, drawn
    offline). Only places :func:`locate` can place without guessing are shown; the caption
    says how many were left out."""
    import shapely

    from . import places

    title = "Places mentioned"
    wanted = [lb for lb in labels if lb in PLACE_LABELS]
    if not wanted:
        return _empty(title, "The chosen labels include no place label (GPE, LOC, FAC).")
    located = places.locate(entities, min_population, wanted)
    n_places = int(entities["label"].isin(wanted).sum())
    if located.empty:
        return _empty(title, "No mentioned place could be placed without guessing.")
    located = located.nlargest(top_n, "n_mentions")
    # The view holds the bulk of the places: one far-off country (the United States in a corpus
    # on Iraq) would otherwise turn the map into an ocean. Places outside are named below it.
    near = pd.Series(True, index=located.index)
    for axis in ("lon", "lat"):
        offset = (located[axis] - located[axis].median()).abs()
        near &= offset <= max(30.0, 3 * offset.median())
    lon_range = located.loc[near, "lon"].agg(["min", "max"])
    lat_range = located.loc[near, "lat"].agg(["min", "max"])
    pad = 4
    west, east = lon_range.iloc[0] - pad, lon_range.iloc[1] + pad
    south, north = lat_range.iloc[0] - pad, lat_range.iloc[1] + pad
    # At least 24° by 14° and wider than tall, so a single city still shows its neighbours
    # and the map fills a landscape figure.
    widen = max(0, 24 - (east - west), 1.4 * (north - south) - (east - west)) / 2
    heighten = max(0, 14 - (north - south)) / 2
    west, east, south, north = west - widen, east + widen, max(south - heighten, -90), min(north + heighten, 90)
    inside = located["lon"].between(west, east) & located["lat"].between(south, north)
    outside = located.loc[~inside, "name"].tolist()
    located = located[inside]
    fig, ax = _figure((10, 6.5))
    ax.set_facecolor("#eaf2f8")
    named = set(located["country"].dropna())
    countries = places.countries()
    bounds = shapely.bounds(countries["shape"].to_numpy())  # only countries whose box meets the view
    in_view = (bounds[:, 0] <= east) & (bounds[:, 2] >= west) & (bounds[:, 1] <= north) & (bounds[:, 3] >= south)
    countries = countries[in_view]
    shapes = shapely.simplify(shapely.clip_by_rect(countries["shape"].to_numpy(), west, south, east, north),
                              (east - west) / 800)
    for iso3, shape in zip(countries["iso3"], shapes, strict=True):
        for polygon in getattr(shape, "geoms", [shape]):
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            ax.fill(*polygon.exterior.xy, facecolor="#e8e1cf" if iso3 in named else "#f7f5ef",
                    edgecolor="#9a9a9a", linewidth=0.5, zorder=1)
    ax.scatter(located["lon"], located["lat"], s=30 + 600 * located["n_mentions"] / located["n_mentions"].max(),
               color=[colour(lb) for lb in located["label"]], alpha=0.7, edgecolor="#333333", zorder=3)
    for row in located.itertuples():
        ax.annotate(row.name, (row.lon, row.lat), xytext=(4, 4), textcoords="offset points", fontsize=8, zorder=4)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(False)
    # Plate carrée with the aspect of the middle latitude, so shapes are not squashed.
    ax.set_aspect(1 / max(math.cos(math.radians((south + north) / 2)), 0.2), adjustable="box")
    ax.set_title(title)
    note = (f"{n_places - len(located) - len(outside)} of {n_places} places not placed (ambiguous, unknown "
            f"or beyond the top {top_n}). " + (f"Outside this view: {', '.join(outside)}. " if outside else "")
            + "Country outlines: Natural Earth.")
    _footnote(fig, note)
    fig.set_label(f"{title}: {len(located)} places; most mentioned "
                  + ", ".join(f"{n} ({c})" for n, c in located[["name", "n_mentions"]].head(8).itertuples(index=False))
                  + f". {note}")
    return fig



# --- saving ----------------------------------------------------------------------------------

class FigureBook:
    """Collects a notebook's figures: draws and saves each (when a folder is given) and returns
    it for display; :meth:`save_index` writes ``figures.json`` for the report.

    Saved figures are also kept, by what they were drawn from, under ``reuse_dir`` (default
    ``data/processed/.cache/figures``): a chart drawn again from equal inputs (see
    :func:`drawing_key`) is not rendered again, its PNG and SVG are copied. Rendering is most of
    a chart's cost, so a rerun in which one parameter changed redraws only what it changes.
    """

    def __init__(self, folder: str | Path | None = None, reuse_dir: str | Path | None = None, reuse: bool = True):
        self.folder = Path(folder) if folder else None
        self.reuse_dir = (Path(reuse_dir) if reuse_dir else _default_reuse_dir()) if reuse else None
        self.entries: list[dict] = []

    def add(self, name: str, chart, *args, **kwargs) -> Figure:
        """Draw ``chart(*args, **kwargs)`` (a chart function) and save it as ``name``; returns
        the figure. ``chart`` may also be a figure drawn already (it is saved, never reused)."""
        if isinstance(chart, Figure):
            fig, key = chart, None
        else:
            fig, key = chart(*args, **kwargs), drawing_key(chart, args, kwargs)
        if self.folder is not None:
            reuse = self.reuse_dir / key if key and self.reuse_dir is not None else None
            self.entries.append(save(fig, name, self.folder, reuse))
        return fig

    def save_index(self) -> Path | None:
        """Write ``figures.json`` (name, title, alt text, files of each figure)."""
        if self.folder is None:
            return None
        target = self.folder / "figures.json"
        target.write_text(json.dumps(self.entries, indent=2, ensure_ascii=False), encoding="utf-8")
        return target


def save(fig: Figure, name: str, folder: Path, reuse: Path | None = None) -> dict:
    """Save ``fig`` as ``<name>.png`` and ``<name>.svg`` in ``folder``; returns its index entry
    ``{"name", "title", "alt", "png", "svg"}`` (file names relative to ``folder``).

    With ``reuse`` (a path without suffix), files saved there before are copied instead of
    rendering the figure, and a new rendering is kept there for next time.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    title = fig._suptitle.get_text() if fig._suptitle else (fig.axes[0].get_title() if fig.axes else name)
    kept = {ext: reuse.with_suffix(f".{ext}") for ext in ("png", "svg")} if reuse else {}
    try:
        png, svg = kept["png"].read_bytes(), kept["svg"].read_bytes()
    except (KeyError, OSError):
        png, svg = _render(fig, title)
        if kept:
            _keep(kept, {"png": png, "svg": svg})
    (folder / f"{name}.png").write_bytes(png)
    (folder / f"{name}.svg").write_bytes(svg)
    if isinstance(fig, Chart):
        fig.keep_png(png)
    return {"name": name, "title": title, "alt": alt_text(fig), "png": f"{name}.png", "svg": f"{name}.svg"}


def _render(fig: Figure, title: str) -> tuple[bytes, bytes]:
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata={"Title": title})
    fig.savefig(svg, format="svg")
    return png.getvalue(), svg.getvalue()


# Renderings kept for reuse: the newest are kept, older ones go when there are more.
REUSE_LIMIT = 400


def _keep(targets: dict[str, Path], data: dict[str, bytes]) -> None:
    """Write the renderings atomically (the SVG last: a PNG without its SVG is never read) and
    drop the oldest beyond :data:`REUSE_LIMIT`; a cache that cannot be written is skipped."""
    try:
        folder = targets["png"].parent
        folder.mkdir(parents=True, exist_ok=True)
        for ext in ("png", "svg"):
            partial = targets[ext].with_name(f".{targets[ext].name}.{os.getpid()}.partial")
            partial.write_bytes(data[ext])
            partial.replace(targets[ext])
        kept = sorted(folder.glob("*.svg"), key=lambda path: path.stat().st_mtime)
        for old in kept[:-REUSE_LIMIT]:
            for ext in ("svg", "png"):
                old.with_suffix(f".{ext}").unlink(missing_ok=True)
    except OSError:
        pass


def _default_reuse_dir() -> Path:
    from . import paths

    return paths.PROCESSED / ".cache" / "figures"


@functools.cache
def _code_digest() -> str:
    """What every drawing depends on besides its inputs: this module's and the places module's
    code, the place data, matplotlib's version."""
    from . import places

    digest = hashlib.sha256(mpl.__version__.encode())
    for module in (Path(__file__), Path(places.__file__)):
        digest.update(module.read_bytes())
    digest.update(places.cache_dir().name.encode())
    return digest.hexdigest()


def drawing_key(chart, args: tuple, kwargs: dict) -> str | None:
    """A key for one chart drawn from given inputs: the chart function, its arguments (tables by
    content), matplotlib's settings and :func:`_code_digest`. ``None`` when an argument is of a
    kind whose content cannot be hashed: that figure is always rendered."""
    digest = hashlib.sha256(f"{chart.__module__}.{chart.__qualname__}\0{_code_digest()}".encode())
    digest.update(repr(sorted((key, repr(value)) for key, value in mpl.rcParams.items())).encode())
    for value in (*args, *sorted(kwargs.items())):
        if not _hash_into(digest, value):
            return None
    return digest.hexdigest()


def _hash_into(digest, value) -> bool:
    if isinstance(value, pd.DataFrame):
        digest.update(repr((list(value.columns), [str(t) for t in value.dtypes], value.shape)).encode())
        digest.update(pd.util.hash_pandas_object(value.index).to_numpy().tobytes())
        for column in value.columns:
            series = value[column]
            try:
                digest.update(pd.util.hash_pandas_object(series, index=False).to_numpy().tobytes())
            except TypeError:  # lists or dicts in cells
                digest.update(repr(series.tolist()).encode())
        return True
    if isinstance(value, pd.Series):
        return _hash_into(digest, value.to_frame())
    if isinstance(value, (list, tuple, set, frozenset)):
        digest.update(f"{type(value).__name__}{len(value)}(".encode())
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return all(_hash_into(digest, item) for item in items)
    if value is None or isinstance(value, (str, int, float, bool, dt.date, dt.datetime, pd.Timestamp)):
        digest.update(f"{type(value).__name__}:{value!r};".encode())
        return True
    return False
