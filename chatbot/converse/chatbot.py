"""The Chatbot object every face uses: a message in, a grounded Answer out (streamed or whole).

Per message: guard the input, hand off at once when a person is needed,
turn a follow-up into a standalone question, answer a repeated question from
the answer cache and an FAQ question with the store's FAQ answer, retrieve
(scoped to the product in focus), decide whether the sources are relevant
enough to answer, then answer with verified sentences (``answering``) or
abstain honestly. The embedder, index, retriever and language model load on
first use. Building the index lives in ``indexer``; faces live in ``ui/``
and ``cli``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import Any, Iterable, Iterator

from chatbot.answer.drafting import Draft, add_note, extractive_answer, extractive_answer_text, generated_answer
from chatbot.answer.extractive import gather_evidence
from chatbot.answer.framing import STORE_PAGES, type_of
from chatbot.answer.generation import GenerationOptions, Generator, load_or_fallback, make_generator
from chatbot.answer.grounding import unmatched_names, unused_terms
from chatbot.common.errors import InputError
from chatbot.common.guards import cut_message
from chatbot.common.privacy import mask_pii
from chatbot.common.types import Answer, Citation, Hit
from chatbot.config import Settings
from chatbot.converse.answer_cache import AnswerCache
from chatbot.converse.conversation import (
    answered_turns,
    continues_store_answer,
    focus_product,
    leans_on_context,
    shown_products,
    standalone_question,
)
from chatbot.converse.intents import asks_store_rule, detect_handoff, own_order_handoff
from chatbot.converse.language import english_only_reply, foreign
from chatbot.converse.question_parts import combine_answers, question_parts
from chatbot.ingest.embedding import BatchingEmbedder, CachingEmbedder, Embedder, SentenceTransformerEmbedder
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.faq_match import FaqMatcher, covering_faq
from chatbot.retrieve.hybrid import Filters, HybridRetriever
from chatbot.retrieve.judge import Judge
from chatbot.retrieve.judge.ranking import Judged, judge_hits, load_judge, without_store_name
from chatbot.shop.skills import ShopAssistant
from chatbot.shop.skills.plan import SURE

log = logging.getLogger(__name__)


def make_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(settings.embedder, batch_size=settings.embed_batch_size,
                                       device=settings.device)


class Chatbot:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 index: KnowledgeIndex | None = None, generator: Generator | None = None):
        self.settings = settings or Settings.load()
        self.embedder = embedder or make_embedder(self.settings)
        # questions, source sentences and answer sentences recur: their vectors are computed once; shoppers
        # asking at the same time share one forward pass
        self._phrases = CachingEmbedder(BatchingEmbedder(self.embedder))
        self._index = index
        self._retriever: HybridRetriever | None = None
        self._generator = generator if generator is not None else make_generator(self.settings)
        self._configured_generator = self._generator  # kept after a failed load, for health reports
        self._generator_ready = False
        self._lock = threading.Lock()
        self.cache = AnswerCache(self.settings.answer_cache_size)
        self._live_chunks: frozenset[str] = frozenset()
        self._languages = tuple(c.strip() for c in self.settings.answer_languages.split(",") if c.strip())
        self._faq: FaqMatcher | None = None
        self._shop: ShopAssistant | None = None
        self._judge: Judge | None = None
        self._judge_ready = False

    # ---- lazily loaded parts
    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                if self._index is None:
                    self._index = KnowledgeIndex.load(self.settings.index_dir, self.embedder.name,
                                                      self.embedder.dimension)
                self._retriever = HybridRetriever(self._index, self._phrases, self.settings)
                self._live_chunks = frozenset(c.id for c in self._index.chunks)
                self._faq = FaqMatcher(self._index, self.embedder, self.settings.faq_match)
                self._shop = None  # built from this index on first use
            return self._retriever

    @property
    def shop(self) -> ShopAssistant:
        """The catalog skills over the current index (the router's weights are kept in ``model_dir``)."""
        index = self.retriever.index
        with self._lock:
            if self._shop is None:
                self._shop = ShopAssistant(index, self._phrases, self.settings.store_name,
                                           self.settings.support_contact, cache_dir=self.settings.model_dir)
                self._first_chunks = {}
                for chunk in index.chunks:
                    self._first_chunks.setdefault(chunk.doc_id, chunk)
            return self._shop

    @property
    def faq(self) -> FaqMatcher:
        self.retriever  # noqa: B018 - built with the index it matches against
        return self._faq

    @property
    def judge(self) -> Judge | None:
        """The answer judge (loaded once; None, with a warning, when it is off, missing or made for another
        embedder: the heuristic path answers then)."""
        with self._lock:
            if not self._judge_ready:
                self._judge = load_judge(self.settings.judge, self.embedder.name, self.embedder.dimension)
                self._judge_ready = True
            return self._judge

    @property
    def generator(self) -> Generator | None:
        """The loaded language model, or None for extractive answers (configured, or after a failed load)."""
        with self._lock:
            if not self._generator_ready:
                self._generator = load_or_fallback(self._generator)
                self._generator_ready = True
            return self._generator

    def generator_health(self) -> dict:
        """The answer backend's state for /api/health: ``ready``, ``restarting`` or ``failed``, and its pid."""
        configured = self._configured_generator
        if configured is None:
            return {"state": "ready", "name": "extractive", "pid": None}
        health = getattr(configured, "health", None)
        if self._generator_ready and self._generator is None:  # the load failed: answers are extractive
            details = health() if health else {}
            return {"state": "failed", "name": configured.name, "pid": None, "error": details.get("error", ""),
                    "answering": "extractive"}
        if health is None:  # an in-process or remote model: up as long as this process is
            return {"state": "ready" if self._generator_ready else "starting", "name": configured.name,
                    "pid": None}
        return health()

    def close(self) -> None:
        """Stop the model's worker processes (if any)."""
        close = getattr(self._configured_generator, "close", None)
        if close:
            close()

    def reload_index(self) -> None:
        """Pick up a re-built index on the next question (after an admin upload, say)."""
        with self._lock:
            self._index = None
            self._retriever = None

    @property
    def documents(self):
        """Every document in the index, by id (the catalog and reviews for the agent tools)."""
        return self.retriever.index.documents

    def warm_up(self) -> None:
        """Load the index, the embedder, the router and the model now rather than on the first question."""
        self.retriever.search("warm up", k=1)
        self.shop.router.route_text("warm up")
        _ = self.judge
        _ = self.generator

    # ---- answering
    def ask(self, message: str, product_id: str | None = None, history: Iterable[Any] | None = None) -> Answer:
        """Answer one message (the whole Answer, no streaming)."""
        *_, answer = self.stream(message, product_id=product_id, history=history)
        return answer

    def stream(self, message: str, product_id: str | None = None,
               history: Iterable[Any] | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text pieces as they are ready, then the final Answer."""
        history = list(history or [])
        message, notice = self._clean(message)
        _ = self.retriever, self.generator  # loads happen outside the timings
        clock = _Clock(time.perf_counter())
        other = foreign(message, self._languages)
        if other is not None:
            text = english_only_reply(other, self.settings.store_name, self.settings.support_contact)
            yield clock.first(text)
            yield self._answer(message, text, Draft(), [], 0.0, clock, abstained=True, notice=notice,
                               reason=f"not_english:{other.code}", origin="declined")
            return
        parts = question_parts(message)
        if len(parts) == 1:
            yield from self._stream_one(message, notice, product_id, history, clock)
            return
        # several questions in one message: each answered on its own terms, then said together
        answers, turns = [], list(history)
        for part in parts:
            *_, answer = self._stream_one(part, None, product_id, turns, _Clock(time.perf_counter()))
            answers.append(answer)
            turns += answered_turns(part, product_id, answer)
        clock.done()
        combined = combine_answers(message, parts, answers, self.settings, notice, clock.latency())
        yield clock.first(combined.text)
        yield combined

    def _stream_one(self, message: str, notice: str | None, product_id: str | None, history: list,
                    clock: "_Clock") -> Iterator[str | Answer]:
        """One question: a catalog skill, the cache, the FAQ, or retrieval and a verified answer."""
        retriever, generator = self.retriever, self.generator
        handoff = detect_handoff(message, self.settings.support_contact)
        if handoff is not None:
            yield clock.first(handoff.message)
            yield self._answer(message, handoff.message, Draft(), [], 0.0, clock, abstained=True, handoff=True,
                               notice=notice, reason=handoff.reason, origin="handoff")
            return
        start_by = time.monotonic() + self.settings.model_wait_s  # no free model by then: quote the sources
        query = standalone_question(message, history)
        product = focus_product(product_id, history)
        # "and gift cards?" after the returns policy goes on with that question: the store's pages answer it
        shop = None if continues_store_answer(message, history) else self._shop_answer(message, product, history,
                                                                                       clock, notice)
        if shop is not None:  # a catalog skill answered from structured data: no retrieval, no model
            yield clock.first(shop.text)
            yield shop
            return
        # a question that stands on its own (not a follow-up, not cut) may be answered from the cache or the FAQ
        standalone = query == message and notice is None
        if standalone:
            cached = self.cache.get(message, product, self._live_chunks.__contains__)  # ids of the index above
            if cached is not None:
                yield clock.first(cached.text)
                yield self._replayed(cached, message, clock)
                return
        vector = self._phrases.embed([query])[0]
        faq = self.faq.match(vector, product) if standalone and not (product and leans_on_context(message)) else None
        hits = retriever.search(query, filters=self._filters(query, vector, product), vector=vector)
        clock.retrieved()
        top = hits[: self.settings.top_k]
        relevance = top[0].relevance if top else 0.0
        judged = self._judged(query, vector, top) if faq is None else None
        if judged is not None:  # the judge reranks the passages, decides, and is the confidence
            top = judged.hits
            hits = top + hits[len(top):]
            if standalone and top and self.settings.faq_match <= 1:  # FAQ answers on: "do I have to pay for
                # return shipping if I just changed my mind?" asks the entry "Do I have to pay for return shipping?"
                faq = covering_faq(message, top[0], self.settings.faq_within)
        if faq is not None:  # the store's own answer; the search above still lists what else was relevant
            draft = Draft()
            yield clock.first(extractive_answer_text(faq.answer, faq.hit, draft))
            hits = [faq.hit, *(h for h in hits if h.chunk.id != faq.hit.chunk.id)]
            yield self._remembered(message, product, self._answer(
                message, draft.text, draft, hits, faq.hit.relevance, clock, product=product, origin="faq"))
            return
        draft = Draft()
        unknown = unmatched_names(message, [h.chunk.embed_text for h in top[: self.settings.max_passages]])
        sure = judged.answers if judged is not None else relevance >= self.settings.min_relevance
        if sure and not unknown:
            evidence = gather_evidence(query, self._answering(top, judged), self._phrases, self.settings.max_passages,
                                       self.settings.evidence_sentences)
            # the sources must hold a sentence close to the question, whoever writes the answer (the judge,
            # when there is one, has already read the passages whole)
            best = max((x for ev in evidence for x in ev.scores), default=0.0)
            quote = judged is not None or best >= self.settings.min_evidence
            if quote and generator is not None:
                options = GenerationOptions(self.settings.max_new_tokens, start_by=start_by)
                for piece in generated_answer(query, evidence, generator, self._phrases, self.settings, draft,
                                              options, self._support):
                    yield clock.first(piece)
                # the model read the sources and found no answer: quote them only if they match strongly
                quote = (not draft.said_unknown or judged.confidence >= self.settings.judge_strong
                         if judged is not None else
                         best >= (self.settings.strong_evidence if draft.said_unknown else self.settings.min_evidence))
                if not draft.kept:
                    log.info("no generated sentence kept (model said unknown: %s); %s", draft.said_unknown,
                             "quoting the sources" if quote else "abstaining")
            if quote and not draft.kept:
                for piece in extractive_answer(evidence, self.settings, draft, question=query):
                    yield clock.first(piece)
        confidence = judged.confidence if judged is not None else relevance * (draft.support or 1.0)
        if draft.kept:
            unused = unused_terms(message, self.retriever.lexical.unused_words(message))
            if unused:  # "student" in "do you offer a student discount?": say the answer above is not about it
                yield clock.first(add_note(draft, "Our store information doesn't mention "
                                                      + " or ".join(f'"{w}"' for w in unused) + "."))
            answer = self._answer(message, draft.text, draft, hits, confidence, clock,
                                  notice=notice, product=product, origin="quoted" if draft.quoted else "model",
                                  reason="model_unavailable" if draft.interrupted else None)
            # an answer cut short by a model failure is not kept: the model's own answer is better next time
            yield self._remembered(message, product, answer) if standalone and not draft.interrupted else answer
            return
        # on a product page the question is about that product, never off-topic
        off_topic = relevance < self.settings.offtopic_relevance and not product
        text = self._decline_text(off_topic, unknown)
        yield clock.first(text)
        yield self._answer(message, text, draft, hits, judged.confidence if judged is not None else relevance, clock,
                           abstained=True, notice=notice, product=product,
                           reason="off_topic" if off_topic else "not_in_sources", origin="declined")

    def _filters(self, question: str, vector, product: str | None) -> Filters:
        """Where to look. A question the router is sure asks about the store's policies is answered from the
        store's own pages (policies, FAQ, help), not from a product's record or reviews: those name the product
        the question names, so they match it closely without answering it ("How long is the warranty on the
        Harbor Buds?" matched nine reviews before the warranty policy). A store without such pages is searched
        whole, and so is everything with the catalog skills off."""
        if self.settings.shop_skills and self.shop.asks_policy(question, vector):
            pages = tuple(sorted(k for k in self.retriever.kinds if type_of(k) in STORE_PAGES))
            if pages:
                return Filters(product_id=product, kinds=pages)
        return Filters(product_id=product)

    def _judged(self, question: str, vector, hits: list[Hit]) -> "Judged | None":
        """The judge's reading of the top hits, or None when no judge is configured or loadable."""
        judge = self.judge
        if judge is None:
            return None
        asked = without_store_name(question, self.settings.store_name)
        if asked != question:
            vector = self._phrases.embed([asked])[0]
        return judge_hits(judge, asked, vector, hits, self.retriever.index, self._phrases.embed,
                          self.settings.judge_margin)

    @property
    def _support(self):
        """The judge's sentence-support head for verifying generated sentences (None without a judge)."""
        judge = self.judge
        return judge.support if judge is not None else None

    @staticmethod
    def _answering(top: list[Hit], judged: "Judged | None") -> list[Hit]:
        """The passages an answer may rest on: with a judge, those it rates at least half as likely to answer as
        its best (the best first); without, the retrieval order."""
        if judged is None or not top:
            return top
        return [h for h in top if h.relevance >= top[0].relevance / 2]

    def drafts(self, message: str, n: int = 3, product_id: str | None = None,
               history: Iterable[Any] | None = None) -> list[Answer]:
        """Up to ``n`` different verified, cited draft replies for a support agent, best first."""
        message, _ = self._clean(message)
        history = list(history or [])
        query = standalone_question(message, history)
        started = time.perf_counter()
        product = focus_product(product_id, history)
        vector = self._phrases.embed([query])[0]
        hits = self.retriever.search(query, filters=self._filters(query, vector, product), vector=vector)
        top = hits[: self.settings.top_k]
        relevance = top[0].relevance if top else 0.0
        judged = self._judged(query, vector, top)
        if judged is not None:
            top = judged.hits
            hits = top + hits[len(top):]
        evidence = gather_evidence(query, top, self._phrases, max(self.settings.max_passages, n),
                                   self.settings.evidence_sentences)
        first, seen = [], set()
        if len(question_parts(message)) > 1:  # several questions: the shopper's own combined answer leads
            combined = self.ask(message, product_id=product_id, history=history)
            if not combined.abstained:
                seen.add(combined.text)
                first.append(combined)
        shop = None if first or continues_store_answer(message, history) else self._shop_answer(
            message, product, history, _Clock(started), None)
        if shop is not None and not shop.handoff and not shop.abstained:  # a catalog answer leads, with its cards
            seen.add(shop.text)
            first.append(shop)
        faq = self.faq.match(vector, product) if query == message and not first else None
        if faq is not None:  # the store's own answer to this very question leads, whatever the model writes
            clock, draft = _Clock(started), Draft()
            clock.retrieved()
            clock.first(extractive_answer_text(faq.answer, faq.hit, draft))
            seen.add(draft.text)
            first.append(self._answer(message, draft.text, draft, [faq.hit, *hits], faq.hit.relevance, clock,
                                      origin="faq"))
        results = []
        for i in range(max(1, n) * 2):  # a few extra tries, since sampled drafts can repeat
            if len(first) + len(results) >= n or not evidence:
                break
            clock = _Clock(started)
            clock.retrieved()
            draft = Draft()
            if self.generator is not None:
                # the first draft is the deterministic answer; the others are sampled with fixed seeds
                options = GenerationOptions(self.settings.max_new_tokens, temperature=0.7 if i else 0.0, seed=i)
                for piece in generated_answer(query, evidence, self.generator, self._phrases, self.settings, draft,
                                              options, self._support):
                    clock.first(piece)
            if not draft.kept:  # no model, or nothing it wrote held up: each such draft leads with another source
                for piece in extractive_answer(evidence[i % len(evidence):], self.settings, draft, question=query):
                    clock.first(piece)
            if draft.kept and draft.text not in seen:
                seen.add(draft.text)
                confidence = judged.confidence if judged is not None else relevance * (draft.support or 1.0)
                results.append(self._answer(message, draft.text, draft, hits, confidence, clock))
        return first + sorted(results, key=lambda a: -a.confidence)

    # ---- helpers
    def _shop_answer(self, message: str, product: str | None, history: list, clock: "_Clock",
                     notice: str | None) -> Answer | None:
        """The catalog skill's Answer when the message asks for one and the skill can answer, else None."""
        if not self.settings.shop_skills:
            return None
        routed = self.shop.answer(message, self._phrases.embed([message])[0], product, shown_products(history))
        if routed.route.skill == "order" and routed.route.confidence >= SURE and not asks_store_rule(message):
            # the shopper's own order: hand off
            handoff = own_order_handoff(self.settings.support_contact)
            return self._answer(message, handoff.message, Draft(), [], 0.0, clock, abstained=True, handoff=True,
                                notice=notice, reason=handoff.reason, origin="handoff")
        reply = routed.reply
        if reply is None:
            return None
        clock.retrieved()
        answer = self._answer(message, reply.text, Draft(), [], routed.route.confidence, clock,
                              abstained=reply.abstained, notice=notice, product=reply.focus or product,
                              reason=reply.reason, origin="smalltalk" if routed.route.skill == "smalltalk" else "catalog")
        answer.citations = [self._doc_citation(doc_id) for doc_id in reply.sources]
        answer.citations = [c for c in answer.citations if c is not None]
        answer.products = [item.card() for item in reply.products]
        answer.retrieved = list(reply.sources)
        return answer

    def _doc_citation(self, doc_id: str) -> Citation | None:
        chunk = self._first_chunks.get(doc_id)
        if chunk is None:
            return None
        return Citation(doc_id=doc_id, chunk_id=chunk.id, title=chunk.title, score=1.0, url=chunk.url,
                        excerpt=chunk.text[:300])

    def _clean(self, message: str) -> tuple[str, str | None]:
        if not isinstance(message, str) or not message.strip():
            raise InputError("the message is empty; type what you would like to know")
        return cut_message(message, self.settings.max_question_chars)

    def _decline_text(self, off_topic: bool, unknown: set[str]) -> str:
        s = self.settings
        if unknown and not off_topic:
            return (f"I couldn't find anything about {', '.join(sorted(unknown))} in our store information, so I "
                    "don't want to guess. Would you like me to connect you with a person? "
                    f"You can also reach us at {s.support_contact}.")
        if off_topic:
            return (f"I can only help with questions about {s.store_name}: our products, orders, shipping, "
                    "returns and other store policies. Is there something like that I can help with?")
        return ("I couldn't find that in our store information, so I don't want to guess. "
                f"Would you like me to connect you with a person? You can also reach us at {s.support_contact}.")

    def _remembered(self, message: str, product: str | None, answer: Answer) -> Answer:
        self.cache.put(message, product, answer)
        return answer

    def _replayed(self, cached: Answer, message: str, clock: "_Clock") -> Answer:
        clock.done()
        log.info("answered %r from the answer cache", mask_pii(message)[:200])
        return replace(cached, question=message, latency_ms=clock.latency(), ttft_ms=clock.ttft_ms, origin="cache")

    def _answer(self, message: str, text: str, draft: Draft, hits: list[Hit], confidence: float, clock: "_Clock",
                abstained: bool = False, handoff: bool = False, notice: str | None = None,
                product: str | None = None, reason: str | None = None, origin: str = "") -> Answer:
        clock.done()
        log.info("answered %r: abstained=%s handoff=%s reason=%s", mask_pii(message)[:200], abstained, handoff, reason)
        answered_product = product or next((h.chunk.product_id for h in draft.cited if h.chunk.product_id), None)
        return Answer(question=message, text=text, citations=[_citation(h) for h in draft.cited],
                      confidence=max(0.0, min(1.0, confidence)), abstained=abstained, handoff=handoff,
                      retrieved=_doc_ids(hits), latency_ms=clock.latency(), ttft_ms=clock.ttft_ms, hits=hits,
                      notices=[notice] if notice else [], product_id=answered_product, reason=reason,
                      removed_sentences=draft.removed, origin=origin)


class _Clock:
    """Stage timings of one answer: retrieve, generate, total, and time to the first piece shown."""

    def __init__(self, started: float):
        self.started = started
        self.retrieved_at = started
        self.finished = started
        self.ttft_ms: float | None = None

    def retrieved(self) -> None:
        self.retrieved_at = time.perf_counter()

    def first(self, piece: str) -> str:
        if self.ttft_ms is None:
            self.ttft_ms = (time.perf_counter() - self.started) * 1000
        return piece

    def done(self) -> None:
        self.finished = time.perf_counter()
        if self.retrieved_at == self.started:
            self.retrieved_at = self.finished

    def latency(self) -> dict[str, float]:
        return {"retrieve": (self.retrieved_at - self.started) * 1000,
                "generate": (self.finished - self.retrieved_at) * 1000,
                "total": (self.finished - self.started) * 1000}


def _citation(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(doc_id=c.doc_id, chunk_id=c.id, title=c.title, score=hit.relevance, url=c.url,
                    excerpt=c.text[:300])


def _doc_ids(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(hit.chunk.doc_id for hit in hits))
