"""Attribute answers in words: the template sentences, checked on real product attributes (semiPQA)."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from chatbot.common.errors import InputError
from chatbot.ingest.datasets.semipqa import attribute_value, read_data_to_text
from chatbot.shop.phrasing import attribute_sentence

DATA = ROOT / "datasets" / "semipqa" / "data-to-text"


@pytest.mark.parametrize("data,expected", [
    ('brand: { value:"CHANEL" }', ("brand", "CHANEL")),
    ("audio_sensitivity: { unit:decibels, value:121.0 }", ("audio_sensitivity", "121 decibels")),
    ('component_type: { value:"Memory" }; { value:"Display" }', ("component_type", "Memory, Display")),
    ("thread: { count:[ { value:160 } ] }", ("thread_count", "160")),
    ("allergen_information: { value:peanut_free }; { value:gluten_free }",
     ("allergen_information", "peanut free, gluten free")),
    ("item_weight: { unit:pounds, normalized_value:{ unit:pounds, value:1.79 }, value:1.79 }",
     ("item_weight", "1.79 pounds")),
    ('title: { value:"She said ""hi""" }', ("title", 'She said "hi"')),
])
def test_amazon_attribute_notation_is_read_as_a_catalog_value(data, expected):
    assert attribute_value(data) == expected


@pytest.mark.parametrize("data", ["", "brand", "brand: { value:", "brand: {{{", "x: }"])
def test_unreadable_attributes_are_skipped_not_raised(data):
    assert attribute_value(data) is None


def test_a_file_without_the_columns_is_refused_with_what_it_needs(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(InputError, match="'data' and 'text'"):
        read_data_to_text(bad)


@pytest.mark.parametrize("field,value,sentence", [
    ("number_of_keys", 28, "The product has 28 keys"),
    ("dial_color", "Yellow", "The dial of the product is yellow"),
    ("sole_material", "Rubber", "The sole of the product is made of Rubber"),
    ("compatible_phone_models", "iPhone 11, iPhone 12", "The product works with iPhone 11 and iPhone 12"),
    ("colors", "midnight, sand, sage", "The product comes in midnight, sand and sage"),
    ("dimensions", "10 x 4 in", "The dimensions of the product are 10 x 4 in"),
    ("dishwasher_safe", False, "No, the product isn't dishwasher safe"),
    ("adapter_included", True, "Yes, the product comes with an adapter"),
    ("front_pocket", True, "Yes, the product has a front pocket"),
])
def test_any_field_is_said_as_a_sentence(field, value, sentence):
    assert attribute_sentence("product", field, value) == sentence


def test_every_real_attribute_is_said_with_its_whole_value_and_no_field_notation():
    pairs = read_data_to_text(DATA / "test_seen.csv") + read_data_to_text(DATA / "test_unseen.csv")
    assert len(pairs) > 380  # the two test splits, all but a few unreadable rows
    words = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
    for pair in pairs:
        sentence = attribute_sentence("product", pair.field, pair.value)
        assert set(words.findall(pair.value.lower())) <= set(words.findall(sentence.lower())), (pair, sentence)
        assert "_" not in sentence and "{" not in sentence, sentence
