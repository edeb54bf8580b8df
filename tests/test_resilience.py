"""Never down: the real server with the default model in a worker process, killed, hung and misconfigured.

Real uvicorn, the real Chatbot on the demo index, the bundled SmolLM2 in a
supervised worker. The worker is killed with SIGKILL in the middle of a
streamed answer; the shopper still gets a complete, cited answer, health
goes ``restarting`` then ``ready``, and the model answers the next question.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time

import httpx
import pytest

pytest.importorskip("llama_cpp", reason='needs `pip install "llama-cpp-python>=0.3.16,<0.4"`')

from conftest import scratch_database_url, serving  # noqa: E402
from test_server import chat  # noqa: E402

from chatbot.answer.generation.llamacpp import bundled_smollm2_path  # noqa: E402
from chatbot.config import Settings  # noqa: E402
from chatbot.converse.chatbot import Chatbot  # noqa: E402
from chatbot.data.storage import ConversationStore  # noqa: E402
from ui.server import create_server  # noqa: E402

QUESTION = "I just changed my mind about a toy I bought. How much will the return shipping cost me?"  # the model writes it


@pytest.fixture(scope="module")
def server(demo_index_dir, real_embedder, tmp_path_factory):
    settings = Settings(index_dir=str(demo_index_dir), generator_workers=1, n_threads=1, max_concurrent=4,
                        max_queue=16, answer_cache_size=0, faq_match=1.01)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    store = ConversationStore(scratch_database_url(tmp_path_factory.mktemp("db"), "chat.sqlite3"))
    with serving(create_server(bot, store, settings)) as url:
        yield url, bot
    bot.close()
    store.close()


def health(client: httpx.Client, base: str) -> dict:
    return client.get(f"{base}/api/health").json()


def wait_ready(client: httpx.Client, base: str, seen: set | None = None, timeout: float = 30.0,
               not_pid: int | None = None) -> dict:
    """Poll health until the model is ready (in a process other than ``not_pid``); ``seen`` collects states."""
    deadline = time.monotonic() + timeout
    while True:
        state = health(client, base)
        if seen is not None:
            seen.add(state["generator_state"])
        if state["generator_state"] == "ready" and state["generator_pid"] != not_pid:
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.02)


def test_health_names_the_worker(server):
    base, _ = server
    with httpx.Client(timeout=30) as client:
        state = health(client, base)
    assert state["generator_state"] == "ready" and state["generator_pid"] not in (None, os.getpid())


def test_sigkill_mid_answer_still_answers_and_the_model_comes_back(server):
    base, bot = server
    with httpx.Client(timeout=60) as client:
        before = wait_ready(client, base)
        pid = before["generator_pid"]
        reply: dict = {}

        def shopper():  # streams the answer while the main thread watches the worker
            with httpx.Client(timeout=60) as own, own.stream("POST", f"{base}/api/chat",
                                                             json={"message": QUESTION}) as response:
                reply["status"], reply["body"] = response.status_code, "".join(response.iter_text())

        asking = threading.Thread(target=shopper)
        asking.start()
        deadline = time.monotonic() + 30
        while not health(client, base)["generator_details"]["busy"]:  # the model is writing this answer
            assert time.monotonic() < deadline and asking.is_alive(), "the model never started on the answer"
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
        seen = {health(client, base)["generator_state"]}
        asking.join(60)
        body = reply["body"]
        assert reply["status"] == 200 and "event: answer" in body and "event: error" not in body
        answer = [line for line in body.splitlines() if line.startswith("data:") and '"citations"' in line][-1]
        assert '"doc_id": "policies/returns-and-refunds.md"' in answer and '"abstained": false' in answer
        after = wait_ready(client, base, seen, not_pid=pid)
        assert "restarting" in seen
        generations = after["generator_details"]["totals"].get("generations", 0)
        response, events = chat(client, base, message="How long is the warranty on the Harbor Buds Wireless Earbuds?")
        assert response.status_code == 200 and events[-1][0] == "answer" and events[-1][1]["citations"]
        assert health(client, base)["generator_details"]["totals"]["generations"] == generations + 1


def test_requests_while_the_worker_restarts_get_answers_or_busy_never_a_hang(server):
    base, _ = server
    with httpx.Client(timeout=30) as client:
        pid = wait_ready(client, base)["generator_pid"]
    os.kill(pid, signal.SIGKILL)

    async def one(client: httpx.AsyncClient, i: int) -> int:
        response = await client.post(f"{base}/api/chat", json={"message": f"Do you ship to Canada? ({i})"})
        if response.status_code == 200:
            assert "event: answer" in response.text and "event: error" not in response.text
        else:
            assert response.status_code == 503 and "busy" in response.json()["error"]
        return response.status_code

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=120) as client:
            return await asyncio.gather(*(one(client, i) for i in range(100)))

    started = time.monotonic()
    codes = asyncio.run(burst())
    assert set(codes) <= {200, 503} and codes.count(200) >= 20
    assert time.monotonic() - started < 120
    with httpx.Client(timeout=30) as client:
        wait_ready(client, base, not_pid=pid)


def test_a_corrupt_gguf_named_by_chatbot_model_keeps_the_app_answering(demo_index_dir, real_embedder, tmp_path):
    broken = tmp_path / "model.gguf"
    with open(bundled_smollm2_path(), "rb") as f:
        broken.write_bytes(f.read(2_000_000))
    settings = Settings(index_dir=str(demo_index_dir), model=str(broken), generator_workers=1, faq_match=1.01)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()  # logs the one clear error; does not raise
    store = ConversationStore(scratch_database_url())
    with serving(create_server(bot, store, settings)) as base, httpx.Client(timeout=60) as client:
        state = health(client, base)
        assert state["generator_state"] == "failed" and state["generator"] == "extractive"
        assert "CHATBOT_MODEL" in state["generator_details"]["error"]
        response, events = chat(client, base, message="How long is the warranty on the Harbor Buds Wireless Earbuds?")
        assert response.status_code == 200 and events[-1][1]["citations"] and not events[-1][1]["abstained"]
    bot.close()
    store.close()
