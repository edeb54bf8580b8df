"""The model in supervised worker processes, with the real bundled SmolLM2: crashes, hangs, bad files, limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip("llama_cpp", reason='needs `pip install "llama-cpp-python>=0.3.16,<0.4"`')

from chatbot.answer.generation import load_or_fallback, make_generator  # noqa: E402
from chatbot.answer.generation.base import GenerationOptions  # noqa: E402
from chatbot.answer.generation.llamacpp import bundled_smollm2_path  # noqa: E402
from chatbot.answer.generation.supervisor import SupervisedGenerator  # noqa: E402
from chatbot.common.errors import ConfigError, GeneratorUnavailable  # noqa: E402
from chatbot.config import Settings  # noqa: E402

QUESTION = [
    {"role": "system", "content": "You are a helpful customer-service assistant for an online store."},
    {"role": "user", "content": "Write a long, detailed story about a lighthouse keeper and his dog."},
]


def supervised(**settings) -> SupervisedGenerator:
    generator = make_generator(Settings.load({}, **{"generator_workers": 1, "n_threads": 1, **settings}))
    assert isinstance(generator, SupervisedGenerator)
    return generator


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def generator():
    gen = supervised(generation_deadline_s=60)
    gen.start()
    yield gen
    gen.close()


def test_local_models_run_in_a_worker_unless_told_otherwise():
    assert isinstance(make_generator(Settings.load({})), SupervisedGenerator)
    assert not isinstance(make_generator(Settings.load({}, generator_workers=0)), SupervisedGenerator)
    assert make_generator(Settings.load({}, generator="extractive")) is None


def test_the_model_runs_in_another_process(generator):
    health = generator.health()
    assert health["state"] == "ready" and health["pid"] not in (None, os.getpid())
    assert generator.count_tokens("Where is my order?") > 0
    text = "".join(generator.stream(QUESTION[:1] + [{"role": "user", "content": "Say hello."}],
                                    GenerationOptions(max_new_tokens=12)))
    assert text.strip()


def test_the_system_prompt_is_read_once_per_worker(generator):
    """Prompt caching: the second question reuses the context the first one left (same system prompt)."""
    first = [QUESTION[0], {"role": "user", "content": "Do you ship to Canada?"}]
    second = [QUESTION[0], {"role": "user", "content": "How long do refunds take?"}]
    stats = []
    for prompt in (first, second):
        for _ in generator.stream(prompt, GenerationOptions(max_new_tokens=4)):
            pass
        stats.append(generator.last_stats)
    system_tokens = generator.count_tokens(QUESTION[0]["content"])
    assert stats[1]["prompt_tokens_reused"] >= system_tokens, stats
    assert stats[1]["prompt_tokens_reused"] < stats[1]["prompt_tokens"], stats  # the question itself is read


def test_sigkill_mid_answer_raises_unavailable_and_the_worker_comes_back(generator):
    pieces = generator.stream(QUESTION, GenerationOptions(max_new_tokens=400))
    assert next(pieces)
    pid = generator.health()["pid"]
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(GeneratorUnavailable, match="stopped mid-answer"):
        for _ in pieces:
            pass
    states = {generator.health()["state"]}
    wait_for(lambda: states.add(generator.health()["state"]) or generator.health()["state"] == "ready")
    assert "restarting" in states
    health = generator.health()
    assert health["pid"] != pid and health["restarts"] >= 1
    assert "".join(generator.stream(QUESTION, GenerationOptions(max_new_tokens=8))).strip()


def test_a_stuck_generation_is_cut_at_the_deadline():
    gen = supervised(generation_deadline_s=1.5)
    try:
        gen.start()
        pieces = gen.stream(QUESTION, GenerationOptions(max_new_tokens=400))
        assert next(pieces)
        os.kill(gen.health()["pid"], signal.SIGSTOP)  # a hang: the process is alive but makes no progress
        started = time.monotonic()
        with pytest.raises(GeneratorUnavailable, match="CHATBOT_GENERATION_DEADLINE_S"):
            for _ in pieces:
                pass
        assert time.monotonic() - started < 5
        wait_for(lambda: gen.health()["state"] == "ready")
        assert "".join(gen.stream(QUESTION, GenerationOptions(max_new_tokens=4))).strip()
    finally:
        gen.close()


def test_a_truncated_gguf_file_is_one_clear_error_and_answers_fall_back(tmp_path):
    broken = tmp_path / "truncated.gguf"
    with open(bundled_smollm2_path(), "rb") as f:
        broken.write_bytes(f.read(1_000_000))
    gen = supervised(model=str(broken))
    with pytest.raises(ConfigError, match="not a usable GGUF model.*CHATBOT_MODEL"):
        gen.start()
    health = gen.health()
    assert health["state"] == "failed" and "truncated.gguf" in health["error"]
    assert load_or_fallback(supervised(model=str(broken))) is None  # the pipeline then answers extractively
    gen.close()


def test_a_question_waits_for_a_busy_worker_no_longer_than_start_by(generator):
    busy = generator.stream(QUESTION, GenerationOptions(max_new_tokens=400))
    assert next(busy)
    started = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match="busy"):
        next(generator.stream(QUESTION, GenerationOptions(max_new_tokens=4, start_by=started + 0.3)))
    assert 0.25 < time.monotonic() - started < 2
    busy.close()  # cancels: the worker stops after its next piece and takes the next question
    assert "".join(generator.stream(QUESTION, GenerationOptions(max_new_tokens=4))).strip()


def test_beyond_one_waiting_question_per_worker_the_answer_is_quoted_at_once(generator):
    import threading

    busy = generator.stream(QUESTION, GenerationOptions(max_new_tokens=400))
    assert next(busy)
    waiting = threading.Thread(target=lambda: list(generator.stream(
        QUESTION, GenerationOptions(max_new_tokens=4, start_by=time.monotonic() + 5))))
    waiting.start()
    wait_for(lambda: generator._waiting == 1)
    started = time.monotonic()
    with pytest.raises(GeneratorUnavailable, match="busy"):
        next(generator.stream(QUESTION, GenerationOptions(max_new_tokens=4, start_by=started + 5)))
    assert time.monotonic() - started < 0.5  # told at once, not after waiting out its time
    busy.close()
    waiting.join(30)
    assert not waiting.is_alive()  # the waiting question got the worker and finished


def test_the_memory_cap_ends_only_the_worker():
    code = ("from chatbot.answer.generation.worker import limit_memory\nlimit_memory(300)\n"
            "try:\n    b = bytearray(600 * 2**20)\nexcept MemoryError:\n    print('capped')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "capped", out.stderr
