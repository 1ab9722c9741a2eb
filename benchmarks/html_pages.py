"""News pages written for Newsdesk, with the article text they hold, to choose trafilatura's settings.

``python benchmarks/html_pages.py`` builds pages in three layouts (an ``<article>`` element, a
``<main>`` with classed divs, bare divs) around invented articles with a table of figures, a
pull quote in curly quotes, and the furniture of news sites: menus, share buttons, related
links, a newsletter box, reader comments, a footer. It scores each setting by word-level
precision, recall and F1 of the extracted text against the article's own words.
"""

from __future__ import annotations

import random
import re
from collections import Counter

PLACES = ["Valmora", "Eastgate", "Northbank", "Kessel Ford", "Ardin"]
SUBJECTS = ["the river crossing", "the grain depot", "the border post", "the power station", "the ferry"]
ACTS = ["was closed for {n} days", "reopened after {n} hours", "was inspected by {n} engineers",
        "lost power {n} times this month", "handled {n} lorries on Monday"]
FURNITURE = {
    "menu": "<nav><ul>" + "".join(f"<li><a href='/{s}'>{s.title()}</a></li>" for s in
                                  ("home", "world", "business", "sport", "culture", "opinion")) + "</ul></nav>",
    "share": "<div class='share'><a href='#'>Share on Facebook</a> <a href='#'>Post</a> <a href='#'>Email</a></div>",
    "related": "<aside class='related'><h3>Related stories</h3><ul>"
               + "".join(f"<li><a href='/r{i}'>Earlier report number {i} on the district budget</a></li>"
                         for i in range(4)) + "</ul></aside>",
    "newsletter": "<div class='newsletter'><p>Sign up for our morning briefing and get the day's news "
                  "in your inbox.</p><form><input type='email'><button>Subscribe</button></form></div>",
    "comments": "<section id='comments' class='comments'><h3>Comments</h3>"
                + "".join(f"<div class='comment'><p>Reader {i} wrote that the council should have acted "
                          f"sooner and asked who will pay.</p></div>" for i in range(3)) + "</section>",
    "footer": "<footer><p>Copyright 2026 The Ardin Courier. All rights reserved.</p>"
              "<p><a href='/privacy'>Privacy</a> | <a href='/terms'>Terms</a></p></footer>",
}


def article(rng: random.Random) -> tuple[str, list[str], list[list[str]]]:
    """(headline, paragraphs, table rows) of one invented article."""
    paragraphs = []
    for _ in range(rng.randint(4, 8)):
        sentences = [f"In {rng.choice(PLACES)}, {rng.choice(SUBJECTS)} {rng.choice(ACTS).format(n=rng.randint(2, 90))}."
                     for _ in range(rng.randint(2, 4))]
        paragraphs.append(" ".join(sentences))
    paragraphs.insert(2, f"\u201cWe expect {rng.randint(2, 9)} more weeks of work,\u201d the district engineer said.")
    table = [["District", "Closed roads"]] + [[p, str(rng.randint(1, 40))] for p in rng.sample(PLACES, 3)]
    headline = f"{rng.choice(SUBJECTS).capitalize()} in {rng.choice(PLACES)} under review"
    return headline, paragraphs, table


def page(rng: random.Random, layout: int) -> tuple[str, str]:
    """(HTML, gold text) of one page."""
    headline, paragraphs, table = article(rng)
    rows = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in table)
    body = ("".join(f"<p>{p}</p>" for p in paragraphs[:3]) + f"<table>{rows}</table>"
            + "".join(f"<p>{p}</p>" for p in paragraphs[3:]))
    head = f"<h1>{headline}</h1><p class='byline'>By Mara Quell, 12 March 2026</p>"
    wrappers = [f"<article>{head}{FURNITURE['share']}<div class='article-body'>{body}</div></article>",
                f"<main><div class='story-header'>{head}</div>{FURNITURE['share']}"
                f"<div class='story-text'>{body}</div></main>",
                f"<div id='wrap'><div class='col-left'>{head}{body}</div></div>"]
    html = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{headline}</title></head><body>"
            f"{FURNITURE['menu']}{wrappers[layout]}{FURNITURE['related']}{FURNITURE['newsletter']}"
            f"{FURNITURE['comments']}{FURNITURE['footer']}</body></html>")
    gold = "\n".join([headline, *paragraphs, *(" ".join(row) for row in table)])
    return html, gold


SETTINGS = {
    "best (no comments, tables, neither precision nor recall)":
        dict(include_comments=False, include_tables=True, favor_precision=False),
    "favor_precision": dict(include_comments=False, include_tables=True, favor_precision=True),
    "tables off": dict(include_comments=False, include_tables=False, favor_precision=False),
    "favor_precision, tables off (before)": dict(include_comments=False, include_tables=False, favor_precision=True),
    "trafilatura defaults (comments kept)": dict(),
}


def words(text: str | None) -> Counter:
    """Word counts, punctuation aside (a table's ``|`` separators are not words)."""
    return Counter(re.findall(r"\w+", text or ""))


def score(n_pages: int = 30, seed: int = 3) -> dict:
    """Word-level precision, recall and F1 of each setting over ``n_pages`` pages."""
    import trafilatura

    rng = random.Random(seed)
    pages = [page(rng, index % 3) for index in range(n_pages)]
    results = {}
    for name, settings in SETTINGS.items():
        found = expected = overlap = 0
        for html, gold in pages:
            got, want = words(trafilatura.extract(html, deduplicate=False, **settings)), words(gold)
            found, expected = found + sum(got.values()), expected + sum(want.values())
            overlap += sum((got & want).values())
        precision, recall = overlap / max(found, 1), overlap / max(expected, 1)
        results[name] = {"precision": round(precision, 3), "recall": round(recall, 3),
                         "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 3)}
    return {"pages": n_pages, "settings": results}


if __name__ == "__main__":
    import json

    print(json.dumps(score(), indent=2))
