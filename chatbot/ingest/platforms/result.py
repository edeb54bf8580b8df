"""What reading one platform export gave: catalog records, review records, what was left out and why.

The records are the project's own JSONL catalog records (see ``chatbot.ingest.loaders.records``), so a
platform export and a hand-written catalog end in the same index. ``summary()`` is the sentence a store owner
reads after an import: "34 products, 96 variants, 3 drafts skipped, 2 rows with problems: ...".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ImportResult:
    format: str  # what the file was recognised as, in words ("Shopify products export")
    products: list[dict[str, Any]] = field(default_factory=list)  # catalog records
    reviews: list[dict[str, Any]] = field(default_factory=list)  # review records
    skipped: Counter = field(default_factory=Counter)  # why left out ("drafts", "hidden") -> how many
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong and the fix)

    @property
    def variants(self) -> int:
        return sum(len(p.get("variants") or []) for p in self.products)

    def problem(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def noted(self, line: int, parsed: tuple) -> Any:
        """The value of a ``(value, note)`` cell reading (a price, a stock count), its note kept as a problem of
        ``line`` ("Variant Inventory Qty is -2 (oversold); shown as out of stock ...")."""
        value, note = parsed
        if note:
            self.problem(line, note)
        return value

    def counts(self) -> str:
        parts = []
        if self.products or not self.reviews:
            parts += [_plural(len(self.products), "product"), _plural(self.variants, "variant")]
        if self.reviews:
            parts.append(_plural(len(self.reviews), "review"))
        parts += [f"{n} {why if n > 1 else _singular(why)} skipped" for why, n in sorted(self.skipped.items()) if n]
        lines = {line for line, _ in self.problems}
        if lines:
            parts.append(_plural(len(lines), "row") + " with problems")
        return ", ".join(parts)

    def summary(self, limit: int = 20) -> str:
        """One line of counts, then one line per problem (the first ``limit``)."""
        text = f"{self.format}: {self.counts()}"
        shown = sorted(self.problems)[:limit]
        text += "".join(f"\n  line {line}: {message}" for line, message in shown)
        if len(self.problems) > limit:
            text += f"\n  ... and {len(self.problems) - limit} more"
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _singular(phrase: str) -> str:
    """"drafts" -> "draft", "spam reviews" -> "spam review": the first plural word made singular."""
    words = phrase.split(" ")
    i = next((i for i, w in enumerate(words) if w.endswith("s")), None)
    if i is not None:
        words[i] = words[i][:-1]
    return " ".join(words)
