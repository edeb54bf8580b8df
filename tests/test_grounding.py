import pytest

from chatbot.answer.grounding import Verifier, clean_sentence, facts, split_cited, unmatched_names

RETURNS = ("Returns and Refunds > Return window: You can return most items within 30 days from the date of "
           "delivery. Refunds go to the original payment method within 5–7 business days.")
SHIPPING = "Shipping > Canada: Shipping to Canada is a flat $19.99 and takes 7–10 business days."


@pytest.fixture(scope="module")
def verifier(real_embedder):
    return Verifier({1: RETURNS, 2: SHIPPING}, real_embedder, threshold=0.55)


def test_supported_sentence_is_kept_with_its_source(verifier):
    check = verifier.check("You can return most items within 30 days of delivery.", [1])
    assert check.supported and check.passages[0] == 1


def test_planted_unsupported_number_is_removed(verifier):
    """The model adds a rule the store never wrote: a 7-day window for limited-edition items."""
    assert verifier.check("You can return most items within 30 days.", [1]).supported
    check = verifier.check("Limited-edition items must be returned within 7 days.", [1])
    assert not check.supported and "7" in check.reason


@pytest.mark.parametrize("sentence", [
    "Shipping to Canada costs $24.99.",  # wrong price
    "Refunds take 14 business days.",  # wrong duration
    "You can return items within 60 days from delivery.",  # wrong window
    "Shipping to Mexico is a flat $19.99.",  # a named place no source mentions
    "Our store in Boston accepts returns in person.",  # no source says anything like it
])
def test_invented_facts_are_not_supported(verifier, sentence):
    assert not verifier.check(sentence).supported


def test_citation_restricts_the_check_to_the_cited_passage(verifier):
    sentence = "Shipping to Canada is a flat $19.99."
    assert verifier.check(sentence).passages == [2]
    assert not verifier.check(sentence, [1]).supported  # cites the returns passage, which does not say it


def test_questions_are_not_answers(verifier):
    assert not verifier.check("What is your return window?").supported


def test_split_cited_and_facts():
    assert split_cited("You have 30 days [1]. Refunds take 5-7 days [1, 2]. Thanks!") == [
        ("You have 30 days.", [1]), ("Refunds take 5-7 days.", [1, 2]), ("Thanks!", [])]
    assert facts("Returns to Canada via Apple Pay cost $50.00 within 30 days.") == {"canada", "apple pay", "50", "30 day"}
    assert clean_sentence("According to the passage [1], returns are free.") == "returns are free."
    assert clean_sentence("A: Yes, within 30 days.") == "Yes, within 30 days."


def test_unmatched_names_flag_products_the_store_does_not_mention():
    passages = ["Tidepool Marble Run: 120 pieces.", "We accept Apple Pay and PayPal."]
    assert unmatched_names("Do you sell the PlayStation 5?", passages) == {"PlayStation"}
    assert unmatched_names("Can I pay with Apple Pay?", passages) == set()
    assert unmatched_names("Is the Tidepool Marble Run fun?", passages) == set()


def test_a_condition_the_source_does_not_state_is_not_supported(real_embedder):
    """The model copied a consequence stated for defective items and put the shopper's case in front of it."""
    warranty = ("If a defective item is still within 30 days from delivery, you can choose a regular return "
                "instead, with free return shipping.")
    verifier = Verifier({1: warranty}, real_embedder)
    assert not verifier.check("If you miss the 30 day return window, you can choose a regular return instead, "
                              "with free return shipping.", [1]).supported
    assert verifier.check("If a defective item is within 30 days from delivery, you can choose a regular return "
                          "instead.", [1]).supported
    damaged = Verifier({1: "If your order arrives damaged, email us with your order number and a photo of the "
                           "damage."}, real_embedder)
    assert not damaged.check("If your order arrives damaged, I recommend sending a refund to the address "
                             "provided.", [1]).supported
    assert damaged.check("If your order arrives damaged, email us a photo of the damage.", [1]).supported
