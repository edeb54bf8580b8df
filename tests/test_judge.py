"""The answer judge: the bundled weights on hand-written pairs, a fresh training run, bad input, the fallback
when no judge can be loaded, the support head on contradictions, and the judge inside the real pipeline."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from chatbot.answer.grounding import Verifier
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.judge import Judge, JudgeUnavailable
from chatbot.retrieve.judge.ranking import BUNDLED, load_judge

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def judge(real_embedder) -> Judge:
    return Judge.load(BUNDLED, real_embedder.name, real_embedder.dimension)


def _scored(judge, embedder, question: str, passages: list[str], sources: list[str] | None = None):
    vectors = embedder.embed([question, *passages]) if passages else embedder.embed([question])
    return judge.score(question, vectors[0], passages, vectors[1:], sources or ["help"] * len(passages),
                       embedder.embed)


def _probabilities(judge, embedder, question: str, passages: list[str], sources: list[str] | None = None):
    return _scored(judge, embedder, question, passages, sources)[0]


def test_the_bundled_judge_tells_answering_passages_from_near_misses(judge, real_embedder):
    """Hand-written pairs from the demo store (tests/data/judge_pairs.jsonl): about half are near misses on the
    same topic. The judge must rank answering passages above the others and decide most pairs right."""
    from sklearn.metrics import roc_auc_score

    rows = _rows("judge_pairs.jsonl")
    scored = [_scored(judge, real_embedder, r["question"], [r["passage"]], [_source(r)]) for r in rows]
    p = np.array([probabilities[0] for probabilities, _ in scored])
    labels = np.array([r["answers"] for r in rows])
    # chance is an AUC of 0.5; the bundled judge measures about 0.74 on these (30 of the 32 non-answers are
    # near misses on the same topic)
    assert roc_auc_score(labels, p) >= 0.7
    assert p[labels].mean() - p[~labels].mean() >= 0.2
    verdicts = [judge.verdict(*pair, [_source(r)]) for pair, r in zip(scored, rows)]  # each pair alone
    confidence = np.array([c for c, _ in verdicts])
    assert roc_auc_score(labels, confidence) >= 0.7  # the second stage keeps the first stage's order of sureness
    assert (np.array([answers for _, answers in verdicts]) == labels).mean() >= 0.6


def _source(row: dict) -> str:
    note = row["note"].lower()
    return "review" if "review" in note else "description" if "product" in note else "policy"


def test_odd_input_gets_a_probability_not_an_exception(judge, real_embedder):
    assert len(_probabilities(judge, real_embedder, "does it come with batteries?", [])) == 0
    long_passage = "This kettle boils water quickly. " * 320  # about 10,000 characters
    odd = ["", long_passage, "Este hervidor tiene una garantía de dos años.", "\x00\ufffd{ value: }"]
    for question in ("does it come with batteries?", "", "¿tiene garantía?"):
        p, features = _scored(judge, real_embedder, question, odd, ["help", "description", "policy", "attribute"])
        assert p.shape == (4,) and np.all((p >= 0) & (p <= 1)) and np.all(np.isfinite(p))
        for sources in (["help"] * 4, ["review"] * 4):  # decided by the store curve, and by the head
            confidence, answers = judge.verdict(p, features, sources)
            assert 0.0 <= confidence <= 1.0 and isinstance(answers, bool)
    confidence, answers = judge.verdict(*_scored(judge, real_embedder, "does it come with batteries?", []), [])
    assert confidence < 0.5 and not answers  # nothing to answer from: abstain


def test_a_missing_or_mismatched_judge_is_refused_with_the_fix(tmp_path, real_embedder):
    with pytest.raises(JudgeUnavailable, match="python -m chatbot train"):
        Judge.load(tmp_path / "nowhere", real_embedder.name, real_embedder.dimension)
    other = tmp_path / "other"
    shutil.copytree(BUNDLED, other)
    with pytest.raises(JudgeUnavailable, match="trained for the embedder .* not test/other.*python -m chatbot train"):
        Judge.load(other, "test/other", real_embedder.dimension)
    (other / "meta.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(JudgeUnavailable, match="cannot be read"):
        Judge.load(other, real_embedder.name, real_embedder.dimension)
    assert load_judge("off", real_embedder.name, real_embedder.dimension) is None


def test_without_a_loadable_judge_the_app_warns_and_answers_on_the_heuristic_path(demo_index_dir, real_embedder,
                                                                                    tmp_path, caplog):
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", judge=str(tmp_path / "missing"),
                        model_dir=str(tmp_path / "models"), shop_skills=False)
    bot = Chatbot(settings, embedder=real_embedder)
    with caplog.at_level(logging.WARNING):
        bot.warm_up()
    assert bot.judge is None
    assert any("python -m chatbot train" in r.getMessage() for r in caplog.records)
    answer = bot.ask("How long do I have to return an item?")
    assert not answer.abstained and "30 days" in answer.text
    assert bot.ask("What is the capital of Mongolia?").abstained


def test_a_correct_policy_answer_is_confident_and_cites_the_policy(demo_index_dir, real_embedder, tmp_path):
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", model_dir=str(tmp_path / "models"),
                        shop_skills=False, answer_cache_size=0)
    bot = Chatbot(settings, embedder=real_embedder)
    assert bot.judge is not None
    answer = bot.ask("How long do I have to return an item?")
    assert not answer.abstained and "30 days" in answer.text
    assert answer.citations[0].doc_id.startswith("policies/returns")
    assert answer.confidence > 0.8
    off_topic = bot.ask("What is the capital of Mongolia?")
    assert off_topic.abstained and off_topic.confidence < 0.5


def test_the_support_head_drops_contradicted_sentences_and_keeps_supported_ones(judge, real_embedder):
    """Hand-written sentences against demo-store policy text (tests/data/support_pairs.jsonl): supported
    paraphrases, contradictions that reuse the source's words, and unrelated claims."""
    rows = _rows("support_pairs.jsonl")
    kept = {"supported": [], "contradicted": [], "unrelated": []}
    without_head = []
    for row in rows:
        verifier = Verifier({1: row["passage"]}, real_embedder, support=judge.support)
        kept[row["label"]].append(verifier.check(row["sentence"], [1]).supported)
        if row["label"] == "contradicted":
            without_head.append(Verifier({1: row["passage"]}, real_embedder).check(row["sentence"], [1]).supported)
    assert np.mean(kept["supported"]) >= 0.65
    assert np.mean(kept["contradicted"]) <= 0.2
    assert np.mean(kept["contradicted"]) < np.mean(without_head)  # the head catches what words and numbers miss
    assert np.mean(kept["unrelated"]) <= 0.1
    gift = Verifier({1: "Gift cards are final sale and can't be returned."}, real_embedder, support=judge.support)
    assert not gift.check("Yes, you can return a gift card.", [1]).supported


def test_a_fresh_training_run_on_a_tiny_sample_writes_a_judge_the_app_loads(tmp_path, real_embedder, capsys):
    from chatbot.cli import main

    out = tmp_path / "judge"
    assert main(["train", "--out", str(out), "--sample", "6", "--epochs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "held_out" in printed and "roc_auc" in printed and "margin  decision-accuracy" in printed
    meta = json.loads((out / "meta.json").read_text())
    assert meta["embedder"] == real_embedder.name and meta["seed"] == 13
    assert set(meta["held_out"]) == {"test_hetpqa", "test_semipqa"}
    fresh = Judge.load(out, real_embedder.name, real_embedder.dimension)
    assert fresh.support is not None
    again = tmp_path / "again"
    assert main(["train", "--out", str(again), "--sample", "6", "--epochs", "2"]) == 0
    with np.load(out / "weights.npz") as first, np.load(again / "weights.npz") as second:
        assert all(np.array_equal(first[k], second[k]) for k in first.files)  # seeded: the same judge twice


def test_store_pairs_come_from_the_faq(demo_index_dir, real_embedder):
    from chatbot.retrieve.judge.data import store_pairs

    index = KnowledgeIndex.load(demo_index_dir, real_embedder.name, real_embedder.dimension)
    pairs = store_pairs(index)
    positives = [p for p in pairs if p.label]
    assert {p.source for p in positives} == {"faq", "policy"}  # FAQ answers and the policy sections saying the same
    assert len(pairs) - len(positives) >= 3 * len(positives)


class _FixedJudge:
    """Probabilities given in advance: isolates the reranking rule from the model."""

    threshold = 0.3

    def __init__(self, probabilities):
        self._p = np.array(probabilities, dtype=np.float32)

    def score(self, *args, **kwargs):
        return self._p, np.zeros((len(self._p), 1), np.float32)

    def verdict(self, probabilities, features, sources):
        return float(probabilities.max()), bool(probabilities.max() >= self.threshold)


class _Vectors:
    def vectors_of(self, ids):
        return np.zeros((len(ids), 4), np.float32)


def _hits(kind: str, n: int):
    from chatbot.common.types import Chunk, Hit

    return [Hit(Chunk(id=f"c{i}", doc_id=f"d{i}", text=f"passage {i}", embed_text=f"passage {i}", title="t",
                      kind=kind, meta={"source": kind}), score=1.0 - i / 10, relevance=0.5) for i in range(n)]


def test_near_ties_keep_the_retrieval_order_for_prose_but_not_for_attributes():
    from chatbot.retrieve.judge.ranking import judge_hits

    judge = _FixedJudge([0.70, 0.60, 0.85, 0.10])
    prose = judge_hits(judge, "q", np.zeros(4), _hits("policy", 4), _Vectors(), margin=0.2)
    assert [h.chunk.id for h in prose.hits] == ["c0", "c2", "c1", "c3"]  # c0 within 0.2 of the best: kept first
    assert prose.hits[0].relevance == pytest.approx(0.70, abs=1e-6) and prose.best == pytest.approx(0.70, abs=1e-6)  # the one answered from
    attributes = judge_hits(judge, "q", np.zeros(4), _hits("attribute", 4), _Vectors(), margin=0.2)
    assert [h.chunk.id for h in attributes.hits] == ["c2", "c0", "c1", "c3"]
    assert judge_hits(judge, "q", np.zeros(4), _hits("policy", 4), _Vectors(), margin=0.0).hits[0].chunk.id == "c2"


def test_the_gift_card_question_of_the_issue_gets_both_answers_right(demo_index_dir, real_embedder, shared_model_dir):
    """"Do gift cards expire? Can I return one?": never expire, and final sale. The final-sale rule is one item
    of a list; it is quotable on its own, so the list's other lines are not quoted in its place."""
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", model_dir=shared_model_dir,
                        answer_cache_size=0)
    answer = Chatbot(settings, embedder=real_embedder).ask("Do gift cards expire? Can I return one?")
    assert "never expire" in answer.text and "final sale and can't be returned" in answer.text
    alone = Chatbot(settings, embedder=real_embedder).ask("Can I return a gift card?")
    assert alone.text.index("final sale") < alone.text.index("[1]")  # the rule is the first thing said


def test_the_decision_head_reads_the_list_and_survives_its_round_trip_through_meta():
    """Synthetic questions where the outcome follows the best probability and its lead over the second: the head
    learns it, writes itself to meta and reads back the same, and a head of the wrong width is refused."""
    from chatbot.retrieve.judge.decision import DecisionHead, fit_decision, question_features

    rng = np.random.default_rng(0)
    rows, outcomes = [], []
    for _ in range(300):
        p = rng.uniform(0, 1, size=5)
        features = rng.normal(size=(5, 40)).astype(np.float32)
        rows.append(question_features(p, features))
        lead = p.max() - np.sort(p)[-2]
        outcomes.append("right" if p.max() > 0.7 and lead > 0.1 else "unanswerable" if p.max() < 0.5 else "wrong")
    head = fit_decision(np.stack(rows), outcomes, strength=1.0)
    clear = question_features(np.array([0.95, 0.2, 0.1]), np.zeros((3, 40), np.float32))
    weak = question_features(np.array([0.3, 0.25, 0.1]), np.zeros((3, 40), np.float32))
    assert head.chances(clear)["right"] > 0.6 and head.answers(head.chances(clear))
    assert head.chances(weak)["unanswerable"] > 0.6 and not head.answers(head.chances(weak))
    again = DecisionHead.from_meta(head.to_meta())
    assert again.chances(clear) == pytest.approx(head.chances(clear))
    assert DecisionHead.from_meta(dict(head.to_meta(), mean=[0.0] * 3)) is None
    single = fit_decision(np.stack(rows[:5]), ["right"] * 5)  # one outcome seen: that outcome, always
    assert single.chances(weak)["right"] > 0.99


def test_the_verdict_follows_the_store_curve_only_when_the_store_s_own_prose_leads(judge):
    """A list led by a policy passage is decided by the store curve (the head never saw store lists); a list
    led by a review is decided by the head, whatever else is in it."""
    from chatbot.retrieve.judge.decision import question_features

    probabilities = np.array([0.9, 0.4], np.float32)
    features = np.zeros((2, 3 * judge.dimension + judge.meta["scalars"]), np.float32)
    confidence, answers = judge.verdict(probabilities, features, ["policy", "review"])
    assert confidence == pytest.approx(judge.store.confidence(0.9)) and answers
    confidence, _ = judge.verdict(probabilities, features, ["review", "policy"])
    assert confidence == pytest.approx(judge.decision.chances(question_features(probabilities, features))["right"])
    low, answers = judge.verdict(np.array([0.02, 0.01], np.float32), features, ["policy", "review"])
    assert low < judge.store.threshold and not answers


def test_answers_removed_gives_each_answered_question_again_with_nothing_that_answers_it():
    from chatbot.retrieve.judge.data import Pair, answers_removed

    pairs = [Pair("q1", "yes", "yes", "faq", 1, "store-a"), Pair("q1", "no", "no", "policy", 0, "store-a"),
             Pair("q1", "other", "other", "policy", 0, "store-a"), Pair("q2", "no", "no", "policy", 0, "store-b")]
    removed = answers_removed(pairs)
    assert [(p.passage, p.group, p.label) for p in removed] == [("no", "store-a-removed", 0),
                                                                 ("other", "store-a-removed", 0)]


def test_the_judge_reads_the_store_s_own_name_as_the_store(demo_index_dir, real_embedder, shared_model_dir):
    """A name shared by question and passage swayed the judge (the public data never names a store): "Who
    founded Harbor & Pine?" was answered from the privacy page, which names the store. Read as "the store",
    questions the pages don't answer are declined, and those they do answer still are."""
    from chatbot.retrieve.judge.ranking import without_store_name

    assert without_store_name("Is Harbor & Pine hiring?", "Harbor & Pine") == "Is the store hiring?"
    assert without_store_name("Is there a harbor & pine app?", "Harbor & Pine") == "Is there a store app?"
    assert without_store_name("Can I return it?", "Harbor & Pine") == "Can I return it?"
    assert without_store_name("Is it simple to assemble?", "Simple") == "Is it simple to assemble?"
    assert without_store_name("Does Simple ship to Canada?", "Simple") == "Does the store ship to Canada?"
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", model_dir=shared_model_dir,
                        answer_cache_size=0)
    bot = Chatbot(settings, embedder=real_embedder)
    for question in ("Is Harbor & Pine hiring?", "Where is Harbor & Pine located?",
                     "Does Harbor & Pine have a loyalty program?"):
        assert bot.ask(question).abstained, question
    data = bot.ask("Does Harbor & Pine sell my data?")
    assert not data.abstained and "do not sell your personal information" in data.text
