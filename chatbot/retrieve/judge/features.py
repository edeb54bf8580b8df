"""Features of a (question, passage) pair for the judge: embedding interactions plus a few lexical signals.

The judge reads the frozen MiniLM vectors the app already has (the question's, and the passage's from the
index) and adds what embeddings blur: how many of the question's words and numbers the passage holds, an
attribute's name against the question, the passage's kind (a review is an opinion, an attribute a fact),
and the question's shape (yes/no, how many, what size). Everything here is cheap: no model runs.
"""

from __future__ import annotations

import math
import re

import numpy as np
import Stemmer

# the kinds the judge tells apart; the store's own prose (policy, FAQ, help) reads like a description, and the
# public training data has only these four
SOURCES = ("description", "attribute", "review", "community_answer")

_SHAPES = (("yes_no", r"^(?:is|are|does|do|did|can|could|will|would|should|has|have|was|were)\b"),
           ("how_many", r"\bhow (?:many|much)\b"), ("size", r"\b(?:size|big|small|tall|long|wide|dimension|"
                                                           r"inch|inches|measure|fit|fits|height|width|weigh)"),
           ("age", r"\b(?:age|ages|old|year|years|toddler|kid|kids)\b"), ("when", r"\b(?:when|how long)\b"),
           ("what", r"^(?:what|which)\b"), ("how", r"^how\b"), ("compat", r"\b(?:work|works|compatible|fit|with)\b"),
           ("material", r"\b(?:made|material|plastic|metal|wood|fabric)\b"),
           ("power", r"\b(?:batter|charge|power|plug|volt|usb)"))
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_STOP = frozenset("a an and are as at be but by can do does did for from has have how i if in into is it its of "
                  "on or our so that the their them then there these they this to was we were what when where "
                  "which who will with you your my me would could should any some just does doe".split())
_STEMMER = Stemmer.Stemmer("english")
SCALARS = 13 + len(SOURCES) + len(_SHAPES)  # the features after the three vector blocks


def content_stems(text: str) -> set[str]:
    return set(_STEMMER.stemWords([w for w in _WORD.findall(text.lower()) if w not in _STOP]))


def attribute_name(passage: str, source: str) -> str:
    """An attribute passage's name ("compatible devices" in "compatible devices: apple ipad"), else ""."""
    head, sep, _ = passage[:80].partition(":")
    return head.replace("_", " ").strip() if source == "attribute" and sep else ""


def scalar_features(question: str, passage: str, source: str, cosine: float, name_cosine: float = 0.0) -> np.ndarray:
    """The lexical, kind and shape features of one pair (``SCALARS`` values, each roughly in [0, 1]).
    ``name_cosine`` is the question's cosine with an attribute's name alone ("voltage" for "how many volts")."""
    q_words, p_words = content_stems(question), content_stems(passage)
    shared = q_words & p_words
    q_numbers, p_numbers = set(_NUMBER.findall(question)), set(_NUMBER.findall(passage))
    name = passage.split(":", 1)[0] if source == "attribute" and ":" in passage[:60] else ""
    name_words = content_stems(name.replace("_", " "))
    lowered = question.lower().strip()
    values = [
        cosine,
        name_cosine,
        len(shared) / len(q_words) if q_words else 0.0,
        len(shared) / len(p_words) if p_words else 0.0,
        min(len(shared), 5) / 5,
        len(q_numbers & p_numbers) / len(q_numbers) if q_numbers else 0.0,
        1.0 if q_numbers else 0.0,
        1.0 if p_numbers else 0.0,
        len(name_words & q_words) / len(name_words) if name_words else 0.0,
        min(math.log1p(len(passage)) / 8, 1.5),
        min(math.log1p(len(question)) / 6, 1.5),
        1.0 if "?" in passage else 0.0,
        1.0 if question.count("?") > 1 else 0.0,
        *(1.0 if (source if source in SOURCES else "description") == s else 0.0 for s in SOURCES),
        *(1.0 if re.search(pattern, lowered) else 0.0 for _, pattern in _SHAPES),
    ]
    return np.asarray(values, dtype=np.float32)


def pair_features(question: str, question_vector: np.ndarray, passages: list[str], passage_vectors: np.ndarray,
                  sources: list[str], name_vectors: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """One row per passage: [q, q*p, |q-p|, scalars]; vectors are unit length, so q.p is the cosine.
    ``name_vectors`` holds the vectors of attribute names (``attribute_name``); a name missing from it counts 0."""
    if not passages:
        return np.zeros((0, 3 * len(question_vector) + SCALARS), dtype=np.float32)
    q = np.asarray(question_vector, dtype=np.float32)[None, :]
    p = np.asarray(passage_vectors, dtype=np.float32)
    cosines = p @ q[0]
    names = name_vectors or {}
    scalars = np.stack([scalar_features(question, text, source, float(c), _name_cosine(q[0], text, source, names))
                        for text, source, c in zip(passages, sources, cosines)])
    return np.concatenate([np.repeat(q, len(p), axis=0), q * p, np.abs(q - p), scalars], axis=1)


def _name_cosine(question_vector: np.ndarray, passage: str, source: str, names: dict[str, np.ndarray]) -> float:
    vector = names.get(attribute_name(passage, source))
    return float(vector @ question_vector) if vector is not None else 0.0
