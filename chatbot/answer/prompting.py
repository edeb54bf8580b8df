"""Build the model prompt: numbered passages packed into the model's token budget.

Each passage is a hit's evidence (its sentences that best match the
question; planted instructions already dropped). Passages go most relevant
first and stop when the budget (context window minus the answer's tokens
minus the instructions and question) is full; the last one that does not fit
whole is cut to the sentences that fit. Templates are files in
``chatbot/answer/prompts/``; store facts come from Settings. Generation and
verification are done elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from chatbot.answer.extractive import Evidence
from chatbot.answer.generation.base import Generator, Prompt
from chatbot.config import Settings

UNKNOWN_REPLY = "I don't know based on our store information."
_SAFETY_MARGIN = 24  # tokens for chat-template wrappers the count does not see


@lru_cache(maxsize=None)
def template(name: str) -> str:
    return resources.files("chatbot.answer.prompts").joinpath(name).read_text(encoding="utf-8")


@dataclass
class Passage:
    number: int  # as cited in the prompt: [1], [2], ...
    evidence: Evidence  # what the model saw: possibly cut to fewer sentences

    @property
    def hit(self):
        return self.evidence.hit


@dataclass
class BuiltPrompt:
    prompt: Prompt
    passages: list[Passage]
    prompt_tokens: int


def build_prompt(question: str, evidence: list[Evidence], generator: Generator, settings: Settings) -> BuiltPrompt:
    facts = {"store_name": settings.store_name, "unknown_reply": UNKNOWN_REPLY}
    if generator.style == "chat":
        system = template("system.txt").format(**facts)
        frame = template("user.txt")
        fixed = generator.count_tokens(system) + generator.count_tokens(frame.format(**facts, passages="", question=question))
    else:
        frame = template("completion.txt")
        system = ""
        fixed = generator.count_tokens(frame.format(**facts, passages="", question=question))
    budget = generator.context_window - settings.max_new_tokens - fixed - _SAFETY_MARGIN
    passages = _pack(evidence[: settings.max_passages], generator, budget)
    block = "\n\n".join(f"[{p.number}] {p.evidence.text}" for p in passages)
    if generator.style == "chat":
        prompt: Prompt = [{"role": "system", "content": system},
                          {"role": "user", "content": frame.format(**facts, passages=block, question=question)}]
        tokens = fixed + generator.count_tokens(block)
    else:
        prompt = frame.format(**facts, passages=block, question=question)
        tokens = generator.count_tokens(prompt)
    return BuiltPrompt(prompt, passages, tokens)


def _pack(evidence: list[Evidence], generator: Generator, budget: int) -> list[Passage]:
    passages: list[Passage] = []
    for ev in evidence:
        cost = generator.count_tokens(f"[{len(passages) + 1}] {ev.text}\n\n")
        if cost <= budget:
            passages.append(Passage(len(passages) + 1, ev))
            budget -= cost
            continue
        cut = _cut_to_budget(ev, generator, budget - 8) if budget >= 40 else None
        if cut is not None:  # worth a cut passage: its leading sentences that fit
            passages.append(Passage(len(passages) + 1, cut))
        break
    return passages


def _cut_to_budget(ev: Evidence, generator: Generator, budget: int) -> Evidence | None:
    for n in range(len(ev.sentences) - 1, 0, -1):
        cut = Evidence(ev.hit, ev.sentences[:n], ev.vectors[:n], ev.scores[:n])
        if generator.count_tokens(cut.text) <= budget:
            return cut
    return None
