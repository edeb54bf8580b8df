"""The judge's labelled (question, passage) pairs: public product-QA data in ``datasets/`` and the store's own.

Parts, fixed so no number is ever measured on what it was fitted to:

- ``train``: semiPQA ``attribute_ranking/dev``, hetPQA ``evidence_ranking`` (its ``train`` part, see
  ``hetpqa.split_of``) and hetPQA ``answer_generation`` (each evidence snippet answers its question; other
  snippets of the same product, and one of another product, do not), plus ``--store`` pairs;
- ``calibration``: semiPQA ``testseen`` and hetPQA ``evidence_ranking``'s calibration part, for the
  threshold and the calibration curve;
- ``test_hetpqa`` and ``test_semipqa``: hetPQA ``evidence_ranking``'s test part and semiPQA ``testunseen``
  (attribute types seen nowhere else), only ever reported.

Every question of a calibration or test part is kept out of training, also where another file repeats it.
A passage is embedded as the index embeds a chunk: its title, a newline, its text.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from chatbot.answer.framing import source_type, type_of
from chatbot.ingest.datasets.hetpqa import snippet_document, split_of
from chatbot.ingest.datasets.semipqa import read_ranking
from chatbot.retrieve.judge.features import content_stems


@dataclass(frozen=True)
class Pair:
    question: str
    passage: str  # the passage's text, as quoted
    embed_text: str  # what its vector is made from (the chunk's embed_text)
    source: str  # the judge's kind: policy, faq, description, attribute, review, community_answer, help
    label: int  # 1 when the passage answers the question
    group: str  # the question's id: pairs of one question are ranked against each other


# hetPQA answer-generation groups: one answering snippet against random others of the product. Good pairs for
# the first stage, but every such question is answerable and its negatives are easy, so the decision head
# (which learns when nothing answers) leaves them out
ANSWER_GENERATION = "answers-"


def _norm(question: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", question.lower()))


def _pair(question: str, doc: dict, label: int, group: str) -> Pair:
    return Pair(question.strip(), doc["text"], f"{doc['title']}\n{doc['text']}", type_of(doc["meta"]["source"]),
                label, group)


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def public_pairs(datasets: str | Path, seed: int = 13, sample: int | None = None) -> dict[str, list[Pair]]:
    """The public data's pairs by part; ``sample`` keeps that many questions per file (a quick run)."""
    root = Path(datasets)
    rng = random.Random(seed)
    parts: dict[str, list[Pair]] = defaultdict(list)
    held_out: set[str] = set()

    def take(rows: list[dict[str, str]], key: str, part=lambda row: "") -> list[dict[str, str]]:
        """``sample`` values of ``key`` (of each ``part``), or every row."""
        if sample is None:
            return rows
        keep: dict[str, list[str]] = defaultdict(list)
        for value in sorted({(part(r), r[key]) for r in rows}):
            if len(keep[value[0]]) < sample:
                keep[value[0]].append(value[1])
        kept = {v for values in keep.values() for v in values}
        return [r for r in rows if r[key] in kept]

    semipqa = root / "semipqa" / "attribute_ranking"
    for name, part in (("testunseen", "test_semipqa"), ("testseen", "calibration"), ("dev", "train")):
        for row in take(read_ranking(semipqa / f"{name}.csv"), "qid"):
            doc = snippet_document(f"semipqa-{row['qid']}", "attribute", row["candidate"])
            if doc is None:
                continue
            if part != "train":
                held_out.add(_norm(row["question"]))
            elif _norm(row["question"]) in held_out:
                continue
            parts[part].append(_pair(row["question"], doc, int(row["label"].strip() == "1"),
                                     f"semipqa-{name}-{row['qid']}"))
    evidence = take(_tsv(root / "hetpqa" / "evidence_ranking" / "dev.csv"), "qid", lambda r: split_of(r["qid"]))
    for row in evidence:
        if split_of(row["qid"]) != "train":
            held_out.add(_norm(row["question"]))
    for row in evidence:
        doc = snippet_document(row["ASIN"], row["source"], row["candidate"])
        part = {"test": "test_hetpqa", "calibration": "calibration"}.get(split_of(row["qid"]), "train")
        if doc is not None:
            parts[part].append(_pair(row["question"], doc, int(row["label"].strip() in ("1", "2")),
                                     f"hetpqa-{row['qid']}"))
    parts["train"] += _answer_generation_pairs(root / "hetpqa" / "answer_generation", held_out, rng, take)
    return dict(parts)


def _answer_generation_pairs(folder: Path, held_out: set[str], rng: random.Random, take) -> list[Pair]:
    """Positives from hetPQA answer generation (the snippet that answered), negatives from other snippets."""
    rows = []
    for name in ("train", "dev", "test"):
        rows += [dict(r, number=f"{name}-{i}") for i, r in enumerate(_tsv(folder / f"{name}.csv"))]
    rows = [r for r in take(rows, "ASIN") if _norm(r["question"]) not in held_out]
    by_product: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_product[row["ASIN"]].append(row)
    products = sorted(by_product)
    pairs = []
    for row in rows:
        doc = snippet_document(row["ASIN"], row["source"], row["candidate"])
        if doc is None:
            continue
        group = f"{ANSWER_GENERATION}{row['number']}"
        pairs.append(_pair(row["question"], doc, 1, group))
        others = [r for r in by_product[row["ASIN"]] if r["question"] != row["question"]
                  and r["candidate"].strip() != row["candidate"].strip()]
        elsewhere = by_product[rng.choice(products)]
        for other in rng.sample(others, min(3, len(others))) + [rng.choice(elsewhere)]:
            negative = snippet_document(row["ASIN"], other["source"], other["candidate"])
            if negative is not None and other["candidate"].strip() != row["candidate"].strip():
                pairs.append(_pair(row["question"], negative, 0, group))
    return pairs


def store_pairs(index, seed: int = 13, database_url: str | None = None) -> list[Pair]:
    """The store's own pairs: each FAQ question with its answer and with the policy section that says the same
    (other FAQ answers, other policies and that section's neighbours are non-answers), and answers shoppers
    rated up, with the passages they cited, where a database has them. (Questions written from catalog
    fields were tried too: the judge then rated a product's record above the returns policy for "can I
    return the engraved cutting board?".)"""
    rng = random.Random(seed)
    chunks = list(index.chunks)
    faq = [c for c in chunks if c.kind == "faq"]
    prose = [c for c in chunks if c.kind in ("policy", "help")]
    pairs = []
    twins = _policy_twins(faq, prose)
    for chunk in faq:
        group = f"store-{chunk.doc_id}"
        pairs.append(_chunk_pair(chunk.title, chunk, 1, group))
        twin = twins.get(chunk.id)
        wrong = [c for c in faq if c.doc_id != chunk.doc_id]
        elsewhere = [c for c in prose if twin is None or c.doc_id != twin.doc_id]
        for other in rng.sample(wrong, min(3, len(wrong))) + rng.sample(elsewhere, min(2, len(elsewhere))):
            pairs.append(_chunk_pair(chunk.title, other, 0, group))
        if twin is not None:  # the policy section saying the same answers too; its neighbours are near misses
            pairs.append(_chunk_pair(chunk.title, twin, 1, group))
            siblings = [c for c in prose if c.doc_id == twin.doc_id and c.id != twin.id]
            for other in siblings[:8]:
                pairs.append(_chunk_pair(chunk.title, other, 0, group))
    if database_url:
        by_doc: dict[str, list] = defaultdict(list)
        for chunk in chunks:
            by_doc[chunk.doc_id].append(chunk)
        for number, (question, doc_ids) in enumerate(_rated_up(database_url)):
            if doc_ids and by_doc.get(doc_ids[0]):  # the first source is the one the answer rests on
                asked = content_stems(question)
                chunk = max(by_doc[doc_ids[0]], key=lambda c: len(asked & content_stems(c.text)))
                pairs.append(_chunk_pair(question, chunk, 1, f"rated-{number}"))
    return pairs


def _policy_twins(faq: list, prose: list, least: float = 0.6) -> dict:
    """For each FAQ chunk, the policy or help section whose words overlap its answer's most (Jaccard), when it
    holds at least ``least`` of the answer's words: the same answer, said in the policy."""
    twins = {}
    for chunk in faq:
        said = content_stems(chunk.text.split("\nA: ", 1)[-1])
        if not said or not prose:
            continue
        best = max(prose, key=lambda c: len(said & content_stems(c.text)) / len(said | content_stems(c.text)))
        if len(said & content_stems(best.text)) / len(said) >= least:
            twins[chunk.id] = best
    return twins


def split_store_pairs(pairs: list[Pair]) -> tuple[list[Pair], list[Pair]]:
    """The store's pairs cut by question into training (70%) and calibration (30%, so the confidence is also
    calibrated on this store's own questions), by a hash of the question: the same cut on every run."""
    def held(pair: Pair) -> bool:
        return int(hashlib.sha256(f"store-split:{pair.group}".encode()).hexdigest(), 16) % 10 < 3

    return [p for p in pairs if not held(p)], [p for p in pairs if held(p)]


def answers_removed(pairs: list[Pair]) -> list[Pair]:
    """Each question again with its answering passages taken out, so that nothing in its list answers it: the
    store's own unanswerable questions. Its FAQ never covers what it can't answer, so these are the only
    examples of a store-wide list with nothing in it that the store curve's threshold can be chosen on."""
    answered = {p.group for p in pairs if p.label}
    return [replace(p, group=f"{p.group}-removed") for p in pairs if not p.label and p.group in answered]


def _chunk_pair(question: str, chunk, label: int, group: str) -> Pair:
    return Pair(question, chunk.text, chunk.embed_text, source_type(chunk),
                label, group)


def _rated_up(database_url: str) -> list[tuple[str, list[str]]]:
    """(question, cited document ids) of answers a shopper rated up; nothing when the database has none."""
    import sqlalchemy as sa

    from chatbot.data.database import open_database
    from chatbot.data.schema import feedback, messages

    engine = open_database(database_url)  # postgresql:// gets the psycopg driver, as the stores do
    try:
        with engine.connect() as db:
            rows = db.execute(sa.select(messages.c.question, messages.c.citations)
                              .join(feedback, feedback.c.message_id == messages.c.id)
                              .where(feedback.c.rating > 0, messages.c.abstained.is_(False))).all()
    except sa.exc.SQLAlchemyError:
        return []
    finally:
        engine.dispose()
    return [(q, [c.get("doc_id") for c in (cites or []) if isinstance(c, dict)]) for q, cites in rows if q]


@dataclass(frozen=True)
class Claim:
    """An answer sentence against a passage; label 1 when the passage supports it."""

    sentence: str
    passage: str
    label: int
    kind: str  # supported, negated, renumbered, unrelated


_FLIPS = [(r"\bcan(?:'t| ?not)\b", "can"), (r"\bisn't\b|\bis not\b", "is"), (r"\baren't\b|\bare not\b", "are"),
          (r"\bdoesn't\b|\bdoes not\b", "does"), (r"\bdon't\b|\bdo not\b", "do"), (r"\bwon't\b|\bwill not\b", "will"),
          (r"\bnot\b\s*", ""), (r"\bcan\b", "can't"), (r"\bis\b", "isn't"), (r"\bare\b", "aren't"),
          (r"\bwill\b", "won't"), (r"\bdoes\b", "doesn't"), (r"\bhas\b", "doesn't have"), (r"\bhave\b", "don't have"),
          (r"\bfits\b", "doesn't fit"), (r"\bworks\b", "doesn't work"), (r"\bcomes\b", "doesn't come"),
          (r"\bincludes\b", "doesn't include"), (r"\bneeds\b", "doesn't need")]


def negated(sentence: str) -> str | None:
    """The sentence saying the opposite (a yes/no lead swapped too), or None when no rule applies."""
    for pattern, replacement in _FLIPS:
        flipped, count = re.subn(pattern, replacement, sentence, count=1, flags=re.IGNORECASE)
        if count:
            lead = re.match(r"\s*(yes|no)\b", flipped, re.IGNORECASE)
            if lead:
                flipped = ("No" if lead.group(1).lower() == "yes" else "Yes") + flipped[lead.end():]
            return flipped
    return None


def renumbered(sentence: str) -> str | None:
    """The sentence with its first number changed, or None when it has none."""
    match = re.search(r"\d+", sentence)
    if match is None:
        return None
    return sentence[: match.start()] + str(int(match.group(0)) * 2 + 3) + sentence[match.end():]


_CONDITION_CUT = re.compile(r",?\s+\b(?:if|only if|unless|except|as long as|when|provided)\b.*$", re.IGNORECASE)
_SWAPS = [("before", "after"), ("more", "less"), ("over", "under"), ("above", "below"), ("minimum", "maximum")]


def unconditional(sentence: str) -> str | None:
    """The sentence with its condition cut off ("free if it is defective" -> "free"), or None without one."""
    cut = _CONDITION_CUT.sub("", sentence).rstrip(" ,;.")
    return cut + "." if cut and cut != sentence.rstrip(" .") and len(cut.split()) >= 3 else None


def swapped(sentence: str) -> str | None:
    """The sentence with "before" and "after" (more/less, over/under, ...) swapped, or None without one."""
    for a, b in _SWAPS:
        for said, other in ((a, b), (b, a)):
            if re.search(rf"\b{said}\b", sentence, re.IGNORECASE):
                return re.sub(rf"\b{said}\b", other, sentence, count=1, flags=re.IGNORECASE)
    return None


def variants(sentence: str, passage: str) -> list[Claim]:
    """A supported sentence and the unsupported versions rules can make of it."""
    out = [Claim(sentence, passage, 1, "supported")]
    for kind, changed in (("negated", negated(sentence)), ("renumbered", renumbered(sentence)),
                          ("unconditional", unconditional(sentence)), ("swapped", swapped(sentence))):
        if changed and changed != sentence:
            out.append(Claim(changed, passage, 0, kind))
    return out


def store_claims(index, seed: int = 13) -> list[Claim]:
    """The store's own sentences (policies, FAQ answers) against their passage, with their unsupported
    versions, and against another passage (unrelated): the support head learns this store's way of saying
    conditions and exceptions."""
    from chatbot.common.text import sentences

    rng = random.Random(seed)
    chunks = [c for c in index.chunks if c.kind in ("policy", "faq", "help")]
    out = []
    for chunk in chunks:
        text = chunk.text.split("\nA: ", 1)[-1]
        for sentence in [s for s in sentences(text) if len(s.split()) >= 5][:6]:
            out += variants(sentence, text)
            other = rng.choice(chunks)
            if other.doc_id != chunk.doc_id:
                out.append(Claim(sentence, other.text.split("\nA: ", 1)[-1], 0, "unrelated"))
    return out


def claims(datasets: str | Path, seed: int = 13, sample: int | None = None) -> list[Claim]:
    """Training claims for the support head: hetPQA reference answers against the evidence they were written
    from, each also negated, renumbered and paired with another product's evidence (none of these support)."""
    rng = random.Random(seed)
    rows = _tsv(Path(datasets) / "hetpqa" / "answer_generation" / "train.csv")
    rows = [r for r in rows if r["answer"].strip() and r["candidate"].strip() and r["source"] != "attribute"]
    rng.shuffle(rows)
    rows = rows[: sample or 2500]
    out = []
    for row in rows:
        answer, passage = row["answer"].strip(), row["candidate"].strip()
        out += variants(answer, passage)
        other = rng.choice(rows)
        if other["ASIN"] != row["ASIN"]:
            out.append(Claim(answer, other["candidate"].strip(), 0, "unrelated"))
    return out
