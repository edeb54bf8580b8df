"""How answers and drafts are written out for people."""

from ui.formatting import customer_reply


def test_a_draft_reads_as_a_reply_to_the_customer():
    reply = customer_reply("You can return most items within 30 days [1]. Refunds take 5–7 days [2, 3].",
                           "Harbor & Pine")
    assert reply == ("Hi there,\n\nYou can return most items within 30 days. Refunds take 5–7 days.\n\n"
                     "Best regards,\nHarbor & Pine customer service")
