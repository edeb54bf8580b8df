"""Render Answers, drafts, staff replies and tool results as Markdown for the Gradio faces."""

from __future__ import annotations

import html
import re

from chatbot.common.types import Answer

_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")


def sources_markdown(answer: Answer) -> str:
    """Numbered sources, each with a link when the document has one and a short excerpt."""
    lines = []
    for i, c in enumerate(answer.citations, start=1):
        name = f"[{c.title}]({c.url})" if c.url else c.title
        excerpt = " ".join(c.excerpt.split())
        excerpt = excerpt if len(excerpt) <= 160 else excerpt[:159].rsplit(" ", 1)[0] + "…"
        lines.append(f"{i}. {name} (`{c.doc_id}`)" + (f"  \n   > {excerpt}" if excerpt else ""))
    return "\n".join(lines)


def _short(text: str, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def answer_markdown(answer: Answer) -> str:
    """The shopper's view: the answer first, then its sources as titles that open to an excerpt (and a link).

    No internal file ids: a shopper reads "Returns and Refunds", not ``policies/returns.md``."""
    sources = [{"title": c.title, "url": c.url, "excerpt": c.excerpt} for c in answer.citations]
    return _answer_view(answer.text, sources, answer.products)


def restored_markdown(entry: dict) -> str:
    """An answer from a stored transcript (``ConversationStore.get_transcript``), shown as it was first shown.

    An answer stored without its sources (before they were kept) loses its "[1]" markers instead, since they
    would point at nothing."""
    sources = entry.get("citations") or []
    text = entry["text"] if sources else _MARKER.sub("", entry["text"])
    return _answer_view(text, sources, entry.get("products") or [])


def _answer_view(text: str, sources: list[dict], products: list[dict]) -> str:
    cards = product_cards(products)
    if not sources:
        return text + (f"\n\n{cards}" if cards else "")
    items = []
    for i, c in enumerate(sources, start=1):
        url = c.get("url")
        link = (f' <a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">Open page</a>'
                if url else "")
        items.append(f'<details class="source"><summary>[{i}] {html.escape(c["title"])}</summary>'
                     f"<p>{html.escape(_short(c.get('excerpt') or ''))}{link}</p></details>")
    listed = f'<div class="sources"><p class="sources-label">Sources</p>{"".join(items)}</div>'
    return f"{text}\n\n{cards}{listed}"


TYPING = ('<span class="streaming typing" role="status" aria-label="The assistant is typing">'
          '<span></span><span></span><span></span></span>')


def card_price(card: dict) -> str:
    """"$42.00-$45.00" for variants at different prices, "$18.00, was $20.00" on sale, else "$18.00"."""
    text = f"${card['price']:,.2f}"
    if card.get("price_max"):
        return f"{text}-${card['price_max']:,.2f}"
    if card.get("compare_at_price"):
        return f"{text}, was ${card['compare_at_price']:,.2f}"
    return text


def product_cards(products: list[dict]) -> str:
    """Product cards under an answer that names products: name, price, rating, and a link that opens the chat
    on that product's page (``?product=ID``), or the store's own page when the catalog has one."""
    cards = []
    for card in products:
        rating = (f'<span class="card-rating">★ {card["rating"]:.1f} ({card["reviews"]})</span>'
                  if card.get("rating") is not None else '<span class="card-rating">No reviews yet</span>')
        price = "" if card.get("price") is None else f'<span class="card-price">{card_price(card)}</span>'
        href = card.get("url") or f"?product={card['id']}"
        cards.append(f'<div class="product-card"><a class="card-name" href="{html.escape(href, quote=True)}">'
                     f'{html.escape(card["name"])}</a>{price}{rating}</div>')
    return f'<div class="product-cards">{"".join(cards)}</div>' if cards else ""


def streaming_markdown(text: str) -> str:
    """A partial answer while it streams; the page hides rating buttons on it until the answer is complete."""
    return f'<span class="streaming">{html.escape(text)}</span>'


def staff_markdown(message: dict, store_name: str) -> str:
    """What the store's team said, marked as from a person: a reply with its author, or a joined/closed note."""
    text = html.escape(message["text"]).replace("\n", "<br>")
    if message["kind"] != "reply":
        return f'<div class="staff-message staff-note"><em>{text}</em></div>'
    who = html.escape(f"{message['author']} · {store_name} team")
    return f'<div class="staff-message"><strong class="staff-author">{who}</strong><br>{text}</div>'


def customer_reply(text: str, store_name: str) -> str:
    """A draft as an agent sends it: a greeting, the answer without its [n] markers, a sign-off.

    The markers point at sources the customer never sees; the agent sees them in the caption. The bot's offers
    of a person and its "you can also reach us at ..." go: the agent is that person, and a shopper who says the
    support address never answers must not be sent to it."""
    body = _OFFERS.sub("", _MARKER.sub("", text)).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return f"Hi there,\n\n{body}\n\nBest regards,\n{store_name} customer service"


# the bot's own ways of offering a person or the store's contact, as whole sentences
_OFFERS = re.compile(r"\s*(?:Would you like me to connect you with a person[^?]*\?|You can also reach us at [^\n]*?"
                     r"(?:\)\.|\.)(?=\s|$))")


def draft_caption(answer: Answer) -> str:
    cards = product_cards(answer.products)
    return (f"Confidence {answer.confidence:.0%}" + (" · from the catalog" if answer.origin == "catalog" else "")
            + f"\n\n{cards}\n\n{sources_markdown(answer) or 'No sources.'}")
