"""ConversationStore on a real SQLite file and a real PostgreSQL database (each test that takes ``database`` or
``store`` runs on both): round trips, masking on disk, tickets, agent replies, stats."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import json_value, timestamp

from chatbot.common.errors import ConfigError, InputError
from chatbot.common.types import Answer, Citation
from chatbot.data.storage import ConversationStore
from chatbot.data.topics import TopicFinder


class Clock:
    """A settable naive-UTC clock, so stats figures and ordering are exact."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def answer(text="Returns are accepted within 30 days.", abstained=False, handoff=False, reason=None,
           confidence=0.8, product_id=None, citations=None) -> Answer:
    return Answer(question="q", text=text, confidence=confidence, abstained=abstained, handoff=handoff,
                  reason=reason, retrieved=[], latency_ms={}, product_id=product_id,
                  citations=citations if citations is not None else
                  [Citation(doc_id="policies/returns.md", chunk_id="c1", title="Returns", score=0.9)])


@pytest.fixture
def store(database):
    s = ConversationStore(database.url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def topics(real_embedder):
    return TopicFinder(real_embedder)


def test_an_answer_is_shown_again_with_its_sources_and_product_cards(store):
    """A reloaded chat redraws each answer from the transcript: what it cited (title, link, excerpt, masked like
    everything stored) and its product cards."""
    cited = Citation(doc_id="policies/returns.md", chunk_id="c1", title="Returns", score=0.9,
                     url="https://shop.example/returns", excerpt="Write to help@shop.example within 30 days.")
    card = {"id": "HP-1001", "name": "Tidepool Marble Run", "price": 34.99, "reviews": 3, "rating": 4.7}
    listed = answer("The Tidepool Marble Run [1].", citations=[cited])
    listed.products = [card]
    cid, _ = store.record_turn(None, "A gift?", listed)
    store.record_turn(cid, "Thanks", answer("You're welcome.", citations=[]))
    shown = [t for t in store.get_transcript(cid) if t["role"] == "assistant"]
    assert shown[0]["citations"] == [{"doc_id": "policies/returns.md", "title": "Returns",
                                      "url": "https://shop.example/returns", "excerpt": "Write to [email] within 30 days."}]
    assert shown[0]["products"] == [card]
    assert shown[1]["citations"] == [] and shown[1]["products"] == []


def test_turns_round_trip_in_order_with_their_fields(store, database):
    cid, m1 = store.record_turn(None, "How long do returns take?", answer(), channel="widget", product_id="HP-1001")
    same, m2 = store.record_turn(cid, "And for sale items?", answer("I couldn't find that.", abstained=True,
                                                                    reason="not_in_sources", confidence=0.2,
                                                                    citations=[]))
    assert same == cid and m1 != m2
    transcript = store.get_transcript(cid)
    assert [(t["role"], t["text"]) for t in transcript] == [
        ("user", "How long do returns take?"), ("assistant", "Returns are accepted within 30 days."),
        ("user", "And for sale items?"), ("assistant", "I couldn't find that.")]
    assert all(t["created_at"].endswith("+00:00") for t in transcript)
    stored = database.rows("SELECT * FROM messages ORDER BY seq")
    assert json_value(stored[0]["citations"]) == [{"doc_id": "policies/returns.md", "title": "Returns", "url": None,
                                                    "excerpt": ""}]
    assert (stored[0]["product_id"], stored[0]["abstained"], stored[0]["confidence"]) == ("HP-1001", 0, 0.8)
    assert (stored[1]["abstained"], stored[1]["handoff"], stored[1]["reason"]) == (1, 0, "not_in_sources")
    assert database.rows("SELECT channel FROM conversations") == [{"channel": "widget"}]


def test_product_id_falls_back_to_the_answers_product(store, database):
    store.record_turn(None, "Does it need batteries?", answer(product_id="HP-1007"))
    assert database.rows("SELECT product_id FROM messages") == [{"product_id": "HP-1007"}]


def test_a_retried_message_is_stored_once_whichever_replica_records_it(store, database):
    # two replicas (two stores on one database) record the same message under the client's key: one row
    other = ConversationStore(database.url)
    try:
        conversation, first = store.record_turn(None, "Can I return a gift card?", answer(), request_id="key-0001")
        again = other.record_turn(conversation, "Can I return a gift card?", answer("Another wording."),
                                  request_id="key-0001")
        assert again == (conversation, first)
        stored = other.turn_for_request("key-0001")
        assert stored["message_id"] == first and stored["answer"] == "Returns are accepted within 30 days."
        assert stored["citations"][0]["doc_id"] == "policies/returns.md"
        assert store.record_turn(conversation, "Can I return a gift card?", answer(), request_id="key-0002")[1] != first
        rows = database.rows(f"SELECT request_id FROM messages WHERE conversation_id = '{conversation}'")
        assert sorted(r["request_id"] for r in rows) == ["key-0001", "key-0002"]
        assert store.turn_for_request("never-sent") is None and store.turn_for_request("bad\x00key") is None
    finally:
        other.close()


def test_unknown_conversation_is_refused(store):
    with pytest.raises(InputError, match="unknown conversation id 'nope'"):
        store.record_turn("nope", "hi", answer())
    with pytest.raises(InputError, match="nope"):
        store.get_transcript("nope")


def test_personal_data_never_reaches_the_database(store, database):
    email, phone, card = "jane.doe@example.com", "+1 (555) 123-4567", "4111 1111 1111 1111"
    cid, mid = store.record_turn(None, f"I'm {email}, call {phone}, card {card}", answer(f"We emailed {email}."))
    store.add_feedback(mid, -1, f"ring me on {phone}")
    ticket = store.open_ticket(cid, f"customer {email} wants a person")
    store.record_agent_reply(ticket, f"my card is {card}", f"Hi {email}", f"Hi, we'll call {phone}", sent=True)
    store.close()  # checkpoints SQLite's write-ahead log into the main file
    data = database.stored_bytes()  # SQLite: the file plus any -wal/-shm left; PostgreSQL: every row
    for secret in (email, phone, card, "4111111111111111", "555) 123-4567", "jane.doe"):
        assert secret.encode() not in data
    for placeholder in (b"[email]", b"[phone]", b"[card]"):
        assert placeholder in data  # the rows are really there, masked
    assert store.get_transcript(cid)[0]["text"] == "I'm [email], call [phone], card [card]"


@pytest.mark.parametrize("rating", [0, 2, -2, True, "1", None, 1.5])
def test_feedback_rating_must_be_plus_or_minus_one(store, rating):
    _, mid = store.record_turn(None, "hi", answer())
    with pytest.raises(InputError, match="use \\+1 .* or -1"):
        store.add_feedback(mid, rating)
    assert store.feedback_for(mid) == []


def test_feedback_round_trip_and_unknown_message(store):
    _, mid = store.record_turn(None, "hi", answer())
    store.add_feedback(mid, 1, "helpful")
    store.add_feedback(mid, -1)
    assert [(f["rating"], f["comment"]) for f in store.feedback_for(mid)] == [(1, "helpful"), (-1, "")]
    with pytest.raises(InputError, match="unknown message id 'missing'"):
        store.add_feedback("missing", 1)


def test_tickets_are_idempotent_while_open_and_list_newest_first(database):
    clock = Clock(datetime(2026, 3, 1, 9, 0))
    store = ConversationStore(database.url, clock=clock)
    first, _ = store.record_turn(None, "Where is my parcel?", answer("Let me connect you.", True, True))
    store.record_turn(first, "Order 1234 please", answer("A person will reply.", True, True))
    t1 = store.open_ticket(first, "asked_for_person")
    assert store.open_ticket(first, "asked again") == t1
    clock.now = datetime(2026, 3, 1, 10, 0)
    second, _ = store.record_turn(None, "This is broken!", answer("Sorry, connecting you.", True, True))
    t2 = store.open_ticket(second, "upset")
    open_tickets = store.list_tickets()
    assert [t["id"] for t in open_tickets] == [t2, t1]
    older = open_tickets[1]
    assert (older["conversation_id"], older["reason"], older["status"]) == (first, "asked_for_person", "open")
    assert older["last_question"] == "Order 1234 please"
    assert [t["text"] for t in older["transcript"]] == ["Where is my parcel?", "Let me connect you.",
                                                         "Order 1234 please", "A person will reply."]
    store.close_ticket(t1)
    assert [t["id"] for t in store.list_tickets()] == [t2]
    assert [t["id"] for t in store.list_tickets("closed")] == [t1]
    assert {t["id"] for t in store.list_tickets("all")} == {t1, t2}
    t3 = store.open_ticket(first, "back again")  # closed tickets do not block a new one
    assert t3 not in (t1, t2)
    store.close()


def test_ticket_errors_are_clear(store):
    with pytest.raises(InputError, match="unknown conversation id 'ghost'"):
        store.open_ticket("ghost", "x")
    with pytest.raises(InputError, match="unknown ticket id 'ghost'"):
        store.close_ticket("ghost")
    with pytest.raises(InputError, match="'open', 'closed' or 'all'"):
        store.list_tickets("pending")


def test_agent_replies_are_exported_masked(store):
    cid, _ = store.record_turn(None, "Can I return a gift?", answer())
    ticket = store.open_ticket(cid, "asked_for_person")
    first = store.record_agent_reply(ticket, "Can I return a gift?", "Yes, within 30 days.", "Yes, within 30 days.",
                                     sent=True)
    store.record_agent_reply(None, "mail bob@example.com", None, "We wrote to bob@example.com", sent=False)
    exported = store.export_agent_replies()
    assert exported[0]["id"] == first
    assert [(r["ticket_id"], r["draft_text"], r["final_text"], r["sent"], r["edited"]) for r in exported] == [
        (ticket, "Yes, within 30 days.", "Yes, within 30 days.", True, False),
        (None, None, "We wrote to [email]", False, True)]
    assert exported[1]["customer_message"] == "mail [email]"
    with pytest.raises(InputError, match="unknown ticket id"):
        store.record_agent_reply("nope", "x", None, "y", sent=False)


def test_stats_on_a_handmade_set_of_turns(database, topics):
    clock = Clock(datetime(2026, 1, 1, 12, 0))
    store = ConversationStore(database.url, clock=clock)
    _, old = store.record_turn(None, "An old question about gift boxes", answer("?", abstained=True))
    store.add_feedback(old, -1)  # outside the 30-day window: counted nowhere
    day8, day9, day10 = datetime(2026, 3, 8, 9), datetime(2026, 3, 9, 9), datetime(2026, 3, 10, 9)
    turns = [(day8, "How long do returns take?", answer()),
             (day8, "Do you ship to Canada?", answer()),
             (day9, "gift wrap?", answer("I couldn't find that.", abstained=True, reason="not_in_sources")),
             (day9, "Do you gift wrap?", answer("I couldn't find that.", abstained=True, reason="not_in_sources")),
             (day9, "I want a person", answer("Connecting you.", abstained=True, handoff=True)),
             (day10, "Can I get it gift wrapped for a birthday?", answer("Not sure.", abstained=True)),
             (day10, "Is there a loyalty program?", answer("Not sure.", abstained=True, reason="off_topic")),
             (day10, "What is the return window?", answer())]
    ids = []
    for when, question, ans in turns:
        clock.now = when
        ids.append(store.record_turn(None, question, ans)[1])
    clock.now = datetime(2026, 3, 10, 12)
    for mid, rating in ((ids[0], 1), (ids[1], 1), (ids[2], -1)):
        store.add_feedback(mid, rating)

    stats = store.stats(days=30, topics=topics)
    assert len(stats["questions_per_day"]) == 30
    assert stats["questions_per_day"][0] == {"date": "2026-02-09", "questions": 0}
    assert stats["questions_per_day"][-3:] == [{"date": "2026-03-08", "questions": 2},
                                               {"date": "2026-03-09", "questions": 3},
                                               {"date": "2026-03-10", "questions": 3}]
    assert stats["rates"] == {"answered": 0.375, "abstained": 0.5, "handed_off": 0.125}
    assert stats["thumbs"] == {"up": 2, "down": 1, "ratio": 0.6667}
    assert stats["top_unanswered"] == [
        {"topic": "gift wrap", "count": 3,
         "examples": ["Can I get it gift wrapped for a birthday?", "Do you gift wrap?", "gift wrap?"]},
        {"topic": "loyalty program", "count": 1, "examples": ["Is there a loyalty program?"]}]
    assert store.stats(days=30)["top_unanswered"] == []  # no topic finder, no topic tables
    assert store.stats(days=1)["questions_per_day"] == [{"date": "2026-03-10", "questions": 3}]
    with pytest.raises(InputError, match="days=0"):
        store.stats(days=0)
    store.close()


def test_stats_on_an_empty_store(store):
    stats = store.stats(days=7)
    assert sum(d["questions"] for d in stats["questions_per_day"]) == 0
    assert stats["rates"] == {"answered": 0.0, "abstained": 0.0, "handed_off": 0.0}
    assert stats["thumbs"] == {"up": 0, "down": 0, "ratio": None} and stats["top_unanswered"] == []


def test_two_stores_on_one_database_see_each_others_writes(database):
    a, b = ConversationStore(database.url), ConversationStore(database.url)
    cid, mid = a.record_turn(None, "Do gift cards expire?", answer("No, they never expire."))
    assert [t["text"] for t in b.get_transcript(cid)] == ["Do gift cards expire?", "No, they never expire."]
    b.add_feedback(mid, 1)
    assert [f["rating"] for f in a.feedback_for(mid)] == [1]
    ticket = b.open_ticket(cid, "asked_for_person")
    assert a.open_ticket(cid, "again") == ticket
    b.record_turn(cid, "Thanks!", answer("You're welcome."))
    assert a.list_tickets()[0]["last_question"] == "Thanks!"
    a.close(), b.close()


def test_concurrent_writers_in_one_process(store):
    cid, _ = store.record_turn(None, "start", answer())
    errors = []

    def chat(n):
        try:
            for i in range(10):
                store.record_turn(cid, f"thread {n} question {i}", answer())
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(store.get_transcript(cid)) == 2 * 41


def test_in_memory_database_is_shared_between_threads():
    store = ConversationStore("sqlite://")
    cid, _ = store.record_turn(None, "hi", answer())
    seen = []
    thread = threading.Thread(target=lambda: seen.append(len(store.get_transcript(cid))))
    thread.start(), thread.join()
    assert seen == [2]


def test_bad_database_url_names_the_fix():
    with pytest.raises(ConfigError, match="not-a-url.*sqlite:///data/chatbot.sqlite3"):
        ConversationStore("not-a-url")


def test_admin_actions_are_audited_newest_first_with_pii_masked(store, database):
    store.record_admin_action("lee", "upload", "Policy: returns.md (from ops@shop.example)")
    store.record_admin_action("lee", "reindex", "1 embedded")
    log = store.audit_log()
    assert [(a["actor"], a["action"]) for a in log] == [("lee", "reindex"), ("lee", "upload")]
    assert "ops@shop.example" not in log[1]["detail"] and "returns.md" in log[1]["detail"]
    assert database.rows("select count(*) as n from audit_log") == [{"n": 2}]


def test_the_stores_own_contact_stays_readable_and_the_shoppers_is_masked(database):
    contact = "support@harborandpine.example or +1 (555) 010-4477 (Mon-Fri 9am-6pm ET)"
    store = ConversationStore(database.url, public_contact=contact)
    reply = answer("Email support@harborandpine.example or call (555) 010-4477 or +1 555 010 4477.")
    conversation, _ = store.record_turn(None, "I'm jo@mail.example, call me on +1 555 123 9876", reply)
    question, text = (t["text"] for t in store.get_transcript(conversation))
    assert question == "I'm [email], call me on [phone]"
    assert text == "Email support@harborandpine.example or call (555) 010-4477 or +1 555 010 4477."
    store.close()


def test_topics_show_outcomes_beside_the_thumbs_down_rate_named_by_a_phrase(store, topics):
    turns = [("Do you ship to Canada?", answer("Yes [1].")), ("Shipping to Canada cost?", answer("$19.99 [1].")),
             ("canada delivery time", answer("Not sure.", abstained=True)),
             ("How much is shipping to Canada?", answer("Connecting you.", abstained=True, handoff=True)),
             ("Do gift cards expire?", answer("No [1].")), ("Can I use two gift cards on one order?", answer("Yes."))]
    ids = [store.record_turn(None, q, a)[1] for q, a in turns]
    store.add_feedback(ids[1], -1)  # answered, but the shopper says it was wrong
    store.add_feedback(ids[4], 1)
    found = {t["topic"]: t for t in store.stats(1, topics=topics)["topics"]}
    assert found["shipping to canada"] == {"topic": "shipping to canada", "questions": 4, "answered": 0.5,
                                           "abstained": 0.25, "handed_off": 0.25, "thumbs_down": 0.5}
    assert found["gift cards"]["thumbs_down"] == 0.0 and found["gift cards"]["answered"] == 1.0  # rated up


def test_what_postgresql_would_refuse_is_kept_or_refused_alike_on_both(store, database):
    """A NUL character (PostgreSQL refuses any string holding one) and a product id longer than the old
    VARCHAR(128) (SQLite never enforced it): what a request can bring is stored, or refused as unknown, the same
    on both databases, never a database error."""
    long_id = "the-trailhead-merino-tee-in-forest-navy-and-sand-" * 5  # 250 characters, as a Shopify handle may be
    conversation, message = store.record_turn(None, "is it\x00 warm?", answer("Yes.\x00"), product_id=long_id)
    assert [t["text"] for t in store.get_transcript(conversation)] == ["is it warm?", "Yes."]
    assert database.rows("SELECT product_id FROM messages") == [{"product_id": long_id}]
    store.add_feedback(message, 1, "great\x00")
    assert store.feedback_for(message)[0]["comment"] == "great" and store.feedback_for("x\x00") == []
    with pytest.raises(InputError, match="unknown conversation id"):
        store.get_transcript(conversation + "\x00")
    with pytest.raises(InputError, match="unknown conversation id"):
        store.record_turn("x" * 500, "hi", answer())
    assert store.ticket_for("abc\x00") is None


def test_an_aware_clock_is_stored_as_the_same_moment_in_utc(database):
    plus_two = timezone(timedelta(hours=2))
    store = ConversationStore(database.url, clock=lambda: datetime(2026, 3, 1, 0, 30, tzinfo=plus_two))
    try:
        conversation, _ = store.record_turn(None, "hi", answer())
        assert store.get_transcript(conversation)[0]["created_at"] == "2026-02-28T22:30:00+00:00"
        assert [timestamp(r["created_at"]) for r in database.rows("SELECT created_at FROM messages")] == [
            datetime(2026, 2, 28, 22, 30)]
        assert store.stats(days=1)["questions_per_day"] == [{"date": "2026-02-28", "questions": 1}]  # UTC's day
    finally:
        store.close()
