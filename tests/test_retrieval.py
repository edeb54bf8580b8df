import numpy as np
import pytest

from chatbot.common.types import Document
from chatbot.config import Settings
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.hybrid import Filters, HybridRetriever


def build(embedder, settings=None):
    docs = [
        Document(id="policies/returns.md", title="Returns", text="Return any item within 30 days of delivery.",
                 kind="policy"),
        Document(id="faq:canada", title="Do you ship to Canada?", text="Q: Canada?\nA: Yes, flat rate.", kind="faq"),
        Document(id="product:A", title="Robot Kit", text="Robot kit with 120 pieces, batteries required.",
                 kind="product", product_id="A"),
        Document(id="review:1", title="Review of Robot Kit", text="The robot kit batteries died fast.",
                 kind="review", product_id="A"),
        Document(id="product:B", title="Kite", text="Large kite, 120 cm wingspan, no batteries.",
                 kind="product", product_id="B"),
        Document(id="product:C", title="Mug", text="Ceramic mug SKU-ZX81 holds 350 ml.", kind="product",
                 product_id="C"),
    ]
    chunks = Chunker().split(docs)
    index = KnowledgeIndex(embedder.name, {d.id: d for d in docs}, chunks,
                           embedder.embed([c.embed_text for c in chunks]))
    return HybridRetriever(index, embedder, settings or Settings())


def doc_ids(hits):
    return [h.chunk.doc_id for h in hits]


def test_product_filter_keeps_that_product_and_store_wide_documents(fake_embedder):
    r = build(fake_embedder)
    ids = doc_ids(r.search("batteries", filters=Filters(product_id="A")))
    assert set(ids) <= {"product:A", "review:1", "policies/returns.md", "faq:canada"}
    assert "product:B" not in ids and ids[0] in {"product:A", "review:1"}


def test_kind_filter(fake_embedder):
    r = build(fake_embedder)
    assert set(doc_ids(r.search("robot kit batteries", filters=Filters(kinds=("review",))))) == {"review:1"}
    assert r.search("robot", filters=Filters(product_id="nope", kinds=("review",))) == []


def test_lexical_search_finds_exact_codes_that_embeddings_blur(fake_embedder):
    dense_only = build(fake_embedder, Settings(lexical_weight=0.0))
    hybrid = build(fake_embedder)
    assert doc_ids(hybrid.search("SKU-ZX81"))[0] == "product:C"
    lexical_hit = hybrid.search("SKU-ZX81")[0]
    assert lexical_hit.lexical_score > 0 and lexical_hit.dense_score is not None
    assert len(dense_only.search("SKU-ZX81")) == len(hybrid.search("SKU-ZX81"))


def test_k_limits_results_and_scores_are_ordered(fake_embedder):
    r = build(fake_embedder)
    hits = r.search("robot kit", k=3)
    assert len(hits) == 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(0.0 <= h.relevance <= 1.0 for h in hits)


@pytest.mark.parametrize("query", ["", "   ", "zzzzqqq", "🎁🎁", "x" * 5000])
def test_odd_queries_do_not_fail(fake_embedder, query):
    hits = build(fake_embedder).search(query)
    assert isinstance(hits, list)


def test_real_embedder_ranks_policies_and_products(demo_index_dir, real_embedder):
    index = KnowledgeIndex.load(demo_index_dir, real_embedder.name, real_embedder.dimension)
    r = HybridRetriever(index, real_embedder)
    assert r.search("How long do I have to return an item?")[0].chunk.doc_id in {
        "policies/returns-and-refunds.md", "faq:what-is-your-return-policy"}
    scoped = r.search("how many pieces does it have?", filters=Filters(product_id="HP-1001"))
    assert "product:HP-1001" in [h.chunk.doc_id for h in scoped[:3]]
    assert "120" in scoped[0].chunk.text  # the product page or a review that states the count
    assert all(h.chunk.product_id in (None, "HP-1001") for h in scoped)
    weather = r.search("What is the capital of Australia?")[0]
    returns = r.search("How long do I have to return an item?")[0]
    assert weather.relevance < 0.3 < returns.relevance


def test_caching_embedder_embeds_each_text_once_and_keeps_the_inner_vectors(fake_embedder):
    from chatbot.ingest.embedding import CachingEmbedder

    cached = CachingEmbedder(fake_embedder, max_entries=3)
    first = cached.embed(["return policy", "shipping to Canada", "return policy"])
    assert fake_embedder.calls == [["return policy", "shipping to Canada"]]  # one batch, no repeats
    again = cached.embed(["shipping to Canada", "gift cards"])
    assert fake_embedder.calls[-1] == ["gift cards"]
    assert np.allclose(again[0], first[1]) and np.allclose(again[1], fake_embedder.embed(["gift cards"])[0])
    cached.embed(["warranty"])  # the least recently used ("return policy") makes room
    cached.embed(["return policy"])
    assert fake_embedder.calls[-1] == ["return policy"]
    assert cached.embed([]).shape == (0, fake_embedder.dimension) and cached.name == fake_embedder.name


class _SlowEmbedder:
    """The hashing embedder behind a gate: the first call holds the model until the others are waiting."""

    def __init__(self, inner, fail_on: str | None = None):
        import threading

        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.calls: list[list[str]] = []
        self.gate = threading.Event()
        self.fail_on = fail_on

    def embed(self, texts):
        self.calls.append(list(texts))
        if len(self.calls) == 1:
            self.gate.wait(5)
        if self.fail_on in texts:
            raise RuntimeError("model crashed")
        return self.inner.embed(texts)


def _embed_at_once(batching, texts: list[str], started_gate) -> dict:
    import threading
    import time

    results: dict = {}

    def call(text):
        try:
            results[text] = batching.embed([text])[0]
        except RuntimeError as exc:
            results[text] = exc

    first = threading.Thread(target=call, args=(texts[0],))
    first.start()
    time.sleep(0.1)  # the first call is now inside the model
    others = [threading.Thread(target=call, args=(t,)) for t in texts[1:]]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # the others are waiting for it
    started_gate.set()
    for thread in [first, *others]:
        thread.join(10)
    return results


def test_calls_at_the_same_time_share_one_forward_pass_and_each_gets_its_own_vectors(fake_embedder):
    from chatbot.ingest.embedding import BatchingEmbedder

    slow = _SlowEmbedder(fake_embedder)
    texts = ["return policy", "shipping to Canada", "gift cards", "warranty", "dishwasher safe"]
    results = _embed_at_once(BatchingEmbedder(slow), texts, slow.gate)
    assert slow.calls[0] == ["return policy"] and sorted(slow.calls[1]) == sorted(texts[1:])  # 2 passes, not 5
    for text in texts:
        assert np.allclose(results[text], fake_embedder.embed([text])[0])
    alone = BatchingEmbedder(fake_embedder)
    assert alone.embed([]).shape == (0, fake_embedder.dimension) and alone.name == fake_embedder.name


def test_a_model_error_reaches_every_call_of_its_batch_and_the_next_calls_still_run(fake_embedder):
    from chatbot.ingest.embedding import BatchingEmbedder

    slow = _SlowEmbedder(fake_embedder, fail_on="warranty")
    batching = BatchingEmbedder(slow)
    results = _embed_at_once(batching, ["return policy", "warranty", "gift cards"], slow.gate)
    assert not isinstance(results["return policy"], Exception)
    assert isinstance(results["warranty"], RuntimeError) and isinstance(results["gift cards"], RuntimeError)
    assert np.allclose(batching.embed(["gift cards"])[0], fake_embedder.embed(["gift cards"])[0])  # no hang


def test_unused_words_are_the_asked_words_no_chunk_says_in_any_form():
    from chatbot.retrieve.lexical import LexicalIndex

    index = LexicalIndex(["We offer new customers 10% off with a discount code.", "We ship to Canada and the US.",
                          "Returns are free within 30 days. Pay by card."])
    assert index.unused_words("Do you offer a Student discount?") == ["Student"]  # as written
    assert index.unused_words("Do you give discounts to new customers?") == []  # another form of a word used
    assert index.unused_words("Hey, do you ship to Canda quickly?") == []  # greeting, typo, adverb
    assert index.unused_words("Can I pay with Venmo or venmo?") == ["Venmo"]
    assert index.unused_words("whats the student code, dont tell") == ["student", "tell"]  # no "whats", "dont"
    assert LexicalIndex([]).unused_words("Venmo at all?") == ["Venmo"]  # an empty store says nothing
    # "how long", "how soon" ask how much: not words the pages must use (a store whose pages never say "long")
    assert index.unused_words("How long is shipping to Canada?") == []
    assert index.unused_words("How soon can I return it? How big is the box?") == ["box"]
    assert index.unused_words("Is it long enough for a tall person?") == ["long", "tall", "person"]  # not asked how
