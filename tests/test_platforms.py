"""Store platform exports brought in as they are, through the real path.

``python -m chatbot import`` reads a Shopify products export, a WooCommerce products export and a Judge.me
review export (tests/data/exports, written by make_exports.py in each platform's exact column layout) into a
knowledge folder; ``python -m chatbot index`` indexes it with the bundled embedder; the real bot answers from
it. Expected counts are computed here from the generator's own rows, independently of the readers. Bad input
(unknown headers, missing handles and titles, duplicates, orphan variations, spreadsheet-formatted prices,
negative stock, scripts, Excel's encodings and delimiters) gets one message naming the file, the line and the
fix while the rest imports.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest
from cli_runner import run_cli
from conftest import ROOT, scratch_database_env

from chatbot.cli import main as cli_main
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.platforms.importer import read_export
from chatbot.ingest.platforms.values import html_to_text, parse_price
from chatbot.ingest.store import KnowledgeIndex
from chatbot.shop.products import products_from, reviews_from
from ui.formatting import card_price

EXPORTS = ROOT / "tests" / "data" / "exports"
SHOPIFY, WOO, JUDGEME = (EXPORTS / n for n in ("shopify_products.csv", "woocommerce_products.csv",
                                                 "judgeme_reviews.csv"))
_spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
make_exports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_exports)

# what only the store may see, as the generator wrote it: cost prices, barcodes, supplier notes and tags,
# purchase notes, WordPress meta, reviewer emails and IPs, the tracking script
PRIVATE = ["Cost per item", "Nordvik", "_reorder", "supplier-nordvik", "NV-8812", "SUP-1", "Supplier batch",
           "cost 40%", "_clearance", "@mail.example", "@spam.example", "10.0.0.", "tracker.example", "5012345",
           "7312345", "color:red"]


def cli(*args):
    return run_cli(*args, env={"HF_HUB_OFFLINE": "1", **scratch_database_env(ROOT)})


def expected_shopify() -> tuple[int, int, dict[str, int]]:
    """Products, variants and left-out counts, straight from the generator's rows."""
    rows = make_exports.shopify_rows()
    firsts = {r["Handle"]: r for r in reversed(rows) if r.get("Title")}
    left = {"draft": 0, "archived": 0, "unpublished": 0, "placeholder": 0}
    kept = set()
    for handle, row in firsts.items():
        if row["Status"] in ("draft", "archived"):
            left[row["Status"]] += 1
        elif row["Published"] != "TRUE":
            left["unpublished"] += 1
        elif float(row["Variant Price"]) == 0:
            left["placeholder"] += 1
        else:
            kept.add(handle)
    variants = sum(1 for r in rows if r["Handle"] in kept and r.get("Variant Price"))
    return len(kept), variants, left


def expected_woo() -> tuple[int, int]:
    rows = make_exports.woo_rows()
    shown = [r for r in rows if r["Type"] != "variation" and r["Published"] == "1"
             and r["Visibility in catalog"] != "hidden" and float(r.get("Regular price") or 1) > 0]
    ids = {f"id:{r['ID']}" for r in shown}
    variations = [r for r in rows if r["Type"] == "variation" and r["Parent"] in ids]
    simple = [r for r in shown if r["Type"] == "simple"]
    return len(shown), len(variations) + len(simple)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Three exports imported into an empty knowledge folder, then indexed, all by the CLI. The reviews are
    named before the products they are about: the import takes products first all the same."""
    root = tmp_path_factory.mktemp("store")
    knowledge, index = root / "knowledge", root / "index"
    both = cli("import", str(JUDGEME), str(SHOPIFY), "--into", str(knowledge))
    shopify, _, judgeme = both.stdout.partition("judgeme_reviews.csv: ")
    runs = {"both": both, "shopify": shopify, "judgeme": judgeme, "woo": cli("import", str(WOO), "--into",
                                                                             str(knowledge))}
    runs["index"] = cli("index", str(knowledge), "--index", str(index))
    return knowledge, index, runs


@pytest.fixture(scope="module")
def bot(store, real_embedder, shared_model_dir):
    _, index_dir, _ = store
    index = KnowledgeIndex.load(index_dir, real_embedder.name, real_embedder.dimension)
    settings = Settings(index_dir=str(index_dir), generator="extractive",
                        model_dir=shared_model_dir)
    bot = Chatbot(settings, embedder=real_embedder, index=index)
    bot.warm_up()
    yield bot
    bot.close()


def catalog(knowledge: Path, name: str) -> dict[str, dict]:
    lines = (knowledge / "catalog" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def test_import_says_what_each_export_held(store):
    _, _, runs = store
    products, variants, left = expected_shopify()
    assert runs["both"].returncode == 0 and runs["woo"].returncode == 0, runs["both"].stderr + runs["woo"].stderr
    shopify = runs["shopify"]
    assert f"Shopify products export: {products} products, {variants} variants" in shopify
    for what, n in left.items():
        assert f"{n} {what}" in shopify.replace("$0.00 placeholder", "placeholder")
    woo_products, woo_variants = expected_woo()
    assert f"WooCommerce products export: {woo_products} products, {woo_variants} variants" in runs["woo"].stdout
    assert "1 hidden skipped" in runs["woo"].stdout and "1 draft skipped" in runs["woo"].stdout
    reviews = [r for r in make_exports.judgeme_rows() if r["curated"] != "spam"]
    unknown = [r for r in reviews if r["product_handle"] == "discontinued-lantern"]
    assert f"Judge.me reviews export: {len(reviews) - len(unknown)} reviews" in runs["judgeme"]
    assert "'discontinued-lantern', which is not in the catalog" in runs["judgeme"]
    assert products >= 30 and woo_products >= 30


def test_each_problem_names_the_line_it_is_on(store):
    _, _, runs = store
    lines = SHOPIFY.read_text(encoding="utf-8").splitlines()
    problems = [line.strip() for line in runs["shopify"].splitlines() if line.strip().startswith("line ")]
    assert len(problems) == 2
    for problem in problems:
        number = int(problem.split(":")[0].removeprefix("line "))
        if "<script>" in problem:
            assert "<script>" in lines[number - 1] and "lichen-map-case" in problem
        else:
            assert ",-2," in lines[number - 1] and "oversold" in problem


def test_variants_keep_their_own_sku_price_sale_and_stock(store):
    knowledge, _, _ = store
    shop = catalog(knowledge, "shopify_products")
    tee = shop["trailhead-merino-tee"]
    assert [o["name"] for o in tee["options"]] == ["Color", "Size"]
    assert tee["options"][0]["values"] == ["Forest", "Navy", "Sand"]
    assert len(tee["variants"]) == 9 and len({v["sku"] for v in tee["variants"]}) == 9
    navy_large = next(v for v in tee["variants"] if v["options"] == {"Color": "Navy", "Size": "L"})
    assert navy_large["price"] == 45.0 and navy_large["stock"] == 0 and navy_large["available"] is False
    assert tee["price"] == 42.0 and tee["attributes"]["material"] == "100% merino wool"
    bottle = shop["canyon-steel-water-bottle"]
    assert bottle["variants"][0]["compare_at_price"] == 20.0 and bottle["price"] == 18.0
    assert shop["pathfinder-kids-headlamp"]["variants"][0]["available"] is False  # oversold, -2
    woo = catalog(knowledge, "woocommerce_products")
    hoodie = woo["lighthouse-hoodie"]
    moss = [v for v in hoodie["variants"] if v["options"]["Color"] == "Moss"]
    assert all(v["price"] == 48.0 and v["compare_at_price"] == 60.0 and v["sale_ends"] == "2099-12-31"
               for v in moss)
    assert hoodie["attributes"]["category_path"] == "Clothing > Hoodies" and hoodie["category"] == "Hoodies"
    mug = woo["cinder-enamel-mug"]  # its sale ended in 2021: the regular price, nothing "down from"
    assert mug["price"] == 16.0 and "compare_at_price" not in mug["variants"][0]
    keys = {k for r in (*shop.values(), *woo.values()) for k in r["attributes"]}  # readable, never raw columns
    assert keys >= {"brand", "product_type", "category_path", "tags", "material", "age_range", "color", "size"}
    assert all(re.fullmatch(r"[a-z]+(?:_[a-z]+)*", k) for k in keys), keys


def test_private_fields_are_never_written_or_indexed(store):
    knowledge, index_dir, _ = store
    written = "".join(p.read_text(encoding="utf-8") for p in knowledge.rglob("*.jsonl"))
    indexed = json.dumps([d.to_dict() for d in KnowledgeIndex.load(index_dir).documents.values()])
    for secret in PRIVATE:
        assert secret not in written and secret not in indexed, secret
    shop, docs = catalog(knowledge, "shopify_products"), KnowledgeIndex.load(index_dir).documents
    for row in make_exports.shopify_rows():
        if row.get("Cost per item") and row["Handle"] in shop:  # each product's own cost, in neither form
            cost = row["Cost per item"]
            assert str(float(cost)) not in json.dumps(shop[row["Handle"]]) and cost not in json.dumps(shop[row["Handle"]])
            assert f"${cost}" not in docs[f"product:{row['Handle']}"].text
    for left_out in ("Aurora Tent", "Old Logo Cap", "Staff Fleece", "Gift Wrap Placeholder", "Secret Sample Sale Bag",
                     "Draft Market Stool", "Private Trade Pack", "Custom Order Placeholder"):
        assert left_out not in written and left_out not in indexed


def test_the_index_run_reports_success_and_the_bot_reads_the_catalog(store, bot):
    _, _, runs = store
    assert runs["index"].returncode == 0, runs["index"].stderr
    assert "index saved" in runs["index"].stdout
    products, _, _ = expected_shopify()
    woo_products, _ = expected_woo()
    assert len(products_from(bot)) == products + woo_products
    reviews = reviews_from(bot)
    assert reviews and all(r.product_id in {p.id for p in products_from(bot)} for r in reviews)
    assert all(r.author and "@" not in r.author and r.author.endswith(".") for r in reviews)  # "Nina P."


def test_the_bot_answers_price_and_material_from_the_import_and_never_the_cost(bot):
    tee = bot.ask("How much is the Trailhead Merino Tee?")
    assert "$42.00" in tee.text and tee.citations[0].doc_id == "product:trailhead-merino-tee"
    made = bot.ask("What is the Canyon Steel Water Bottle made of?")
    assert "stainless steel" in made.text
    costs = {r["Cost per item"] for r in make_exports.shopify_rows() if r.get("Cost per item")
             and r["Handle"] in ("trailhead-merino-tee", "canyon-steel-water-bottle")}
    for question in ("What does the Trailhead Merino Tee cost you to make?", "What's the cost per item of the "
                     "Canyon Steel Water Bottle?", "Who is the supplier of the merino tee?"):
        answer = bot.ask(question)
        assert not any(cost in answer.text for cost in costs) and "Nordvik" not in answer.text, answer.text


def test_the_bot_answers_options_and_stock_of_variants(bot):
    colours = bot.ask("What colours does the Trailhead Merino Tee come in?")
    assert all(c in colours.text for c in ("Forest", "Navy", "Sand")), colours.text
    hoodie = bot.ask("Is the Lighthouse Hoodie in stock?")
    assert "in stock" in hoodie.text and "product:lighthouse-hoodie" in [c.doc_id for c in hoodie.citations]


def test_prices_are_said_with_their_sale_and_range_on_answers_and_cards(bot):
    bottle = bot.ask("How much is the Canyon Steel Water Bottle?")
    assert "$18.00, down from $20.00" in bottle.text
    assert bottle.products[0]["compare_at_price"] == 20.0
    tee = bot.ask("How much is the Trailhead Merino Tee?")
    assert "$42.00-$45.00" in tee.text and tee.products[0]["price_max"] == 45.0
    assert card_price(tee.products[0]) == "$42.00-$45.00" and card_price(bottle.products[0]) == "$18.00, was $20.00"


def test_a_named_variant_gets_its_own_price_and_stock(bot):
    navy = bot.ask("Is the Trailhead Merino Tee in Navy in stock?")
    assert "in Navy is in stock in S and M; L is sold out" in navy.text, navy.text
    moss = bot.ask("How much is the Lighthouse Hoodie in Moss?")
    assert "in Moss is $48.00, down from $60.00" in moss.text, moss.text
    sizes = bot.ask("What sizes does the Trailhead Merino Tee come in?")
    assert "comes in sizes S, M and L" in sizes.text, sizes.text


def test_an_option_alone_after_a_variant_answer_gets_that_variants_answer(bot):
    """"And in L?" after the Navy tee's price: the price of the Navy tee in L, never its whole record."""
    history = []
    for question, expected in [("How much is the Trailhead Merino Tee in Navy?", "in Navy is $42.00 in S and M"),
                               ("and in L?", "in Navy, size L, is $45.00, but it's sold out right now"),
                               ("what about Forest?", "in Forest, size L, is $45.00 [1].")]:
        answer = bot.ask(question, history=history)
        assert expected in answer.text and "Variants:" not in answer.text, (question, answer.text)
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.text, "product_id": answer.product_id}]


def test_on_sale_is_answered_from_compare_at_prices_and_sale_dates(bot):
    hoodie = bot.ask("is it on sale?", product_id="lighthouse-hoodie")
    assert "Yes: the Lighthouse Hoodie is $48.00 in Moss / M and Moss / L, down from $60.00 until 2099-12-31" \
        in hoodie.text, hoodie.text
    mug = bot.ask("Is the Cinder Enamel Mug on sale?")  # its sale ended in 2021
    assert "isn't on sale right now: it's $16.00" in mug.text, mug.text


def test_what_is_on_sale_lists_the_products_below_their_usual_price(store, bot):
    """"Is anything on sale?" is a catalog question: the products whose variants sell below their compare-at
    price, said with both prices, never "we don't sell sale"; nothing else on sale gets a plain no."""
    knowledge, _, _ = store
    products = [*catalog(knowledge, "shopify_products").values(), *catalog(knowledge, "woocommerce_products").values()]
    on_sale = {p["name"] for p in products if (p.get("compare_at_price") or 0) > (p.get("price") or 0) or any(
        (v.get("compare_at_price") or 0) > v["price"] for v in p.get("variants", []))}
    answer = bot.ask("is anything on sale?")
    shown = {c["name"] for c in answer.products}
    assert on_sale and shown <= on_sale and len(shown) == min(5, len(on_sale)), (answer.text, on_sale)
    assert "down from" in answer.text and "don't sell" not in answer.text
    none = bot.ask("are any socks on sale?")
    assert "on sale right now" in none.text and not none.text.startswith("Yes"), none.text  # the one pair, or none


def test_a_colour_the_product_does_not_come_in_gets_its_colours(bot):
    """"Does it come in red?" of a tee in Forest, Navy and Sand: no, and the colours it has; never a "Yes"
    read off the "in" of its in-stock field."""
    red = bot.ask("does it come in red?", product_id="trailhead-merino-tee")
    assert "Forest, Navy and Sand" in red.text and "red isn't one of them" in red.text, red.text
    assert not red.text.startswith("Yes") and "has an in stock" not in red.text
    sale = bot.ask("is it discounted?", product_id="canyon-steel-water-bottle")  # its price, not a promo code
    assert sale.text.startswith("Yes: the Canyon Steel Water Bottle is $18.00, down from $20.00"), sale.text
    price = bot.ask("how much is the red one?", product_id="trailhead-merino-tee")
    assert price.text.startswith("The Trailhead Merino Tee doesn't come in red; it comes in Forest, Navy and Sand, at $"), \
        price.text


def test_the_best_reviewed_of_a_kind_no_one_reviewed_is_not_crowned(store, bot):
    """"Which hat has the best reviews?" when no hat has a review yet: it says so and lists the hats, never
    "our best rated hat is ..., no reviews yet"."""
    knowledge, _, _ = store
    reviewed = {json.loads(line)["product_id"] for f in (knowledge / "reviews").glob("*.jsonl")
                for line in f.read_text(encoding="utf-8").splitlines() if line.strip()}
    hats = [r for r in catalog(knowledge, "shopify_products").values() if r["name"].endswith(" Hat")]
    assert len(hats) == 2 and not {h["id"] for h in hats} & reviewed  # the export's two hats, neither reviewed
    answer = bot.ask("Which hat has the best reviews?")
    assert answer.text.startswith("None of our 2 hats has reviews yet, so I can't say which is best rated."), \
        answer.text
    assert {p["id"] for p in answer.products} == {h["id"] for h in hats} and "best rated is" not in answer.text
    coat = bot.ask("Which jacket has the best reviews?")  # a reviewed kind is still ranked
    assert coat.text.startswith("Our best rated jacket is the "), coat.text


def test_indexing_an_export_as_it_is_says_what_it_found(tmp_path):
    knowledge = tmp_path / "knowledge"
    (knowledge / "catalog").mkdir(parents=True)
    (knowledge / "catalog" / "products_export.csv").write_bytes(WOO.read_bytes())
    proc = cli("index", str(knowledge), "--index", str(tmp_path / "index"))
    assert proc.returncode == 0, proc.stderr
    products, variants = expected_woo()
    assert f"WooCommerce products export: {products} products, {variants} variants" in proc.stdout
    assert "index saved" in proc.stdout
    docs = KnowledgeIndex.load(tmp_path / "index").documents
    hoodie = docs["product:lighthouse-hoodie"]
    assert "Price: $48.00-$60.00" in hoodie.text and "Moss / L: $48.00, down from $60.00" in hoodie.text


def test_a_catalog_nothing_could_be_read_from_fails_the_index_and_names_the_columns(tmp_path):
    knowledge = tmp_path / "knowledge"
    (knowledge / "catalog").mkdir(parents=True)
    (knowledge / "returns.md").write_text("# Returns\nReturns within 30 days.\n")
    (knowledge / "catalog" / "products.csv").write_text("Product Handle,Product Title,Cost\nmug,Mug,4.00\n")
    proc = cli("index", str(knowledge), "--index", str(tmp_path / "index"))
    assert proc.returncode != 0 and "index saved" not in proc.stdout
    assert "products.csv" in proc.stderr and "nothing could be read" in proc.stderr
    assert "'Handle' (closest found: 'Product Handle')" in proc.stderr
    assert "'Title' (closest found: 'Product Title')" in proc.stderr
    assert not (tmp_path / "index").exists()


def test_an_export_of_only_drafts_stops_the_index_and_says_what_was_there(tmp_path, fake_embedder):
    from chatbot.common.errors import ChatbotError
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index

    rows = [dict(r, Status="draft") if r.get("Title") else r for r in make_exports.shopify_rows()]
    (tmp_path / "k").mkdir()
    write_csv(tmp_path / "k" / "products_export.csv", make_exports.SHOPIFY_COLUMNS, rows)
    drafts = sum(1 for r in rows if r.get("Title"))
    with pytest.raises(ChatbotError, match=r"nothing could be read from .*products_export.csv.*Shopify products "
                                           rf"export \(0 products, 0 variants, {drafts} drafts skipped"):
        update_index([tmp_path / "k"], tmp_path / "index", fake_embedder, Chunker(), refuse_unreadable_catalogs=True)
    assert not (tmp_path / "index").exists()


# ---- bad input, through the CLI entry in this process (each case is a small file)

def write_csv(path: Path, columns: list[str], rows: list[dict], delimiter: str = ",", lineterminator: str = "\n",
              encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator=lineterminator)
    writer.writeheader()
    writer.writerows({c: r.get(c, "") for c in columns} for r in rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def run_import(capsys, path: Path, into: Path, *extra: str) -> tuple[int, str, str]:
    code = cli_main(["import", str(path), "--into", str(into), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if text in line)


def test_a_file_in_none_of_the_formats_names_the_columns_it_expected(tmp_path, capsys):
    path = tmp_path / "inventory.csv"
    path.write_text("Product Handle,Title,Variant Price,Qty\nmug,Mug,4.00,3\n")
    code, out, err = run_import(capsys, path, tmp_path / "k")
    assert code == 2 and "inventory.csv" in err and "matches none of the formats" in err
    assert "'Handle' (closest found: 'Product Handle')" in err and not (tmp_path / "k").exists()


def test_a_products_export_given_as_reviews_is_refused(tmp_path, capsys):
    code, out, err = run_import(capsys, SHOPIFY, tmp_path / "k", "--as", "reviews")
    assert code == 2 and "is a Shopify products export, not a reviews export" in err and "Judge.me" in err


def test_missing_handle_and_title_and_duplicate_handles_are_reported_and_the_rest_imports(tmp_path, capsys):
    rows = make_exports.shopify_rows()
    no_handle = next(r for r in rows if r["Handle"] == "summit-wool-beanie" and not r.get("Title"))
    no_handle["Handle"] = ""
    next(r for r in rows if r["Handle"] == "birch-camp-stool" and r.get("Title"))["Title"] = ""
    duplicate = dict(next(r for r in rows if r["Handle"] == "glacier-lip-balm"), Title="Glacier Lip Balm Copy",
                     **{"Variant SKU": "DUP-1"})
    rows.append(duplicate)
    path = write_csv(tmp_path / "products_export.csv", make_exports.SHOPIFY_COLUMNS, rows)
    code, out, err = run_import(capsys, path, tmp_path / "k")
    assert code == 0, err
    products, variants, _ = expected_shopify()
    assert f"{products - 1} products, {variants - 2} variants" in out  # the stool (no title) and the orphan row
    assert f"line {line_of(path, no_handle['Variant SKU'])}: has no Handle" in out
    assert f"line {line_of(path, 'birch-camp-stool,,<p>')}: product 'birch-camp-stool' has no Title" in out
    assert (f"line {line_of(path, 'DUP-1')}: Handle 'glacier-lip-balm' is already used by the product on line "
            f"{line_of(path, 'glacier-lip-balm,Glacier Lip Balm,')}") in out
    assert "Glacier Lip Balm Copy" not in (tmp_path / "k" / "catalog" / "products_export.jsonl").read_text()


def test_prices_as_spreadsheets_write_them(tmp_path, capsys):
    rows = make_exports.shopify_rows()
    first = {r["Handle"]: r for r in reversed(rows) if r.get("Title")}
    first["pine-pocket-knife"]["Variant Price"] = "1.299,00"
    first["dune-sun-hat"]["Variant Price"] = "$1,299.00"
    first["stone-whetstone"]["Variant Price"] = ""
    path = write_csv(tmp_path / "products_export.csv", make_exports.SHOPIFY_COLUMNS, rows)
    code, out, err = run_import(capsys, path, tmp_path / "k")
    records = catalog(tmp_path / "k", "products_export")
    assert records["pine-pocket-knife"]["price"] == 1299.0 and records["dune-sun-hat"]["price"] == 1299.0
    assert "stone-whetstone" not in records and "pocket-knife" not in out
    assert f"line {line_of(path, '1.299,00')}: Variant Price is written '1.299,00'" in out
    assert f"line {line_of(path, '$1,299.00')}: Variant Price is written '$1,299.00'" in out
    assert f"line {line_of(path, 'FS-24')}: a variant of 'stone-whetstone' has no Variant Price" in out


@pytest.mark.parametrize("text, price", [("24.99", 24.99), ("1.299,00", 1299.0), ("$1,299.00", 1299.0),
                                         ("12,5", 12.5), ("1 299,00 €", 1299.0), ("1,299", 1299.0), ("", None)])
def test_price_cells(text, price):
    assert parse_price(text, "Price")[0] == price


def test_a_variation_whose_parent_is_missing_is_reported(tmp_path, capsys):
    rows = make_exports.woo_rows()
    orphan, by_sku = [r for r in rows if r["Type"] == "variation"][:2]
    orphan["Parent"] = "id:999"
    by_sku["Parent"] = "WH-HOOD"  # WooCommerce also names a parent by its SKU
    path = write_csv(tmp_path / "wc-product-export.csv", make_exports.WOO_COLUMNS, rows)
    code, out, err = run_import(capsys, path, tmp_path / "k")
    assert code == 0
    assert (f"line {line_of(path, orphan['SKU'])}: variation '{orphan['SKU']}' names Parent 'id:999', which is not "
            "in the file") in out
    hoodie = catalog(tmp_path / "k", "wc-product-export")["lighthouse-hoodie"]
    assert orphan["SKU"] not in {v["sku"] for v in hoodie["variants"]} and len(hoodie["variants"]) == 3


def test_scripts_and_styles_never_reach_the_text():
    text, had_script = html_to_text("<p>Keeps maps <b>dry</b>.</p><script>alert(1)</script><style>p{}</style>"
                                    "<ul><li>Clear window</li></ul>")
    assert had_script and text == "Keeps maps dry.\n- Clear window"


@pytest.mark.parametrize("encoding, delimiter", [("cp1252", ";"), ("utf-8-sig", ","), ("utf-8-sig", ";"),
                                                 ("utf-8", "\t")])
def test_excel_saved_exports_read_the_same(tmp_path, encoding, delimiter):
    rows = make_exports.woo_rows()
    mug = next(r for r in rows if r["Name"] == "Cinder Enamel Mug")
    mug["Name"] = "Cinder Enamel Mug – Café Edition"  # an en dash and an é, as cp1252 writes them
    path = write_csv(tmp_path / "export.csv", make_exports.WOO_COLUMNS, rows, delimiter=delimiter,
                     lineterminator="\r\n", encoding=encoding)
    result = read_export(path)
    products, variants = expected_woo()
    assert (len(result.products), result.variants, result.problems) == (products, variants, [])
    assert "Cinder Enamel Mug – Café Edition" in {p["name"] for p in result.products}


def test_shopify_product_reviews_join_by_handle_without_emails_or_unpublished(tmp_path, capsys):
    columns = ["product_handle", "state", "rating", "title", "author", "email", "location", "body", "reply",
               "created_at", "replied_at"]
    rows = [{"product_handle": "alder-daypack-22l", "state": "published", "rating": "5", "title": "Roomy",
             "author": "Ines Karlsen", "email": "ines@mail.example", "location": "Bergen",
             "body": "<p>Fits a laptop and lunch.</p>", "created_at": "2026-06-01T10:00:00-04:00"},
            {"product_handle": "alder-daypack-22l", "state": "unpublished", "rating": "1", "title": "Never came",
             "author": "Anon", "email": "anon@mail.example", "body": "Lost parcel", "created_at": "2026-06-02"},
            {"product_handle": "old-lantern", "state": "published", "rating": "4", "title": "Nice",
             "author": "Per", "email": "per@mail.example", "body": "Warm light", "created_at": "2026-06-03"}]
    path = write_csv(tmp_path / "reviews_export.csv", columns, rows)
    code = cli_main(["import", str(path), str(SHOPIFY), "--into", str(tmp_path / "k")])  # reviews first: fine
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Shopify Product Reviews export: 1 review, 1 review of unknown products skipped, 1 unpublished " \
           "review skipped" in out
    assert f"line {line_of(path, 'old-lantern')}: 1 review(s)" in out and "'old-lantern'" in out
    written = (tmp_path / "k" / "reviews" / "reviews_export.jsonl").read_text(encoding="utf-8")
    review = json.loads(written)
    assert (review["product_id"], review["author"], review["date"], review["text"]) == (
        "alder-daypack-22l", "Ines K.", "2026-06-01", "Fits a laptop and lunch.")
    assert "@" not in written and "Bergen" not in written and "Lost parcel" not in written
