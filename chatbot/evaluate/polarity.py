"""The polarity set: yes/no policy questions whose true answer turns on a condition.

``eval/polarity_questions.jsonl`` holds questions such as "Can I change my shipping address after placing an
order?" (yes, within the first hour) beside "... 3 hours after placing it?" (no). Each names the policy file
and the sentence of it that decides the answer (``evidence``); the run first checks that every sentence is
still in the store's documents, so a policy edit that changes an answer stops the run instead of leaving a
stale expectation. Each answer is read as yes, no or not answered (declined, handed to a person), and counted
right, wrong polarity or abstained. A right answer also cites the deciding policy (or an FAQ entry).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from chatbot.common.errors import InputError
from chatbot.common.types import Answer
from chatbot.common.words import stems
from chatbot.evaluate.metrics import jsonl_rows
from chatbot.shop.products import documents_of

_YES = re.compile(r"^\W*(?:yes|yep|yeah|sure|absolutely|of course)\b", re.I)
_NO = re.compile(r"^\W*(?:no|nope|sorry, no|unfortunately)\b", re.I)
# a first sentence that denies: "We're not able to ship ...", "Gift cards can't be returned", "We never store ..."
_DENIES = re.compile(r"\b(?:not|no|never|cannot|can't|can’t|won't|isn't|aren't|doesn't|don't|didn't|"
                     r"no longer|only)\b|n't\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
QUOTED = 0.85  # the share of the evidence's words an answer must say to count as quoting it


def read_polarity_questions(path: str | Path) -> list[dict]:
    rows = []
    for number, row in jsonl_rows(path):
        if not isinstance(row, dict) or not row.get("message") or row.get("expected") not in ("yes", "no") \
                or not row.get("source") or not row.get("evidence"):
            raise InputError(f"{path}:{number} needs 'message', 'expected' (yes or no), 'source' and 'evidence'")
        rows.append(row)
    return rows


def stale_evidence(rows: list[dict], documents: Any) -> list[str]:
    """The rows whose deciding sentence is no longer in their policy file (empty when all are). ``documents``:
    what ``documents_of`` takes (a Chatbot's documents, a KnowledgeIndex, a list)."""
    texts = {doc.id: _plain(doc.text) for doc in documents_of(documents)}
    return [f"{row['id']}: {row['source']} no longer says \"{row['evidence']}\"" for row in rows
            if _plain(row["evidence"]) not in texts.get(row["source"], "")]


def answer_polarity(answer: Answer, row: dict) -> str | None:
    """"yes", "no", or None when the answer declines or hands the shopper to a person. An answer that opens
    with "Yes" or "No" says so. One that opens with neither and quotes the deciding sentence gives the row's
    own answer ("Orders to Alaska and Hawaii are charged standard shipping of $5.99" to "Do you ship to
    Alaska?"); any other is read by its first sentence: one that denies ("We only ship to the United States
    and Canada") is a no, one that does not a yes."""
    if answer.abstained or answer.handoff or not answer.text.strip():
        return None
    first = _SENTENCE_END.split(answer.text.strip(), maxsplit=1)[0]
    if _YES.search(first):
        return "yes"
    if _NO.search(first):
        return "no"
    if quotes(answer.text, row["evidence"]):
        return row["expected"]
    return "no" if _DENIES.search(first) else "yes"


def quotes(text: str, evidence: str) -> bool:
    """Whether ``text`` says the evidence sentence: nearly all its words (by stem) are there."""
    said, needed = set(stems(text)), set(stems(evidence))
    return bool(needed) and len(needed & said) >= QUOTED * len(needed)


def run_polarity_eval(bot: Any, rows: list[dict]) -> dict:
    """Ask every question; counts of right, wrong-polarity and abstained answers, and each miss."""
    stale = stale_evidence(rows, bot.documents)
    if stale:
        raise InputError("the polarity set no longer matches the store's policies; update these rows: "
                         + "; ".join(stale))
    texts = {doc.id: _plain(doc.text) for doc in documents_of(bot.documents)}
    # the documents that say the deciding sentence (the payments policy repeats the gift card page's rule)
    deciding = {row["id"]: {i for i, text in texts.items() if _plain(row["evidence"]) in text} for row in rows}
    counts = {"right": 0, "wrong_polarity": 0, "abstained": 0, "uncited": 0}
    misses = []
    for row in rows:
        answer = bot.ask(row["message"])
        said = answer_polarity(answer, row)
        cited = any(c.doc_id in deciding[row["id"]] or c.doc_id.startswith("faq:") for c in answer.citations)
        outcome = ("abstained" if said is None else "wrong_polarity" if said != row["expected"]
                   else "right" if cited else "uncited")
        counts[outcome] += 1
        if outcome != "right":
            misses.append({"id": row["id"], "message": row["message"], "expected": row["expected"],
                           "outcome": outcome, "origin": answer.origin, "answer": answer.text})
    total = len(rows)
    return {"questions": total, **counts, "right_rate": round(counts["right"] / total, 4) if total else 0.0,
            "misses": misses}


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()
