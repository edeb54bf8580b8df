"""Say quoted source sentences as an answer: the store's own words plainly, opinions attributed.

The extractive path answers by quoting the sources. A quote only reads as an answer when the shopper can
tell who is speaking: the store's policies, FAQ and product descriptions are stated as the store's own
words (a policy named the first time it is quoted), a review is attributed to a reviewer, a community
answer to another customer, and a catalog attribute is said as a sentence. When the best quote is
someone's opinion but the question asks for a fact, a short note says so. Cleaning a passage before it
is split into sentences (``clean_passage_text``) keeps embedded questions, markup and raw attribute
notation from ever being quoted. Citation markers are not placed here: each framed sentence ends with its
stop, and ``drafting`` puts the marker before it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Sequence

from chatbot.common.text import capital_after_stop, capitalised, whole_sentence
from chatbot.ingest.datasets.hetpqa import render_attribute
from chatbot.ingest.datasets.semipqa import attribute_value
from chatbot.shop.phrasing import attribute_words

SOURCE_TYPES = ("policy", "faq", "description", "attribute", "review", "community_answer", "help")
OPINIONS = frozenset({"review", "community_answer"})
STORE_PAGES = frozenset({"policy", "faq", "help"})  # the store's own prose, as against a product's record or reviews

# hetPQA-style documents say where a snippet came from in meta["source"]; the converted names count too
_BY_SOURCE = {"attribute": "attribute", "bullet": "description", "desc": "description", "description": "description",
              "osp": "description", "offer": "description", "cqa": "community_answer",
              "community_qa": "community_answer", "review": "review"}
_BY_KIND = {"policy": "policy", "faq": "faq", "product": "description", "description": "description",
            "bullet": "description", "offer": "description", "attribute": "attribute", "review": "review",
            "community_qa": "community_answer", "cqa": "community_answer", "qa": "community_answer",
            "help": "help"}


def type_of(label: str) -> str:
    """A source label (a hetPQA ``source`` such as "CQA", or a document kind such as "faq") as a source type."""
    given = (label or "").strip().lower()
    return _BY_SOURCE.get(given) or _BY_KIND.get(given, "help")


def source_type(chunk: Any) -> str:
    """What kind of speaker a chunk (or document) is: one of ``SOURCE_TYPES``.

    ``meta["source"]`` decides first (hetPQA's attribute, bullet, Desc, OSP, CQA, review, any case), then
    the chunk's kind. Anything else is read as the store's help text ("help"), stated plainly.
    """
    meta = getattr(chunk, "meta", None) or {}
    given = str(meta.get("source") or "").strip().lower()
    if given in _BY_SOURCE:
        return _BY_SOURCE[given]
    return _BY_KIND.get(str(getattr(chunk, "kind", "") or "").strip().lower(), "help")


# ---- cleaning: what may be quoted from a passage

_TAG_BREAK = re.compile(r"<\s*(?:br|/p|/li|/div|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_TAG_ITEM = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_LINE_MARKS = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?)", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)
# "Question: ... Answer: ..." (or "Q: ... A: ...") at a line or sentence start: only the answer is quotable
_QA_PAIR = re.compile(r"(?:^|(?<=[.!?] ))[ \t]*(?:question|q)[ \t]*:.{0,600}?\b(?:answer|a)[ \t]*:[ \t]*",
                      re.IGNORECASE | re.MULTILINE | re.DOTALL)
_QUESTION_LINE = re.compile(r"^[ \t]*(?:question|q)[ \t]*:.*$\n?", re.IGNORECASE | re.MULTILINE)
_ANSWER_LABEL = re.compile(r"^([ \t]*)(?:answer|a)[ \t]*:[ \t]*", re.IGNORECASE | re.MULTILINE)
_NOTATION = re.compile(r"\{[^{}]*\b(?:value|unit|name)\s*:")
# a review's "Rating: 5/5" line and its "Nina P. — 2026-06-20" byline are the record's, not the reviewer's words
_REVIEW_HEADER = re.compile(r"^[ \t]*(?:rating:\s*\d[\d.]*\s*/\s*5|[^\n!?]{0,60}\s—\s\d{4}-\d{2}-\d{2}"
                            r"|\d{4}-\d{2}-\d{2})[ \t]*$\n?", re.IGNORECASE | re.MULTILINE)
_DESCRIPTION_LABEL = re.compile(r"^([ \t]*)description:[ \t]*", re.IGNORECASE | re.MULTILINE)



def clean_passage_text(text: str, type: str) -> str:
    """What may be quoted from a passage of source ``type``: the text without an embedded question (only
    the answer half of "Question: ... Answer: ..."), without HTML or markdown markup, with raw attribute
    notation (``name: { value:"x" }``) said in words, and with sentences that start with a capital, so
    that lowercase text (as in hetPQA) still splits into sentences."""
    if "<" in text and ">" in text:
        text = _TAG.sub("", _TAG_ITEM.sub("\n- ", _TAG_BREAK.sub("\n", text)))
    text = html.unescape(text)
    text = _LINK.sub(r"\1", _IMAGE.sub(r"\1", text))
    text = _EMPHASIS.sub(r"\1", _STRONG.sub(r"\2", text)).replace("**", "").replace("`", "")
    text = _RULE.sub("", _LINE_MARKS.sub("", text))
    text = _QA_PAIR.sub("\n", text)
    text = _ANSWER_LABEL.sub(r"\1", _QUESTION_LINE.sub("", text))
    if type == "attribute" or _NOTATION.search(text):
        text = "\n".join(_attribute_line(line) if type == "attribute" or _NOTATION.search(line) else line
                         for line in text.split("\n"))
    if type == "review":
        text = _REVIEW_HEADER.sub("", text)
    if type == "description":
        text = _DESCRIPTION_LABEL.sub(r"\1", text)
    text = re.sub(r"(?<=[a-z)])\.\.+(?=\s*[a-z])", ". ", text)  # hetPQA joins sentences with ".."
    if type in OPINIONS:  # "...for the price.you must set it level": a missing space, not a web address
        text = re.sub(r"(?<=[a-z]{2})\.(?=[a-z]{2,}\b)(?!(?:com|net|org|co|uk|ca|de|io|html?|php|jpg|png)\b)"
                      r"(?![a-z]+\.[a-z])", ". ", text)
    text = re.sub(r"(\S+)([.!?])(\s+)([a-z])", capital_after_stop, text)
    if type in OPINIONS:
        text = re.sub(r"(?<![\w'’])i(?=['’]\w|\s|$)", "I", text)
    lines = [capitalised(line.strip()) for line in text.split("\n")]
    return "\n".join(re.sub(r"[ \t]{2,}", " ", line) for line in lines if line)


def _attribute_line(line: str) -> str:
    """``power_source_type:  { value:"battery powered" }`` → ``power source type: battery powered``."""
    stripped = line.strip()
    if not stripped:
        return line
    if stripped.startswith("{"):  # a bare value without its name
        parsed = attribute_value(f"value: {stripped}")
        said = parsed[1] if parsed else render_attribute(f"value: {stripped}").partition(": ")[2]
        return _no_notation(said)
    parsed = attribute_value(stripped) if "{" in stripped else None
    if parsed:
        field, said = parsed
    else:
        field, sep, said = (render_attribute(stripped) if "{" in stripped else stripped).partition(":")
        if not sep:
            return _no_notation(stripped.replace("_", " "))
    said = re.sub(r"(?<=\d)\.(?=\s|$|[;,])", "", said.strip())  # "13. pounds" → "13 pounds"
    return f"{field.strip().replace('_', ' ')}: {_no_notation(said.replace('_', ' '))}"


def _no_notation(text: str) -> str:
    text = re.sub(r"\b(?:normalized_)?value\s*:\s*", "", text)
    return " ".join(re.sub(r"[{}\[\]\"]", " ", text).split())


# ---- framing: quotes said as an answer

_OPINION_QUESTION = re.compile(
    r"\bworth\b|\b(?:do|would|did) (?:you|people|customers|buyers|others|shoppers) (?:like|love|enjoy|recommend|think)"
    r"|\bwhat do (?:you|people|customers|buyers|others|shoppers) (?:think|say|feel)|\bopinions?\b|\breviews?\b"
    r"|\breviewers?\b|\brecommend|\bany good\b|\bhow good\b|\bhow well\b|\bis it good\b|\bgood quality\b"
    r"|\bquality\b|\bpros\b|\bcons\b|\bcomplain|\bexperiences?\b|\bsatisfied\b|\bhappy with\b|\bratings?\b"
    r"|\bpeople (?:say|think)\b|\bfeedback\b|\blike it\b|\blove it\b",
    re.IGNORECASE)
_NOTE = {"review": "That's one customer's experience, not a listed specification.",
         "community_answer": "That's one customer's answer, not a listed specification."}
_FIELD_LINE = re.compile(r"([A-Za-z][A-Za-z0-9 ()/&'-]{0,40}?)\s*:\s+(\S.*)")
_RECORD_HEADERS = frozenset({"product", "product id", "description", "sku", "id", "url"})
_WORD = re.compile(r"[a-z0-9]+")


def is_opinion_question(question: str) -> bool:
    """True when the question asks what people think (worth it, reviews, recommend, quality), so an opinion
    answers it; a question for a fact ("how many motors", "is it waterproof") is False."""
    return bool(_OPINION_QUESTION.search(question))


@dataclass
class Framed:
    """One sentence of the answer, ending with its stop. ``source`` is the index of the quote it says (its
    citation goes before the stop), or None for a note that cites nothing."""

    text: str
    source: int | None


def frame(quotes: Sequence[tuple[str, Any]], question: str = "") -> list[Framed]:
    """The quotes (each a sentence and the chunk it comes from), best first, said as the answer's sentences.

    - policy: the store's own words; the policy is named the first time it is quoted ("Our returns and
      refunds policy: You can return ...");
    - faq, description, help: the store's own words, plainly (a product record's "Price: $34.99" line as a
      sentence, like an attribute);
    - attribute: said in words ("The power source type is battery powered", "No, it isn't electric");
    - review: ``A reviewer wrote: "..."``; community answer: ``Another customer answered: "..."``;
    - when the first quote is an opinion and the question asks for a fact, a note follows it.
    """
    framer = _Framer(question)
    out: list[Framed] = []
    for i, (text, chunk) in enumerate(quotes):
        out.append(Framed(framer.say(text, chunk), i))
        kind = source_type(chunk)
        if i == 0 and kind in OPINIONS and question.strip() and not is_opinion_question(question):
            out.append(Framed(_NOTE[kind], None))
    return out


class _Framer:
    """Frames one answer's quotes in turn, remembering which policies were named and whose words were quoted."""

    def __init__(self, question: str):
        self.asked = {w[:5] for w in _WORD.findall(question.lower()) if len(w) > 2}
        self.named: set[str] = set()
        self.speakers: dict[str, list[str]] = {"review": [], "community_answer": []}
        self.last: str | None = None  # who was quoted last

    def say(self, text: str, chunk: Any) -> str:
        kind = source_type(chunk)
        sentence = whole_sentence(text)
        if kind in OPINIONS:
            return self._attributed(sentence, chunk, kind)
        field = _field_line(sentence, chunk, kind)
        if field is not None:
            return self._attribute(*field)
        if kind == "policy":
            name = policy_name(getattr(chunk, "title", "") or "")
            key = getattr(chunk, "doc_id", None) or name
            if name and key not in self.named:
                self.named.add(key)
                return f"{name}: {sentence}"
        return sentence

    def _attributed(self, sentence: str, chunk: Any, kind: str) -> str:
        """The quote with who says it: a reviewer, the same one again, another, or an earlier one by order."""
        seen = self.speakers[kind]
        key = getattr(chunk, "doc_id", None) or getattr(chunk, "id", None) or sentence
        who = "reviewer" if kind == "review" else "customer"
        if key in seen and key == self.last:
            lead = f"The same {who} added"
        elif key in seen:  # back to an earlier one after another spoke: "the same" would be the wrong person
            lead = f"The {_ORDINALS[min(seen.index(key), len(_ORDINALS) - 1)]} {who} also said"
        elif kind == "review":
            lead = "Another reviewer wrote" if seen else "A reviewer wrote"
        else:
            lead = "A different customer answered" if seen else "Another customer answered"
        if key not in seen:
            seen.append(key)
        self.last = key
        body = re.sub(r'(?<!\d)"', "'", sentence)  # their quotes in single marks; an inch mark (18") stays
        body = body[:-1] if body.endswith(".") else body  # the stop goes after the citation: "..." [2].
        return f'{lead}: "{body}".'

    def _attribute(self, name: str, field: str, value: Any) -> str:
        said = attribute_words(name, field, value)
        if said[:4] in ("Yes,", "No, ") and self.asked and not self._asked_about(field):
            said = said.split(", ", 1)[1]
            said = said[0].upper() + said[1:]
        return said + "."

    def _asked_about(self, field: str) -> bool:
        words = {w[:5] for w in _WORD.findall(field.lower().replace("_", " ")) if len(w) > 2 and w != "required"}
        return bool(words & self.asked)


def _field_line(sentence: str, chunk: Any, kind: str) -> tuple[str, str, Any] | None:
    """(product name, field, value) when the sentence is one catalog field ("Batteries required: no"), from a
    product record's lines or an attribute snippet; None for prose."""
    meta = getattr(chunk, "meta", None) or {}
    record = isinstance(meta.get("attributes"), dict)
    if kind != "attribute" and not (kind == "description" and record):
        return None
    match = _FIELD_LINE.fullmatch(sentence.rstrip(".!?…"))
    if match is None or re.search(r"[.!?]\s", match.group(2)):
        return None
    label, value = match.group(1).strip(), match.group(2).strip()
    if label.lower() in _RECORD_HEADERS or (kind != "attribute" and len(value.split()) > 12):
        return None
    if not record:
        return "product", label, value
    key = label.lower().replace(" ", "_")
    attributes = meta["attributes"]
    if key == "price" and meta.get("price") is not None:
        value = meta["price"]
    elif key in attributes:
        value = attributes[key]
    name = getattr(chunk, "title", "") or "product"
    return name, key, value


def policy_name(title: str) -> str:
    """How a policy is named when first quoted: "Returns and Refunds" → "Our returns and refunds policy",
    "Privacy Policy" → "Our privacy policy", "Warranty" → "Our warranty"; "" without a title."""
    name = re.sub(r"^(?:your|our|the)\s+", "", title.strip(), flags=re.IGNORECASE)
    words = [w if (w.isupper() and len(w) > 1) or "&" in w else w.lower() for w in name.split()]
    name = " ".join(words).rstrip(":.")
    if not name:
        return ""
    if not re.search(r"\b(?:polic(?:y|ies)|warranty|warranties|guarantee|terms|promise|conditions)$", name):
        name += " policy"
    return f"Our {name}"


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "earlier")
