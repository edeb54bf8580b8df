"""Compose a verified answer from retrieved hits: generated sentence by sentence, or extracted.

The model's output is cut into sentences as it streams; each is checked
against the passages (``grounding.Verifier``) and passed on only when
supported, with its citation renumbered to the final source list. The model
is stopped early once enough is said, when it drifts (two unsupported
sentences in a row), or when it says it does not know. If nothing survives,
the extractive composer answers instead. Whether to answer at all is the
pipeline's decision, made before this runs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterator

from chatbot.answer.extractive import Evidence, Quote, compose
from chatbot.answer.framing import frame
from chatbot.answer.generation.base import GenerationOptions, Generator
from chatbot.answer.grounding import Verifier, clean_sentence, split_cited
from chatbot.answer.prompting import build_prompt, template
from chatbot.common.errors import GeneratorUnavailable
from chatbot.common.polarity import asks_yes_no, limit_verdict, without_opener
from chatbot.common.guards import echoes_prompt
from chatbot.common.types import Hit
from chatbot.config import Settings
from chatbot.ingest.embedding import Embedder

log = logging.getLogger(__name__)

_BOUNDARY = re.compile(r"(?<=[.!?])((?:\s*\[\d+(?:\s*,\s*\d+)*\])*)\s+|\n+")
_DONT_KNOW = re.compile(r"\b(don'?t|do not|cannot|can'?t) (know|find|say|tell|help)|\bno information\b|"
                        r"\bnot (mentioned|stated|provided|specified|included|listed) in\b|\bpassages? do(es)? not\b",
                        re.IGNORECASE)


@dataclass
class Draft:
    """An answer being built: text streamed so far and the hits it cites, in citation order."""

    text: str = ""
    cited: list[Hit] = field(default_factory=list)
    kept: int = 0
    removed: int = 0
    said_unknown: bool = False
    generated: bool = False  # False when the extractive composer wrote it
    interrupted: bool = False  # the model stopped mid-answer (worker crash, deadline, busy)
    quoted: bool = False  # some of the text is quoted from the sources rather than generated

    @property
    def support(self) -> float:
        total = self.kept + self.removed
        return self.kept / total if total else 0.0

    def cite(self, hit: Hit) -> int:
        """The source number of ``hit``: one number per document, so two sections of the warranty page are
        one source ("[1] Warranty"), not two that read "Warranty, Warranty"."""
        for i, h in enumerate(self.cited, start=1):
            if h.chunk.doc_id == hit.chunk.doc_id:
                return i
        self.cited.append(hit)
        return len(self.cited)


def extractive_answer(evidence: list[Evidence], settings: Settings, draft: Draft | None = None,
                      question: str = "") -> Iterator[str]:
    """Quote the best supporting sentences, streaming each with its citation marker.

    Each quote is framed by who says it (``framing.frame``): the store's policies and descriptions as its
    own words, a review or another customer's answer attributed, an attribute said as a sentence; with the
    ``question``, an opinion quoted for a question of fact is followed by a note saying so (uncited).
    """
    draft = draft if draft is not None else Draft()
    quotes = compose(evidence, settings.max_answer_chars, settings.max_answer_sentences, question)
    if asks_yes_no(question):
        quotes, verdict = _decisive_first(question, quotes, evidence)
        if verdict:  # "Can I return it 45 days after delivery?": "No." and the 30-day rule first
            yield add_note(draft, f"{verdict.capitalize()}.")
    for framed in frame([(q.text, q.hit.chunk) for q in quotes], question):
        if framed.source is None:
            yield add_note(draft, framed.text)
        else:
            yield extractive_answer_text(framed.text, quotes[framed.source].hit, draft)


def _decisive_first(question: str, quotes: list[Quote], evidence: list[Evidence]) -> tuple[list[Quote], str | None]:
    """For a yes/no question: the quotes with the sentence whose limit decides it first (taken from the
    evidence when no quote holds one), and that verdict. A quoted "Yes"/"No" answered the question its
    source was written for (an FAQ's), not this one, so it is left out."""
    quotes = [Quote(without_opener(q.text) or q.text, q.hit, q.score) for q in quotes]
    for i, quote in enumerate(quotes):
        if verdict := limit_verdict(question, quote.text, quote.hit.chunk.title):
            return [quote, *quotes[:i], *quotes[i + 1:]], verdict
    for ev in evidence:
        for sentence, score in zip(ev.sentences, ev.scores):
            if verdict := limit_verdict(question, sentence, ev.hit.chunk.title):
                return [Quote(sentence, ev.hit, score), *quotes[:-1]], verdict
    return quotes, None


def extractive_answer_text(text: str, hit: Hit, draft: Draft) -> str:
    """Add ``text``, quoted from ``hit``, to the draft with its citation; return the piece to show."""
    draft.quoted = True
    return _append(draft, text, [hit])


def generated_answer(question: str, evidence: list[Evidence], generator: Generator, embedder: Embedder,
                     settings: Settings, draft: Draft, options: GenerationOptions | None = None,
                     support=None) -> Iterator[str]:
    """Stream the model's verified sentences; ``draft`` records what was kept and removed. ``support`` is the
    judge's sentence-support head, which also drops sentences their source contradicts.

    When the model cannot go on (its worker died, hung or is busy) this stops with what was verified so
    far and sets ``draft.interrupted``; the caller then answers from the sources.
    """
    # the model reads only each passage's best sentences: reading the prompt is most of the time to first token
    try:
        built = build_prompt(question, [ev.best(settings.prompt_sentences) for ev in evidence], generator, settings)
    except GeneratorUnavailable as exc:
        _interrupted(draft, exc)
        return
    if not built.passages:
        return
    options = options or GenerationOptions(max_new_tokens=settings.max_new_tokens)
    verifier = Verifier({p.number: p.evidence.text for p in built.passages}, embedder, settings.support_threshold,
                        embedded={p.number: (p.evidence.sentences, p.evidence.vectors) for p in built.passages},
                        support=support)
    system = template("system.txt")
    by_number = {p.number: p.hit for p in built.passages}
    draft.generated = True
    buffer, misses = "", 0
    stream = generator.stream(built.prompt, options)
    try:
        for piece in _until_unavailable(stream, draft):
            buffer += piece
            while (cut := _BOUNDARY.search(buffer)) is not None:
                sentence, buffer = buffer[: cut.start()] + (cut.group(1) or ""), buffer[cut.end():]
                verdict = _judge(sentence, verifier, system, by_number, draft)
                if verdict is not None:
                    yield verdict
                    misses = 0
                elif sentence.strip():
                    misses += 1
                if draft.said_unknown or draft.kept >= settings.max_answer_sentences or misses >= 2:
                    return
        if buffer.strip():
            verdict = _judge(buffer, verifier, system, by_number, draft)
            if verdict is not None:
                yield verdict
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()  # stops the model when we stop early


def _until_unavailable(stream: Iterator[str], draft: Draft) -> Iterator[str]:
    """The model's pieces until it finishes or stops being available (``draft.interrupted`` then)."""
    try:
        yield from stream
    except GeneratorUnavailable as exc:
        _interrupted(draft, exc)


def _interrupted(draft: Draft, exc: GeneratorUnavailable) -> None:
    log.warning("generation interrupted (%s); the answer is completed from the sources", exc)
    draft.interrupted = True


def _judge(raw: str, verifier: Verifier, system: str, by_number: dict[int, Hit], draft: Draft) -> str | None:
    """The supported sentences of ``raw`` to show (citations renumbered), or None when all are dropped."""
    shown = []
    for text, cited in split_cited(raw):
        text = clean_sentence(text)
        if not text:
            continue
        if _DONT_KNOW.search(text):
            draft.said_unknown = True
            break
        check = verifier.check(text, cited)
        if not check.supported or echoes_prompt(text, system) or _repeats(draft.text, text):
            draft.removed += 1
            continue
        shown.append(_append(draft, text, [by_number[n] for n in check.passages[:2]]))
    return "".join(shown) or None


def _append(draft: Draft, sentence: str, hits: list[Hit]) -> str:
    """Add ``sentence`` with its citation markers before the final stop; return the piece to stream."""
    markers = "".join(f"[{n}]" for n in dict.fromkeys(draft.cite(hit) for hit in hits))  # one per document
    end = sentence[-1] if sentence[-1] in ".!?" else "."
    body = sentence[:-1] if sentence[-1] in ".!?" else sentence
    piece = f"{body} {markers}{end}"
    piece = piece if not draft.text else " " + piece
    draft.text += piece
    draft.kept += 1
    return piece


def add_note(draft: Draft, sentence: str) -> str:
    """Add a sentence of our own that cites nothing (not counted as a kept sentence); return the piece."""
    piece = sentence if not draft.text else " " + sentence
    draft.text += piece
    return piece


def _repeats(said: str, sentence: str) -> bool:
    """True when ``sentence`` says again what the answer already says (small models loop)."""
    words = set(re.findall(r"[a-z0-9]+", sentence.lower()))
    if not said or not words:
        return False
    return any(len(words & set(re.findall(r"[a-z0-9]+", s.lower()))) / len(words) >= 0.8
               for s in re.split(r"(?<=[.!?])\s+", said))
