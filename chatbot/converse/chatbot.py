"""The Chatbot object every face uses: a message in, a grounded Answer out (streamed or whole).

Per message: guard the input, say so when it is in a language the bot does not answer in, split a message
that asks several things into its questions, then send each question through the chain of responders
(``responders``): hand-off, shop skills, cache, FAQ, grounded answer, decline; the first that answers
wins. The Chatbot holds what the responders share: the settings, the embedder, the index and retriever,
the judge, the language model and the shop skills, each loaded on first use, and the one retrieval and
judging of a question (``look_up``). Building the index lives in ``chatbot.ingest``; the faces live in
``ui/`` and ``cli``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any, Iterable, Iterator

from chatbot.answer.drafting import Draft, extractive_answer, extractive_answer_text, generated_answer
from chatbot.answer.extractive import gather_evidence
from chatbot.answer.framing import STORE_PAGES, type_of
from chatbot.answer.generation import GenerationOptions, Generator, load_or_fallback, make_generator
from chatbot.common.errors import InputError
from chatbot.common.guards import cut_message
from chatbot.common.privacy import contact_pattern
from chatbot.common.text import sentences
from chatbot.common.types import Answer, Citation, Hit
from chatbot.config import Settings
from chatbot.converse.answer_cache import AnswerCache
from chatbot.converse.intents import about_purchase, asks_store_rule, own_order
from chatbot.converse.conversation import (answered_turns, continues_store_answer, is_follow_up,
                                            last_answer_product, leans_on_context, standalone_question)
from chatbot.converse.language import english_only_reply, foreign
from chatbot.converse.question_parts import combine_answers, question_parts
from chatbot.converse.responders import responder_chain
from chatbot.converse.turn import Clock, Found, Turn
from chatbot.ingest.embedding import BatchingEmbedder, CachingEmbedder, Embedder, SentenceTransformerEmbedder
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.faq_match import FaqMatcher
from chatbot.retrieve.hybrid import Filters, HybridRetriever
from chatbot.retrieve.judge import Judge
from chatbot.retrieve.judge.ranking import Judged, judge_hits, load_judge, without_store_name
from chatbot.retrieve.spelling import SpellingFixer
from chatbot.shop.skills import ShopAssistant

log = logging.getLogger(__name__)


def make_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(settings.embedder, batch_size=settings.embed_batch_size,
                                       device=settings.device, runtime=settings.embed_runtime,
                                       model_dir=settings.model_dir)


class Chatbot:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 index: KnowledgeIndex | None = None, generator: Generator | None = None, orders: Any = None):
        self.settings = settings or Settings.load()
        self.orders = orders  # the store's orders for the order responder (chatbot.orders.desk.OrderDesk), or None
        self.embedder = embedder or make_embedder(self.settings)
        # questions, source sentences and answer sentences recur: their vectors are computed once; shoppers
        # asking at the same time share one forward pass
        self.phrases = CachingEmbedder(BatchingEmbedder(self.embedder))
        self._index = index
        self._retriever: HybridRetriever | None = None
        self._generator = generator if generator is not None else make_generator(self.settings)
        self._configured_generator = self._generator  # kept after a failed load, for health reports
        self._generator_ready = False
        self._lock = threading.Lock()
        self.cache = AnswerCache(self.settings.answer_cache_size)
        self.live_chunks: frozenset[str] = frozenset()  # the chunk ids of the index answers come from
        # the shared knowledge version that index was built from (chatbot.data.knowledge_share): the answer cache is
        # keyed by it, so no replica replays an answer from before a re-index made anywhere
        self.knowledge_version = 0
        self._languages = tuple(c.strip() for c in self.settings.answer_languages.split(",") if c.strip())
        self._faq: FaqMatcher | None = None
        self._spelling: SpellingFixer | None = None
        self._shop: ShopAssistant | None = None
        self._first_chunks: dict[str, Any] = {}
        self._judge: Judge | None = None
        self._judge_ready = False
        self.responders = responder_chain(self, self.settings.responders_off)

    # ---- lazily loaded parts
    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                if self._index is None:
                    self._index = self._load_index()
                self._retriever, self.live_chunks, self._faq, self._spelling = self._searchers(self._index)
                self._shop = None  # built from this index on first use
            return self._retriever

    def _load_index(self) -> KnowledgeIndex:
        return KnowledgeIndex.load(self.settings.index_dir, self.embedder.name, self.embedder.dimension)

    def _searchers(self, index: KnowledgeIndex) -> tuple:
        """What answers search with, built over ``index``: the retriever, its chunk ids, the FAQ matcher and the
        misspelling corrector (None when the ``spelling`` setting is off)."""
        return (HybridRetriever(index, self.phrases, self.settings), frozenset(c.id for c in index.chunks),
                FaqMatcher(index, self.embedder, self.settings.faq_match),
                SpellingFixer(f"{c.title} {c.text}" for c in index.chunks) if self.settings.spelling else None)

    def _shop_over(self, index: KnowledgeIndex) -> tuple[ShopAssistant, dict[str, Any]]:
        first_chunks: dict[str, Any] = {}
        for chunk in index.chunks:
            first_chunks.setdefault(chunk.doc_id, chunk)
        return ShopAssistant(index, self.phrases, self.settings.store_name, self.settings.support_contact,
                             cache_dir=self.settings.model_dir), first_chunks

    @property
    def shop(self) -> ShopAssistant:
        """The catalog skills over the current index (the router's weights are kept in ``model_dir``)."""
        index = self.retriever.index
        with self._lock:
            if self._shop is None:
                self._shop, self._first_chunks = self._shop_over(index)
            return self._shop

    @property
    def spelling(self) -> SpellingFixer | None:
        """The misspelling corrector over this index's words (None when the ``spelling`` setting is off)."""
        self.retriever  # noqa: B018 - built with the index whose words it knows
        return self._spelling

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

    def reload_index(self, knowledge_version: int | None = None) -> None:
        """Answer from the index on disk from now on (after an upload, a re-index, another replica's change).

        The new index and everything built over it are made beside the ones answering and then switched in one
        step, so questions asked meanwhile are answered from the old index, never kept waiting. With
        ``knowledge_version``, answers are cached under that version from now on."""
        index = self._load_index()
        searchers = self._searchers(index)
        shop = self._shop_over(index) if self.settings.shop_skills else (None, {})
        if shop[0] is not None:
            shop[0].warm_up()  # here, while the old index answers, rather than in the next shopper's question
        with self._lock:
            self._index = index
            self._retriever, self.live_chunks, self._faq, self._spelling = searchers
            self._shop, self._first_chunks = shop
            if knowledge_version is not None:
                self.knowledge_version = knowledge_version

    @property
    def documents(self):
        """Every document in the index, by id (the catalog and reviews for the agent tools)."""
        return self.retriever.index.documents

    def warm_up(self) -> None:
        """Load the index, the embedder, the router and the model now rather than on the first question."""
        self.retriever.search("warm up", k=1)
        self.shop.warm_up()
        _ = self.judge
        _ = self.generator

    # ---- answering
    def ask(self, message: str, product_id: str | None = None, history: Iterable[Any] | None = None,
            asker: Any = None) -> Answer:
        """Answer one message (the whole Answer, no streaming)."""
        *_, answer = self.stream(message, product_id=product_id, history=history, asker=asker)
        return answer

    def stream(self, message: str, product_id: str | None = None, history: Iterable[Any] | None = None,
               asker: Any = None) -> Iterator[str | Answer]:
        """Yield the answer's text pieces as they are ready, then the final Answer. ``asker``
        (``chatbot.orders.identity.Asker``: the conversation id, the client's address, a signed-in customer's
        verified email) is what the order responder needs to remember proofs; None: only what one message proves."""
        history = list(history or [])
        message, notice = self._clean(message)
        _ = self.retriever, self.generator  # loads happen outside the timings
        clock = Clock()
        order_details = self._order_details(message, asker)
        # order numbers and emails are not misspellings, nor "1043, ana@example.com" another language
        asked = self.spelling.fix(message) if self.spelling and not order_details else message
        # another language only when the message still reads as one with its typos fixed ("how do i reet my
        # passwod" looked Polish)
        other = foreign(message, self._languages) if not order_details and foreign(asked, self._languages) else None
        if other is not None:
            text = english_only_reply(other, self.settings.store_name, self.settings.support_contact)
            yield clock.first(text)
            turn = Turn(message, notice, product_id, history, clock)
            yield turn.answer(text, abstained=True, reason=f"not_english:{other.code}", origin="declined")
            return
        for piece in self._answer_message(asked, notice, product_id, history, clock, asker, order_details):
            yield replace(piece, question=message) if isinstance(piece, Answer) else piece

    def _order_details(self, message: str, asker: Any = None) -> bool:
        """Whether the store has orders and the message gives an order number, email or postcode (then it is one
        question about an order: "Where is #1043? My email is ana@example.com" is not cut in two), or is the new
        shipping address the order desk asked for (a street name is no misspelling, "Rua Augusta" no question in
        Portuguese)."""
        if self.orders is None or not self.orders.active():
            return False
        if self.orders.awaits_address(asker):
            return True
        from chatbot.orders.identity import details

        given = details(message)
        return bool(given.email or given.zip_code or (given.numbers and (own_order(message) or about_purchase(message))))

    def _answer_message(self, message: str, notice: str | None, product_id: str | None, history: list,
                        clock: Clock, asker: Any = None, whole: bool = False) -> Iterator[str | Answer]:
        """One question through the responders, or each of several in turn, said together."""
        parts = [message] if whole else question_parts(message)
        if len(parts) == 1:
            turn = self._turn(message, notice, product_id, history, clock)
            turn.asker = asker
            yield from self.respond(turn)
            return
        # several questions in one message: each answered on its own terms, then said together
        answers, turns = [], list(history)
        for part in parts:
            part_turn = self._turn(part, None, product_id, turns)
            part_turn.asker = asker
            if answers and is_follow_up(part) and not (answers[-1].product_id or answers[-1].products):
                # "is it free?" after "how long does delivery take to Hawaii": about that question, not a product
                part_turn.leave_products()
            *_, answer = self.respond(part_turn)
            answers.append(answer)
            turns += answered_turns(part, product_id, answer)
        clock.done()
        combined = combine_answers(message, parts, answers, self.settings, notice, clock.latency())
        yield clock.first(combined.text)
        yield combined

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        """One question through the responders, in order: the first that gives an Answer answers it."""
        for responder in self.responders:
            for piece in responder.respond(turn):
                if isinstance(piece, Answer):
                    yield piece
                    return
                yield turn.clock.first(piece)
        raise RuntimeError("no responder answered")  # unreachable: the decline answers every question

    def drafts(self, message: str, n: int = 3, product_id: str | None = None,
               history: Iterable[Any] | None = None, asker: Any = None) -> list[Answer]:
        """Up to ``n`` different verified, cited draft replies for a support agent, best first. ``asker`` (an
        ``Asker`` with the ticket's conversation id): an order that conversation proved answers an order question
        ("where is it?") from its record, cited, as the first draft; no other order is ever read."""
        message, _ = self._clean(message)
        ordered = self._order_draft(message, asker)
        message = self.spelling.fix(message) if self.spelling and ordered is None else message
        turn = self._turn(message, None, product_id, list(history or []))
        if ordered is not None:
            answer = turn.answer(ordered.text, confidence=1.0, reason=ordered.reason, origin="orders")
            answer.citations = list(ordered.citations)
            answer.retrieved = [c.doc_id for c in ordered.citations]
            if n <= 1:
                return [answer]
        first_drafts = [answer] if ordered is not None else []
        found = self.look_up(turn)
        started = turn.clock.started
        evidence = gather_evidence(turn.query, found.top, self.phrases, max(self.settings.max_passages, n),
                                   self.settings.evidence_sentences)
        # the agent is the store's support: a draft never sends the shopper to its email or phone ("email
        # support@..." to someone who has just said their emails go unanswered)
        contact = contact_pattern(self.settings.support_contact)
        evidence = [e for e in (ev.without(contact) for ev in evidence) if e.sentences]
        first, seen = first_drafts, {a.text for a in first_drafts}
        if len(question_parts(message)) > 1 and not first:  # several questions: the shopper's combined answer leads
            combined = self.ask(message, product_id=product_id, history=turn.history)
            if not combined.abstained:
                seen.add(combined.text)
                first.append(combined)
        shop = next((r for r in self.responders if r.name == "shop"), None)
        turn.clock = Clock(started)
        answer = None if shop is None or first or continues_store_answer(message, turn.history) else shop.answer(turn)
        if answer is not None and not answer.handoff and not answer.abstained:  # a catalog answer leads, with cards
            seen.add(answer.text)
            first.append(answer)
        faq = self.faq.match(turn.vector, turn.product) if turn.query == message and not first else None
        said = " ".join(s for s in sentences(faq.answer) if not contact.search(s)) if faq else ""
        if said:  # the store's own answer to this very question leads, whatever the model writes
            turn.clock, draft = _retrieved_clock(started), Draft()
            turn.clock.first(extractive_answer_text(said, faq.hit, draft))
            seen.add(draft.text)
            first.append(turn.answer(draft.text, draft, [faq.hit, *found.hits], faq.hit.relevance, origin="faq"))
        results = []
        for i in range(max(1, n) * 2):  # a few extra tries, since sampled drafts can repeat
            if len(first) + len(results) >= n or not evidence:
                break
            turn.clock, draft = _retrieved_clock(started), Draft()
            if self.generator is not None:
                # the first draft is the deterministic answer; the others are sampled with fixed seeds
                options = GenerationOptions(self.settings.max_new_tokens, temperature=0.7 if i else 0.0, seed=i)
                for piece in generated_answer(turn.query, evidence, self.generator, self.phrases, self.settings,
                                              draft, options, self.verifier_support()):
                    turn.clock.first(piece)
            if not draft.kept:  # no model, or nothing it wrote held up: each such draft leads with another source
                for piece in extractive_answer(evidence[i % len(evidence):], self.settings, draft, question=turn.query):
                    turn.clock.first(piece)
            if draft.kept and draft.text not in seen:
                seen.add(draft.text)
                confidence = (found.judged.confidence if found.judged is not None else
                              found.relevance * (draft.support or 1.0))
                results.append(turn.answer(draft.text, draft, found.hits, confidence))
        return first + sorted(results, key=lambda a: -a.confidence)

    def _order_draft(self, message: str, asker: Any):
        """The order desk's draft (``OrderDesk.draft``) for the asker's conversation, or None."""
        desk, conversation = self.orders, getattr(asker, "conversation", None)
        if desk is None or not conversation or not desk.active():
            return None
        return desk.draft(message, conversation,
                          (own_order(message) or about_purchase(message)) and not asks_store_rule(message))

    # ---- what the responders share
    def vector(self, turn: Turn):
        """The turn's standalone question embedded (once)."""
        if turn.vector is None:
            turn.vector = self.phrases.embed([turn.query])[0]
        return turn.vector

    def look_up(self, turn: Turn, judge: bool = True) -> Found:
        """The passages for the turn's question: retrieved (scoped by ``filters``), then read by the judge when
        ``judge`` and one is loaded. Done once per turn; later calls return the same."""
        if turn.found is None:
            vector = self.vector(turn)
            # the page's product scopes the search even for a store question (its results hold the store's pages
            # too); only the product a conversation drifted to is dropped
            scope = turn.product or turn.product_id
            hits = self.retriever.search(turn.query, filters=self.filters(turn.query, vector, scope), vector=vector)
            turn.clock.retrieved()
            top = hits[: self.settings.top_k]
            relevance = top[0].relevance if top else 0.0
            judged = self.judged(turn.query, vector, top) if judge else None
            if judged is not None:  # the judge reranks the passages, decides, and is the confidence
                top = judged.hits
                hits = top + hits[len(top):]
            turn.found = Found(hits, top, relevance, judged)
        return turn.found

    def filters(self, question: str, vector, product: str | None) -> Filters:
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

    def judged(self, question: str, vector, hits: list[Hit]) -> Judged | None:
        """The judge's reading of the top hits, or None when no judge is configured or loadable."""
        judge = self.judge
        if judge is None:
            return None
        asked = without_store_name(question, self.settings.store_name)
        if asked != question:
            vector = self.phrases.embed([asked])[0]
        return judge_hits(judge, asked, vector, hits, self.retriever.index, self.phrases.embed,
                          self.settings.judge_margin)

    def verifier_support(self):
        """The judge's sentence-support head for verifying generated sentences (None without a judge)."""
        judge = self.judge
        return judge.support if judge is not None else None

    def doc_citation(self, doc_id: str) -> Citation | None:
        """A citation of a whole document (a product or a review), by its first chunk."""
        chunk = self._first_chunks.get(doc_id)
        if chunk is None:
            return None
        return Citation(doc_id=doc_id, chunk_id=chunk.id, title=chunk.title, score=1.0, url=chunk.url,
                        excerpt=chunk.text[:300])

    # ---- helpers
    def _turn(self, message: str, notice: str | None, product_id: str | None, history: list,
              clock: Clock | None = None) -> Turn:
        turn = Turn(message, notice, product_id, history, clock or Clock(), self.settings.model_wait_s,
                    knowledge_version=self.knowledge_version)
        named = self._named_in_view(turn)
        if named and turn.query != message:  # "how do I wash them?" after the slippers: them are the slippers
            # a whole policy question ("can I return them if they don't fit?") is asked of the store's pages as it is
            policy = self.shop.asks_policy(message, self.phrases.embed([message])[0])
            turn.query = message if policy else standalone_question(message, history, named)
        if (turn.product or turn.shown) and self._store_wide(message):
            turn.leave_products()  # shipping, returns, payment, the store: the same answer on every product page
        return turn

    def _named_in_view(self, turn: Turn) -> str | None:
        """The name of the one product the last answer was about or showed, or None: a pronoun after a store
        answer ("do you ship to Canada and how much does it cost?") is about that answer, not an older product."""
        if not self.settings.shop_skills:
            return None
        pid = last_answer_product(turn.history)
        item = self.shop.catalog.by_id.get(pid) if pid else None
        return item.product.name if item else None

    def _store_wide(self, message: str) -> bool:
        """Whether ``message`` asks about the store as a whole (the router is sure it is a policy question) and
        points at no product ("can I return it?" is about the product in focus)."""
        if not self.settings.shop_skills or leans_on_context(message):
            return False
        return self.shop.asks_policy(message, self.phrases.embed([message])[0])

    def _clean(self, message: str) -> tuple[str, str | None]:
        if not isinstance(message, str) or not message.strip():
            raise InputError("the message is empty; type what you would like to know")
        return cut_message(message, self.settings.max_question_chars)


def _retrieved_clock(started: float) -> Clock:
    """A draft's own clock: started with the request, its retrieval already done."""
    clock = Clock(started)
    clock.retrieved()
    return clock
