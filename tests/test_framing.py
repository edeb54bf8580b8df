"""Quoted answers read as answers: who says each quote, what may be quoted, and the real extractive path."""

import json
import re

import numpy as np
import pytest

from chatbot.answer.drafting import Draft, extractive_answer
from chatbot.answer.extractive import Evidence, compose, source_sentences
from chatbot.answer.framing import clean_passage_text, frame, is_opinion_question, policy_name, source_type
from chatbot.common.types import Chunk, Hit
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot


def chunk(kind, text, title="", source=None, doc_id=None, **meta):
    if source is not None:
        meta["source"] = source
    return Chunk(id=doc_id or f"{kind}:{abs(hash(text))}", doc_id=doc_id or f"{kind}:{abs(hash(text))}", text=text,
                 embed_text=text, title=title, kind=kind, meta=meta)


def evidence_of(*pairs):
    """One Evidence per (chunk, score): its sentences as ``source_sentences`` gives them, in score order."""
    out = []
    for i, (c, score) in enumerate(pairs):
        hit = Hit(c, 1.0, 0.9)
        sents = source_sentences(hit)
        vectors = np.eye(32, dtype=np.float32)[[4 * i + k for k in range(len(sents))]]  # no two alike
        out.append(Evidence(hit, sents, vectors, [score - 0.01 * k for k in range(len(sents))]))
    return out


def answer_of(evidence, question="", **settings):
    draft = Draft()
    text = "".join(extractive_answer(evidence, Settings(index_dir="unused", **settings), draft, question=question))
    assert text == draft.text
    return text, draft


def _no_raw(text):
    return "Question:" not in text and "{" not in text and "}" not in text and "value:" not in text and "_" not in text


@pytest.mark.parametrize("kind, source, expected", [
    ("product", "attribute", "attribute"), ("product", "bullet", "description"), ("product", "Desc", "description"),
    ("product", "OSP", "description"), ("product", "CQA", "community_answer"), ("product", "review", "review"),
    ("product", "REVIEW", "review"), ("policy", None, "policy"), ("faq", None, "faq"),
    ("product", None, "description"), ("review", None, "review"), ("community_qa", None, "community_answer"),
    ("help", None, "help"), ("blog", None, "help"),
])
def test_source_type_reads_meta_source_first_then_kind(kind, source, expected):
    assert source_type(chunk(kind, "x y", source=source)) == expected


def test_a_review_is_attributed_and_quoted_whole():
    review = chunk("product", "the motor is loud but my son loves it. the box holds 3 motors", source="review")
    text, draft = answer_of(evidence_of((review, 0.9)), max_answer_sentences=1)
    assert text == 'A reviewer wrote: "The motor is loud but my son loves it" [1].'
    assert draft.cited[0].chunk is review
    assert draft.kept == 1 and draft.quoted


def test_a_community_answer_is_attributed_and_its_question_is_never_quoted():
    cqa = chunk("product", "Question: i'm trying to purchase this. it says free shipping but then charges me at "
                           "checkout? Answer: the shipping was free for me, it came in 3 days.", source="CQA")
    assert all("purchase" not in s and "Question" not in s for s in source_sentences(Hit(cqa, 1.0, 0.9)))
    text, _ = answer_of(evidence_of((cqa, 0.9)))
    assert text == 'Another customer answered: "The shipping was free for me, it came in 3 days" [1].'
    faq_style = chunk("product", "Q: does it fold?\nA: no, it does not fold.", source="cqa")
    assert source_sentences(Hit(faq_style, 1.0, 0.9)) == ["No, it does not fold."]


@pytest.mark.parametrize("raw, said", [
    ('power_source_type:  { value:"battery powered" }', "The power source type is battery powered [1]."),
    ("platform:  { value:nintendo_3ds }", "The platform is nintendo 3ds [1]."),
    ("is_electric:  { value:false }", "No, it isn't electric [1]."),
    ("item_weight:  { unit:pounds, normalized_value:{ unit:pounds, value:13. }, value:13. }",
     "The item weight is 13 pounds [1]."),
    ('compatible_devices:  { value:"apple ipad 3" }; { value:"apple ipad" }; { value:"apple ipad air" }',
     "It works with apple ipad 3, apple ipad and apple ipad air [1]."),
    ("power source type: battery powered", "The power source type is battery powered [1]."),  # already converted
])
def test_an_attribute_is_said_in_words(raw, said):
    attribute = chunk("product", raw, source="attribute")
    text, _ = answer_of(evidence_of((attribute, 0.9)), question="is it electric? what powers it?")
    assert text == said and _no_raw(text)


def test_a_boolean_attribute_the_question_does_not_ask_about_has_no_yes_or_no():
    attribute = chunk("product", "is_electric:  { value:false }", source="attribute")
    assert answer_of(evidence_of((attribute, 0.9)), question="would this work on 220 volts?")[0] == \
        "It isn't electric [1]."


def test_a_policy_is_named_the_first_time_it_is_quoted():
    returns = chunk("policy", "You can return most items within 30 days from the date of delivery. Items must be "
                              "unused and in their original packaging.", title="Returns and Refunds",
                    doc_id="policies/returns.md")
    text, draft = answer_of(evidence_of((returns, 0.9)))
    assert text == ("Our returns and refunds policy: You can return most items within 30 days from the date of "
                    "delivery [1]. Items must be unused and in their original packaging [1].")
    assert draft.kept == 2 and len(draft.cited) == 1
    assert policy_name("Returns Policy") == "Our returns policy" and policy_name("Warranty") == "Our warranty"
    assert policy_name("Your Account") == "Our account policy"


def test_faq_description_and_help_are_stated_plainly():
    faq = chunk("faq", "Q: How long do refunds take?\nA: We refund within 5–7 business days.")
    bullet = chunk("product", "includes 4 aa batteries and a charging cable.", source="bullet")
    help_page = chunk("help", "Our store is open every day.")
    for c, said in [(faq, "We refund within 5–7 business days [1]."),
                    (bullet, "Includes 4 aa batteries and a charging cable [1]."),
                    (help_page, "Our store is open every day [1].")]:
        assert answer_of(evidence_of((c, 0.9)))[0] == said


def test_a_product_record_line_is_said_like_the_catalog_says_it():
    record = chunk("product", "Product: Tidepool Marble Run\nProduct ID: HP-1001\nBatteries required: no",
                   title="Tidepool Marble Run", attributes={"batteries_required": False})
    assert answer_of(evidence_of((record, 0.9)), question="does it need batteries?")[0] == \
        "No, the Tidepool Marble Run doesn't need batteries [1]."


def test_an_opinion_answering_a_question_of_fact_gets_a_note_that_cites_nothing():
    review = chunk("product", "the box holds 3 motors.", source="review")
    spec = chunk("product", "includes 4 aa batteries.", source="bullet")
    text, draft = answer_of(evidence_of((review, 0.9), (spec, 0.85)), question="how many motors come in the box?")
    assert text == ('A reviewer wrote: "The box holds 3 motors" [1]. That\'s one customer\'s experience, not a '
                    "listed specification. Includes 4 aa batteries [2].")
    assert draft.kept == 2 and len(draft.cited) == 2  # the note is neither a kept sentence nor a citation
    cqa = chunk("product", "it came in 3 days.", source="CQA")
    assert "That's one customer's answer, not a listed specification." in \
        answer_of(evidence_of((cqa, 0.9)), question="how long does shipping take?")[0]


@pytest.mark.parametrize("question", ["is it worth it?", "do people like it?", "what do people think of it?",
                                      "any reviews?", "would you recommend it?", ""])
def test_no_note_when_the_question_asks_for_opinions_or_is_not_known(question):
    review = chunk("product", "the box holds 3 motors.", source="review")
    assert "specification" not in answer_of(evidence_of((review, 0.9)), question=question)[0]
    assert is_opinion_question(question) or not question


def test_quotes_of_several_reviews_say_who_is_who():
    first = chunk("review", "The stand is sturdy. It looks great.", doc_id="review:1")
    second = chunk("review", "The stand wobbles.", doc_id="review:2")
    framed = frame([("The stand is sturdy.", first), ("It looks great.", first), ("The stand wobbles.", second)])
    assert [f.text for f in framed] == ['A reviewer wrote: "The stand is sturdy".',
                                        'The same reviewer added: "It looks great".',
                                        'Another reviewer wrote: "The stand wobbles".']
    # back to the first reviewer after another spoke: not "the same reviewer", who would be the second
    framed = frame([("The stand is sturdy.", first), ("The stand wobbles.", second), ("It looks great.", first)])
    assert [f.text for f in framed][2] == 'The first reviewer also said: "It looks great".'


def test_markup_and_review_headers_are_not_quotable():
    assert clean_passage_text("<p>Our <b>tent</b> sleeps 4.</p>", "description") == "Our tent sleeps 4."
    assert clean_passage_text("**Misuse**, such as *dropping* it. See [our page](https://x.example).", "policy") == \
        "Misuse, such as dropping it. See our page."
    review = ("Product: Marble Run\nRating: 5/5\nHours of building\nmy kid loves it. i think it's great.\n"
              "Nina P. — 2026-06-20")
    assert source_sentences(Hit(chunk("review", review), 1.0, 0.9)) == [
        "Hours of building", "My kid loves it.", "I think it's great."]


def test_a_sentence_over_the_limit_is_passed_over_and_cut_at_a_clause_only_when_alone():
    long = chunk("policy", "Returns are accepted for most items, including toys and games, within thirty days of "
                           "delivery when unused and in the original packaging.", title="Returns")
    short = chunk("faq", "Q: Return window?\nA: You have 30 days to return an item.")
    quotes = compose(evidence_of((long, 0.9), (short, 0.85)), max_chars=80)
    assert [q.text for q in quotes] == ["You have 30 days to return an item."]
    alone = compose(evidence_of((long, 0.9)), max_chars=80)
    assert alone[0].text == "Returns are accepted for most items, including toys and games…"


def test_a_statement_said_again_in_other_words_or_inside_a_list_is_quoted_once():
    faq = chunk("faq", "Q: Do gift cards expire?\nA: Our digital gift cards never expire and have no fees.")
    listed = chunk("policy", "Digital gift cards: sold from $10 to $500, never expire, no fees of any kind, "
                             "delivered by email.", title="Gift cards")
    other = chunk("policy", "Gift cards can't be returned.", title="Returns")
    quotes = compose(evidence_of((faq, 0.9), (listed, 0.88), (other, 0.85)))
    assert [q.text for q in quotes] == ["Our digital gift cards never expire and have no fees.",
                                        "Gift cards can't be returned."]


def test_close_sentences_stating_opposite_cases_are_both_quoted():
    """"before 2pm ... same day" and "after 2pm ... next business day" embed alike; neither stands for the other."""
    policy = chunk("policy", "Orders placed before 2pm ship the same day. Orders placed after 2pm ship the next "
                             "business day.", title="Shipping")
    hit = Hit(policy, 1.0, 0.9)
    sents = source_sentences(hit)
    close = np.array([[1.0, 0.0], [0.95, 0.31]], dtype=np.float32)  # cosine 0.95: twins by meaning alone
    quotes = compose([Evidence(hit, sents, close, [0.9, 0.85])])
    assert [q.text for q in quotes] == sents


# ---- the real path: a small real index, the real embedder, the Chatbot with the extractive generator

DOCUMENTS = [
    ("CQA", "Question: i'm trying to purchase this. it says free shipping but then charges me at checkout? "
            "Answer: the shipping was free for me, it came in 3 days."),
    ("review", "the motor is loud but my son loves it. the box holds 3 motors and a spare propeller."),
    ("attribute", 'power_source_type:  { value:"battery powered" }'),
    ("attribute", "is_electric:  { value:true }"),
    ("bullet", "a quadcopter for beginners with one-key takeoff and landing."),
]


@pytest.fixture(scope="module")
def toy_bot(tmp_path_factory, real_embedder):
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index

    folder = tmp_path_factory.mktemp("framing-docs")
    rows = [{"id": f"TOY-1:{i}", "title": f"Product TOY-1 ({source})", "text": text, "kind": "product",
             "product_id": "TOY-1", "meta": {"source": source}} for i, (source, text) in enumerate(DOCUMENTS)]
    (folder / "documents.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    index = tmp_path_factory.mktemp("framing-index")
    update_index([folder], index, real_embedder, Chunker())
    return Chatbot(Settings(index_dir=str(index), generator="extractive", faq_match=1.01), embedder=real_embedder)


@pytest.mark.parametrize("question, source, framed", [
    ("is shipping free?", "TOY-1:0", "Another customer answered: \"The shipping was free for me"),
    ("how many motors come in the box?", "TOY-1:1", "A reviewer wrote: \"The box holds 3 motors"),
    ("what is the power source?", "TOY-1:2", "The power source type is battery powered ["),
])
def test_real_path_answers_read_as_answers(toy_bot, question, source, framed):
    answer = toy_bot.ask(question, product_id="TOY-1")
    assert not answer.abstained and answer.origin == "quoted", answer.text
    assert _no_raw(answer.text) and "Answer:" not in answer.text and "purchase" not in answer.text, answer.text
    assert answer.text.startswith(framed) and answer.citations[0].doc_id == source, answer.text
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert markers == set(range(1, len(answer.citations) + 1))


def test_real_path_evidence_with_the_question_notes_an_opinion(toy_bot):
    from chatbot.answer.extractive import gather_evidence
    from chatbot.retrieve.hybrid import Filters

    question = "how many motors come in the box?"
    hits = toy_bot.retriever.search(question, filters=Filters(product_id="TOY-1"))
    evidence = gather_evidence(question, hits[:3], toy_bot.embedder, 3, 3)
    text, draft = answer_of(evidence, question=question)
    assert text.startswith('A reviewer wrote: "') and "That's one customer's experience" in text and _no_raw(text)
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} == set(range(1, len(draft.cited) + 1))


def test_demo_store_quotes_are_framed(demo_index_dir, real_embedder):
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive", faq_match=1.01,
                           shop_skills=False), embedder=real_embedder)
    returns = bot.ask("How long do I have to return an item?")
    assert returns.text.startswith("Our returns and refunds policy: ") and "30 days" in returns.text
    marbles = bot.ask("do the marbles escape from the marble run?", product_id="HP-1001")
    assert marbles.text.startswith('A reviewer wrote: "') and "Rating:" not in marbles.text, marbles.text
