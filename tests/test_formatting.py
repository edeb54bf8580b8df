"""How answers and drafts are written out for people."""

from ui.formatting import customer_reply, restored_markdown


def test_a_draft_reads_as_a_reply_to_the_customer():
    reply = customer_reply("You can return most items within 30 days [1]. Refunds take 5–7 days [2, 3].",
                           "Harbor & Pine")
    assert reply == ("Hi there,\n\nYou can return most items within 30 days. Refunds take 5–7 days.\n\n"
                     "Best regards,\nHarbor & Pine customer service")


def test_a_restored_answer_shows_its_sources_and_cards_as_first_shown():
    entry = {"role": "assistant", "text": "The Tidepool Marble Run is $34.99 [1].",
             "citations": [{"doc_id": "product:HP-1001", "title": "Tidepool Marble Run", "url": None,
                            "excerpt": "A 120-piece marble run."}],
             "products": [{"id": "HP-1001", "name": "Tidepool Marble Run", "price": 34.99, "reviews": 3,
                           "rating": 4.7}]}
    shown = restored_markdown(entry)
    assert shown.startswith("The Tidepool Marble Run is $34.99 [1].")
    assert "<summary>[1] Tidepool Marble Run</summary>" in shown and "A 120-piece marble run." in shown
    assert 'class="product-card"' in shown and "$34.99</span>" in shown and "?product=HP-1001" in shown


def test_a_restored_answer_stored_without_its_sources_keeps_no_dangling_markers():
    shown = restored_markdown({"role": "assistant", "text": "Returns are free [1]. Refunds take a week [2, 3]."})
    assert shown == "Returns are free. Refunds take a week."
