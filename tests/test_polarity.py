"""Yes/no policy questions whose answer turns on a condition: never the wrong polarity.

The issue's case: "Can I change my shipping address after placing an order?" was answered "no, you cannot"
by the model (the policy allows it within 1 hour). Unit tests pin the verdicts computed from a policy's
limits; the real-path tests ask the bot with the bundled model, through the CLI's polarity set and HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_cli
from conftest import scratch_database_env

from chatbot.common.polarity import asks_yes_no, limit_verdict, settled, without_opener
from chatbot.common.types import Answer
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.evaluate.polarity import answer_polarity, read_polarity_questions, stale_evidence
from chatbot.ingest.loaders import load_paths
from chatbot.ingest.store import KnowledgeIndex

ROOT = Path(__file__).resolve().parents[1]
POLARITY_SET = ROOT / "eval" / "polarity_questions.jsonl"

ONE_HOUR = "You can change or cancel your order free of charge within 1 hour of placing it."
AFTER_HOUR = "After the first hour, we can no longer change or cancel your order."
PAY_IN_4 = 'For orders from $30 to $1,500, you can choose "Pay in 4" through PayPal at checkout.'
SAME_DAY = "Orders placed before 2pm Eastern on a business day (Monday to Friday) ship the same day."


@pytest.mark.parametrize("question,sentence,verdict", [
    ("Can I cancel my order 3 hours after placing it?", ONE_HOUR, "no"),
    ("Can I cancel my order 3 hours after placing it?", AFTER_HOUR, "no"),  # a denying sentence turns it
    ("I ordered 10 minutes ago, can I still cancel my order?", ONE_HOUR, "yes"),
    ("Can I cancel my order the day after I placed it?", ONE_HOUR, "no"),
    ("Can I change my order within the first hour?", ONE_HOUR, "yes"),
    ("Can I use Pay in 4 on a $20 order?", PAY_IN_4, "no"),
    ("Can I use Pay in 4 on a $200 order?", PAY_IN_4, "yes"),
    ("Does an order placed at 5pm Eastern ship the same day?", SAME_DAY, "no"),
    ("If I order before 2pm Eastern, does it ship the same day?", SAME_DAY, "yes"),
    ("If my order drops below $50, do I keep free shipping?", "Free shipping: on orders of $50 or more.", "no"),
    # nothing to compute: no quantity, another subject, another case, a name the rule does not cover
    ("Can I change my shipping address after placing an order?", ONE_HOUR, None),
    ("Is there a fee to cancel my order within the first hour?", ONE_HOUR, None),
    ("Does the warranty start on the day I placed the order?", "Returns are accepted within 30 days.", None),
    ("Does an order placed at 5pm ship the same day?", "Orders placed after 2pm ship the next business day.", None),
    ("Is free shipping available on Canadian orders over $50?", "Free shipping: on orders of $50 or more to "
                                                                "the contiguous US.", None),
])
def test_a_limit_in_the_policy_decides_a_yes_or_no(question, sentence, verdict):
    assert limit_verdict(question, sentence) == verdict


def test_yes_no_questions_and_openers():
    assert asks_yes_no("I ordered 10 minutes ago, can I still cancel it?") and asks_yes_no("Do you ship to Alaska?")
    assert not asks_yes_no("How long does delivery take?") and not asks_yes_no("What's your return policy?")
    faq = "Yes, for standard shipping. Expedited shipping can't be sent to a PO box."
    assert without_opener(faq) == "Expedited shipping can't be sent to a PO box."
    assert without_opener("No, gift cards never expire.") == "Gift cards never expire."
    # an FAQ's "Yes" stands for the case it names, not for one the shopper adds
    assert settled("Do you ship expedited to a PO box?", faq, frozenset({"expedit"})).startswith("Expedited")
    assert settled("Can standard shipping go to a PO box?", faq, frozenset({"standard"})) == faq
    # the FAQ's own opener gives way to the verdict of its limit
    assert settled("Can I use Pay in 4 on a $20 order?", f"Yes. {PAY_IN_4}").startswith("No. For orders")


def test_the_polarity_set_matches_the_demo_policies():
    """Over 100 questions, both answers well represented, and every deciding sentence still in its policy."""
    rows = read_polarity_questions(POLARITY_SET)
    assert len(rows) >= 100 and len({r["message"] for r in rows}) == len(rows)
    assert min(sum(r["expected"] == e for r in rows) for e in ("yes", "no")) >= 40
    documents = load_paths([ROOT / "knowledge"]).documents
    assert stale_evidence(rows, documents) == []
    edited = [dict(rows[0], evidence="We never let anyone change an order.")]
    assert stale_evidence(edited, documents)  # a policy edit that changes an answer stops the run


def test_the_evaluator_reads_an_answers_polarity():
    def answer(text, **kw):
        return Answer(question="q", text=text, citations=[], confidence=1.0, abstained=kw.get("abstained", False),
                      handoff=False, retrieved=[], latency_ms={})

    row = {"expected": "yes", "evidence": "Orders to Alaska and Hawaii are charged standard shipping of $5.99"}
    assert answer_polarity(answer("no, you cannot change it [1]."), row) == "no"
    assert answer_polarity(answer("We only ship to the United States and Canada [1]."), row) == "no"
    assert answer_polarity(answer("Orders to Alaska and Hawaii are charged standard shipping of $5.99 [1]."),
                           row) == "yes"
    assert answer_polarity(answer("I couldn't find that.", abstained=True), row) is None


@pytest.fixture(scope="module")
def model_bot(demo_index_dir, real_embedder):
    pytest.importorskip("llama_cpp")
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="llama.cpp", answer_cache_size=0),
                  embedder=real_embedder, index=KnowledgeIndex.load(demo_index_dir))
    yield bot
    bot.close()


@pytest.mark.parametrize("message,expected", [
    ("Can I change my shipping address after placing an order?", "yes"),  # the case
    ("Can I change the shipping address on my order 3 hours after placing it?", "no"),
    ("Do you ship expedited to a PO box?", "no"),
    ("Can standard shipping go to a PO box?", "yes"),
    ("Do you ship to Alaska?", "yes"),
    ("Can I use Pay in 4 on a $20 order?", "no"),
    ("Can I return an item 45 days after it was delivered?", "no"),
    ("Is return shipping free if I just changed my mind?", "no"),
    ("Can I check out as a guest?", "yes"),
    ("Can I exchange an item for a different product?", "no"),  # "a different product" quoted, not only "size"
    # the FAQ on price drops leaves out the policy's "on harborandpine.example only": the policy stays beside it
    ("Will you match a lower price from another store?", "no"),
])
def test_the_bot_with_its_model_never_flips_a_conditional_answer(model_bot, message, expected):
    row = next(r for r in read_polarity_questions(POLARITY_SET) if r["message"] == message)
    answer = model_bot.ask(message)
    assert answer_polarity(answer, row) == expected, answer.text
    assert answer.citations and not answer.text.lower().startswith("no, you cannot change")


def test_eval_shopper_reports_wrong_polarity(demo_index_dir, tmp_path):
    """``eval-shopper --polarity FILE`` counts right, wrong-polarity and abstained answers."""
    rows = [r for r in read_polarity_questions(POLARITY_SET) if r["id"] in ("p001", "p002", "p030")]
    polarity = tmp_path / "polarity.jsonl"
    polarity.write_text("".join(json.dumps(r) + "\n" for r in rows))
    shopper = tmp_path / "shopper.jsonl"
    shopper.write_text(json.dumps({"id": "a", "message": "Do you sell bikes?", "skill": "catalog_search",
                                   "check": {"type": "not_sold"}}) + "\n")
    proc = run_cli("eval-shopper", "--questions", shopper, "--index", demo_index_dir, "--polarity", polarity,
                   "--failures", env=scratch_database_env(ROOT))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["polarity"]
    assert report["questions"] == 3 and report["wrong_polarity"] == 0, report
    assert report["right"] + report["abstained"] + report["uncited"] == 3


def test_a_policy_list_stays_a_list_and_one_page_is_one_source(demo_index_dir, real_embedder):
    """"How long you're covered: All products: ...; Tech Accessories: ..." reads as a list, not one run-on
    sentence of commas; two sections of the warranty page are one source, not "Warranty, Warranty"."""
    from chatbot.answer.drafting import Draft
    from chatbot.common.text import join_lists
    from chatbot.common.types import Chunk, Hit

    folded = join_lists("How long you're covered:\n- All products: 1 year, from delivery\n- Tech: 2 years")
    assert folded == "How long you're covered: All products: 1 year, from delivery; Tech: 2 years."
    assert join_lists("We take:\n- Visa\n- PayPal") == "We take: Visa, PayPal."

    def hit(chunk_id, doc_id):
        return Hit(chunk=Chunk(id=chunk_id, doc_id=doc_id, text="x", embed_text="x", title="Warranty", kind="policy"),
                   score=1.0, relevance=1.0)
    draft = Draft()
    assert [draft.cite(hit("a", "policies/warranty.md")), draft.cite(hit("b", "policies/warranty.md")),
            draft.cite(hit("c", "policies/returns.md"))] == [1, 1, 2]

    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive", answer_cache_size=0),
                  embedder=real_embedder, index=KnowledgeIndex.load(demo_index_dir))
    for message in ("How long is the warranty and what doesn't it cover?", "What isn't covered by the warranty?",
                    "How do returns work for a damaged item?"):
        answer = bot.ask(message)
        assert len({c.doc_id for c in answer.citations}) == len(answer.citations), (message, answer.citations)
        assert "[1][1]" not in answer.text and not answer.abstained, answer.text
