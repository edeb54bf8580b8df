"""Topics: what shoppers ask about, as phrases from their own questions, grouped by meaning (real embedder)."""

from __future__ import annotations

import pytest

from chatbot.data.topics import NO_SUBJECT, TopicFinder, candidate_phrases

# a month of a home-goods store's questions, as shoppers type them: several wordings of each need, and filler
QUESTIONS = [
    "What is your return policy?", "Can I return a sale item?", "How do I start a return?",
    "return policy for opened items?",
    "Do gift cards expire?", "Can I use two gift cards on one order?", "Are gift cards refundable?",
    "Is the weighted blanket machine washable?", "How heavy is the weighted blanket?",
    "Does the weighted blanket come in a queen size?", "weighted blanket too warm for summer?",
    "Do you ship to Canada?", "How much is shipping to Canada?", "canada delivery time", "shipping cost to canada",
    "Is express shipping available?", "How long does standard shipping take?",
    "Do you have a loyalty program?", "Can I pay with PayPal?", "one more thing, is it available in blue?",
    "hi", "thanks!", "ok", "Do you ship to Canada?",
]
# the stray words the old word counts named topics after
FILLER = {"one", "come", "available", "get", "know", "thing", "much", "long", "need", "want", "does", "hi", "thanks"}


@pytest.fixture(scope="module")
def finder(real_embedder):
    return TopicFinder(real_embedder)


def test_topics_of_real_questions_are_subjects_in_several_words(finder):
    topics = finder.group(QUESTIONS)
    named = {t.name: sorted(QUESTIONS[i] for i in t.members) for t in topics}
    for subject in ("return policy", "gift cards", "weighted blanket", "shipping to canada"):
        assert subject in named, named
    assert sorted(named["shipping to canada"]) == sorted(
        ["Do you ship to Canada?", "Do you ship to Canada?", "How much is shipping to Canada?",
         "canada delivery time", "shipping cost to canada"])
    assert len(named["weighted blanket"]) == 4 and len(named["return policy"]) == 4
    shared = [t for t in topics if len(t.members) > 1 and t.name != NO_SUBJECT]
    assert shared and all(len(t.name.split()) >= 2 for t in shared), [t.name for t in shared]
    assert not any(set(t.name.split()) <= FILLER for t in topics), [t.name for t in topics]
    assert named[NO_SUBJECT] == ["hi", "ok", "thanks!"]
    assert sorted(i for t in topics for i in t.members) == list(range(len(QUESTIONS)))  # each question once


@pytest.mark.parametrize("question, phrases", [
    ("Do you ship to Canada?", {"ship", "canada", "ship to canada"}),
    ("one more thing, is it available in blue?", {"blue"}),
    ("Can I cancel my order?", {"cancel", "order", "cancel my order"}),
    ("What's the kid's size?", {"kid", "size", "kid size"}),
    ("", set()),
    ("thanks 🙏!", set()),
])
def test_candidate_phrases_never_start_or_end_with_a_filler(question, phrases):
    assert set(candidate_phrases(question)) == phrases


def test_few_questions_and_a_long_tail(real_embedder):
    finder = TopicFinder(real_embedder, max_distinct=2)
    assert finder.group([]) == []
    assert [(t.name, t.members) for t in finder.group(["hi"])] == [(NO_SUBJECT, [0])]
    assert [t.name for t in finder.group(["gift cards?"])] == ["gift cards"]
    # past max_distinct distinct questions, the rest join the nearest group instead of being clustered
    tail = finder.group(["Do gift cards expire?", "Do gift cards expire?", "Do you ship to Canada?",
                         "Do you ship to Canada?", "Are gift cards refundable?"])
    assert sorted(sorted(t.members) for t in tail) == [[0, 1, 4], [2, 3]]
    with pytest.raises(ValueError, match="max_distance=3"):
        TopicFinder(real_embedder, max_distance=3)
