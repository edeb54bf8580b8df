"""Render Answers, drafts and tool results as Markdown for the Gradio faces."""

from __future__ import annotations

from chatbot.types import Answer


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


def draft_caption(answer: Answer) -> str:
    return f"Confidence {answer.confidence:.0%}\n\n{sources_markdown(answer) or 'No sources.'}"
