import pytest

from chatbot.converse.conversation import (Turn, focus_product, is_follow_up, last_answer_product,
                                            standalone_question)

HISTORY = [
    {"role": "user", "content": "What is the return window for toys?"},
    {"role": "assistant", "content": "30 days.", "product_id": None},
]


@pytest.mark.parametrize("message", ["and for shoes?", "What about gift cards?", "does it come in blue?",
                                     "Also expedited?", "how about Canada"])
def test_follow_ups_get_the_previous_question(message):
    assert is_follow_up(message)
    assert standalone_question(message, HISTORY) == f"What is the return window for toys? {message}"


@pytest.mark.parametrize("message", ["How long does shipping to Canada take?", "Which payment methods do you accept?"])
def test_standalone_questions_stay_as_they_are(message):
    assert standalone_question(message, HISTORY) == message


def test_no_history_means_no_rewrite():
    assert standalone_question("and for shoes?", []) == "and for shoes?"
    assert standalone_question("and for shoes?", None) == "and for shoes?"


def test_product_in_focus_carries_over():
    history = [Turn("user", "tell me about the marble run"), Turn("assistant", "It has 120 pieces.", "HP-1001"),
               Turn("user", "and the price?"), Turn("assistant", "$34.99")]
    assert focus_product(None, history) == "HP-1001"
    assert focus_product("HP-1002", history) == "HP-1002"
    assert focus_product(None, [{"role": "user", "content": "hi"}, "junk", {"role": "system"}]) is None


def test_a_whole_question_about_the_product_in_view_is_completed_with_its_name_not_the_last_question():
    """After "how do I wash them?" about the slippers, "can I return them if they don't fit?" must not be searched
    as a washing question: "them" is the product, named instead of the previous question."""
    history = [Turn("user", "do you have wool slippers?"), Turn("assistant", "We have 1 ...", None, ("fell",)),
               Turn("user", "how do I wash them?"), Turn("assistant", "Air them outdoors [1].", "fell")]
    assert last_answer_product(history) == "fell"
    asked = "can I return them if they don't fit?"
    assert standalone_question(asked, history, named="Fell Wool Slippers") == f"{asked} (Fell Wool Slippers)"
    assert standalone_question(asked, history) == f"how do I wash them? {asked}"  # no product named: as before
    # an elliptical follow-up still goes on with the last question
    assert standalone_question("and for shoes?", history, named="Fell Wool Slippers") == \
        "how do I wash them? and for shoes?"
    store = [*history, Turn("user", "Do you ship to Canada?"), Turn("assistant", "Yes, for $19.99 [1].")]
    assert last_answer_product(store) is None  # a store answer after the product talk: "it" is not the product
    assert last_answer_product([Turn("assistant", "Two ideas", None, ("a", "b"))]) is None
