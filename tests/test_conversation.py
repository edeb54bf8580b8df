import pytest

from chatbot.converse.conversation import Turn, focus_product, is_follow_up, standalone_question

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
