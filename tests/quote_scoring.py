"""Scoring quotes against a gold JSONL dev set (``{text, published, quotes: [{quote, speaker,
start_char, end_char}]}``), until ``newsdesk evaluate --kind quotes`` does it.

Detection: a predicted quote matches a gold one when their character ranges overlap by at least
half of the longer range, one-to-one (greedy by overlap). Speaker: right for a matched quote when
the predicted speaker phrase and the gold speaker agree leniently (same words once articles and
possessives are dropped, or one holds the other's last word: "Helen Marsh" ~ "Marsh").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

GOLD = Path(__file__).parent / "gold" / "quotes_dev.jsonl"


def read_gold(path: Path = GOLD) -> list[dict]:
    """The passages of a gold JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _words(name: str | None) -> list[str]:
    if not name:
        return []
    words = re.sub(r"['\u2019]s\b", "", name.lower()).replace(",", " ").split()
    return [w for w in words if w not in {"the", "a", "an"}]


def same_speaker(predicted: str | None, gold: str) -> bool:
    """Lenient speaker agreement (see the module docstring)."""
    p, g = _words(predicted), _words(gold)
    return bool(p and g) and (p == g or g[-1] in p or p[-1] in g)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared characters over the longer of two ranges."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / max(a[1] - a[0], b[1] - b[0], 1)


def match(gold: list[dict], predicted: list[dict], floor: float = 0.5) -> list[tuple[dict, dict]]:
    """One-to-one pairs (gold, predicted) overlapping by at least ``floor``, best first."""
    pairs = sorted(((overlap((g["start_char"], g["end_char"]), (p["start_char"], p["end_char"])), i, j)
                    for i, g in enumerate(gold) for j, p in enumerate(predicted)), reverse=True)
    used_g, used_p, matched = set(), set(), []
    for score, i, j in pairs:
        if score >= floor and i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            matched.append((gold[i], predicted[j]))
    return matched


def score(passages: list[dict], predictions: list[list[dict]]) -> dict:
    """Detection precision, recall, F1 and speaker accuracy over matched quotes.

    ``predictions`` holds, per passage, the predicted quote records (``start_char``,
    ``end_char``, ``speaker_text``).
    """
    n_gold = sum(len(p["quotes"]) for p in passages)
    n_pred = sum(len(p) for p in predictions)
    matched = [pair for passage, pred in zip(passages, predictions, strict=True)
               for pair in match(passage["quotes"], pred)]
    right = sum(same_speaker(p["speaker_text"], g["speaker"]) for g, p in matched)
    precision = len(matched) / n_pred if n_pred else 0.0
    recall = len(matched) / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"gold": n_gold, "predicted": n_pred, "matched": len(matched), "precision": precision,
            "recall": recall, "f1": f1, "speaker_accuracy": right / len(matched) if matched else 0.0}
