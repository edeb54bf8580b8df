"""A product's variants as shoppers name them: sizes in words, and the options a question asks for by kind."""

from __future__ import annotations

import pytest

from chatbot.shop.products import Product
from chatbot.shop.option_follow_up import with_other_option
from chatbot.shop.variants import asked_options, named_variants, options_sentence

VEST = Product(id="vest", name="Ridgeline Rain Jacket", category=None, price=129.0,
               options=[{"name": "Color", "values": ["Slate", "Ember"]}, {"name": "Size", "values": ["S", "M", "L", "XL"]}],
               variants=[{"options": {"Color": c, "Size": s}, "price": 129.0} for c in ("Slate", "Ember")
                         for s in ("S", "M", "L", "XL")])


@pytest.mark.parametrize("message, values", [
    ("how much is it in a large?", ["L"]),
    ("the ember one in small", ["Ember", "S"]),
    ("do you have it in medium", ["M"]),
    ("extra large please", ["XL"]),
    ("x-large in slate?", ["Slate", "XL"]),
    ("is it in XL", ["XL"]),
    ("how large is it?", []),  # its dimensions, not a size
    ("the largest one", []),
    ("I'm after one", []),  # "I'm" is no size M
])
def test_sizes_are_named_by_their_letters_and_their_words(message, values):
    named, variants = named_variants(VEST, message)
    assert sorted(named) == sorted(values)
    assert all(all(v in variant["options"].values() for v in named) for variant in variants)


def test_the_options_a_question_asks_for_by_kind_are_said_together():
    asked = asked_options(VEST, "what sizes and colours does it come in?")
    assert [o["name"] for o in asked] == ["Color", "Size"]
    assert options_sentence(VEST, asked) == ("The Ridgeline Rain Jacket comes in Slate and Ember, and in sizes "
                                              "S, M, L and XL")
    assert [o["name"] for o in asked_options(VEST, "which shades?")] == ["Color"]
    assert asked_options(VEST, "how much is it?") == []


@pytest.mark.parametrize("message, previous, asked", [
    ("and in L?", "how much is it in Slate?", "how much is it in Slate in L?"),
    ("what about Ember?", "how much is it in Slate in L?", "how much is it in L in Ember?"),  # Ember replaces Slate
    ("in a large?", "is the slate one in stock", "is the slate one in stock in L?"),
    ("and in XL please", "how much is it?", "how much is it in XL?"),
])
def test_an_option_alone_asks_the_previous_question_again_for_it(message, previous, asked):
    assert with_other_option(message, previous, VEST) == asked


@pytest.mark.parametrize("message", [
    "and is it waterproof?",  # a question of its own
    "and in red?",  # no option of this product: the skills answer that red isn't one of them
    "what about shipping to L.A.?",
    "and the Ridgeline Tent in L?",  # another product
])
def test_a_follow_up_that_is_more_than_an_option_is_left_alone(message):
    assert with_other_option(message, "how much is it in Slate?", VEST) is None


def test_without_a_previous_question_there_is_nothing_to_ask_again():
    assert with_other_option("and in L?", "", VEST) is None
