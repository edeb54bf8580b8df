import csv
import json
from collections import defaultdict

from conftest import HETPQA

from chatbot.ingest.datasets.hetpqa import convert, render_attribute

DEV = HETPQA / "evidence_ranking" / "dev.csv"


def test_conversion_matches_the_labels(tmp_path):
    docs_path, questions_path = convert(DEV, tmp_path)
    docs = {d["id"]: d for d in map(json.loads, docs_path.read_text().splitlines())}
    questions = [json.loads(line) for line in questions_path.read_text().splitlines()]
    rows = list(csv.DictReader(open(DEV, encoding="utf-8"), delimiter="\t"))
    labelled = defaultdict(set)
    for row in rows:
        labelled[row["qid"]].add(row["label"])
    assert len(questions) == len(labelled) == 509
    unanswerable = sum(1 for labels in labelled.values() if "1" not in labels)
    assert sum(not q["answerable"] for q in questions) == unanswerable == 123
    for q in questions:
        assert q["answerable"] == bool(q["gold_doc_ids"])
        assert all(docs[g]["product_id"] == q["product_id"] for g in q["gold_doc_ids"])
    assert all(d["kind"] == "product" and d["text"] for d in docs.values())
    assert (tmp_path / "LICENSE").read_text().startswith("SPDX-License-Identifier: CDLA-Sharing-1.0")


def test_conversion_is_deterministic(tmp_path):
    first = convert(DEV, tmp_path / "a")
    second = convert(DEV, tmp_path / "b")
    assert [p.read_text() for p in first] == [p.read_text() for p in second]


def test_attribute_rendering():
    assert render_attribute("platform:  { value:nintendo_3ds }") == "platform: nintendo 3ds"
    assert render_attribute('compatible_devices:  { value:"apple ipad" }; { value:"ipad 2" }') == \
        "compatible devices: apple ipad; ipad 2"
    assert render_attribute("item_weight:  { unit:pounds, value:13. }") == "item weight: 13. pounds"
    assert render_attribute("plain text with: no braces") == "plain text with: no braces"


def test_splits_are_question_disjoint_and_per_question_pools_hold_only_labelled_candidates(tmp_path):
    from chatbot.ingest.datasets.hetpqa import split_of

    rows = list(csv.DictReader(open(DEV, encoding="utf-8"), delimiter="\t"))
    parts = defaultdict(set)
    for row in rows:
        parts[split_of(row["qid"])].add(row["qid"])
    assert set(parts) == {"train", "calibration", "test"} and len(parts["test"]) == 200
    assert not (parts["test"] & parts["train"]) and not (parts["test"] & parts["calibration"])
    docs_path, questions_path = convert(DEV, tmp_path, split="test", per_question=True)
    docs = [json.loads(line) for line in docs_path.read_text().splitlines()]
    questions = [json.loads(line) for line in questions_path.read_text().splitlines()]
    assert len(questions) == 200 and len({q["product_id"] for q in questions}) == 200  # one pool each
    candidates = defaultdict(int)
    for row in rows:
        if row["qid"] in parts["test"]:
            candidates[f"{row['ASIN']}-q{row['qid']}"] += 1
    pooled = defaultdict(int)
    for doc in docs:
        pooled[doc["product_id"]] += 1
        assert doc["title"].startswith("Product ") and "-q" not in doc["title"]  # titles still name the product
    assert all(pooled[pool] <= count for pool, count in candidates.items())
