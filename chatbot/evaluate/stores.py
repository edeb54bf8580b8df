"""An imported store's evaluation: ``python -m chatbot eval-store eval/stores/NAME``.

The bot was written around its demo store. A store folder (``eval/stores/<store>/``) is a real shop as it
arrives: ``store.toml`` names its platform exports, its name and support contact; ``pages/*.md`` are its help
center, written in its own words ("renew my plan", "my payout hasn't arrived", "change the order of items in
my wishlist": orders, accounts, payments and plans that are not purchases); ``help_questions.jsonl`` asks
those pages (questions contract, plus ``purchase``: whether the message is about one of the shopper's own
purchases, for which a hand-off is right); ``shopper_questions.jsonl`` asks the catalog about variants, stock
and sales, with checks computed from the imported catalog (``chatbot.evaluate.shopper``).

``run_store_eval`` imports the exports and copies the pages into a temporary knowledge folder, indexes it and
asks both sets: the shopper set's pass rate, and the help set's retrieval (hit@1, MRR@10, as ``metrics``
counts them) with the shop skills on and off over the same index, with the help questions wrongly handed off
as the shopper's own order.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from chatbot.common.errors import InputError
from chatbot.config import Settings
from chatbot.evaluate.metrics import read_questions, summarize
from chatbot.evaluate.shopper import read_shopper_questions, run_shopper_eval

MANIFEST = "store.toml"
REPOSITORY = Path(__file__).resolve().parents[2]
ORDER_HANDOFF = "own_order_or_account"  # Answer.reason of a hand-off as the shopper's own order or account


@dataclass(frozen=True)
class StoreManifest:
    folder: Path
    name: str
    support_contact: str
    exports: tuple[Path, ...]
    pages: Path
    help_questions: Path
    shopper_questions: Path


def read_manifest(folder: str | Path) -> StoreManifest:
    """The store folder's ``store.toml``; an InputError names what is missing or not there."""
    folder = Path(folder)
    path = folder / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder} has no {MANIFEST}; a store folder names its exports, name and support "
                         "contact there (see eval/stores/fern-and-fjord)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML: {exc}") from None
    for key in ("name", "support_contact"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InputError(f"{path} needs {key} = \"...\"")
    exports = data.get("exports")
    if not isinstance(exports, list) or not exports or not all(isinstance(e, str) for e in exports):
        raise InputError(f"{path} needs exports = [\"products.csv\", ...]: the platform exports to import")
    manifest = StoreManifest(folder=folder, name=data["name"].strip(), support_contact=data["support_contact"].strip(),
                             exports=tuple(_locate(folder, e, path) for e in exports),
                             pages=_locate(folder, data.get("pages", "pages"), path),
                             help_questions=_locate(folder, data.get("help_questions", "help_questions.jsonl"), path),
                             shopper_questions=_locate(folder, data.get("shopper_questions",
                                                                        "shopper_questions.jsonl"), path))
    if not manifest.pages.is_dir() or not list(manifest.pages.glob("*.md")):
        raise InputError(f"{manifest.pages} (pages in {path}) holds no Markdown pages")
    return manifest


def _locate(folder: Path, name: str, manifest: Path) -> Path:
    """A path in the manifest: relative to the store folder, else to the repository root."""
    for base in (folder, REPOSITORY):
        if (base / name).exists():
            return base / name
    raise InputError(f"{name} (in {manifest}) is neither in {folder} nor in {REPOSITORY}")


def read_help_questions(path: str | Path) -> list[dict[str, Any]]:
    """Questions JSONL with ``purchase``; a question that is not about a purchase must name its gold page."""
    questions = read_questions(path)
    for q in questions:
        if not isinstance(q.get("purchase"), bool):
            raise InputError(f"{path}: {q['id']} needs \"purchase\": true or false (is it about one of the "
                             "shopper's own purchases?)")
        if not q["purchase"] and not (q["answerable"] and q["gold_doc_ids"]):
            raise InputError(f"{path}: {q['id']} is not about a purchase, so it needs gold_doc_ids and "
                             "\"answerable\": true")
    return questions


def build_knowledge(manifest: StoreManifest, into: Path) -> dict[str, list[str]]:
    """Import the exports (products before the reviews that join them) and copy the pages to ``into/pages``;
    returns what each import said, by file: its summary, then its problems by line."""
    from chatbot.ingest.platforms.importer import import_export

    known: set[str] = set()
    summaries = {}
    for path in sorted(manifest.exports, key=_is_reviews):  # stable: the manifest's order, products first
        result, _ = import_export(path, into, known)
        known |= {p["id"] for p in result.products}
        summaries[path.name] = [line.strip() for line in result.summary().splitlines()]
    (into / "pages").mkdir(parents=True, exist_ok=True)
    for page in sorted(manifest.pages.glob("*.md")):
        shutil.copy(page, into / "pages" / page.name)
    return summaries


def _is_reviews(path: Path) -> bool:
    from chatbot.ingest.platforms.detect import detect
    from chatbot.ingest.platforms.table import read_header

    fmt = detect(read_header(path))
    return fmt is not None and fmt.kind == "reviews"


def run_store_eval(manifest: StoreManifest, settings: Settings, embedder=None, limit: int | None = None,
                   failures: bool = False, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Import, index and ask one store's two sets; the report as one dict (see the module's docstring)."""
    from chatbot.answer.generation import make_generator
    from chatbot.converse.chatbot import Chatbot, make_embedder
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.indexer import update_index
    from chatbot.ingest.store import KnowledgeIndex

    say = progress or (lambda message: None)
    shopper_rows = read_shopper_questions(manifest.shopper_questions)[:limit]
    questions = read_help_questions(manifest.help_questions)
    if limit is not None:  # the first N of each kind, so a short run still counts hand-offs of both
        questions = [q for q in questions if not q["purchase"]][:limit] + [q for q in questions if q["purchase"]][:limit]
    embedder = embedder or make_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="chatbot-store-") as tmp:
        knowledge, index_dir = Path(tmp) / "knowledge", Path(tmp) / "index"
        imports = build_knowledge(manifest, knowledge)
        say(f"imported {manifest.name}; indexing")
        started = time.perf_counter()
        indexed = update_index([knowledge], index_dir, embedder, Chunker(settings.chunk_size, settings.chunk_overlap),
                               max_file_bytes=settings.max_file_bytes, refuse_unreadable_catalogs=True)
        index_s = time.perf_counter() - started
        settings = replace(settings, index_dir=str(index_dir), store_name=manifest.name,
                           support_contact=manifest.support_contact)
        index = KnowledgeIndex.load(index_dir, embedder.name, embedder.dimension)
        gold = {d for q in questions for d in q["gold_doc_ids"]} - set(index.documents)
        if gold:
            raise InputError(f"{manifest.help_questions} names pages the store's index lacks: {sorted(gold)}; "
                             f"its pages are {sorted(d for d in index.documents if d.startswith('pages/'))}")
        generator = make_generator(settings)  # one model for both bots
        skills_on = Chatbot(settings, embedder=embedder, index=index, generator=generator)
        skills_off = Chatbot(replace(settings, shop_skills=False), embedder=embedder, index=index, generator=generator)
        try:
            skills_on.warm_up()
            skills_off.warm_up()
            say(f"asking {len(shopper_rows)} shopper questions")
            shopper = run_shopper_eval(skills_on, shopper_rows)
            say(f"asking {len(questions)} help questions with the shop skills on, then off")
            on = [skills_on.ask(q["question"], product_id=q.get("product_id") or None) for q in questions]
            off = [skills_off.ask(q["question"], product_id=q.get("product_id") or None) for q in questions]
        finally:
            skills_on.close()
    shopper_failures = shopper.pop("failures")
    shopper["by_check"] = _by_check(shopper_rows, shopper_failures)
    report: dict[str, Any] = {
        "store": manifest.name, "folder": str(manifest.folder), "generator": settings.generator,
        "imported": imports,
        "index": {"documents": indexed.documents, "chunks": indexed.chunks, "seconds": round(index_s, 1)},
        "shopper": {**shopper, **({"failures": shopper_failures} if failures else {})},
        "help": _help_report(questions, on, off, failures),
    }
    wrong_on, wrong_off = _wrong_handoffs(questions, on), _wrong_handoffs(questions, off)
    report["wrong_handoffs"] = [{"id": q["id"], "question": q["question"], "skills_off_too": q["id"] in wrong_off}
                                for q in questions if q["id"] in wrong_on]
    return report


def _help_report(questions: list[dict], on: list, off: list, failures: bool) -> dict[str, Any]:
    purchases = [q for q in questions if q["purchase"]]
    report: dict[str, Any] = {"questions": len(questions), "answerable": sum(q["answerable"] for q in questions),
                              "purchase": len(purchases)}
    for label, answers in (("skills_on", on), ("skills_off", off)):
        summary = summarize(questions, [a.to_result(question_id=q["id"]) for q, a in zip(questions, answers)])
        handed = {q["id"] for q, a in zip(questions, answers) if a.handoff and a.reason == ORDER_HANDOFF}
        report[label] = {"hit@1": summary["hit@1"], "hit@5": summary["hit@5"], "mrr@10": summary["mrr@10"],
                         "answered_from_catalog": sum(a.origin == "catalog" for q, a in zip(questions, answers)
                                                      if not q["purchase"]),
                         "wrong_handoffs": len(handed - {q["id"] for q in purchases}),
                         "purchases_handed_off": len(handed & {q["id"] for q in purchases})}
    if failures:  # the purchases nobody was handed, and what the shopper read when the gold page was not first
        report["purchases_not_handed_off"] = {
            label: [{"id": q["id"], "question": q["question"], "origin": a.origin, "answer": a.text}
                    for q, a in zip(questions, answers) if q["purchase"] and not a.handoff]
            for label, answers in (("skills_on", on), ("skills_off", off))}
        report["misses"] = [{"id": q["id"], "question": q["question"], "origin": a.origin,  # skills on
                             "first": a.retrieved[0] if a.retrieved else None, "answer": a.text}
                            for q, a in zip(questions, on)
                            if q["answerable"] and (not a.retrieved or a.retrieved[0] not in q["gold_doc_ids"])]
    return report


def _wrong_handoffs(questions: list[dict], answers: list) -> set[str]:
    return {q["id"] for q, a in zip(questions, answers)
            if not q["purchase"] and a.handoff and a.reason == ORDER_HANDOFF}


def _by_check(rows: list[dict], failures: list[dict]) -> dict[str, dict[str, Any]]:
    failed = {f["id"] for f in failures}
    counts: dict[str, list[int]] = {}
    for row in rows:
        passed, total = counts.setdefault(row["check"]["type"], [0, 0])
        counts[row["check"]["type"]] = [passed + (row.get("id") not in failed), total + 1]
    return {kind: {"questions": total, "pass_rate": round(passed / total, 4)}
            for kind, (passed, total) in sorted(counts.items())}
