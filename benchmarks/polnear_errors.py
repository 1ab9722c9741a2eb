"""Group the errors of ``newsdesk evaluate --kind quotes`` on PolNeAR gold into patterns.

    python benchmarks/polnear_errors.py /work/devdata/polnear/dev \\
        --gold /work/devdata/polnear/quotes-dev.jsonl --result /work/devdata/polnear/eval/dev.json

Reads the evaluation result (its ``errors``), the gold written by ``benchmarks/polnear.py`` and
the split's PolNeAR annotation, and prints each pattern with its count and a few examples
(``--examples``). The patterns come from what PolNeAR says about the text a prediction covers,
so they are reproducible rather than judged by eye:

spurious (a predicted quote matching no gold quote), by the first that applies:
  ``boundary``: it overlaps a gold direct quote, but less than half of the longer span;
  ``partial quote in reported speech``: it lies in the Content of a PolNeAR attribution that is
  not a direct quote (``it was "a disaster," he argued``);
  ``inside source or cue``: it lies in a Source or Cue span;
  ``not an attribution``: PolNeAR attributes it to no one: scare quotes, titles, nicknames,
  quoted words; split by length (up to three words, or longer).
missed (a gold quote matching no prediction):
  ``boundary``: a prediction overlaps it, but too little;
  ``no closing mark in the paragraph`` (multi-paragraph quotes and run-on paragraphs);
  ``straight marks``, ``cue is "according to"``, ``no speech verb`` (a colon or dash cue), other.
speaker (a matched quote with the wrong speaker):
  ``gold pronoun`` (PolNeAR gives the pronoun, the prediction names someone: possibly right);
  ``no predicted speaker``; ``predicted name is inside the quote``; ``descriptive gold source``
  (no capitalised word: "a spokesman", "officials"); ``other name``.
Speaker accuracy over matched quotes whose gold speaker is a name is printed too.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import polnear


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def locate(text: str, fragment: str, taken: set[int]) -> tuple[int, int] | None:
    """The first not yet used occurrence of ``fragment`` in ``text``."""
    start = text.find(fragment)
    while start >= 0 and start in taken:
        start = text.find(fragment, start + 1)
    if start < 0:
        return None
    taken.add(start)
    return start, start + len(fragment)


def words(fragment: str) -> int:
    return len(fragment.split())


def spurious_pattern(where: tuple[int, int], gold: list[dict], annotation, text: str) -> str:
    if any(overlap(where, (q["start_char"], q["end_char"])) for q in gold):
        return "boundary"
    for attribution in annotation:
        if polnear.kind_of(text, attribution) == "direct":
            continue
        if any(overlap(where, c) for c in attribution.contents):
            return f"partial quote in reported speech ({polnear.kind_of(text, attribution)} content)"
        if any(overlap(where, s) for s in attribution.sources + attribution.cues):
            return "inside source or cue"
    size = "up to 3 words" if words(text[slice(*where)]) <= 3 else "4 words or more"
    return f"not an attribution, {size}"


def missed_pattern(quote: dict, predicted: list[tuple[int, int]], text: str) -> str:
    where = (quote["start_char"], quote["end_char"])
    if any(overlap(where, p) for p in predicted):
        return "boundary"
    line_end = text.find("\n", quote["end_char"])
    line_end = len(text) if line_end < 0 else line_end
    tail = text[quote["end_char"]:line_end]
    if not re.search("[\u201d\"]", text[quote["end_char"] - 1:quote["end_char"] + 2] + tail[:3]):
        return "no closing mark at the end (quote runs on into the next paragraph)"
    before = text[max(0, quote["start_char"] - 2):quote["start_char"]]
    if '"' in before:
        return "straight marks"
    cue = (quote.get("cue") or "").casefold()
    if "according to" in cue:
        return 'cue is "according to"'
    if not re.search(r"[a-z]", cue):
        return "no speech verb (colon, dash or no cue)"
    return "other"


def speaker_pattern(error: dict, gold: dict | None) -> str:
    predicted = [p for p in error.get("predicted") or [] if p]
    if gold and gold.get("pronoun"):
        return "gold pronoun"
    if not predicted:
        return "no predicted speaker"
    if error["gold"] is None:
        return "gold has no source"
    if any(p.casefold() in error["quote"].casefold() for p in predicted):
        return "predicted name is inside the quote"
    if not re.search(r"\b[A-Z]", error["gold"]):
        return "descriptive gold source"
    return "other name"


def analyse(split: Path, gold_path: Path, result_path: Path) -> dict[str, dict[str, list[str]]]:
    """``{"spurious" | "missed" | "speaker": {pattern: [example, ...]}}`` plus summary counts."""
    polnear.refuse_test_split(split)
    gold = {r["doc_id"]: r for r in map(json.loads, gold_path.read_text(encoding="utf-8").splitlines())}
    result = json.loads(result_path.read_text(encoding="utf-8"))
    by_doc = defaultdict(list)
    for error in result["errors"]:
        by_doc[error["doc_id"]].append(error)
    groups: dict[str, dict[str, list[str]]] = {"spurious": defaultdict(list), "missed": defaultdict(list),
                                                "speaker": defaultdict(list)}
    named_wrong = 0
    for doc_id, errors in by_doc.items():
        record = gold[doc_id]
        text = record["text"]
        annotation = polnear.parse_ann(polnear.annotation_for(split, doc_id).read_text(encoding="utf-8"))
        taken: set[int] = set()
        spurious = [(e, locate(text, e["quote"], taken)) for e in errors if e["error"] == "spurious"]
        predicted = [where for _, where in spurious if where]
        for error, where in spurious:
            pattern = spurious_pattern(where, record["quotes"], annotation, text) if where else "not located"
            groups["spurious"][pattern].append(error["quote"])
        quotes = {q["quote"]: q for q in record["quotes"]}
        for error in errors:
            if error["error"] == "missed":
                quote = quotes[error["quote"]]
                groups["missed"][missed_pattern(quote, predicted, text)].append(
                    f"{error['quote']}  [speaker: {error['speaker']}; cue: {quote.get('cue')}]")
            elif error["error"] == "speaker":
                quote = quotes.get(error["quote"])
                pattern = speaker_pattern(error, quote)
                named_wrong += pattern != "gold pronoun" and error["gold"] is not None
                groups["speaker"][pattern].append(
                    f"gold {error['gold']!r} predicted {error['predicted']!r}: {error['quote']}")
    matched = result["accuracy"]["speaker of matched quotes"]["total"]
    right = result["accuracy"]["speaker of matched quotes"]["correct"]
    # Matched gold quotes with a named (not pronoun, not null) speaker: all gold quotes of that
    # sort minus the missed ones.
    named_gold = sum(1 for r in gold.values() for q in r["quotes"] if q["speaker"] and not q["pronoun"])
    named_missed = sum(1 for r in gold.values() for e in by_doc.get(r["doc_id"], [])
                       if e["error"] == "missed" and e["speaker"]
                       and e["speaker"].casefold() not in polnear.PRONOUNS)
    named_matched = named_gold - named_missed
    summary = {"matched": matched, "speaker right": right,
               "matched with a named gold speaker": named_matched,
               "speaker right among them": named_matched - named_wrong}
    return {"summary": summary, **{k: dict(v) for k, v in groups.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", type=Path, help="the PolNeAR split folder the gold was made from")
    parser.add_argument("--gold", type=Path, required=True, help="the JSONL written by benchmarks/polnear.py")
    parser.add_argument("--result", type=Path, required=True, help="the JSON written by newsdesk evaluate")
    parser.add_argument("--examples", type=int, default=4, help="examples printed per pattern")
    args = parser.parse_args(argv)
    analysis = analyse(args.split, args.gold, args.result)
    print(json.dumps(analysis["summary"]))
    for kind in ("spurious", "missed", "speaker"):
        total = sum(len(v) for v in analysis[kind].values())
        print(f"\n== {kind}: {total}")
        for pattern, examples in sorted(analysis[kind].items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(examples):4}  {pattern}")
            for example in examples[:args.examples]:
                print(f"          - {example[:160]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
