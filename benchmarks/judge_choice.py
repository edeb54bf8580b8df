"""Which judge: a cross-encoder fine-tuned from the bundled MiniLM, or the small head over frozen embeddings?

Issue 9 asks to measure both and keep the better one for its quality per millisecond. Both are trained on
the same training part (``chatbot/retrieve/judge/data.py``) and scored on the same held-out parts:

- ``cross_encoder``: MiniLM (the bundled ``all-MiniLM-L6-v2`` folder) read as a sequence-pair classifier,
  question and passage in one input, its top two layers and a new output layer fine-tuned (the lower layers
  and the embeddings stay as shipped, so only those layers would need storing), one pass over
  ``--pairs`` training pairs (a sample: a full pass costs hours on 2 cores);
- ``head``: the shipped judge (``chatbot/retrieve/judge/bundled``): two layers over the frozen question and passage
  vectors plus lexical features, trained on all of the training part.

Reported per held-out part: pair ROC AUC and hit@1 (the best-scored passage answers), and for each judge the
time to score one question's 10 passages (p50/p95, in process, 2 cores; the head's time includes reading
the vectors the index already holds, the cross-encoder's its whole forward pass), and the training time.

    .venv/bin/python benchmarks/judge_choice.py [--pairs 6000] [--json benchmarks/results/judge_choice.json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.ingest.embedding import SentenceTransformerEmbedder, _bundled_path  # noqa: E402
from chatbot.retrieve.judge.data import public_pairs  # noqa: E402
from chatbot.retrieve.judge.model import Judge, forward  # noqa: E402
from chatbot.retrieve.judge.ranking import BUNDLED  # noqa: E402
from chatbot.retrieve.judge.training import features_of, texts_of  # noqa: E402


def hit_at_1(pairs, scores) -> float:
    groups = defaultdict(list)
    for i, p in enumerate(pairs):
        groups[p.group].append(i)
    answerable = [g for g in groups.values() if any(pairs[i].label for i in g)]
    return sum(pairs[max(g, key=lambda i: scores[i])].label for g in answerable) / len(answerable)


def auc(pairs, scores) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([p.label for p in pairs], scores))


def train_cross_encoder(pairs, seed: int, max_length: int):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    path = _bundled_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name.startswith(("classifier", "bert.pooler", "bert.encoder.layer.4",
                                                   "bert.encoder.layer.5"))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    for start in range(0, len(pairs), 16):
        batch = pairs[start: start + 16]
        inputs = tokenizer([p.question for p in batch], [p.passage for p in batch], truncation=True,
                           max_length=max_length, padding=True, return_tensors="pt")
        optimizer.zero_grad()
        loss = loss_fn(model(**inputs).logits.squeeze(1), torch.tensor([float(p.label) for p in batch]))
        loss.backward()
        optimizer.step()
    model.eval()
    return tokenizer, model


def cross_scores(tokenizer, model, pairs, max_length: int) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(pairs), 64):
            batch = pairs[start: start + 64]
            inputs = tokenizer([p.question for p in batch], [p.passage for p in batch], truncation=True,
                               max_length=max_length, padding=True, return_tensors="pt")
            out.append(model(**inputs).logits.squeeze(1).numpy())
    return np.concatenate(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=6000, help="training pairs for the cross-encoder's one pass")
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--json", default=str(ROOT / "benchmarks/results/judge_choice.json"))
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    parts = public_pairs(ROOT / "datasets")
    rng = random.Random(13)
    sample = rng.sample(parts["train"], min(args.pairs, len(parts["train"])))
    started = time.perf_counter()
    tokenizer, model = train_cross_encoder(sample, 13, args.max_length)
    report = {"cross_encoder": {"training_pairs": len(sample), "training_seconds": round(time.perf_counter() - started)},
              "head": {"training_seconds": json.loads((BUNDLED / "meta.json").read_text())["training_seconds"]}}
    embedder = SentenceTransformerEmbedder()
    judge = Judge.load(BUNDLED, embedder.name, embedder.dimension)
    for name in ("test_hetpqa", "test_semipqa"):
        pairs = parts[name]
        ce = cross_scores(tokenizer, model, pairs, args.max_length)
        texts = list(dict.fromkeys(texts_of(pairs)))
        vectors = dict(zip(texts, embedder.embed(texts)))
        head = forward(judge.weights, features_of(pairs, vectors))
        report["cross_encoder"][name] = {"auc": round(auc(pairs, ce), 4), "hit@1": round(hit_at_1(pairs, ce), 4)}
        report["head"][name] = {"auc": round(auc(pairs, head), 4), "hit@1": round(hit_at_1(pairs, head), 4)}
    # time per question, 10 passages each (the semiPQA questions have about 13)
    groups = defaultdict(list)
    for p in parts["test_semipqa"]:
        groups[p.group].append(p)
    questions = [g[:10] for g in list(groups.values())[:60] if len(g) >= 10]
    ce_ms, head_ms = [], []
    for group in questions:
        t = time.perf_counter()
        cross_scores(tokenizer, model, group, args.max_length)
        ce_ms.append((time.perf_counter() - t) * 1000)
        q_vector = embedder.embed([group[0].question])[0]  # the pipeline has it already: not timed below
        p_vectors = np.stack([vectors.get(p.embed_text, q_vector) for p in group])
        t = time.perf_counter()
        judge.probabilities(group[0].question, q_vector, [p.passage for p in group], p_vectors,
                            [p.source for p in group], embedder.embed)
        head_ms.append((time.perf_counter() - t) * 1000)
    for name, times in (("cross_encoder", ce_ms), ("head", head_ms)):
        report[name]["ms_per_question_10_passages"] = {"p50": round(float(np.percentile(times, 50)), 2),
                                                       "p95": round(float(np.percentile(times, 95)), 2)}
    print(json.dumps(report, indent=2))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
