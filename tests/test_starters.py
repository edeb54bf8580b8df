"""Example questions for an empty chat come from the store's own documents, whatever the store sells."""

from __future__ import annotations

import json

from conftest import KNOWLEDGE

from chatbot.common.types import Document
from chatbot.converse.starters import MAX_CHARS, example_questions
from chatbot.ingest.loaders import load_paths


def faq(question: str) -> Document:
    return Document(id=f"faq:{question}", title=question, text=f"Q: {question}\nA: Yes.", kind="faq")


def product(name: str) -> Document:
    return Document(id=f"product:{name}", title=name, text=name, kind="product", product_id=name)


def test_the_demo_store_suggests_three_of_its_own_faq_questions_from_different_parts_of_its_faq():
    asked = [json.loads(line)["question"] for line in (KNOWLEDGE / "faq.jsonl").read_text().splitlines()]
    examples = example_questions(load_paths([KNOWLEDGE]).documents)
    assert len(examples) == 3 and len(set(examples)) == 3
    assert all(q in asked for q in examples)
    positions = [asked.index(q) for q in examples]
    assert positions == sorted(positions) and positions[-1] - positions[0] >= len(asked) // 3  # spread out


def test_another_store_gets_its_own_questions_and_none_about_a_shoppers_own_order():
    documents = [faq("Do you deliver sofas upstairs?"), faq("Where is my order?"), faq("Can I change my address?"),
                 faq("Is assembly included?"), faq("Do you sell gift vouchers?"),
                 faq("Which of your wood finishes are safe for a kitchen table that gets wiped every day?"),
                 product("Oak Dining Table")]
    assert example_questions(documents) == ["Do you deliver sofas upstairs?", "Is assembly included?",
                                            "Do you sell gift vouchers?"]


def test_a_store_without_an_faq_suggests_asking_about_its_products():
    documents = [product("Oak Dining Table"), product("Linen Sofa"), Document("p.md", "Returns", "…", "policy")]
    assert example_questions(documents) == ["Tell me about the Linen Sofa", "Tell me about the Oak Dining Table"]


def test_no_documents_no_suggestions_and_every_suggestion_fits_a_phone_line():
    assert example_questions([]) == []
    many = [faq(f"Do you stock item number {i}?") for i in range(40)]
    assert all(len(q) <= MAX_CHARS for q in example_questions(many, count=5))
    assert len(example_questions(many, count=5)) == 5
