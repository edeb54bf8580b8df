"""semiPQA's data-to-text pairs: an Amazon product attribute and the sentence a person wrote to say it.

The attributes are written in Amazon's own notation (``item_weight: { unit:pounds, normalized_value:{ unit:pounds,
value:1.79 }, value:1.79 }``). ``attribute_value`` reads that notation and says the value the way a store's
catalog would hold it ("1.79 pounds"), so the project's attribute phrasing can be checked against the
human sentences (``benchmarks/phrasing.py``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatbot.common.errors import InputError


@dataclass(frozen=True)
class AttributeSentence:
    field: str  # "item_weight"
    value: str  # "1.79 pounds"
    reference: str  # "The product weighs 1.79 pounds."
    data: str  # the attribute as written in the file


def read_data_to_text(path: str | Path) -> list[AttributeSentence]:
    """The rows of a data-to-text file whose attribute can be read, in file order."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}; it should be semiPQA's tab-separated data,text file")
    if rows and not {"data", "text"} <= set(rows[0]):
        raise InputError(f"{path} needs the columns 'data' and 'text'")
    pairs = []
    for row in rows:
        parsed = attribute_value(row["data"] or "")
        if parsed is not None:
            pairs.append(AttributeSentence(parsed[0], parsed[1], (row["text"] or "").strip(), row["data"]))
    return pairs


def attribute_value(data: str) -> tuple[str, str] | None:
    """``"brand: { value:\"CHANEL\" }"`` → ``("brand", "CHANEL")``; None when it cannot be read."""
    field, _, rest = data.partition(":")
    if not field.strip() or not rest.strip():
        return None
    try:
        entries = [_Reader(part).value() for part in _top_level(rest)]
    except (ValueError, IndexError):
        return None
    field = field.strip()
    if len(entries) == 1 and isinstance(entries[0], dict) and len(entries[0]) == 1 and "value" not in entries[0]:
        key, inner = next(iter(entries[0].items()))  # thread: { count:[...] } is the thread count
        field, entries = f"{field}_{key}", [inner]
    said = [text for text in (_say(e) for e in entries) if text]
    return (field, ", ".join(dict.fromkeys(said))) if said else None


def _top_level(text: str) -> list[str]:
    """The entries of a multi-valued attribute: ``{ ... }; { ... }``."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += char in "{[" and not _in_string(text, i)
        depth -= char in "}]" and not _in_string(text, i)
        if char == ";" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _in_string(text: str, index: int) -> bool:
    return text.count('"', 0, index) % 2 == 1


class _Reader:
    """A small reader of Amazon's attribute notation: objects, lists, quoted and bare values."""

    def __init__(self, text: str):
        self.text, self.at = text, 0

    def value(self) -> Any:
        self._space()
        char = self.text[self.at]
        if char == "{":
            return self._object()
        if char == "[":
            return self._list()
        if char == '"':
            end = self.text.index('"', self.at + 1)
            while end + 1 < len(self.text) and self.text[end + 1] == '"':  # "" is a quote inside a value
                end = self.text.index('"', end + 2)
            word, self.at = self.text[self.at + 1: end].replace('""', '"'), end + 1
            return word
        match = re.compile(r"[^,}\]]+").match(self.text, self.at)
        if match is None:
            raise ValueError(f"unexpected {char!r}")
        self.at = match.end()
        return match.group(0).strip()

    def _object(self) -> dict:
        self.at += 1
        result: dict[str, Any] = {}
        while True:
            self._space()
            if self.text[self.at] == "}":
                self.at += 1
                return result
            key = re.compile(r"[\w ]+").match(self.text, self.at)
            if key is None:
                raise ValueError("expected a key")
            self.at = key.end()
            self._space()
            if self.text[self.at] != ":":
                raise ValueError("expected ':'")
            self.at += 1
            result[key.group(0).strip()] = self.value()
            self._space()
            if self.text[self.at] == ",":
                self.at += 1

    def _list(self) -> list:
        self.at += 1
        items = []
        while True:
            self._space()
            if self.text[self.at] == "]":
                self.at += 1
                return items
            items.append(self.value())
            self._space()
            if self.text[self.at] == ",":
                self.at += 1

    def _space(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1


def _say(value: Any) -> str:
    """A read value in words: "1.79 pounds", "length 11.5 inches, width 10 inches", "peanut free"."""
    if isinstance(value, list):
        return ", ".join(filter(None, (_say(v) for v in value)))
    if isinstance(value, dict):
        parts = []
        if "value" in value:
            unit = value.get("unit")
            parts.append(f"{_word(value['value'])} {_word(unit)}" if isinstance(unit, str) else _word(value["value"]))
        for key, inner in value.items():
            if key in ("value", "unit", "normalized_value", "language_tag", "marketplace_id"):
                continue
            said = _say(inner)
            if said:
                parts.append(f"{key.replace('_', ' ')} {said}")
        return ", ".join(parts)
    return _word(value)


def _word(value: Any) -> str:
    text = str(value).strip().strip("'")
    if re.fullmatch(r"-?\d+\.0*", text):
        return text.split(".")[0]
    return text.replace("_", " ") if re.fullmatch(r"[\w.]+", text) else text  # enum words: peanut_free


def read_ranking(path: str | Path) -> list[dict[str, str]]:
    """The rows of an ``attribute_ranking`` file (qid, qa_pair_id, question, candidate, label)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"cannot read {path}: {exc}; it should be semiPQA's tab-separated attribute_ranking file")
    if rows and not {"qid", "question", "candidate", "label"} <= set(rows[0]):
        raise InputError(f"{path} needs the columns qid, question, candidate and label")
    return rows


def convert_ranking(csv_path: str | Path, out_dir: str | Path) -> tuple[Path, Path]:
    """An ``attribute_ranking`` file as documents and questions JSONL: each question's candidate attributes are
    the documents of one pseudo product (``semipqa-<qid>``), label 1 marks the gold ones."""
    from chatbot.ingest.datasets.hetpqa import snippet_document, write_jsonl

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs: dict[str, dict] = {}
    questions: dict[str, dict] = {}
    for row in read_ranking(csv_path):
        product = f"semipqa-{row['qid']}"
        doc = snippet_document(product, "attribute", row["candidate"])
        if doc is None:
            continue
        docs.setdefault(doc["id"], doc)
        q = questions.setdefault(row["qid"], {"id": product, "question": row["question"].strip(),
                                              "product_id": product, "gold_doc_ids": [], "answerable": False})
        if row["label"].strip() == "1" and doc["id"] not in q["gold_doc_ids"]:
            q["gold_doc_ids"].append(doc["id"])
            q["answerable"] = True
    paths = out / "documents.jsonl", out / "questions.jsonl"
    write_jsonl(paths[0], docs.values())
    write_jsonl(paths[1], questions.values())
    return paths
