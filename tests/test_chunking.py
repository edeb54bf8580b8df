import pytest

from chatbot.common.types import Document
from chatbot.ingest.chunking import Chunker

POLICY = """# Returns and refunds

Intro paragraph about returns.

## Return window
You have 30 days from delivery to return an item.

## Refunds
### Timing
Refunds take 5-7 business days.
"""


def policy(text=POLICY, doc_id="policies/returns.md"):
    return Document(id=doc_id, title="Returns and refunds", text=text, kind="policy", source="/k/returns.md",
                    url="https://shop.example/returns", meta={"format": "markdown"})


def test_markdown_is_split_at_headings_with_section_paths():
    chunks = Chunker().split_document(policy())
    sections = {c.section: c.text for c in chunks}
    assert sections[""] == "Intro paragraph about returns."
    assert sections["Return window"] == "You have 30 days from delivery to return an item."
    assert sections["Refunds > Timing"] == "Refunds take 5-7 business days."
    window = next(c for c in chunks if c.section == "Return window")
    assert window.embed_text.startswith("Returns and refunds > Return window\n")


def test_metadata_reaches_every_chunk():
    for chunk in Chunker().split_document(policy()):
        assert (chunk.doc_id, chunk.kind, chunk.url, chunk.source) == (
            "policies/returns.md", "policy", "https://shop.example/returns", "/k/returns.md")


def test_chunk_ids_are_stable_and_content_addressed():
    first = [c.id for c in Chunker().split_document(policy())]
    again = [c.id for c in Chunker().split_document(policy())]
    assert first == again and len(set(first)) == len(first)
    edited = [c.id for c in Chunker().split_document(policy(POLICY.replace("5-7", "3-5")))]
    assert edited[:-1] == first[:-1] and edited[-1] != first[-1]  # only the edited section changes
    other_doc = [c.id for c in Chunker().split_document(policy(doc_id="policies/copy.md"))]
    assert not set(other_doc) & set(first)


def test_long_prose_is_split_with_overlap_under_the_size():
    sentences = " ".join(f"Sentence number {i} about shipping rules." for i in range(200))
    doc = Document(id="long.txt", title="Long", text=sentences, kind="help")
    chunks = Chunker(chunk_size=300, chunk_overlap=60).split_document(doc)
    assert len(chunks) > 10 and all(len(c.text) <= 300 for c in chunks)
    tail = chunks[0].text[-40:].split(". ")[-1]
    assert tail.split()[0] in chunks[1].text  # the overlap repeats the end of the previous chunk


@pytest.mark.parametrize("kind", ["product", "review", "faq"])
def test_records_stay_whole(kind):
    text = "Product: Robot\n" + "Feature line. " * 100  # over chunk_size but under the record limit
    doc = Document(id=f"{kind}:1", title="Robot", text=text, kind=kind, product_id="1")
    chunks = Chunker(chunk_size=200, chunk_overlap=20).split_document(doc)
    assert len(chunks) == 1 and chunks[0].text == text.strip() and chunks[0].product_id == "1"


@pytest.mark.parametrize("text,count", [
    ("", 0),
    ("   \n\n ", 0),
    ("🎁 Gift cards never expire 🎉", 1),
    ("# Only a heading", 0),
    ("x" * 5000, 2),  # five identical 900-char pieces collapse into one, plus the 500-char tail
])
def test_edge_case_texts(text, count):
    doc = Document(id="e.md", title="Edge", text=text, kind="help", meta={"format": "markdown"})
    assert len(Chunker(chunk_size=900, chunk_overlap=0).split_document(doc)) == count


def test_demo_store_chunks():
    from conftest import KNOWLEDGE

    from chatbot.ingest.loaders import load_paths

    docs = load_paths([KNOWLEDGE]).documents
    chunks = Chunker().split(docs)
    assert {c.doc_id for c in chunks} == {d.id for d in docs}
    assert len({c.id for c in chunks}) == len(chunks)


def test_a_products_stock_is_shown_but_not_embedded_so_a_stock_change_keeps_its_chunk():
    from chatbot.ingest.loaders.records import record_to_document

    def product(available: bool):
        record = {"id": "tee", "name": "Merino Tee", "price": 30, "attributes": {"in_stock": available},
                  "options": [{"name": "Size", "values": ["S", "M"]}],
                  "variants": [{"sku": "T-S", "options": {"Size": "S"}, "price": 30, "available": available},
                               {"sku": "T-M", "options": {"Size": "M"}, "price": 32, "available": True}]}
        [chunk] = Chunker().split([record_to_document(record, "/k/catalog.jsonl")])
        return chunk

    stocked, sold_out = product(True), product(False)
    assert "S: $30.00; in stock" in stocked.text and "S: $30.00; out of stock" in sold_out.text
    assert "stock" not in stocked.embed_text.lower()
    assert stocked.id == sold_out.id and stocked.embed_text == sold_out.embed_text
    # the price is embedded: a price change is a new chunk
    assert "$32.00" in stocked.embed_text
