"""OpenAICompatGenerator against a real OpenAI-compatible server: llama.cpp's, on loopback, with SmolLM2 (started
by ``python -m chatbot model-server``)."""

from __future__ import annotations

import socket
import time

import pytest
from model_server import ModelServer, free_port

pytest.importorskip("openai", reason='needs `pip install "openai>=1.40"`')

from chatbot.answer.generation.base import GenerationOptions  # noqa: E402
from chatbot.answer.generation.openai_compat import OpenAICompatGenerator  # noqa: E402
from chatbot.common.errors import ConfigError, GeneratorUnavailable  # noqa: E402


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """``python -m chatbot model-server`` (llama_cpp.server on the bundled GGUF); stopped after the module."""
    server = ModelServer(tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield server.start().url
    finally:
        server.stop()


def test_streams_an_answer_from_a_real_server(server_url):
    gen = OpenAICompatGenerator(base_url=server_url)
    messages = [{"role": "user", "content": "In one sentence: what is a refund?"}]
    pieces = list(gen.stream(messages, GenerationOptions(max_new_tokens=24)))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert gen.name == "openai:default"


def test_greedy_stop_and_seed_pass_through(server_url):
    gen = OpenAICompatGenerator(base_url=server_url, model="smollm2")
    options = GenerationOptions(max_new_tokens=16, seed=3)
    full = "".join(gen.stream("Say hello to a customer.", options))
    assert full == "".join(gen.stream("Say hello to a customer.", options))
    stop = full.split()[1]
    cut = "".join(gen.stream("Say hello to a customer.", GenerationOptions(max_new_tokens=16, stop=(stop,))))
    assert stop not in cut and len(cut) < len(full)


def test_unreachable_server_names_the_url_quickly():
    url = f"http://127.0.0.1:{free_port()}/v1"  # the port was free a moment ago, so nothing listens there
    gen = OpenAICompatGenerator(base_url=url, max_retries=0, timeout=30)
    start = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match="unreachable") as info:  # the pipeline quotes the sources
        list(gen.stream("hi", GenerationOptions()))
    assert url in str(info.value) and time.monotonic() - start < 10
    assert gen.health()["state"] == "unavailable" and url in gen.health()["error"]


def test_a_silent_server_is_given_up_at_the_first_token_deadline():
    """A hung server accepts the connection and says nothing: the shopper's wait ends at start_by +
    first_token_s, not at the HTTP timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts connections; nobody ever reads or answers them
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        gen = OpenAICompatGenerator(base_url=url, timeout=30, first_token_s=1.0)
        start = time.monotonic()
        with pytest.raises(GeneratorUnavailable, match="sent nothing within 1 s after model_wait_s"):
            list(gen.stream("hi", GenerationOptions(start_by=start + 0.5)))
        assert 1.4 <= time.monotonic() - start < 5
        agent = OpenAICompatGenerator(base_url=url, timeout=2.5, first_token_s=1.0)  # a draft waits its whole time
        start = time.monotonic()
        with pytest.raises(GeneratorUnavailable, match=r"sent nothing within 2\.5 s \(CHATBOT_GENERATION"):
            list(agent.stream("hi", GenerationOptions()))
        assert 2.4 <= time.monotonic() - start < 6


def test_timeouts_must_be_positive():
    with pytest.raises(ConfigError, match="first_token_s=0"):
        OpenAICompatGenerator(base_url="http://127.0.0.1:9/v1", first_token_s=0)


def test_base_url_falls_back_to_the_environment_then_fails(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert OpenAICompatGenerator().base_url == "http://127.0.0.1:9/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(ConfigError, match="CHATBOT_OPENAI_BASE_URL"):
        OpenAICompatGenerator()


@pytest.mark.parametrize("text, expected", [("", 1), ("abc", 1), ("a" * 40, 11), ("🙂" * 8, 3)])
def test_count_tokens_is_a_rough_estimate(text, expected):
    assert OpenAICompatGenerator(base_url="http://127.0.0.1:9/v1").count_tokens(text) == expected
