"""LlamaCppGenerator on the real bundled SmolLM2-135M-Instruct GGUF (loaded once per module)."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_cpp", reason='needs `pip install "llama-cpp-python>=0.3.16,<0.4"`')

from chatbot.answer.generation.base import GenerationOptions  # noqa: E402
from chatbot.answer.generation.llamacpp import LlamaCppGenerator, bundled_smollm2_path  # noqa: E402
from chatbot.common.errors import ConfigError  # noqa: E402

QUESTION = [
    {"role": "system", "content": "You are a helpful customer-service assistant for an online store."},
    {"role": "user", "content": "How many days do I have to return a pair of shoes?"},
]


@pytest.fixture(scope="module")
def generator() -> LlamaCppGenerator:
    try:
        bundled_smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    # one thread: with every core, llama.cpp's spinning threads slow down 10-50x whenever another
    # process wants a core (seen here while another test run shared the 2 cores); one thread stays near 40 tok/s
    return LlamaCppGenerator(context_window=2048, n_threads=1)


def test_constructor_is_cheap_and_names_the_file():
    gen = LlamaCppGenerator()
    assert gen._llm is None
    assert gen.name == "llama.cpp:SmolLM2-135M-Instruct.Q4_1.gguf" and gen.style == "chat"
    assert gen.context_window == 2048


def test_missing_gguf_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        LlamaCppGenerator(str(tmp_path / "nope.gguf")).count_tokens("hi")


def test_count_tokens(generator):
    assert generator.count_tokens("Where is my order?") > 0
    assert generator.count_tokens("") == 0


def test_chat_prompt_streams_several_pieces(generator):
    pieces = list(generator.stream(QUESTION, GenerationOptions(max_new_tokens=24)))
    assert len(pieces) > 1 and "".join(pieces).strip()


def test_greedy_is_deterministic(generator):
    options = GenerationOptions(max_new_tokens=24, temperature=0.0)
    first = "".join(generator.stream(QUESTION, options))
    assert first == "".join(generator.stream(QUESTION, options))


def test_stop_string_is_respected(generator):
    full = "".join(generator.stream(QUESTION, GenerationOptions(max_new_tokens=24)))
    words = full.split()
    assert len(words) > 3, full
    stop = words[2]
    cut = "".join(generator.stream(QUESTION, GenerationOptions(max_new_tokens=24, stop=(stop,))))
    assert stop not in cut and len(cut) < len(full)


def test_max_new_tokens_is_respected(generator):
    text = "".join(generator.stream(QUESTION, GenerationOptions(max_new_tokens=5)))
    assert 0 < generator.count_tokens(text) <= 6  # detokenising and re-tokenising may differ by one


def test_plain_string_prompt_is_sent_as_a_user_message(generator):
    assert "".join(generator.stream("Hello!", GenerationOptions(max_new_tokens=8))).strip()


def test_prompt_longer_than_the_window_says_what_to_do(generator):
    from chatbot.common.errors import ChatbotError

    long_prompt = "refund policy " * 1500  # about 3,000 tokens in a 2,048-token window
    with pytest.raises(ChatbotError, match="CHATBOT_CONTEXT_WINDOW"):
        list(generator.stream(long_prompt, GenerationOptions(max_new_tokens=8)))


def test_the_bundled_model_is_converted_to_q8_0_once_and_reused(tmp_path):
    from chatbot.answer.generation.requantize import requantized

    source = bundled_smollm2_path()
    assert requantized(source, "Q4_1", tmp_path).name == "SmolLM2-135M-Instruct.Q4_1.gguf"  # as shipped
    converted = requantized(source, "Q8_0", tmp_path)
    assert converted == tmp_path / "SmolLM2-135M-Instruct.Q8_0.gguf" and converted.stat().st_size > 100_000_000
    made = converted.stat().st_mtime_ns
    assert requantized(source, "Q8_0", tmp_path).stat().st_mtime_ns == made  # reused, not made again
    assert not list(tmp_path.glob(".*partial"))
    gen = LlamaCppGenerator(context_window=512, n_threads=1, bundled_format="Q8_0", model_dir=str(tmp_path))
    assert gen.name == "llama.cpp:SmolLM2-135M-Instruct.Q8_0.gguf"  # health and results name what runs
    assert gen.count_tokens("Where is my order?") > 0
    assert "".join(gen.stream(QUESTION, GenerationOptions(max_new_tokens=8))).strip()


def test_an_unknown_bundled_format_says_which_ones_work(tmp_path):
    from chatbot.answer.generation.requantize import requantized

    with pytest.raises(ConfigError, match="Q4_1, Q8_0, F16"):
        requantized(bundled_smollm2_path(), "Q3_K", tmp_path)
