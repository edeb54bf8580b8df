"""Catalog questions through the HTTP API, many shoppers at once: the skills against the grounded path.

Both systems are the real app (``launch.py``, the default bundled model, the demo store) started as a
server process; the questions are the acceptance set's catalog messages (``eval/shopper_questions.jsonl``,
every skill but policy and order), sent with their product page and history through ``POST /api/chat``
by ``--sessions`` shoppers at once, each asking its share in turn.

- ``baseline``: ``CHATBOT_SHOP_SKILLS=0``: every message takes the grounded path (retrieval, the model or
  quoted sources), as before the skills existed.
- ``skills``: the default: routed messages are answered from the catalog and reviews.

    .venv/bin/python benchmarks/skills.py [--sessions 8] [--rounds 2] [--json out.json]

Prints p50/p95 by skill for both, and the ratios. Stops every server it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import Server, _pct  # noqa: E402 - the same server start-up as the load benchmark

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = {"baseline": {"CHATBOT_SHOP_SKILLS": "0"}, "skills": {}}
CATALOG_SKILLS = {"catalog_search", "recommend", "attribute", "reviews", "compare", "availability"}


async def ask(client: httpx.AsyncClient, url: str, row: dict) -> tuple[float, str]:
    started = time.perf_counter()
    body = {"message": row["message"], "product_id": row.get("product_id"),
            "history": [{k: v for k, v in t.items() if k in ("role", "content", "product_id", "products")}
                        for t in row.get("history") or []]}
    origin = "error"
    async with client.stream("POST", f"{url}/api/chat", json=body) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "answer":
                origin = json.loads(line[5:]).get("origin", "")
    return time.perf_counter() - started, origin


async def run(url: str, rows: list[dict], sessions: int, rounds: int) -> dict[str, list[tuple[float, str]]]:
    by_skill: dict[str, list[tuple[float, str]]] = defaultdict(list)
    work = [rows[i::sessions] for i in range(sessions)]

    async def shopper(mine: list[dict]) -> None:
        async with httpx.AsyncClient(timeout=120) as client:
            for _ in range(rounds):
                for row in mine:
                    by_skill[row["skill"]].append(await ask(client, url, row))

    await asyncio.gather(*(shopper(mine) for mine in work))
    return by_skill


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in (ROOT / "eval" / "shopper_questions.jsonl").read_text().splitlines()
            if line.strip()]
    rows = [r for r in rows if r.get("skill") in CATALOG_SKILLS]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        from chatbot.config import Settings
        from chatbot.converse.chatbot import make_embedder
        from chatbot.ingest.chunking import Chunker
        from chatbot.ingest.indexer import update_index

        index_dir = Path(tmp) / "index"
        update_index([ROOT / "knowledge"], index_dir, make_embedder(Settings()), Chunker())
        for name, env in SYSTEMS.items():
            with Server(name, env, index_dir, Path(tmp)) as server:
                asyncio.run(run(server.url, rows[:4], 2, 1))  # warm: the first answers load lazily
                started = time.perf_counter()
                measured = asyncio.run(run(server.url, rows, args.sessions, args.rounds))
                results[name] = {"wall_s": time.perf_counter() - started, "by_skill": {
                    skill: {"n": len(v), "p50_ms": _pct(sorted(t for t, _ in v), 50) * 1000,
                            "p95_ms": _pct(sorted(t for t, _ in v), 95) * 1000,
                            "from_catalog": sum(o == "catalog" for _, o in v)}
                    for skill, v in sorted(measured.items())}}
    print(f"{len(rows)} catalog questions x {args.rounds}, {args.sessions} shoppers at once, through POST /api/chat")
    print(f"{'skill':<16}{'n':>4}  {'baseline p50/p95 ms':>22}  {'skills p50/p95 ms':>20}  {'p50 ratio':>9}  "
          f"{'answered from catalog':>21}")
    for skill, base in results["baseline"]["by_skill"].items():
        new = results["skills"]["by_skill"][skill]
        print(f"{skill:<16}{new['n']:>4}  {base['p50_ms']:>10.0f} / {base['p95_ms']:>8.0f}  "
              f"{new['p50_ms']:>8.0f} / {new['p95_ms']:>8.0f}  {new['p50_ms'] / base['p50_ms']:>9.2f}  "
              f"{new['from_catalog']:>14} of {new['n']}")
    for name, r in results.items():
        print(f"{name}: all questions answered in {r['wall_s']:.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
