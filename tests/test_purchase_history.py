"""Purchase history in recommendations, through the real Chatbot on the demo store with the demo's orders: a
verified shopper (a signed-in customer, or orders proved in this conversation) gets ideas that start from what
they bought, never a product they have, the next ages up for a child's earlier toy, and "something like the last
one"; an anonymous shopper's message works without any order being read; two customers whose orders are the same
get the same ideas whatever their names or their child's gender."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import scratch_database_url

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.converse.intents import asks_for_ideas
from chatbot.data.order_proofs import OrderProofs
from chatbot.data.order_records import LineItem, Order
from chatbot.data.orders import OrderStore
from chatbot.data.storage import ConversationStore
from chatbot.ingest.platforms.order_exports import import_demo_orders
from chatbot.orders.desk import for_bot
from chatbot.orders.history import owned_products
from chatbot.orders.identity import Asker
from chatbot.shop.recommend import age_range

NOW = datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/New_York"))
MARBLE_RUN, LITTLE_BAKER, NIGHT_HARBOR = "HP-1001", "HP-1014", "HP-1061"
OLDER = "Recommend something for my {child}, {he} loved the marble run we bought, {he}'s older now"


@pytest.fixture(scope="module")
def bot(demo_index_dir, real_embedder):
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive"), embedder=real_embedder)
    bot.warm_up()
    yield bot
    bot.orders = None


def _order(number: str, email: str, placed: datetime, *skus: str, cancelled: bool = False) -> Order:
    names = {MARBLE_RUN: "Tidepool Marble Run 120-Piece Set", LITTLE_BAKER: "Little Baker Pretend Play Set 36-Piece",
             NIGHT_HARBOR: "The Night Harbor Picture Book (Hardcover)",
             "HP-1066": "Little Chefs, Big Flavors Kids' Cookbook"}
    return Order(platform="shopify", name=f"#{number}", email=email, financial_status="paid", shipping_zip="04101",
                 shipping_country="US", placed_at=placed, cancelled_at=placed if cancelled else None,
                 items=[LineItem(name=names[s], quantity=1, sku=s) for s in skus])


class Shop:
    """The demo's orders, plus Ana's and Omar's (the same purchases: a Little Baker set in October, the marble run
    in November), in a fresh database the bot reads."""

    def __init__(self, bot, url: str):
        self.orders = OrderStore(url)
        import_demo_orders(self.orders)
        for number, email in (("9101", "ana.silva@example.com"), ("9201", "omar.haddad@example.com")):
            self.orders.put(_order(number, email, datetime(2026, 10, 2, 15), LITTLE_BAKER))
            self.orders.put(_order(str(int(number) + 1), email, datetime(2026, 11, 20, 15), MARBLE_RUN))
        self.store = ConversationStore(url)
        bot.orders = for_bot(bot, self.orders, OrderProofs(url), tickets=self.store, clock=lambda: NOW)

    def asker(self, email: str | None = None) -> Asker:
        return Asker(self.store.start_conversation("chat"), "10.0.0.7", email)


@pytest.fixture(scope="module")
def shop(bot, tmp_path_factory):
    return Shop(bot, scratch_database_url(tmp_path_factory.mktemp("history"), "shop.sqlite3"))


def ids(answer) -> list[str]:
    return [p["id"] for p in answer.products]


def no_order_details(answer, *orders: Order) -> None:
    """Nothing of an order but product names: no number, email, date or amount, and no order cited."""
    assert not [c for c in answer.citations if c.doc_id.startswith("order:")]
    for order in orders:
        assert order.name not in answer.text and order.number not in answer.text
        assert (order.email or "@") not in answer.text.lower()


def test_a_signed_in_customer_gets_the_next_ages_after_the_marble_run_and_nothing_they_have(bot, shop):
    # a demo customer who bought the marble run among other things
    buyers = sorted({o.email for o in _demo_orders(shop) if any(i.sku == MARBLE_RUN for i in o.items)
                     and not o.cancelled})
    email = next(e for e in buyers if len(owned_products(shop.orders.for_email(e), _catalog(bot))) >= 3)
    owned = owned_products(shop.orders.for_email(email), _catalog(bot))
    answer = bot.ask(OLDER.format(child="son", he="he"), asker=shop.asker(email))
    assert answer.origin == "catalog" and not answer.handoff, answer.text
    assert answer.text.startswith("Since you have the Tidepool Marble Run 120-Piece Set (ages 6-12 years) [1]"), \
        answer.text
    assert "for the next ages up" in answer.text
    assert len(ids(answer)) == 3 and not set(ids(answer)) & set(owned)
    for pid in ids(answer):  # for an older child: starting after 6, no later than 12
        youngest, _ = age_range(bot.shop.catalog.by_id[pid].product.attributes["age_range"])
        assert 6 < youngest <= 12, pid
    assert [c.doc_id for c in answer.citations] == [f"product:{p}" for p in [MARBLE_RUN, *ids(answer)]]
    no_order_details(answer, *shop.orders.for_email(email))


def test_a_need_in_words_leaves_out_what_the_customer_has_and_says_so(bot, shop):
    need = "Can you recommend a gift for a 6-year-old under $30?"
    anonymous = bot.ask(need, asker=shop.asker())
    assert LITTLE_BAKER in ids(anonymous) and "already have" not in anonymous.text
    answer = bot.ask(need, asker=shop.asker("ana.silva@example.com"))
    assert LITTLE_BAKER not in ids(answer) and MARBLE_RUN not in ids(answer) and len(ids(answer)) == 3
    assert answer.text.startswith("Leaving out what you already have from us, here are 3 ideas under $30.00")
    assert [p for p in ids(anonymous) if p != LITTLE_BAKER] == ids(answer)[:2]  # the rest as before, in order


def test_something_like_the_last_one_is_the_last_purchase_then_the_last_list(bot, shop):
    asker = shop.asker("ana.silva@example.com")
    answer = bot.ask("something like the last one", asker=asker)
    assert answer.text.startswith("Since you have the Tidepool Marble Run 120-Piece Set [1], your latest purchase "
                                  "from us, here are 3 ideas like it:"), answer.text
    assert not {MARBLE_RUN, LITTLE_BAKER} & set(ids(answer))
    # after a list, "the last one" is its last product
    history = [{"role": "user", "content": "something like the last one"},
               {"role": "assistant", "content": answer.text, "products": ids(answer)}]
    again = bot.ask("something like the last one", asker=asker, history=history)
    last = bot.shop.catalog.by_id[ids(answer)[-1]].product
    the = "" if last.name.startswith("The ") else "the "
    assert again.text.startswith(f"Going by {the}{last.name} [1], here are 3 ideas like it:"), again.text
    assert last.id not in ids(again) and not {MARBLE_RUN, LITTLE_BAKER} & set(ids(again))


def test_orders_proved_in_the_conversation_count_and_only_those(bot, shop):
    order = next(o for o in sorted(_demo_orders(shop), key=lambda o: o.name)
                 if not o.cancelled and len(shop.orders.for_email(o.email)) > 1
                 and len(owned_products([o], _catalog(bot))) == 1)
    mine = owned_products([order], _catalog(bot))
    others = set(owned_products(shop.orders.for_email(order.email), _catalog(bot))) - set(mine)
    asker = shop.asker()  # not signed in: proves one order by its number and email
    assert order.name in bot.ask(f"where is order {order.number}? {order.email}", asker=asker).text
    answer = bot.ask("something like the last one", asker=asker)
    name = bot.shop.catalog.by_id[mine[0]].product.name
    assert f"you have {'the ' if not name.startswith('The ') else ''}{name}" in answer.text, answer.text
    assert not set(ids(answer)) & set(mine)
    # the customer's other orders were not proved: nothing of them is said
    assert all(bot.shop.catalog.by_id[p].product.name not in answer.text for p in others)


def test_what_goes_with_it_after_an_order_answer_starts_from_the_proved_purchase(bot, shop):
    """"Where is my order? ..." then "what else goes well with it?" and "anything like it but cheaper?": ideas
    from what the order holds, not a search for the words "goes well"."""
    order = next(o for o in sorted(_demo_orders(shop), key=lambda o: o.name)
                 if not o.cancelled and len(owned_products([o], _catalog(bot))) == 1
                 and (bot.shop.catalog.by_id[owned_products([o], _catalog(bot))[0]].product.price or 0) > 20)
    mine = owned_products([order], _catalog(bot))[0]
    product = bot.shop.catalog.by_id[mine].product
    the = "" if product.name.startswith("The ") else "the "
    asker = shop.asker()
    assert order.name in bot.ask(f"where is my order {order.number}? my email is {order.email}", asker=asker).text
    goes = bot.ask("What else goes well with it?", asker=asker)
    assert goes.text.startswith(f"Since you have {the}{product.name} [1], your latest purchase from us, here are "), \
        goes.text
    assert "ideas to go with it:" in goes.text and ids(goes) and mine not in ids(goes)
    cheaper = bot.ask("Anything like it but cheaper?", asker=asker)
    assert "ideas like it for less:" in cheaper.text, cheaper.text
    prices = [bot.shop.catalog.by_id[p].product.price for p in ids(cheaper)]
    assert prices and all(p is not None and p < product.price for p in prices)


def test_an_anonymous_shopper_gets_an_idea_from_the_named_product_and_no_order_is_read(bot, shop, monkeypatch):
    read = []
    for method in ("find", "for_email", "by_id", "get"):
        original = getattr(shop.orders, method)
        monkeypatch.setattr(shop.orders, method, lambda *a, _m=method, _o=original, **k: read.append(_m) or _o(*a, **k))
    answer = bot.ask(OLDER.format(child="son", he="he"), asker=shop.asker())
    assert answer.origin == "catalog" and not answer.handoff
    assert answer.text.startswith("Going by the Tidepool Marble Run 120-Piece Set (ages 6-12 years) [1], here are 3 "
                                  "ideas for the next ages up"), answer.text
    assert not re.search(r"\b(you have|purchase|order)", answer.text, re.I)
    last = bot.ask("something like the last one", asker=shop.asker())
    assert "Since you have" not in last.text and "purchase" not in last.text
    assert read == []  # nothing of the store's orders was looked at
    # no asker at all, and a store whose bot reads no orders: the same idea, not a hand-off
    desk, bot.orders = bot.orders, None
    try:
        plain = bot.ask(OLDER.format(child="son", he="he"))
    finally:
        bot.orders = desk
    assert plain.text == answer.text and ids(plain) == ids(answer)


def test_the_same_orders_get_the_same_ideas_whoever_asks_for_whichever_child(bot, shop):
    """Ana and Omar bought the same things; a son or a daughter: the ideas and their words are the same."""
    messages = [OLDER.format(child="son", he="he"), OLDER.format(child="daughter", he="she"),
                "any ideas for my son?", "any ideas for my daughter?"]
    for first, second in (messages[:2], messages[2:]):
        seen = []
        for email in ("ana.silva@example.com", "omar.haddad@example.com"):
            for message in (first, second):
                answer = bot.ask(message, asker=shop.asker(email))
                seen.append((ids(answer), answer.text))
        assert all(s == seen[0] for s in seen), seen
        assert seen[0][1].startswith("Since you have the Tidepool Marble Run")
        assert not {MARBLE_RUN, LITTLE_BAKER} & set(seen[0][0])


def test_owned_products_and_what_asks_for_ideas(bot):
    catalog = _catalog(bot)
    orders = [_order("1", "a@example.com", datetime(2026, 9, 1), LITTLE_BAKER),
              _order("2", "a@example.com", datetime(2026, 11, 1), NIGHT_HARBOR, MARBLE_RUN),
              _order("3", "a@example.com", datetime(2026, 12, 1), "HP-1066", cancelled=True)]
    orders[0].items[0].sku = "LB-36"  # not a catalog id: the item's name finds the product
    assert owned_products(orders, catalog) == (NIGHT_HARBOR, MARBLE_RUN, LITTLE_BAKER)
    assert asks_for_ideas("Recommend something for my son, he loved the marble run we bought")
    assert asks_for_ideas("something like the last one")
    for message in ("the gift I bought never arrived, any ideas?", "where is my order? I want something like it",
                    "recommend something, order #1043 ana@example.com"):
        assert not asks_for_ideas(message), message


def _catalog(bot):
    return [item.product for item in bot.shop.catalog.listings]


def _demo_orders(shop) -> list[Order]:
    import sqlalchemy as sa

    from chatbot.data.schema import orders as table

    with shop.orders._engine.connect() as db:
        rows = db.execute(sa.select(table.c.id)).scalars().all()
    return [shop.orders.by_id(i) for i in rows]


def _refunded_order(order_id: int, number: int, email: str, placed: str, lines: list[tuple[str, int, int]]) -> dict:
    """A Shopify orders/updated body: ``lines`` as (sku, quantity bought, quantity refunded)."""
    names = {MARBLE_RUN: "Tidepool Marble Run 120-Piece Set", LITTLE_BAKER: "Little Baker Pretend Play Set 36-Piece"}
    items = [{"id": order_id * 10 + n, "name": names[sku], "title": names[sku], "quantity": quantity, "sku": sku,
              "price": "30.00"} for n, (sku, quantity, _) in enumerate(lines)]
    refunds = [{"id": order_id + 1, "created_at": placed, "transactions": [
        {"kind": "refund", "status": "success", "amount": f"{30 * sum(r for *_, r in lines)}.00"}],
        "refund_line_items": [{"line_item_id": order_id * 10 + n, "quantity": refunded}
                              for n, (_, _, refunded) in enumerate(lines) if refunded]}]
    return {"id": order_id, "name": f"#{number}", "email": email, "created_at": placed, "updated_at": placed,
            "financial_status": "partially_refunded", "fulfillment_status": "fulfilled", "total_price": "90.00",
            "line_items": items, "refunds": refunds, "fulfillments": []}


def test_a_returned_and_refunded_item_is_no_longer_owned_but_one_of_two_still_is(bot, shop):
    """Shopify's refund line items, read from the webhook body and stored: the Little Baker set Lena returned is not
    hers any more (it can be suggested again, and "the last one" is what she kept); Sam returned one of his two
    sets and still has the other."""
    from chatbot.ingest.platforms.webhook_orders import shopify_order

    lena, sam = "lena.berg@example.com", "sam.ortiz@example.com"
    shop.orders.put(_order("9301", lena, datetime(2026, 10, 2, 15), MARBLE_RUN))
    shop.orders.put(shopify_order(_refunded_order(9302000, 9302, lena, "2026-11-20T10:00:00-05:00",
                                                  [(LITTLE_BAKER, 1, 1)])))
    shop.orders.put(shopify_order(_refunded_order(9401000, 9401, sam, "2026-11-20T10:00:00-05:00",
                                                  [(LITTLE_BAKER, 2, 1), (MARBLE_RUN, 1, 1)])))
    (returned,) = shop.orders.for_email(lena)[0].items
    assert (returned.quantity, returned.refunded_quantity, returned.refunded) == (1, 1, True)
    assert owned_products(shop.orders.for_email(lena), _catalog(bot)) == (MARBLE_RUN,)
    assert owned_products(shop.orders.for_email(sam), _catalog(bot)) == (LITTLE_BAKER,)

    last = bot.ask("something like the last one", asker=shop.asker(lena))
    assert last.text.startswith("Since you have the Tidepool Marble Run 120-Piece Set [1], your latest purchase"), \
        last.text
    need = "Can you recommend a gift for a 6-year-old under $30?"
    assert LITTLE_BAKER in ids(bot.ask(need, asker=shop.asker()))
    assert LITTLE_BAKER in ids(bot.ask(need, asker=shop.asker(lena)))  # returned: hers to buy again
    assert LITTLE_BAKER not in ids(bot.ask(need, asker=shop.asker(sam)))  # one of two kept: still his
