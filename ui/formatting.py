"""Render Answers, drafts and tool results as Markdown for the Gradio faces."""

from __future__ import annotations

import re

from chatbot.types import Answer

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


def answer_markdown(answer: Answer) -> str:
    if not answer.citations:
        return answer.text
    return f"{answer.text}\n\n**Sources**\n{sources_markdown(answer)}"


def customer_reply(text: str, store_name: str) -> str:
    """A draft as an agent sends it: a greeting, the answer without its [n] markers, a sign-off.

    The markers point at sources the customer never sees; the agent sees them in the caption."""
    body = _MARKER.sub("", text).strip()
    return f"Hi there,\n\n{body}\n\nBest regards,\n{store_name} customer service"


def draft_caption(answer: Answer) -> str:
    return f"Confidence {answer.confidence:.0%}\n\n{sources_markdown(answer) or 'No sources.'}"
