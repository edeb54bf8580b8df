"""The support agent's helpers on the real demo store: catalog, descriptions, review analysis, recommendations."""

from __future__ import annotations

import json
import math
import re

import pytest
from conftest import KNOWLEDGE

from chatbot.common.errors import InputError
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.store import KnowledgeIndex
from chatbot.shop.recommend import age_range
from chatbot.shop.tools import (
    analyze_reviews,
    describe_product,
    find_product,
    parse_need,
    products_from,
    recommend,
    reviews_from,
    similar_products,
)

STORE = "Harbor & Pine"
RECORDS = [json.loads(line) for line in (KNOWLEDGE / "catalog" / "products.jsonl").read_text().splitlines() if line]
REVIEWS = [json.loads(line) for line in (KNOWLEDGE / "reviews" / "reviews.jsonl").read_text().splitlines() if line]
BY_ID = {r["id"]: r for r in RECORDS}


@pytest.fixture(scope="module")
def index(demo_index_dir):
    return KnowledgeIndex.load(demo_index_dir)


@pytest.fixture(scope="module")
def products(index):
    return products_from(index)


def numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


# ---- catalog
def test_products_and_reviews_read_back_exactly_from_the_index(index, products):
    assert len(products) == 66
    for product in products:
        record = BY_ID[product.id]
        assert (product.name, product.category, product.price) == (record["name"], record["category"], record["price"])
        assert product.attributes == record["attributes"] and product.description == record["description"]
    reviews = {r.id: r for r in reviews_from(index)}
    assert len(reviews) == 229
    for raw in REVIEWS:
        review = reviews[raw["id"]]
        assert (review.product_id, review.rating, review.title, review.text, review.author, review.date) == (
            raw["product_id"], raw["rating"], raw["title"], raw["text"], raw["author"], raw["date"])


def test_find_product_forgives_case_and_explains_unknown_ids(products):
    assert find_product(products, " hp-1001 ").id == "HP-1001"
    with pytest.raises(InputError, match="no product with id 'HP-9999'"):
        find_product(products, "HP-9999")


# ---- descriptions
def test_descriptions_state_only_catalog_facts_for_every_product(products):
    labels = {k.replace("_", " ") for r in RECORDS for k in r["attributes"]}
    values = {str(v).lower() for r in RECORDS for v in r["attributes"].values() if isinstance(v, str)}
    for product in products:
        record = BY_ID[product.id]
        own = json.dumps(record, ensure_ascii=False).lower().replace("_", " ")
        text = describe_product(product, STORE)
        where = f"{product.id}: {text}"
        assert product.name in text and f"${record['price']:,.2f}" in text and record["category"] in text, where
        assert 2 <= len(re.split(r"(?<=[.!?])\s+(?=[A-Z$])", text)) <= 4, where
        # every number comes from the record (the price, sizes, ages, counts)
        assert numbers(text) <= numbers(json.dumps(record)), where
        # no attribute of another product, by name or by value, unless this record says it too
        lowered = text.lower()
        for label in labels:
            if re.search(rf"\b{re.escape(label)}\b", lowered):
                assert label in own, f"{where} mentions {label!r}"
        for value in values:
            if len(value) > 3 and value in lowered:
                assert value in own, f"{where} mentions {value!r}"


def test_description_phrases_attributes_in_plain_words(products):
    marble_run = describe_product(find_product(products, "HP-1001"), STORE)
    assert "for ages 6-12 years" in marble_run and "made of BPA-free plastic" in marble_run
    assert "no batteries needed" in marble_run and marble_run.endswith(
        "$34.99 at Harbor & Pine, in our Toys & Games collection.")


# ---- review analysis
def expected_bands(product_ids):
    ratings = [r["rating"] for r in REVIEWS if r["product_id"] in product_ids]
    return len(ratings), {"positive": sum(r >= 4 for r in ratings), "neutral": sum(r == 3 for r in ratings),
                          "negative": sum(r <= 2 for r in ratings)}


def test_product_review_analysis_counts_and_quotes_real_reviews(index):
    analysis = analyze_reviews(index, "hp-1049")  # earbuds: 1 to 5 stars, praise and complaints about charging
    total, bands = expected_bands({"HP-1049"})
    assert (analysis.target, analysis.scope, analysis.total) == ("HP-1049", "product", total)
    assert {band: v["count"] for band, v in analysis.sentiment.items()} == bands
    assert analysis.sentiment["positive"]["share"] == round(bands["positive"] / total, 4)
    ours = [r for r in REVIEWS if r["product_id"] == "HP-1049"]
    assert analysis.average_rating == round(sum(r["rating"] for r in ours) / total, 2)

    def battery_reviews(low, high):  # an independent count of the battery aspect in one star band
        return sum(low <= r["rating"] <= high and re.search(r"batter|charg", (r["title"] + r["text"]).lower()) is not None
                   for r in ours)

    praised, criticised = {a.aspect: a for a in analysis.praised}, {a.aspect: a for a in analysis.criticised}
    assert praised["battery"].count == battery_reviews(4, 5) == 2
    assert criticised["battery"].count == battery_reviews(1, 3) == 2
    by_id = {r["id"]: r for r in REVIEWS}
    for band, summaries in (("praised", analysis.praised), ("criticised", analysis.criticised)):
        for summary in summaries:
            assert 1 <= len(summary.examples) <= 2
            for quote in summary.examples:
                raw = by_id[quote.review_id]
                assert quote.text in raw["text"] or quote.text == raw["title"]
                assert (raw["rating"] >= 4) == (band == "praised") and raw["product_id"] == "HP-1049"
    needs = {(q.review_id, q.text) for q in analysis.unmet_needs}
    assert needs == {("R0177", "I wish there were touch controls for volume.")}


def test_category_review_analysis(index):
    analysis = analyze_reviews(index, "kids outdoor")
    ids = {r["id"] for r in RECORDS if r["category"] == "Kids Outdoor"}
    total, bands = expected_bands(ids)
    assert (analysis.target, analysis.scope, set(analysis.product_ids)) == ("Kids Outdoor", "category", ids)
    assert analysis.total == total and {b: v["count"] for b, v in analysis.sentiment.items()} == bands
    assert math.isclose(sum(v["share"] for v in analysis.sentiment.values()), 1.0, abs_tol=1e-3)
    assert analysis.praised and analysis.criticised
    assert all(a.count >= b.count for a, b in zip(analysis.praised, analysis.praised[1:]))
    texts = {r["id"]: r["text"] for r in REVIEWS}
    assert analysis.unmet_needs and all(q.text in texts[q.review_id] for q in analysis.unmet_needs)
    assert "R0083" in {q.review_id for q in analysis.unmet_needs}  # "I wish they came with ... pads"
    assert analysis.to_dict()["sentiment"] == analysis.sentiment


@pytest.mark.parametrize("target", ["Garden Gnomes", "HP-9999", "", "   "])
def test_review_analysis_rejects_unknown_targets(index, target):
    with pytest.raises(InputError, match="product id|categor"):
        analyze_reviews(index, target)


# ---- recommendations
@pytest.mark.parametrize("need, price, age", [
    ("a gift for a 6-year-old under $30", 30.0, 6),
    ("something for a 6 year old, less than 30 dollars", 30.0, 6),
    ("puzzle below $50 for age 6", 50.0, 6),
    ("max $40, for ages 8", 40.0, 8),
    ("$25 or less", 25.0, None),
    ("under $19.99 for my toddler", 19.99, 2),
    ("a toy for under 5 years old", None, 5),
    ("board game for a 10yo", None, 10),
    ("bluetooth speaker", None, None),
])
def test_parse_need_reads_price_limits_and_ages(need, price, age):
    parsed = parse_need(need, ["Toys & Games", "Kids Outdoor"])
    assert (parsed.max_price, parsed.age) == (price, age)


@pytest.mark.parametrize("value, bounds", [("6-12 years", (6, 12)), ("3+ years", (3, math.inf)),
                                           ("5 years and up", (5, math.inf)), ("all ages", (0, math.inf)),
                                           ("18 months+", (1.5, math.inf)), ("colorful", None), (None, None)])
def test_age_range_parsing(value, bounds):
    assert age_range(value) == bounds


def test_gift_for_a_six_year_old_under_30(index, products, real_embedder):
    picks = recommend("a gift for a 6-year-old under $30", index, real_embedder, k=3)
    assert len(picks) == 3
    for pick in picks:
        low, high = age_range(pick.product.attributes["age_range"])
        assert pick.product.price <= 30 and low <= 6 <= high, pick
        assert pick.reason.startswith(f"${pick.product.price:.2f}, under your $30 limit") and "for " in pick.reason
    assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)


def test_price_limit_is_never_exceeded(index, real_embedder):
    assert all(p.product.price <= 10 for p in recommend("a small present under $10", index, real_embedder, k=10))
    assert recommend("anything under $1", index, real_embedder) == []


def test_kids_outdoor_need_returns_kids_outdoor_first(index, real_embedder):
    picks = recommend("kids outdoor toy for the backyard under $70", index, real_embedder, k=5)
    kids_outdoor = sum(r["category"] == "Kids Outdoor" and r["price"] <= 70 for r in RECORDS)
    assert len(picks) == 5 and kids_outdoor >= 5
    assert all(p.product.category == "Kids Outdoor" for p in picks)
    assert "in Kids Outdoor, as asked" in picks[0].reason


def test_similar_products_prefer_the_category_and_exclude_the_product(index, real_embedder):
    picks = similar_products("hp-1001", index, real_embedder, k=3)
    assert len(picks) == 3 and "HP-1001" not in {p.product.id for p in picks}
    assert all(p.product.category == "Toys & Games" for p in picks)
    assert all(p.reason.startswith("also in Toys & Games") for p in picks)
    many = similar_products("HP-1001", index, real_embedder, k=20)  # 14 other toys, then the nearest others
    assert [p.product.category for p in many[:14]] == ["Toys & Games"] * 14 and many[14].product.category != \
        "Toys & Games"


def test_a_plain_product_list_and_the_chatbot_work_too(index, products, real_embedder):
    picks = similar_products("HP-1033", products[:20] + [find_product(products, "HP-1033")], real_embedder, k=2)
    assert "HP-1033" not in {p.product.id for p in picks}
    bot = Chatbot(Settings(generator="extractive"), embedder=real_embedder, index=index)
    picks = recommend("a coffee maker under $40", bot, bot.embedder, k=1)
    assert picks[0].product.id == "HP-1033" and "matches 'coffee'" in picks[0].reason


@pytest.mark.parametrize("call, message", [
    (lambda i, e: recommend("", i, e), "need is empty"),
    (lambda i, e: recommend("   ", i, e), "need is empty"),
    (lambda i, e: recommend("a gift", i, e, k=0), "k=0"),
    (lambda i, e: similar_products("HP-9999", i, e), "no product with id 'HP-9999'"),
    (lambda i, e: recommend("a gift", [], e), "no products"),
])
def test_bad_input_is_explained(index, real_embedder, call, message):
    with pytest.raises(InputError, match=message):
        call(index, real_embedder)
