"""The agent's tools beside the drafts: product description, review analysis, recommendations.

Each button calls one function of ``chatbot.shop.tools`` on the Chatbot's index
and renders the result as Markdown; errors (an unknown product, an empty
need) come back as a one-line warning.
"""

from __future__ import annotations

import gradio as gr

from chatbot.common.errors import ChatbotError
from chatbot.shop.tools import (
    analyze_reviews,
    categories,
    describe_product,
    find_product,
    products_from,
    recommend,
    similar_products,
)


def review_markdown(analysis) -> str:
    s = analysis.sentiment
    lines = [f"**{analysis.total} reviews** of {analysis.target} ({analysis.scope}), average "
             f"{analysis.average_rating or 0:.1f}★ · positive {s['positive']['count']} ({s['positive']['share']:.0%}), "
             f"neutral {s['neutral']['count']}, negative {s['negative']['count']} ({s['negative']['share']:.0%})"]
    for title, aspects in (("Praised", analysis.praised), ("Criticised", analysis.criticised)):
        lines.append(f"\n**{title}**")
        lines += [f"- {a.aspect} ({a.count}): " + " ".join(f"“{q.text}” ({q.review_id})" for q in a.examples)
                  for a in aspects] or ["- nothing stands out"]
    lines.append("\n**Unmet needs**")
    lines += [f"- “{q.text}” ({q.review_id}, {q.rating:g}★)" for q in analysis.unmet_needs] or ["- none mentioned"]
    return "\n".join(lines)


def recommendations_markdown(items) -> str:
    if not items:
        return "No product in the catalog fits all of that."
    return "\n".join(f"{i}. **{r.product.name}** (`{r.product.id}`): {r.reason}" for i, r in enumerate(items, 1))


def build_tools_panel(bot, settings) -> None:
    index = bot.retriever.index
    products = products_from(index)
    product_choices = sorted(((p.name, p.id) for p in products), key=lambda x: x[0].lower())
    with gr.Accordion("Product tools", open=False):
        with gr.Tab("Product description"):
            product = gr.Dropdown(product_choices, label="Product", elem_id="describe-product")
            write = gr.Button("Write description", elem_id="describe-button")
            description = gr.Textbox(label="Description", lines=4, buttons=["copy"], elem_id="description")
        with gr.Tab("Review analysis"):
            target = gr.Dropdown([(f"Category: {c}", c) for c in categories(products)] + product_choices,
                                 label="Product or category", elem_id="review-target")
            analyse = gr.Button("Analyse reviews", elem_id="review-button")
            analysis = gr.Markdown(elem_id="review-analysis")
        with gr.Tab("Recommendations"):
            need = gr.Textbox(label="What the shopper needs", placeholder="a gift for a 6-year-old under $30",
                              elem_id="need")
            suggest = gr.Button("Recommend", elem_id="recommend-button")
            like = gr.Dropdown(product_choices, label="…or products similar to", elem_id="similar-to")
            suggestions = gr.Markdown(elem_id="recommendations")

    def guarded(fn):
        def run(*args):
            try:
                return fn(*args)
            except ChatbotError as exc:
                return f"⚠ {exc}"
        return run

    write.click(guarded(lambda pid: describe_product(find_product(products, pid or ""), settings.store_name)),
                product, description)
    analyse.click(guarded(lambda t: review_markdown(analyze_reviews(index, t or ""))), target, analysis)
    suggest.click(guarded(lambda text: recommendations_markdown(recommend(text, index, bot.embedder))), need,
                  suggestions)
    like.change(guarded(lambda pid: recommendations_markdown(similar_products(pid or "", index, bot.embedder))
                        if pid else ""), like, suggestions)
