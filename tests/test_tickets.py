"""The hand-off loop in the store, on a real SQLite file and a real PostgreSQL database (every test that takes a
store runs on both): join, reply once, close, and what the shopper sees."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from test_storage import Clock, answer

from chatbot.common.errors import InputError
from chatbot.data.storage import ConversationStore
from chatbot.data.tickets import WITH_PERSON, display_name


@pytest.fixture
def clock():
    return Clock(datetime(2026, 5, 1, 9, 0))


@pytest.fixture
def store(database, clock):
    s = ConversationStore(database.url, clock=clock,
                          public_contact="help@harborandpine.example")
    yield s
    s.close()


@pytest.fixture
def ticket(store):
    conversation, _ = store.record_turn(None, "Where is my order 48213?", answer("A person will help.", True, True))
    return conversation, store.open_ticket(conversation, "order")


def test_an_agent_joins_replies_and_closes_and_the_shopper_sees_each_step(store, ticket, clock):
    conversation, ticket_id = ticket
    assert store.conversation_updates(conversation) == {
        "messages": [], "ticket": {"id": ticket_id, "status": "open", "assigned_to": None}}
    assert store.join_ticket(ticket_id, "ana") is True
    assert store.join_ticket(ticket_id, "ana") is False  # already hers: the shopper is not told twice
    clock.now += timedelta(minutes=1)
    reply_id, sent = store.send_staff_reply(ticket_id, "ana", "It left our warehouse today; mail help@harborandpine.example.")
    assert sent and reply_id
    updates = store.conversation_updates(conversation)
    assert [(m["kind"], m["author"]) for m in updates["messages"]] == [("joined", "Ana"), ("reply", "Ana")]
    assert updates["messages"][0]["text"] == "Ana from our team has joined the chat."
    assert "help@harborandpine.example" in updates["messages"][1]["text"]  # the store's own address stays readable
    assert updates["ticket"]["assigned_to"] == "ana"
    last = updates["messages"][-1]["seq"]
    assert store.conversation_updates(conversation, after=last)["messages"] == []

    store.close_ticket(ticket_id, agent="ana")
    after_close = store.conversation_updates(conversation, after=last)
    assert [m["kind"] for m in after_close["messages"]] == ["closed"]
    assert after_close["ticket"]["status"] == "closed"
    assert "just ask here" in after_close["messages"][0]["text"]
    roles = [(t["role"], t.get("kind")) for t in store.get_transcript(conversation)]
    assert roles == [("user", None), ("assistant", None), ("agent", "joined"), ("agent", "reply"), ("agent", "closed")]
    with pytest.raises(InputError, match="is closed"):
        store.send_staff_reply(ticket_id, "ana", "One more thing")


def test_a_second_send_of_the_same_reply_stores_nothing_until_the_shopper_writes_again(store, ticket):
    conversation, ticket_id = ticket
    first, sent = store.send_staff_reply(ticket_id, "ana", "Your parcel arrives Friday.")
    again, sent_again = store.send_staff_reply(ticket_id, "ana", "  Your parcel  arrives Friday. ")
    assert sent and not sent_again and again == first
    replies = [m for m in store.conversation_updates(conversation)["messages"] if m["kind"] == "reply"]
    assert len(replies) == 1
    store.record_turn(conversation, "Thanks! Friday morning?", answer("Ana will reply.", reason=WITH_PERSON))
    _, sent_later = store.send_staff_reply(ticket_id, "ana", "Your parcel arrives Friday.")
    assert sent_later  # the shopper wrote again: the same words are a new reply now


def test_simultaneous_clicks_store_one_reply(store, ticket):
    conversation, ticket_id = ticket
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.send_staff_reply(ticket_id, "ana", "On its way.")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent for _, sent in results) == 1 and len({mid for mid, _ in results}) == 1
    kinds = [m["kind"] for m in store.conversation_updates(conversation)["messages"]]
    assert kinds == ["joined", "reply"]


def test_a_second_agent_taking_over_is_announced_and_the_queue_shows_who_has_it(store, ticket):
    conversation, ticket_id = ticket
    assert store.ticket_for(conversation) == {"id": ticket_id, "assigned_to": None}
    store.join_ticket(ticket_id, "ana")
    store.send_staff_reply(ticket_id, "ben.ortiz", "I'm taking over from Ana.")
    assert store.ticket_for(conversation)["assigned_to"] == "ben.ortiz"
    queued = store.list_tickets("open")[0]
    assert queued["assigned_to"] == "ben.ortiz"
    assert [t["text"] for t in queued["transcript"] if t["role"] == "agent"] == [
        "Ana from our team has joined the chat.", "Ben from our team has joined the chat.", "I'm taking over from Ana."]


def test_the_bots_with_a_person_notes_stay_out_of_the_agents_transcript(store, ticket):
    conversation, ticket_id = ticket
    store.join_ticket(ticket_id, "ana")
    store.record_turn(conversation, "It was a gift, does that matter?",
                      answer("Ana from our team will reply here.", handoff=True, reason=WITH_PERSON))
    texts = [t["text"] for t in store.list_tickets()[0]["transcript"]]
    assert "It was a gift, does that matter?" in texts and "Ana from our team will reply here." not in texts


def test_errors_name_the_problem(store, ticket):
    _, ticket_id = ticket
    with pytest.raises(InputError, match="reply is empty"):
        store.send_staff_reply(ticket_id, "ana", "   ")
    with pytest.raises(InputError, match="unknown ticket id 'nope'"):
        store.join_ticket("nope", "ana")
    with pytest.raises(InputError, match="unknown conversation id 'nope'"):
        store.conversation_updates("nope")
    assert store.ticket_for(None) is None


@pytest.mark.parametrize("account, shown", [("ana", "Ana"), ("ana.lopez", "Ana"), ("BEN", "BEN"), ("j_doe", "J")])
def test_display_names(account, shown):
    assert display_name(account) == shown
