"""Name what shoppers ask about with phrases from their own questions: "return policy", "gift cards".

Questions are grouped by meaning: agglomerative clustering (scikit-learn) of their sentence embeddings,
so "Do you ship to Canada?" and "canada delivery time" meet. Each group is named by the keyphrase that
best matches it (KeyBERT over the same embedder), favouring a phrase its questions share, and a phrase
of several words over a lone word of it ("return policy" over "return"). A candidate phrase is one to
three words that neither starts nor ends with a function word or a filler ("one", "come", "available"),
so a topic is never a stray word that names nothing. Questions with no such phrase ("hi", "thanks!")
are put under ``NO_SUBJECT``.

It only groups and names questions; counting outcomes and storing them is ``storage``'s job.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from chatbot.common.words import stem
from chatbot.ingest.embedding import Embedder

NO_SUBJECT = "(no clear subject)"

# words that name no subject: the ways shoppers open, pad and close a question, beside English function words
_FILLER = set("""one ones come comes came get gets got getting available thing things way ways much many lot lots long
good great need needs want wants like tell know possible question questions help hi hello hey thanks thank please ok
okay yes sure item items something anything really make use using does did doing shall just also able let s""".split())
_STOP = frozenset(ENGLISH_STOP_WORDS) | _FILLER
# words that may stand inside a phrase, never at its ends: "shipping to canada", "cancel my order"
_LINKS = {"to", "for", "of", "in", "with", "on", "and", "my", "a", "an", "the", "your"}
_TOKEN = re.compile(r"[a-z][a-z0-9'-]*")


@dataclass
class Topic:
    name: str  # a phrase from the questions themselves, or NO_SUBJECT
    members: list[int]  # positions of its questions in the list that was grouped


def candidate_phrases(question: str) -> list[str]:
    """The one- to three-word phrases of ``question`` that could name its subject."""
    # "kid's" counts as "kid"; other contractions ("don't", "what's") are function words
    words = [w.removesuffix("'s") for w in _TOKEN.findall(question.lower())]
    phrases = []
    for size in (1, 2, 3):
        for start in range(len(words) - size + 1):
            gram = words[start:start + size]
            if gram[0] in _STOP or gram[-1] in _STOP or any("'" in w for w in gram):
                continue
            if any(w in _STOP and w not in _LINKS for w in gram[1:-1]):
                continue
            phrases.append(" ".join(gram))
    return phrases


def warm_up() -> None:
    """Import KeyBERT and the clustering now (about 3 s the first time, nothing after), so that the first
    dashboard with questions in it comes as quickly as the later ones."""
    import keybert  # noqa: F401
    import sklearn.cluster  # noqa: F401


class TopicFinder:
    """Groups questions by meaning and names each group; ``embedder`` is the project's sentence embedder."""

    def __init__(self, embedder: Embedder, max_distance: float = 0.5, max_distinct: int = 2000):
        """``max_distance``: cosine distance (average linkage) under which two groups merge; 0.5 keeps
        "shipping to canada" apart from "express shipping" while "return policy" and "start a return" meet.
        ``max_distinct``: the most distinct questions clustered (the commonest); the rest join the nearest group,
        so a busy month does not make the dashboard's clustering quadratic in every question ever asked."""
        if not 0 < max_distance < 2:
            raise ValueError(f"max_distance={max_distance!r} must be a cosine distance between 0 and 2, e.g. 0.5")
        self.embedder = embedder
        self.max_distance = max_distance
        self.max_distinct = max_distinct

    def group(self, questions: list[str]) -> list[Topic]:
        """Topics of ``questions``, largest first; every question is in exactly one."""
        keys = [" ".join(q.lower().split()) for q in questions]
        distinct = [k for k, _ in Counter(k for k in keys if candidate_phrases(k)).most_common()]
        topics: list[Topic] = []
        if distinct:
            labels, vectors = self._cluster(distinct)
            members: dict[int, list[int]] = {}
            for i, key in enumerate(keys):
                if key in labels:
                    members.setdefault(labels[key], []).append(i)
            groups = list(members.values())
            names = self._names([[keys[i] for i in g] for g in groups], vectors)
            topics = [Topic(name, g) for name, g in zip(names, groups)]
        unnamed = [i for i, k in enumerate(keys) if not candidate_phrases(k)]
        if unnamed:
            topics.append(Topic(NO_SUBJECT, unnamed))
        return sorted(topics, key=lambda t: (-len(t.members), t.name))

    def _cluster(self, distinct: list[str]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
        """A group number and an embedding for each distinct question."""
        from sklearn.cluster import AgglomerativeClustering

        clustered, rest = distinct[:self.max_distinct], distinct[self.max_distinct:]
        vectors = self.embedder.embed(clustered)
        if len(clustered) == 1:
            labels = np.zeros(1, dtype=int)
        else:
            labels = AgglomerativeClustering(n_clusters=None, distance_threshold=self.max_distance, metric="cosine",
                                             linkage="average").fit_predict(vectors)
        found, embedded = dict(zip(clustered, labels.tolist())), dict(zip(clustered, vectors))
        if rest:  # the long tail joins the group whose centre is nearest
            centres = _unit(np.stack([vectors[labels == g].mean(axis=0) for g in range(labels.max() + 1)]))
            tail = self.embedder.embed(rest)
            found.update(zip(rest, (tail @ centres.T).argmax(axis=1).tolist()))
            embedded.update(zip(rest, tail))
        return found, embedded

    def _names(self, groups: list[list[str]], vectors: dict[str, np.ndarray]) -> list[str]:
        """KeyBERT scores each group's candidate phrases against the group's centre; ``_best_phrase`` adds
        how many of the group's questions share a phrase, and prefers several words to one."""
        from keybert import KeyBERT
        from sklearn.feature_extraction.text import CountVectorizer

        distinct = [list(dict.fromkeys(g)) for g in groups]
        centres = _unit(np.stack([np.mean([vectors[q] for q in g], axis=0) for g in distinct]))
        # a group is one document of one question a line; phrases are taken line by line, never across two
        by_line = CountVectorizer(analyzer=lambda text: [p for q in text.split("\n") for p in candidate_phrases(q)])
        scored = KeyBERT(model=_keybert_backend(self.embedder)).extract_keywords(
            ["\n".join(g) for g in distinct], vectorizer=by_line, doc_embeddings=centres, top_n=15)
        if scored and isinstance(scored[0], tuple):  # KeyBERT answers one document with a flat list
            scored = [scored]
        return [_best_phrase(phrases, group) for phrases, group in zip(scored, groups)]


def _best_phrase(scored: list[tuple[str, float]], questions: list[str]) -> str:
    """The phrase with the best KeyBERT score plus half the share of ``questions`` that hold it (by stems,
    so "gift card" counts for "gift cards"); a lone word gives way to the best phrase of several words
    within 0.2 of it, so "return" becomes "return policy"."""
    held = [{_stemmed(p) for p in candidate_phrases(q)} for q in questions]

    def score(phrase_and_similarity: tuple[str, float]) -> float:
        phrase, similarity = phrase_and_similarity
        return similarity + 0.5 * sum(_stemmed(phrase) in h for h in held) / len(held)

    ranked = sorted(scored, key=lambda ps: (-score(ps), ps[0]))
    longer = [ps for ps in ranked if " " in ps[0]]
    if " " not in ranked[0][0] and longer and score(longer[0]) >= score(ranked[0]) - 0.2:
        return longer[0][0]
    return ranked[0][0]


def _stemmed(phrase: str) -> str:
    return " ".join(stem(w) for w in phrase.split())


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _keybert_backend(embedder: Embedder):
    """The project's embedder in the shape KeyBERT calls, ``embed(documents, verbose)``; KeyBERT takes any
    other object for a model name to load, so it must be its ``BaseEmbedder``. Made here so that importing
    this module does not import KeyBERT (and torch) before the dashboard needs it."""
    from keybert.backend import BaseEmbedder

    class Backend(BaseEmbedder):
        def embed(self, documents, verbose: bool = False) -> np.ndarray:
            return embedder.embed(list(documents))

    return Backend()
