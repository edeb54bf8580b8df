"""Render an Answer as chat Markdown: the answer, then its numbered sources."""

from __future__ import annotations

from chatbot.types import Answer


def answer_markdown(answer: Answer) -> str:
    if not answer.citations:
        return answer.text
    sources = []
    for i, c in enumerate(answer.citations, start=1):
        name = f"[{c.title}]({c.url})" if c.url else c.title
        sources.append(f"{i}. {name} (`{c.doc_id}`)")
    return f"{answer.text}\n\n**Sources**\n" + "\n".join(sources)
