"""The shared model server: ``python -m chatbot model-server`` and an app replica that answers through it.

A real llama.cpp server (a subprocess on the bundled model) behind a real uvicorn app on the demo index: answers
come from the model while the server is up; killed (``kill -9``) or hung (stopped), ``POST /api/chat`` still
answers 200, quoted from the sources with ``reason: model_unavailable``; started again, the model answers again
with no restart of the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from conftest import scratch_database_url, serving
from model_server import ROOT, ModelServer
from test_server import chat

from chatbot.answer.generation.model_server import server_options
from chatbot.common.errors import ConfigError
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.storage import ConversationStore
from ui.server import create_server

MODEL_QUESTION = "How much is shipping to Canada?"  # the bundled model's answer to it is kept (greedy decoding)
RETURNS = "What is your return window?"


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    server = ModelServer(tmp_path_factory.mktemp("model-server") / "server.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def replica(model_server, demo_index_dir, real_embedder, tmp_path_factory):
    """One app replica on the model server. Patient timeouts: on 2 shared cores a busy machine can take seconds
    to the first token; the hung-server test uses its own short one. No cache and no FAQ answers: every
    question goes to the model."""
    settings = Settings(index_dir=str(demo_index_dir), generator="openai", openai_base_url=model_server.url,
                        answer_cache_size=0, faq_match=1.01, openai_first_token_s=60, generation_deadline_s=120)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    store = ConversationStore(scratch_database_url(tmp_path_factory.mktemp("db"), "chat.sqlite3"))
    with serving(create_server(bot, store, settings)) as url:
        yield url
    store.close()


def answer(url: str, message: str) -> dict:
    with httpx.Client(timeout=180) as client:
        response, events = chat(client, url, message=message)
    assert response.status_code == 200, response.text
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and "error" not in kinds, events
    return events[-1][1]


def health(url: str) -> dict:
    response = httpx.get(f"{url}/api/health", timeout=30)
    assert response.status_code == 200, response.text  # a replica without its model still answers: it is healthy
    return response.json()


def test_answers_come_from_the_model_server_then_from_the_sources_while_it_is_down(model_server, replica):
    first = answer(replica, MODEL_QUESTION)
    assert first["origin"] == "model" and first["reason"] is None and "$19.99" in first["answer"]
    assert health(replica)["generator_state"] == "ready"

    model_server.kill()
    started = time.monotonic()
    down = answer(replica, RETURNS)
    assert time.monotonic() - started < 30  # refused at once: no waiting out a timeout
    assert down["reason"] == "model_unavailable" and down["origin"] == "quoted" and not down["abstained"]
    assert "30 days" in down["answer"] and down["citations"][0]["doc_id"] == "policies/returns-and-refunds.md"
    state = health(replica)
    assert state["generator_state"] == "unavailable" and model_server.url in state["generator_details"]["error"]

    model_server.start()  # the same address: the replica was not restarted or told
    back = answer(replica, MODEL_QUESTION)
    assert back["origin"] == "model" and back["reason"] is None and back["answer"] == first["answer"]
    assert health(replica)["generator_state"] == "ready"


def test_a_hung_model_server_costs_a_shopper_seconds_not_an_error(model_server, replica, demo_index_dir,
                                                                  real_embedder, tmp_path):
    settings = Settings(index_dir=str(demo_index_dir), generator="openai", openai_base_url=model_server.url,
                        answer_cache_size=0, faq_match=1.01, model_wait_s=0.5, openai_first_token_s=2)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    store = ConversationStore(scratch_database_url(tmp_path, "chat.sqlite3"))
    model_server.pause()
    try:
        with serving(create_server(bot, store, settings)) as url:
            started = time.monotonic()
            hung = answer(url, RETURNS)
            elapsed = time.monotonic() - started
    finally:
        model_server.resume()
        store.close()
    assert hung["reason"] == "model_unavailable" and "30 days" in hung["answer"]
    assert 2.5 <= elapsed < 30, elapsed  # the first-token deadline (0.5 + 2 s), plus retrieval on a busy machine


def test_the_server_options_are_the_ones_that_serve_many_replicas(monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_SERVER_KEY", "s3cret-for-the-test")
    gguf = tmp_path / "shop-model.gguf"
    gguf.write_bytes(b"GGUF")  # only its path is read here
    server, model = server_options(Settings(model=str(gguf), context_window=3072,
                                            openai_api_key_env="MODEL_SERVER_KEY"), "0.0.0.0", 8001, threads=3)
    assert server == {"host": "0.0.0.0", "port": 8001, "interrupt_requests": False, "api_key": "s3cret-for-the-test"}
    assert model["model"] == str(gguf) and model["model_alias"] == "shop-model.gguf"
    assert (model["n_ctx"], model["n_threads"], model["n_threads_batch"], model["logits_all"]) == (3072, 3, 3, False)
    monkeypatch.delenv("MODEL_SERVER_KEY")
    assert server_options(Settings(model=str(gguf)), "127.0.0.1", 8000)[0]["api_key"] is None
    with pytest.raises(ConfigError, match="not a GGUF file"):
        server_options(Settings(model=str(tmp_path / "missing.gguf")), "127.0.0.1", 8000)
    with pytest.raises(ConfigError, match="--threads -1"):
        server_options(Settings(model=str(gguf)), "127.0.0.1", 8000, threads=-1)


def test_the_command_refuses_a_missing_model_in_one_line(tmp_path):
    env = {**os.environ, "CHATBOT_MODEL": str(tmp_path / "missing.gguf"), "CHATBOT_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "chatbot", "model-server", "--port", "8000"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (f"error: CHATBOT_MODEL={tmp_path / 'missing.gguf'} is not a GGUF file; give the "
                                   "path of one, or leave it empty to serve the bundled SmolLM2")
