"""The responder chain: each responder answers what it should and passes the rest on; settings switch them off.

Every test runs the real chain over the demo store's index, with the bundled embedder and judge; a scripted
model stands in for the language model where a test needs its exact words.
"""

import pytest

from chatbot.common.errors import ConfigError
from chatbot.common.types import Answer
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.converse.responders import RESPONDERS, responder_chain
from chatbot.converse.responders.cache import CacheResponder
from chatbot.converse.responders.handoff import HandoffResponder
from chatbot.converse.responders.shop import ShopResponder
from chatbot.converse.turn import Clock, Turn
from chatbot.ingest.store import KnowledgeIndex


class ScriptedGenerator:
    """A chat 'model' that always says the same reply."""

    style, name, context_window = "chat", "scripted", 2048

    def __init__(self, reply: str):
        self.reply = reply
        self.asked = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def stream(self, prompt, options):
        self.asked += 1
        yield self.reply


RETURNS = "You can return most items within 30 days from the date of delivery [1]."


@pytest.fixture(scope="module")
def demo_index(demo_index_dir):
    return KnowledgeIndex.load(demo_index_dir)


def bot_with(demo_index, real_embedder, reply=RETURNS, **settings) -> Chatbot:
    return Chatbot(Settings(index_dir="unused", **settings), embedder=real_embedder, index=demo_index,
                   generator=ScriptedGenerator(reply))


def turn(message: str, product_id=None, history=None) -> Turn:
    return Turn(message, None, product_id, list(history or []), Clock())


def run(responder, a_turn) -> list:
    return list(responder.respond(a_turn))


def test_the_chain_runs_in_the_documented_order(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder)
    assert [r.name for r in bot.responders] == ["handoff", "orders", "shop", "cache", "faq", "grounded", "decline"]


def test_handoff_answers_a_request_for_a_person_and_passes_a_question(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder)
    handoff = HandoffResponder(bot)
    *pieces, answer = run(handoff, turn("Can I talk to a real person please?"))
    assert pieces == [answer.text] and answer.handoff and answer.origin == "handoff"
    assert run(handoff, turn("What is your return window?")) == []


def test_shop_answers_from_the_catalog_and_passes_a_policy_question(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder)
    shop = ShopResponder(bot)
    *_, answer = run(shop, turn("What's the cheapest bike?"))
    assert isinstance(answer, Answer) and answer.origin == "catalog" and answer.products
    assert answer.citations and answer.citations[0].doc_id.startswith("product:")
    assert run(shop, turn("What is your return window?")) == []
    assert ShopResponder(bot_with(demo_index, real_embedder, shop_skills=False)).answer(
        turn("What's the cheapest bike?")) is None


def test_cache_replays_only_a_question_asked_before_in_the_same_scope(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder, faq_match=1.01)
    cache = CacheResponder(bot)
    assert run(cache, turn("What is your return window?")) == []
    first = bot.ask("What is your return window?")
    *_, replayed = run(cache, turn("What is your return window?"))
    assert first.origin == "model" and replayed.origin == "cache" and replayed.text == first.text
    assert run(cache, turn("What is your return window?", product_id="HP-1001")) == []  # another scope


def test_faq_answers_in_the_stores_words_without_the_model(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder)
    answer = bot.ask("Do you offer expedited shipping?")
    assert answer.origin == "faq" and bot.generator.asked == 0


def test_grounded_answers_with_a_verified_sentence(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder, faq_match=1.01)
    answer = bot.ask("What is your return window?")
    assert answer.origin == "model" and "30 days" in answer.text and bot.generator.asked == 1


def test_decline_ends_the_chain_for_what_nothing_answers(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder)
    answer = bot.ask("What is the capital of France?")
    assert answer.origin == "declined" and answer.abstained and answer.reason == "off_topic"


@pytest.mark.parametrize("off,message,origin", [
    ("faq", "Do you offer expedited shipping?", "faq"),  # the grounded path answers it instead
    ("grounded", "What is your return window?", "model"),  # declined: nothing else answers it
    ("handoff", "Can I talk to a real person please?", "handoff"),
    ("shop", "What's the cheapest bike?", "catalog"),
])
def test_a_responder_switched_off_leaves_its_questions_to_the_next(demo_index, real_embedder, off, message, origin):
    reply = "Yes, we offer expedited shipping [1]." if "shipping" in message else RETURNS
    on = bot_with(demo_index, real_embedder, reply=reply, answer_cache_size=0)
    off_bot = bot_with(demo_index, real_embedder, reply=reply, answer_cache_size=0, responders_off=off)
    assert off not in [r.name for r in off_bot.responders]
    assert on.ask(message).origin == origin
    assert off_bot.ask(message).origin != origin


def test_the_cache_switched_off_answers_again(demo_index, real_embedder):
    bot = bot_with(demo_index, real_embedder, faq_match=1.01, responders_off="cache")
    assert [bot.ask("What is your return window?").origin for _ in range(2)] == ["model", "model"]
    assert bot.generator.asked == 2


@pytest.mark.parametrize("off,named", [("faq,bogus", "bogus"), ("decline", "decline")])
def test_settings_that_name_no_responder_or_the_decline_are_refused(off, named):
    with pytest.raises(ConfigError, match=named):
        responder_chain(object(), off)


def test_a_new_responder_is_one_class_in_the_list(demo_index, real_embedder):
    """A responder placed first answers what it claims, before the hand-off that (on a store without orders)
    sends "my order" questions to a person."""

    class OrderNumbers:
        name = "numbers"

        def respond(self, a_turn):
            if "#1043" in a_turn.message:
                yield "Order #1043 has shipped."
                yield a_turn.answer("Order #1043 has shipped.", origin="order")

    bot = bot_with(demo_index, real_embedder)
    bot.responders.insert(0, OrderNumbers())
    streamed = list(bot.stream("Where is my order #1043?"))
    assert streamed[0] == "Order #1043 has shipped." and streamed[-1].origin == "order"
    assert streamed[-1].ttft_ms is not None and streamed[-1].latency_ms["total"] >= 0
    assert bot.ask("What is your return window?").origin in ("faq", "model")
    assert len(RESPONDERS) == 7  # the built-in chain itself is unchanged
