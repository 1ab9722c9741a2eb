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
  quoted words; split by length (up to three words, or longer);
  in reported speech, the prediction either sits between a pair of marks (a partial or mixed
  quote: *called it "a disaster"*) or does not (marks paired wrongly).
missed (a gold quote matching no prediction):
  ``boundary``: a prediction overlaps it, but too little;
  ``no closing mark in the paragraph`` (multi-paragraph quotes and run-on paragraphs);
  ``straight marks``, ``cue is "according to"``, ``no speech verb`` (a colon or dash cue), other.
speaker (a matched quote with the wrong speaker):
  ``gold pronoun`` (PolNeAR gives the pronoun, the prediction names someone: possibly right);
  ``gold source is a cue word`` (PolNeAR's Source and Cue swapped: "said Brandt");
  ``predicted name inside a longer gold source`` ("Lena Brandt" for "Lena Brandt, a former
  official"): right, but the scorer wants the gold's words inside the prediction;
  ``no predicted speaker``; ``predicted name is inside the quote``; ``descriptive gold source``
  (no capitalised word: "a spokesman", "officials"); ``other name``.
Speaker accuracy over matched quotes whose gold speaker is not a pronoun is printed too, with a
predicted name inside a longer gold source counted right, and split by context: where the
speaker stands (before or after the quote, another paragraph, a colon or dash) and how the quote
ends (a comma, or a full stop, question or exclamation mark before the closing mark).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from helpers import evaluate

import polnear

CUE_WORDS = {"said", "says", "told", "added", "wrote"}
LENIENT = "predicted name inside a longer gold source (right speaker, scorer too strict)"


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
    marked = text[where[0] - 1:where[0]] in polnear.MARKS and text[where[1]:where[1] + 1] in polnear.MARKS
    size = "up to 3 words" if words(text[slice(*where)]) <= 3 else "4 words or more"
    for attribution in annotation:
        if polnear.kind_of(text, attribution) == "direct":
            continue
        if any(overlap(where, c) for c in attribution.contents):
            if not marked:
                return "reported speech, span not between a pair of marks (marks paired wrongly)"
            return f"quoted words inside reported speech (partial/mixed quote), {size}"
        if any(overlap(where, s) for s in attribution.sources + attribution.cues):
            return "inside source or cue"
    return f"not an attribution (title, name, scare quote), {size}"


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


def within(name: str, source: str) -> bool:
    """True when every word of ``name`` is a word of the gold ``source`` ("Lena Brandt" in
    "Lena Brandt, a former city official"); pronouns never are."""
    name_words = evaluate.normalise(name).split()
    return bool(name_words) and " ".join(name_words) not in polnear.PRONOUNS \
        and set(name_words) <= set(evaluate.normalise(source).split())


def speaker_pattern(error: dict, gold: dict | None) -> str:
    predicted = [p for p in error.get("predicted") or [] if p]
    if gold and gold.get("pronoun"):
        return "gold pronoun"
    if not predicted:
        return "no predicted speaker"
    if error["gold"] is None:
        return "gold has no source"
    if error["gold"].casefold() in CUE_WORDS:
        return "gold source is a cue word (annotation slip)"
    if within(predicted[0], error["gold"]):
        return "predicted name inside a longer gold source (right speaker, scorer too strict)"
    if any(p.casefold() in error["quote"].casefold() for p in predicted):
        return "predicted name is inside the quote"
    if not re.search(r"\b[A-Z]", error["gold"]):
        return "descriptive gold source"
    return "other name"


def context(text: str, quote: dict) -> tuple[str, str]:
    """Where the gold speaker is (``before``/``after`` the quote, ``in another paragraph``,
    ``none``) and how the quote ends (comma, full stop, question, exclamation, other)."""
    start, end = quote["start_char"], quote["end_char"]
    if quote["speaker"] is None:
        where = "no source"
    elif quote["speaker_start"] >= end:
        where = "after" + (", another paragraph" if "\n" in text[end:quote["speaker_start"]] else "")
    elif quote["speaker_end"] <= start:
        where = "before" + (", another paragraph" if "\n" in text[quote["speaker_end"]:start] else "")
    else:
        where = "between the parts of the quote"
    cue = quote.get("cue") or ""
    if "\u2015" in cue or "\u2014" in cue:
        where += " (dash, no verb)"
    elif cue.rstrip().endswith(":") or text[max(0, start - 3):start].rstrip(" \u201c\"").endswith(":"):
        where += " (colon)"
    ending = {",": "comma", ".": "full stop", "?": "question mark", "!": "exclamation mark"}.get(text[end - 1], "other")
    return where, ending


def speaker_table(gold: dict, statuses: dict) -> dict[tuple[str, str], Counter]:
    """(speaker position, quote ending) → Counter of ``right``/``wrong``/``none``/``missed``
    over named (not pronoun) gold speakers; ``statuses`` maps (doc_id, quote) to a status,
    quotes not in it are right."""
    table: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for doc_id, record in gold.items():
        for quote in record["quotes"]:
            if quote["pronoun"]:
                continue
            table[context(record["text"], quote)][statuses.get((doc_id, quote["quote"]), "right")] += 1
    return table


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
    statuses: dict[tuple[str, str], str] = {}
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
                statuses[(doc_id, error["quote"])] = "missed"
                groups["missed"][missed_pattern(quote, predicted, text)].append(
                    f"{error['quote']}  [speaker: {error['speaker']}; cue: {quote.get('cue')}]")
            elif error["error"] == "speaker":
                quote = quotes.get(error["quote"])
                pattern = speaker_pattern(error, quote)
                if pattern != LENIENT:
                    statuses[(doc_id, error["quote"])] = "no speaker" if not error["predicted"] else "wrong"
                named_wrong += pattern not in ("gold pronoun", LENIENT) and error["gold"] is not None
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
               "speaker right among them, counting a name inside a longer source": named_matched - named_wrong}
    return {"summary": summary, "by context": speaker_table(gold, statuses),
            **{k: dict(v) for k, v in groups.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", type=Path, help="the PolNeAR split folder the gold was made from")
    parser.add_argument("--gold", type=Path, required=True, help="the JSONL written by benchmarks/polnear.py")
    parser.add_argument("--result", type=Path, required=True, help="the JSON written by newsdesk evaluate")
    parser.add_argument("--examples", type=int, default=4, help="examples printed per pattern")
    args = parser.parse_args(argv)
    analysis = analyse(args.split, args.gold, args.result)
    print(json.dumps(analysis["summary"]))
    print("\n== speaker of named gold speakers by context (a name inside a longer source counts right)")
    for (where, ending), counts in sorted(analysis["by context"].items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        matched = total - counts["missed"]
        share = f"{counts['right'] / matched:.0%}" if matched else "-"
        print(f"  {where:45} {ending:17} n={total:4} right {counts['right']:4} ({share:>4}) "
              f"no speaker {counts['no speaker']:3} wrong {counts['wrong']:3} missed {counts['missed']:3}")
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
