import json

import pytest

from chatbot.common.errors import InputError
from chatbot.evaluate.metrics import read_questions, summarize


def result(retrieved, abstained=False, total=10.0):
    return {"retrieved": retrieved, "abstained": abstained,
            "latency_ms": {"retrieve": total / 2, "generate": total / 2, "total": total}}


def test_metrics_by_hand():
    questions = [
        {"id": "a", "answerable": True, "gold_doc_ids": ["x"]},
        {"id": "b", "answerable": True, "gold_doc_ids": ["y", "z"]},
        {"id": "c", "answerable": True, "gold_doc_ids": ["w"]},
        {"id": "d", "answerable": False, "gold_doc_ids": []},
    ]
    results = [
        result(["x", "q"]),  # rank 1
        result(["q", "r", "z"]),  # rank 3
        result(["q"] * 0 + [f"n{i}" for i in range(10)] + ["w"]),  # rank 11: outside the top 10
        result(["x"], abstained=True, total=30.0),  # right to abstain
    ]
    s = summarize(questions, results)
    assert s["answerable"] == 3
    assert s["hit@1"] == round(1 / 3, 4) and s["hit@5"] == round(2 / 3, 4)
    assert s["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert s["answer_abstain_accuracy"] == 1.0 and s["abstained"] == 0.25
    assert s["latency_ms_total"]["max"] == 30.0


def test_read_questions_fills_defaults_and_names_bad_lines(tmp_path):
    good = tmp_path / "q.jsonl"
    good.write_text(json.dumps({"question": "Hi?", "gold_doc_ids": ["a"]}) + "\n\n" +
                    json.dumps({"id": "x", "question": "No?", "answerable": False}) + "\n")
    qs = read_questions(good)
    assert qs[0]["id"] == "line-1" and qs[0]["answerable"] is True and qs[1]["gold_doc_ids"] == []
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\n{oops\n')
    with pytest.raises(InputError, match="bad.jsonl:2"):
        read_questions(bad)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="no questions"):
        read_questions(tmp_path / "empty.jsonl")
