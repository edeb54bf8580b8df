"""A real shop's size and names: what recommendations and review summaries read is worked out once per index, with
the same results as reading every document; products whose names share words are told apart by the whole name.

A 5,000-product store with 50,000 reviews spent 0.9 s of CPU on each recommendation and 0.6 s on each review
summary re-reading every document; the benchmark (``benchmarks/import.py``) measures the speed, these tests check
that the answers did not change.
"""

from __future__ import annotations

import re

import pytest

from chatbot.ingest.store import KnowledgeIndex
from chatbot.shop.catalog import Catalog
from chatbot.shop.products import Product, products_from, reviews_from
from chatbot.shop.recommend import ProductSet, recommend, recommend_after, similar_products
from chatbot.shop.reviews import analyze_reviews, summarize_reviews


@pytest.fixture(scope="module")
def index(demo_index_dir):
    return KnowledgeIndex.load(demo_index_dir)


def test_a_product_summary_from_the_catalogs_reviews_is_the_same_as_from_every_document(index):
    catalog = Catalog.from_documents(index)
    assert len(catalog.reviews) > 10
    for pid, reviews in catalog.reviews.items():
        assert summarize_reviews(reviews, pid, "product", [pid], 3, 1) == analyze_reviews(index, pid, 3, 1), pid


def _interests_one_by_one(interests: set[str], product: Product) -> int:
    """What the ranking used to count, product by product: the interest stems the product's text starts or is
    the start of."""
    from chatbot.shop.recommend import _stems, _text

    own = set(_stems(_text(product)))
    return sum(any(t.startswith(w) or (len(t) >= 4 and w.startswith(t)) for t in own) for w in interests)


@pytest.mark.parametrize("interests", [{"build"}, {"scienc", "kit"}, {"marbl", "run", "water"}, {"zzzz"}, set()])
def test_interest_counts_from_the_stem_index_match_reading_each_product(index, real_embedder, interests):
    items = ProductSet(index, real_embedder)
    counts = items.shared_interests(interests)
    expected = {p.id: _interests_one_by_one(interests, p) for p in items.products}
    assert {pid: counts.get(pid, 0) for pid in expected} == expected
    assert interests != {"build"} or any(expected.values())  # the check can fail: building toys are in the demo


@pytest.mark.parametrize("need", ["a gift for a 6 year old who likes building, under $40",
                                  "something for a coffee lover", "a present for my 8 year old daughter"])
def test_a_kept_product_set_recommends_what_the_index_does(index, real_embedder, need):
    kept = ProductSet(index, real_embedder)
    kept.warm_up()
    assert recommend(need, kept, real_embedder, k=5) == recommend(need, index, real_embedder, k=5)
    first = products_from(index)[0].id
    assert similar_products(first, kept, real_embedder) == similar_products(first, index, real_embedder)
    assert recommend_after(first, kept, real_embedder, need=need) == recommend_after(first, index, real_embedder,
                                                                                     need=need)


def _catalog(*names: str) -> Catalog:
    products = [Product(id=re.sub(r"\W+", "-", n.lower()), name=n, category="Outdoor", price=20.0 + i,
                        attributes={}, description=f"The {n}.") for i, n in enumerate(names)]
    return Catalog(products, [])


def test_products_named_in_full_lead_and_look_alikes_made_of_their_words_go():
    catalog = _catalog("Zephyr Summit Camp Stool", "Juniper Summit Camp Stool", "Juniper Meadow Rain Jacket",
                       "Juniper Meadow Camp Stool", "Zephyr Peak Camp Stool")
    named = catalog.mentioned("Compare the Zephyr Summit Camp Stool and the Juniper Meadow Rain Jacket",
                              by_position=True)
    assert [i.product.name for i in named] == ["Zephyr Summit Camp Stool", "Juniper Meadow Rain Jacket"]
    named = catalog.mentioned("Is the Juniper Meadow Camp Stool sturdy?")
    assert named[0].product.name == "Juniper Meadow Camp Stool"


def test_a_name_inside_another_named_name_is_kept_when_both_are_spelled_out():
    catalog = _catalog("Marble Run", "Marble Run Deluxe", "Water Table")
    named = catalog.mentioned("What's the difference between the Marble Run and the Marble Run Deluxe?",
                              by_position=True)
    assert [i.product.name for i in named] == ["Marble Run", "Marble Run Deluxe"]


def test_reviews_are_read_once_into_the_catalog(index):
    catalog = Catalog.from_documents(index)
    assert sum(len(r) for r in catalog.reviews.values()) == len(reviews_from(index))
