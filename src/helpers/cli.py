"""The ``newsdesk`` command line: ``newsdesk run``, ``newsdesk params`` and ``newsdesk evaluate``."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from . import paths

DESCRIPTION = """\
Newsdesk: a research workspace for news text. Drop articles (txt, md, html, jsonl, csv)
into a folder and run the three notebooks on them: cleaning, entity extraction, charts.
Tables go to data/processed/<name>/, the report to reports/<run-id>/index.html."""

RUN_EPILOG = """\
examples:
  newsdesk run                                  # the sample corpus, data/raw/sample
  newsdesk run --raw ~/articles --name gaza     # your own folder
  newsdesk run -p quotes=false -p events=false  # NER only: the fastest run
  newsdesk run -p near_duplicate_threshold=0.8 -p top_n=20

Parameters are the notebooks' own (see `newsdesk params`); an unknown name, a value of
the wrong type or out of range (batch_size=0, engine=spark, a model that is not installed)
is an error before anything runs, one line per bad value. --name is one folder name:
letters, digits, '-', '_' and '.'. Exit status: 0 on success, 1 when a notebook fails (the
executed notebook is kept in the run folder; data/processed/<name> keeps the last
successful run's tables), 2 on bad arguments, 3 when another run holds the same --name."""

EVALUATE_EPILOG = """\
kinds and gold formats:
  conll    CoNLL-2003-style file: 'token ... TAG' per line (IOB1 or IOB2), blank line between
           sentences, -DOCSTART- between documents; exact-span NER P/R/F1 per PER/ORG/LOC/MISC
  timeml   a folder of TimeML .tml files (DCT + TIMEX3 type/value); TempEval-3 strict and
           relaxed span P/R/F1, type and value accuracy and F1
  quotes   JSONL, one {"text", "published", "quotes": [{"quote", "speaker", "start_char",
           "end_char"}]} a line; detection P/R/F1 (>= 50 % overlap) and speaker accuracy
  events   CSV in ACLED's layout (notes, event_date, event_type, sub_event_type, actor1, actor2,
           location, admin1); per note: event type, actors, location, date accuracy

examples:
  newsdesk evaluate --gold my_ner.conll --kind conll
  newsdesk evaluate --gold timeml/ --kind timeml --out reports/evaluations/timeml-dev.json

The figures are printed and written as JSON (with every miss, for reading) to
reports/evaluations/<kind>-<UTC time>.json. Exit status: 0 on success, 2 on a missing or
ill-formed gold file (the message names the file and line)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run", help="run the three notebooks on a folder of articles and build the report",
        description="Execute notebooks/01_clean, 02_entities and 03_charts with papermill, "
                    "then write reports/<run-id>/ (executed notebooks, their HTML without code, "
                    "figures, manifest.json, index.html).",
        epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--raw", type=Path, default=paths.raw_dir(paths.DEFAULT_CORPUS),
                     help="folder of articles, searched recursively (default: data/raw/sample)")
    run.add_argument("--name", help="corpus name for data/processed/<name>/ and the run id "
                                    "(default: the raw folder's name)")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="KEY=VALUE",
                     dest="parameters", help="set a notebook parameter; repeatable")
    run.add_argument("--reports", type=Path, default=paths.REPORTS,
                     help="where run folders go (default: reports/)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument("--wait", action="store_true",
                     help="when another run holds the same --name, wait for it instead of exiting")
    commands.add_parser("params", help="list every notebook parameter with its type, default "
                                       "and meaning")
    evaluate = commands.add_parser(
        "evaluate", help="score Newsdesk against your own gold annotations",
        description="Analyse the texts of a gold file with Newsdesk and print precision, recall and "
                    "F1 (per label or type where it applies) against the gold annotations.",
        epilog=EVALUATE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    evaluate.add_argument("--gold", type=Path, required=True, help="gold file (a folder for timeml)")
    evaluate.add_argument("--kind", required=True, choices=["conll", "timeml", "quotes", "events"],
                          help="format of the gold and what is scored")
    evaluate.add_argument("--model", help="spaCy pipeline (default: the 02_entities notebook's)")
    evaluate.add_argument("--out", type=Path, help="JSON file to write, or a folder for it "
                                                   "(default: reports/evaluations/)")
    evaluate.add_argument("--fuzzy-threshold", type=float, default=90.0,
                          help="events: rapidfuzz token_set_ratio (0-100) from which names match "
                               "(default: 90)")
    return parser


def evaluate_command(args) -> int:
    """``newsdesk evaluate``: score, print the table, write the JSON report."""
    from . import evaluate

    try:
        result = evaluate.evaluate(args.kind, args.gold.expanduser(),
                                   options=evaluate.analysis_options(args.model),
                                   fuzzy_threshold=args.fuzzy_threshold)
    except evaluate.GoldError as error:
        print(f"newsdesk evaluate: error: gold file {error}", file=sys.stderr)
        return 2
    print(evaluate.format_table(result))
    print(f"\nreport: {evaluate.write_report(result, args.out)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "evaluate":
        return evaluate_command(args)
    # nbformat imports jsonschema, which compiles 38 grammars at import for its optional IRI
    # format check when rfc3987_syntax is installed: 1.3 s of every run. Notebooks hold no
    # IRIs to check, so this process goes without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    from . import run as runner

    if args.command == "params":
        for parameter in runner.declared_parameters().values():
            where = ", ".join(nb.removesuffix(".ipynb") for nb in parameter.notebooks)
            print(f"{parameter.name}: {parameter.type} = {parameter.default}   [{where}]")
            if parameter.help:
                print(textwrap.indent(textwrap.fill(parameter.help, 76), "    "))
        return 0
    from .runlock import CorpusBusy

    try:
        overrides = runner.parse_overrides(args.parameters, runner.declared_parameters())
        run_dir = runner.run(args.raw, args.name, overrides, reports_dir=args.reports.expanduser().resolve(),
                             progress=not args.no_progress, wait=args.wait)
    except runner.ParameterError as error:
        parser.exit(2, f"newsdesk run: error: {error}\n")
    except CorpusBusy as error:
        print(f"newsdesk run: {error}", file=sys.stderr)
        return 3
    except runner.NotebookFailed as error:
        print(f"newsdesk run: {error}", file=sys.stderr)
        return 1
    print(f"report: {run_dir / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
