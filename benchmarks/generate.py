"""A synthetic news corpus of any size, composed from sentence templates written for Newsdesk.

``python benchmarks/generate.py OUT --n 1000`` writes N ``.txt`` articles with YAML front matter.
Sentences combine fictional actors, real places, dates, numbers and quotes, so every stage has
work: entities and variants, relative dates, quotes, events. The same seed gives the same corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

GROUPS = ["the Brigades of the Northern Dawn", "Saraya al-Waad", "Saraya al-Wa'ad", "the Falcons of the Valley",
          "Liwa al-Sahil", "the Eastern Shield Movement"]
PEOPLE = ["Abu Laith al-Karkhi", "General Ray Callum", "Defence Minister Samir Haddad", "spokesman Tariq Nouri",
          "Colonel Dana Price", "Foreign Minister Leila Mansour", "commander Abu Yasser al-Ani"]
PLACES = ["Baghdad", "Mosul", "Erbil", "Basra", "Kirkuk", "Deir ez-Zor", "Aleppo", "Amman", "Beirut", "Sanaa",
          "Aden", "Tikrit", "Fallujah", "Homs", "Raqqa"]
CAPITALS = ["Washington", "Tehran", "Baghdad", "Ankara", "Damascus", "Moscow"]
OUTLETS = ["Valley Ledger", "Tigris Notes", "Harbour Post", "Desert Courier", "Northern Wire"]
DATES = ["on Monday", "on Tuesday", "last Friday", "early last week", "last month", "on Oct. 3", "two days ago",
         "this weekend", "late last week", "on Sunday night"]

SENTENCES = [
    "{group} said it carried out a drone attack on a base near {place} {date}.",
    "A US drone strike killed a senior commander of {group} near {place} {date}, officials said.",
    "{capital} said {date} that it would respond to any attack on its forces.",
    "Police arrested {n} suspects in {place} {date} over a roadside bombing.",
    "Hundreds of people protested in {place} {date} against power cuts and rising prices.",
    "Fighters of {group} clashed with government forces outside {place} {date}.",
    "\u201cWe will not accept threats against our people,\u201d {person} said.",
    "{person} told reporters in {place} that talks would resume {date}.",
    "\"The situation remains tense,\" {person} said, \"but the ceasefire is holding.\"",
    "There have been more than {n} attacks on bases in the region since {month}.",
    "{capital} and {capital2} agreed to restart negotiations on a prisoner exchange {date}.",
    "{group} threatened to target convoys on the highway between {place} and {place2}.",
    "According to {person}, at least {n} people were wounded in the explosion in {place}.",
    "The United Nations called for calm after the shelling of {place} {date}.",
]
MONTHS = ["January", "March", "May", "July", "September"]


def article(rng: random.Random, index: int, start: dt.date) -> str:
    """One article: front matter and 6–12 sentences in 2–4 paragraphs."""
    published = start + dt.timedelta(days=rng.randrange(90))
    sentences = []
    for _ in range(rng.randint(6, 12)):
        template = rng.choice(SENTENCES)
        capital, capital2 = rng.sample(CAPITALS, 2)
        place, place2 = rng.sample(PLACES, 2)
        sentences.append(template.format(
            group=rng.choice(GROUPS), person=rng.choice(PEOPLE), place=place, place2=place2,
            capital=capital, capital2=capital2, date=rng.choice(DATES), n=rng.randint(2, 200),
            month=rng.choice(MONTHS)))
    sentences[0] = sentences[0][0].upper() + sentences[0][1:]
    paragraphs, position = [], 0
    while position < len(sentences):
        size = rng.randint(2, 4)
        paragraphs.append(" ".join(sentences[position:position + size]))
        position += size
    headline = sentences[0].split(",")[0].rstrip(".")[:90]
    return (f'---\ntitle: "{headline.replace(chr(34), chr(39))}"\npublished: {published.isoformat()}\n'
            f"source: {rng.choice(OUTLETS)}\nurl: https://news.example/{index}\n---\n"
            + "\n\n".join(paragraphs) + "\n")


def generate(folder: Path, n: int, seed: int = 1, start_index: int = 0) -> list[Path]:
    """Write articles ``start_index .. start_index + n - 1`` into ``folder``; returns their paths.

    Article ``i`` is the same whatever ``n`` is, so a corpus can grow by appending new indices.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(start_index, start_index + n):
        rng = random.Random(seed * 1_000_003 + index)
        path = folder / f"{index // 1000:03d}" / f"article-{index:07d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(article(rng, index, dt.date(2025, 1, 1)), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the articles into")
    parser.add_argument("--n", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.n, args.seed)
    print(f"{args.n} articles in {args.out}")


if __name__ == "__main__":
    main()
