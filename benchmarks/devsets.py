"""Newsdesk on development sets kept outside the repository: ``newsdesk evaluate`` on each.

    python benchmarks/devsets.py [--devdata /work/devdata] [--model en_core_web_sm] [--only conll,timeml]

Looks in the development folder for

* ``conll2003/*.conll``: CoNLL-2003-style files (the train or testa split; ``kind conll``);
* ``timebank/``: TimeML ``.tml`` files, e.g. TimeBank or AQUAINT from TempEval-3's training data
  (``kind timeml``);
* ``quotes/*.jsonl`` and ``events/*.csv``: hand-coded quotes and events in the formats of
  ``newsdesk evaluate``.

Held-out test sets are refused by name (CoNLL-2003 testb, TempEval-3 platinum, anything called
"test"): they are what the project is judged on and must never shape it. Every score is printed
and written, with the misses, to ``reports/evaluations/``; a summary of the headline figures goes
to ``benchmarks/results/devsets-<time>.json``. Nothing from the development folder is copied into
the repository.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from helpers import evaluate

HERE = Path(__file__).resolve().parent
HELD_OUT = re.compile(r"testb|platinum|(^|[^a-z])test([^a-z]|$)", re.IGNORECASE)
SETS = {  # kind → how to find its gold under the development folder
    "conll": lambda root: sorted((root / "conll2003").glob("*.conll")),
    "timeml": lambda root: [root / "timebank"] if (root / "timebank").is_dir() else [],
    "quotes": lambda root: sorted((root / "quotes").glob("*.jsonl")),
    "events": lambda root: sorted((root / "events").glob("*.csv")),
}


def development_sets(root: Path, kinds: list[str]) -> list[tuple[str, Path]]:
    """``(kind, gold path)`` for each development set under ``root``; refuses held-out sets."""
    found = [(kind, path) for kind in kinds for path in SETS[kind](root)]
    for _, path in found:
        for name in [path, *(path.rglob("*") if path.is_dir() else [])]:
            if HELD_OUT.search(name.name):
                raise SystemExit(f"devsets: {name} looks like a held-out test set; move it out of {root}")
    return found


def headline(result: dict) -> dict:
    """The first P/R/F1 row and every accuracy of a result, rounded for the summary."""
    first = next(iter(result["prf"].items()), None)
    summary = {}
    if first:
        name, scores = first
        summary[name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}
    summary |= {name: round(a["accuracy"], 4) for name, a in result.get("accuracy", {}).items()}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devdata", type=Path, default=Path("/work/devdata"),
                        help="folder of development sets (default: /work/devdata)")
    parser.add_argument("--model", help="spaCy pipeline (default: the 02_entities notebook's)")
    parser.add_argument("--only", default=",".join(evaluate.KINDS),
                        help="comma-separated kinds to run (default: all)")
    args = parser.parse_args(argv)
    kinds = [k for k in args.only.split(",") if k]
    unknown = set(kinds) - set(evaluate.KINDS)
    if unknown:
        parser.error(f"unknown kind(s) {', '.join(sorted(unknown))}")
    sets = development_sets(args.devdata, kinds)
    if not sets:
        parser.error(f"no development sets under {args.devdata}")
    options = evaluate.analysis_options(args.model)
    summary = {"model": args.model or "default", "sets": {}}
    for kind, path in sets:
        result = evaluate.evaluate(kind, path, options=options)
        print(evaluate.format_table(result))
        print(f"report: {evaluate.write_report(result)}\n")
        summary["sets"][f"{kind}:{path.name}"] = headline(result)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = HERE / "results" / f"devsets-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"summary: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
