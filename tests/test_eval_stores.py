"""The imported stores' evaluation (``python -m chatbot eval-store eval/stores/NAME``).

Each store folder names its platform exports and holds its own help pages and two question sets. The files
parse and say what the command needs; every gold page is a document of the indexed store; every check type
the variant questions use fails a wrong answer and passes a right one, against the catalog as imported; and
one store runs end to end through the real import, index and Chatbot.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, HashingEmbedder

from chatbot.cli import main as cli_main
from chatbot.common.errors import InputError
from chatbot.common.types import Answer, Citation
from chatbot.evaluate.shopper import _CHECKS, check_answer, read_shopper_questions
from chatbot.evaluate.stores import build_knowledge, read_help_questions, read_manifest
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from chatbot.ingest.loaders import load_paths
from chatbot.ingest.store import KnowledgeIndex
from chatbot.shop.catalog import Catalog

STORES = sorted(p.parent for p in (ROOT / "eval" / "stores").glob("*/store.toml"))
VARIANT_CHECKS = ("options", "variant_price", "variant_stock", "on_sale", "sale_list", "price_range")


@pytest.fixture(scope="module", params=STORES, ids=lambda p: p.name)
def store(request, tmp_path_factory):
    """A store's manifest, its knowledge folder as imported and its catalog (nothing embedded)."""
    manifest = read_manifest(request.param)
    knowledge = tmp_path_factory.mktemp(request.param.name)
    imported = build_knowledge(manifest, knowledge)
    return manifest, knowledge, imported, Catalog.from_documents(load_paths([knowledge]).documents)


@pytest.fixture(scope="module")
def fern(tmp_path_factory):
    knowledge = tmp_path_factory.mktemp("fern")
    build_knowledge(read_manifest(ROOT / "eval" / "stores" / "fern-and-fjord"), knowledge)
    return Catalog.from_documents(load_paths([knowledge]).documents)


def test_there_are_two_stores_from_two_platforms():
    names = {read_manifest(folder).name for folder in STORES}
    assert names == {"Fern & Fjord", "Larch & Loom"}, names


def test_the_manifest_and_question_files_parse_and_say_enough(store):
    manifest, knowledge, imported, catalog = store
    assert manifest.support_contact and all(p.exists() for p in manifest.exports)
    assert 8 <= len(list(manifest.pages.glob("*.md"))) <= 10
    questions = read_help_questions(manifest.help_questions)
    help_, purchases = [q for q in questions if not q["purchase"]], [q for q in questions if q["purchase"]]
    assert len(help_) >= 40 and len(purchases) >= 8
    assert all(q["answerable"] and q["gold_doc_ids"] for q in help_)
    assert len({q["id"] for q in questions}) == len(questions)
    rows = read_shopper_questions(manifest.shopper_questions)
    assert len(rows) >= 30 and len({r["id"] for r in rows}) == len(rows)
    assert {r["check"]["type"] for r in rows} == set(VARIANT_CHECKS)
    assert any(r.get("product_id") for r in rows) and any(not r.get("product_id") for r in rows)
    for row in rows:  # every product a check names is in the imported catalog, every variant too
        check = row["check"]
        if "product" in check:
            product = catalog.by_id[check["product"]].product
            for name, value in (check.get("variant") or {}).items():
                assert any(v["options"].get(name) == value for v in product.variants), (row["id"], name, value)
    assert all(lines and "export" in lines[0] for lines in imported.values())
    assert (knowledge / "pages").is_dir() and list((knowledge / "catalog").glob("*.jsonl"))


def test_every_gold_page_is_a_document_of_the_indexed_store_and_every_page_is_asked(store, tmp_path):
    manifest, knowledge, _, _ = store
    update_index([knowledge], tmp_path, HashingEmbedder(), Chunker())
    documents = KnowledgeIndex.load(tmp_path).documents
    gold = {d for q in read_help_questions(manifest.help_questions) for d in q["gold_doc_ids"]}
    assert gold <= set(documents), gold - set(documents)
    pages = {d for d, doc in documents.items() if doc.kind == "help"}
    assert pages == gold, pages ^ gold  # every page answers something; nothing else is gold


def test_a_manifest_naming_a_missing_export_or_no_purchase_flag_is_refused(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.md").write_text("# A\n\nText.\n")
    (tmp_path / "store.toml").write_text('name = "X"\nsupport_contact = "x@example.com"\nexports = ["nope.csv"]\n')
    with pytest.raises(InputError, match="nope.csv"):
        read_manifest(tmp_path)
    (tmp_path / "q.jsonl").write_text(json.dumps({"id": "a", "question": "hi", "gold_doc_ids": ["pages/a.md"]}) + "\n")
    with pytest.raises(InputError, match="purchase"):
        read_help_questions(tmp_path / "q.jsonl")


def said(text: str, cards: list[dict] | None = None, cites: tuple[str, ...] = ()) -> Answer:
    citations = [Citation(doc_id=d, chunk_id="c", title=d, score=1.0) for d in cites]
    return Answer(question="", text=text, citations=citations, confidence=1.0, abstained=False, handoff=False,
                  retrieved=list(cites), latency_ms={}, products=cards or [])


def passes(check: dict, answer: Answer, catalog: Catalog) -> bool:
    return check_answer({"id": "t", "check": check}, answer, catalog)[0]


TEE, BOTTLE, STOOL = "trailhead-merino-tee", "canyon-steel-water-bottle", "birch-camp-stool"
CASES = {  # check: (right answers, wrong answers), against Fern & Fjord as exported
    "options": [({"type": "options", "product": TEE, "option": "Color"},
                 ["The Trailhead Merino Tee comes in Forest, Navy and Sand [1]."],
                 ["The Trailhead Merino Tee comes in Forest and Navy [1].", "The Trailhead Merino Tee is in stock [1]."]),
                ({"type": "options", "product": "ridgeline-rain-jacket"},
                 ["The Ridgeline Rain Jacket comes in Slate and Ember, and in sizes S, M, L and XL [1]."],
                 ["The Ridgeline Rain Jacket comes in Slate and Ember [1]."])],
    "variant_price": [({"type": "variant_price", "product": TEE, "variant": {"Color": "Navy", "Size": "L"}},
                       ["The Trailhead Merino Tee in Navy and L is $45.00 [1]."],
                       ["The Trailhead Merino Tee is $42.00-$45.00 [1].", "The Trailhead Merino Tee is $42.00 [1].",
                        "Variants: Navy / S: $42.00; in stock; Navy / L: $45.00; out of stock [1].",
                        ("The Ridgeline Rain Jacket is $45.00.", [], ("product:ridgeline-rain-jacket",))])],
    "variant_stock": [({"type": "variant_stock", "product": TEE, "variant": {"Color": "Navy", "Size": "L"}},
                       ["The Trailhead Merino Tee in Navy and L is sold out right now [1]."],
                       ["The Trailhead Merino Tee in Navy and L is in stock [1].",
                        "I can't see live stock levels for the Trailhead Merino Tee."]),
                      ({"type": "variant_stock", "product": TEE, "variant": {"Color": "Navy"}},
                       ["The Trailhead Merino Tee in Navy is in stock in S and M; L is sold out [1]."],
                       ["The Trailhead Merino Tee in Navy is in stock [1].",
                        "The Trailhead Merino Tee in Navy has 32 left in stock; L is sold out."]),
                      ({"type": "variant_stock", "product": TEE, "variant": {"Color": "Sand", "Size": "M"}},
                       ["The Trailhead Merino Tee in Sand and M is in stock [1]."],
                       ["The Trailhead Merino Tee in Sand and M isn't in stock right now [1].",
                        ("The Alder Daypack 22L is in stock.", [], ("product:alder-daypack-22l",))])],
    "on_sale": [({"type": "on_sale", "product": BOTTLE},
                 ["Yes: the Canyon Steel Water Bottle is $18.00, down from $20.00 [1]."],
                 ["The Canyon Steel Water Bottle isn't on sale right now: it's $18.00 [1].",
                  "Yes: the Canyon Steel Water Bottle is $18.00 [1]."]),
                ({"type": "on_sale", "product": STOOL},
                 ["The Birch Camp Stool isn't on sale right now: it's $55.00 [1]."],
                 ["Yes: the Birch Camp Stool is $55.00, down from $60.00 [1].", "The Birch Camp Stool is $55.00 [1]."])],
    "sale_list": [({"type": "sale_list"},
                   [("We have 1 product on sale: Canyon Steel Water Bottle, $18.00, down from $20.00 [1]",
                     [{"id": BOTTLE, "name": "Canyon Steel Water Bottle", "price": 18.0}])],
                   [("Here are two:", [{"id": BOTTLE, "name": "Canyon Steel Water Bottle", "price": 18.0},
                                       {"id": STOOL, "name": "Birch Camp Stool", "price": 55.0}]),
                    ("We don't sell sale.", [])]),
                  ({"type": "sale_list", "match": {"name_regex": r"\bhat\b"}},
                   ["None of our hats are on sale right now."],
                   [("We have 1 hat: Dune Sun Hat [1]", [{"id": "dune-sun-hat", "name": "Dune Sun Hat", "price": 34.0}])])],
    "price_range": [({"type": "price_range", "product": TEE},
                     ["The Trailhead Merino Tee is $42.00-$45.00 [1].",
                      ("Here it is [1].", [{"id": TEE, "name": "Trailhead Merino Tee", "price": 42.0, "price_max": 45.0}])],
                     ["The Trailhead Merino Tee is $42.00 [1].", "The Trailhead Merino Tee is $45.00 [1]."]),
                    ({"type": "price_range", "product": BOTTLE},
                     ["The Canyon Steel Water Bottle is $18.00, down from $20.00 [1]."],
                     ["The Canyon Steel Water Bottle is $18.00 [1].", "The Canyon Steel Water Bottle is $20.00 [1]."])],
}


@pytest.mark.parametrize("kind", VARIANT_CHECKS)
def test_each_variant_check_fails_a_wrong_answer_and_passes_a_right_one(kind, fern):
    """An answer is its text, or (text, cards), or (text, cards, cited documents); by default it cites the
    product the check is about, so what fails is what it says."""
    assert kind in _CHECKS
    for check, rights, wrongs in CASES[kind]:
        for expected, answers in ((True, rights), (False, wrongs)):
            for given in answers:
                text, cards, cites = (*given, (), ())[:3] if isinstance(given, tuple) else (given, (), ())
                cites = cites or ((f"product:{check['product']}",) if "product" in check else ())
                assert passes(check, said(text, list(cards), cites), fern) is expected, (check, text)


def test_a_check_naming_a_variant_the_product_lacks_is_an_error(fern):
    with pytest.raises(InputError, match="no variant"):
        check_answer({"id": "t", "check": {"type": "variant_price", "product": TEE, "variant": {"Color": "Red"}}},
                     said("$42.00"), fern)


def test_eval_store_runs_a_store_end_to_end(monkeypatch, tmp_path, capsys):
    """The command as a store owner runs it: import, index, the Chatbot with the shop skills on and off."""
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path / "data"))  # the router's weights, nothing in the repo
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert cli_main(["eval-store", str(ROOT / "eval" / "stores" / "larch-and-loom"), "--limit", "2",
                     "--failures"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["store"] == "Larch & Loom" and report["generator"] == "extractive"
    assert report["imported"]["woocommerce_products.csv"][0].startswith("WooCommerce products export: 30 products")
    assert report["index"]["documents"] == 30 + 10  # the products and the pages
    shopper = report["shopper"]
    assert shopper["questions"] == 2 and 0 <= shopper["pass_rate"] <= 1 and isinstance(shopper["failures"], list)
    assert set(shopper["by_check"]) == {"options"}
    help_ = report["help"]
    assert (help_["questions"], help_["answerable"], help_["purchase"]) == (4, 2, 2)
    for side in ("skills_on", "skills_off"):
        figures = help_[side]
        assert 0 <= figures["hit@1"] <= figures["mrr@10"] <= 1 and 0 <= figures["purchases_handed_off"] <= 2
    assert help_["skills_off"]["mrr@10"] > 0  # the store's own pages answer its delivery questions
    assert all(set(w) == {"id", "question", "skills_off_too"} for w in report["wrong_handoffs"])
