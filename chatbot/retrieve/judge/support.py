"""The judge's second head: does the cited passage support this answer sentence, or say the opposite?

The embedding check in ``grounding`` keeps a sentence whose words and numbers appear in its source, even when
it says the opposite ("Yes, you can return a gift card." against "Gift cards are final sale and can't be
returned."). This head reads the sentence against the passage's sentences: the closest one of the same
polarity and the closest one of the opposite polarity (negations, "final sale", "non-refundable" count),
whether the claim's subject (its first content words) is in the aligned sentence, numbers on either side,
an unconditional claim ("always", "every", "free") against a conditional source ("only", "over", "if"),
a condition dropped, and "after" said where the source says "before" (more/less, over/under, ...). A logistic regression over those features, trained by ``python -m chatbot train`` on hetPQA's
reference answers (supported) and their negated, renumbered and mismatched versions, and on semiPQA
attribute sentences; its coefficients live in the judge's ``meta.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from chatbot.retrieve.judge.features import content_stems

_NEGATIVE = re.compile(r"\b(?:no|not|never|cannot|none|nothing|nor|without|final sale|non-?\w+|excluded|"
                       r"ineligible|unavailable|neither)\b|n't\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:only|if|unless|except|over|above|at least|when|within|up to|under|below)\b",
                        re.IGNORECASE)
_UNIVERSAL = re.compile(r"\b(?:always|every|all|any|each|everything|anything|free|whatever)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_FIRST_WORDS = re.compile(r"[a-z0-9]+")
OPPOSITES = (("before", "after"), ("more", "less"), ("over", "under"), ("above", "below"), ("minimum", "maximum"),
             ("earlier", "later"), ("included", "not included"), ("available", "unavailable"))
NAMES = ("best", "same_polarity", "opposite_polarity", "opposite_minus_same", "aligned_flips_polarity",
         "covered_by_passage", "covered_by_aligned", "subject_in_aligned", "numbers_in_passage",
         "aligned_numbers_missing", "universal_vs_condition", "dropped_condition", "swapped_opposite", "leads_yes",
         "leads_no", "bias")


def negative(text: str) -> bool:
    """Whether a sentence says no (negation, "final sale", "non-refundable", ...). "No." alone counts too."""
    return bool(_NEGATIVE.search(text))


def _subject(sentence: str) -> set[str]:
    """The claim's subject, roughly: the first two content words after a leading yes/no."""
    body = re.sub(r"^\s*(?:yes|no)\b[,.!]?\s*", "", sentence, flags=re.IGNORECASE)
    words = [w for w in _FIRST_WORDS.findall(body.lower()) if content_stems(w)]
    return content_stems(" ".join(words[:2]))


def support_features(sentence: str, vector: np.ndarray, passage: list[str], vectors: np.ndarray) -> np.ndarray:
    """The features of (answer sentence, cited passage split in sentences with their unit vectors)."""
    if not passage or not len(vectors):
        return np.zeros(len(NAMES), dtype=np.float32)
    similarity = np.asarray(vectors) @ np.asarray(vector)
    says_no = negative(sentence)
    polarity = np.array([negative(p) for p in passage])
    same = similarity[polarity == says_no]
    opposite = similarity[polarity != says_no]
    best = int(np.argmax(similarity))
    aligned = passage[best]
    words, aligned_words = content_stems(sentence), content_stems(aligned)
    every_word = content_stems(" ".join(passage))
    numbers = set(_NUMBER.findall(sentence))
    aligned_numbers = set(_NUMBER.findall(aligned))
    all_numbers = set(_NUMBER.findall(" ".join(passage)))
    subject = _subject(sentence)
    same_best = float(same.max()) if len(same) else 0.0
    opposite_best = float(opposite.max()) if len(opposite) else 0.0
    values = [
        float(similarity[best]), same_best, opposite_best, opposite_best - same_best,
        float(polarity[best] != says_no),
        len(words & every_word) / len(words) if words else 0.0,
        len(words & aligned_words) / len(words) if words else 0.0,
        len(subject & aligned_words) / len(subject) if subject else 1.0,
        len(numbers & all_numbers) / len(numbers) if numbers else 1.0,
        float(bool(aligned_numbers - numbers) and bool(numbers)),
        float(bool(_UNIVERSAL.search(sentence)) and bool(_CONDITION.search(aligned))
              and not _CONDITION.search(sentence)),
        float(bool(_CONDITION.search(aligned)) and not _CONDITION.search(sentence)),
        float(_swapped(sentence.lower(), aligned.lower())),
        float(bool(re.match(r"\s*yes\b", sentence, re.IGNORECASE))),
        float(bool(re.match(r"\s*no\b", sentence, re.IGNORECASE))),
        1.0,
    ]
    return np.asarray(values, dtype=np.float32)


def _swapped(sentence: str, aligned: str) -> bool:
    """The sentence says "after" where the source says "before" (or more/less, over/under, ...) and not the same."""
    for a, b in OPPOSITES:
        for said, other in ((a, b), (b, a)):
            if re.search(rf"\b{said}\b", sentence) and re.search(rf"\b{other}\b", aligned) \
                    and not re.search(rf"\b{said}\b", aligned):
                return True
    return False


@dataclass
class SupportHead:
    """P(the passage supports the sentence) = logistic(features . coefficients)."""

    coefficients: np.ndarray
    threshold: float = 0.5

    @classmethod
    def from_meta(cls, meta: dict | None) -> "SupportHead | None":
        if not meta or len(meta.get("coefficients", [])) != len(NAMES):
            return None
        return cls(np.asarray(meta["coefficients"], dtype=np.float32), float(meta.get("threshold", 0.5)))

    def probability(self, sentence: str, vector: np.ndarray, passage: list[str], vectors: np.ndarray) -> float:
        z = float(support_features(sentence, vector, passage, vectors) @ self.coefficients)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def supports(self, sentence: str, vector: np.ndarray, passage: list[str], vectors: np.ndarray) -> bool:
        return self.probability(sentence, vector, passage, vectors) >= self.threshold
