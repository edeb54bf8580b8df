"""Attribute answers: the skills' templates against the default language model, on real product attributes.

Issue 7 asks for attribute answers composed "from templates, or from the language model with the same
sentence verification, whichever is better measured". This measures both on semiPQA's data-to-text test
splits (``datasets/semipqa``: an Amazon attribute and the sentence a person wrote for it):

- ``template``: ``chatbot.shop.phrasing.attribute_sentence``, the sentence the chat says.
- ``model``: the default bundled model (SmolLM2-135M-Instruct through llama.cpp, in this process), asked for
  one sentence with three examples from ``dev.csv``; a sentence the grounding check
  (``chatbot.answer.grounding.Verifier``, as for every generated answer) does not find supported by the attribute
  is dropped, and the template's sentence is said instead.

For each: the share of sentences that keep every number and word of the value (``value_kept``), that the
verifier supports (``verified``), that hold no raw field notation (``clean``: no ``_``, ``{`` or ``:``),
the word overlap with the person's sentence (``token_f1``, a readability proxy), and the time per sentence.

    .venv/bin/python benchmarks/phrasing.py [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatbot.answer.generation import GenerationOptions, make_in_process_generator  # noqa: E402
from chatbot.answer.grounding import Verifier  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.ingest.datasets.semipqa import AttributeSentence, read_data_to_text  # noqa: E402
from chatbot.ingest.embedding import SentenceTransformerEmbedder  # noqa: E402
from chatbot.shop.phrasing import attribute_sentence  # noqa: E402

DATA = ROOT / "datasets" / "semipqa" / "data-to-text"
SYSTEM = ("You write one short sentence that tells a shopper one fact about a product. Use only the fact "
          "given, with its exact numbers and words. Do not add anything.")
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")


def fact_text(pair: AttributeSentence) -> str:
    return f"{pair.field.replace('_', ' ')}: {pair.value}"


def template_sentence(pair: AttributeSentence) -> str:
    return attribute_sentence("product", pair.field, pair.value) + "."


def model_prompt(pair: AttributeSentence, examples: list[AttributeSentence]) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}]
    for example in examples:
        messages += [{"role": "user", "content": f"Fact: {fact_text(example)}"},
                     {"role": "assistant", "content": example.reference}]
    return messages + [{"role": "user", "content": f"Fact: {fact_text(pair)}"}]


def first_sentence(text: str) -> str:
    text = text.strip().split("\n")[0]
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    return (match.group(1) if match else text).strip()


def value_kept(sentence: str, pair: AttributeSentence) -> bool:
    said = set(_WORD.findall(sentence.lower()))
    return all(word in said for word in _WORD.findall(pair.value.lower()))


def token_f1(sentence: str, reference: str) -> float:
    ours, theirs = Counter(_WORD.findall(sentence.lower())), Counter(_WORD.findall(reference.lower()))
    shared = sum((ours & theirs).values())
    if not shared:
        return 0.0
    precision, recall = shared / sum(ours.values()), shared / sum(theirs.values())
    return 2 * precision * recall / (precision + recall)


def clean(sentence: str) -> bool:
    return not re.search(r"[_{}]|\w:\s", sentence)


def score(name: str, sentences: list[str], pairs: list[AttributeSentence], seconds: list[float],
          verified: list[bool]) -> dict:
    ordered = sorted(seconds)
    return {"system": name, "sentences": len(sentences),
            "value_kept": round(sum(value_kept(s, p) for s, p in zip(sentences, pairs)) / len(pairs), 4),
            "verified": round(sum(verified) / len(pairs), 4),
            "clean": round(sum(map(clean, sentences)) / len(pairs), 4),
            "token_f1": round(sum(token_f1(s, p.reference) for s, p in zip(sentences, pairs)) / len(pairs), 4),
            "ms_p50": round(ordered[len(ordered) // 2] * 1000, 3),
            "ms_p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="measure only the first N test attributes")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--no-model", action="store_true", help="measure the templates only (seconds, not minutes)")
    args = parser.parse_args()
    pairs = read_data_to_text(DATA / "test_seen.csv") + read_data_to_text(DATA / "test_unseen.csv")
    pairs = pairs[: args.limit] if args.limit else pairs
    dev = read_data_to_text(DATA / "dev.csv")
    examples = [p for p in dev if p.field in ("brand", "item_weight", "number_of_keys")][:3] or dev[:3]
    embedder = SentenceTransformerEmbedder()
    generator = make_in_process_generator(Settings(generator_workers=0))
    if generator is None:
        raise SystemExit("the default generator is extractive; this benchmark needs the bundled model")
    options = GenerationOptions(max_new_tokens=48, stop=("\n",))

    results = []
    seconds, sentences, template_verified = [], [], []
    for pair in pairs:
        started = time.perf_counter()
        sentence = template_sentence(pair)
        seconds.append(time.perf_counter() - started)
        sentences.append(sentence)
        template_verified.append(Verifier({1: fact_text(pair)}, embedder).check(sentence, [1]).supported)
    results.append(score("template", sentences, pairs, seconds, template_verified))

    if args.no_model:
        print(json.dumps(results[0]))
        return 0
    generator.count_tokens("warm up")
    raw, kept, seconds, verified = [], [], [], []
    for n, pair in enumerate(pairs, 1):
        started = time.perf_counter()
        written = first_sentence("".join(generator.stream(model_prompt(pair, examples), options)))
        check = Verifier({1: fact_text(pair)}, embedder).check(written, [1]) if written else None
        seconds.append(time.perf_counter() - started)
        raw.append(written)
        verified.append(bool(check and check.supported))
        kept.append(written if verified[-1] else template_sentence(pair))
        if n % 50 == 0:
            print(f"  model: {n}/{len(pairs)}", file=sys.stderr)
    results.append(score("model (raw)", raw, pairs, seconds, verified))
    results.append(score("model + verification, template fallback", kept, pairs, seconds,
                         [ok or fallback for ok, fallback in zip(verified, template_verified)]))
    template = results[0]
    print(f"{len(pairs)} attributes from semiPQA data-to-text test_seen + test_unseen; model {generator.name}")
    print(f"{'system':44} {'value_kept':>10} {'verified':>9} {'clean':>6} {'token_f1':>9} {'ms p50':>9} {'ms p95':>9}")
    for r in results:
        print(f"{r['system']:44} {r['value_kept']:>10.3f} {r['verified']:>9.3f} {r['clean']:>6.3f} "
              f"{r['token_f1']:>9.3f} {r['ms_p50']:>9.2f} {r['ms_p95']:>9.2f}")
    for r in results[1:]:
        ratio = r["ms_p50"] / template["ms_p50"] if template["ms_p50"] else float("inf")
        print(f"{r['system']}: token_f1 ×{r['token_f1'] / max(template['token_f1'], 1e-9):.2f}, "
              f"value_kept ×{r['value_kept'] / max(template['value_kept'], 1e-9):.2f}, p50 time ×{ratio:,.0f}")
    for pair, t, m in list(zip(pairs, [template_sentence(p) for p in pairs], raw))[:8]:
        print(f"- {fact_text(pair)}\n    person:   {pair.reference}\n    template: {t}\n    model:    {m}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
