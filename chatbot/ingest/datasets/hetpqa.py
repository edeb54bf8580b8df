"""Convert hetPQA evidence ranking (Amazon toys & games questions) to the JSONL contracts.

Each candidate snippet becomes a product document of that ASIN (one per
distinct text, id from a content hash, so repeated snippets are one doc);
label 1 marks a question's gold documents; a question with no label-1
candidate is unanswerable. Attribute snippets such as
``platform:  { value:nintendo_3ds }`` are rendered as readable text.
The data's license (CDLA-Sharing-1.0) is copied beside the output.

    python -m chatbot.ingest.datasets.hetpqa datasets/hetpqa/evidence_ranking/dev.csv data/hetpqa
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import shutil
from collections import OrderedDict
from pathlib import Path

_KIND = {"attribute": "attribute", "bullet": "bullet", "desc": "description", "osp": "offer",
         "cqa": "community_qa", "review": "review"}


def render_attribute(candidate: str) -> str:
    """``compatible_devices:  { value:"apple ipad" }; { value:"ipad 2" }`` -> ``compatible devices: apple ipad; ipad 2``."""
    name, sep, rest = candidate.partition(":")
    if not sep or "{" not in rest:
        return candidate.strip()
    parts: list[str] = []
    while (group := re.search(r"\{([^{}]*)\}", rest)) is not None:  # innermost braces first
        inner = group.group(1)
        unit = re.search(r"unit:\s*([a-z_]+)", inner)
        values = re.findall(r'(?<![a-z_])value:\s*("[^"]*"|[^,\s]+)', inner)
        if values:
            parts += [f"{v.strip(chr(34))} {unit.group(1)}" if unit else v.strip(chr(34)) for v in values]
        else:
            leftover = re.sub(r"[\[\]]", " ", re.sub(r"unit:\s*[a-z_]+", "", inner)).replace(":", " ")
            if leftover.strip(" ,"):
                parts.append(" ".join(leftover.replace(",", " ").split()))
        rest = rest[: group.start()] + rest[group.end():]
    text = "; ".join(dict.fromkeys(p.replace("_", " ").strip() for p in parts if p.strip()))
    return f"{name.strip().replace('_', ' ')}: {text}"


def snippet_document(product_id: str, source: str, candidate: str, pool: str | None = None) -> dict | None:
    """One candidate snippet as a documents-JSONL row (None when it is empty): the id hashes the text, so a
    snippet repeated across questions is one document. ``pool`` scopes it to one question's candidates
    (its ``product_id`` becomes the pool; the title still names the product)."""
    text = render_attribute(candidate) if source == "attribute" else candidate.strip()
    if not text:
        return None
    scope = pool or product_id
    digest = hashlib.sha256(f"{scope}\x00{text}".encode()).hexdigest()[:12]
    return {"id": f"{scope}:{digest}", "title": f"Product {product_id} ({_KIND.get(source.lower(), source)})",
            "text": text, "kind": "product", "product_id": scope, "meta": {"source": source}}


def split_of(qid: str) -> str:
    """The question's fixed part of ``evidence_ranking``: ``test`` (about 40%, never trained or tuned on),
    ``calibration`` (20%: the judge's threshold and calibration) or ``train`` (40%). By a hash of the
    question id, so the parts are question-disjoint and the same on every machine."""
    bucket = int(hashlib.sha256(f"hetpqa-split:{qid}".encode()).hexdigest(), 16) % 10
    return "test" if bucket < 4 else "calibration" if bucket < 6 else "train"


def convert(csv_path: str | Path, out_dir: str | Path, split: str | None = None,
            per_question: bool = False) -> tuple[Path, Path]:
    """Write documents.jsonl and questions.jsonl (only the questions of ``split`` when given) to ``out_dir``.

    By default a question is asked about its product, whose documents are the candidates of all its
    questions; the candidates of the product's other questions are labelled for those questions only, so
    one that also answers this question counts as a miss. ``per_question`` scopes each question to its own
    labelled candidates (the evidence-ranking protocol): every retrieved document has a label."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs: OrderedDict[str, dict] = OrderedDict()
    questions: OrderedDict[str, dict] = OrderedDict()
    with open(csv_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if split is not None and split_of(row["qid"]) != split:
                continue
            asin = row["ASIN"]
            pool = f"{asin}-q{row['qid']}" if per_question else None
            doc = snippet_document(asin, row["source"], row["candidate"], pool)
            if doc is None:
                continue
            doc_id = doc["id"]
            docs.setdefault(doc_id, doc)
            q = questions.setdefault(row["qid"], {"id": f"hetpqa-{row['qid']}", "question": row["question"].strip(),
                                                  "product_id": pool or asin, "gold_doc_ids": [],
                                                  "answerable": False})
            if row["label"].strip() in ("1", "2") and doc_id not in q["gold_doc_ids"]:
                q["gold_doc_ids"].append(doc_id)
                q["answerable"] = True
    docs_path, questions_path = out / "documents.jsonl", out / "questions.jsonl"
    write_jsonl(docs_path, docs.values())
    write_jsonl(questions_path, questions.values())
    license_file = Path(csv_path).resolve().parents[1] / "LICENSE"
    if license_file.exists():
        shutil.copyfile(license_file, out / "LICENSE")
    return docs_path, questions_path


def write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="hetPQA evidence_ranking/dev.csv")
    parser.add_argument("out", help="folder for documents.jsonl, questions.jsonl and LICENSE")
    parser.add_argument("--split", choices=("train", "calibration", "test"),
                        help="only this question-disjoint part (see split_of); default all")
    parser.add_argument("--per-question", action="store_true",
                        help="scope each question to its own labelled candidates, not its product's")
    args = parser.parse_args(argv)
    docs, questions = convert(args.csv, args.out, args.split, args.per_question)
    print(f"wrote {docs} and {questions}")


if __name__ == "__main__":
    main()
