"""TransformersGenerator on a tiny randomly initialised GPT-2 built offline (the Hub is unreachable here).

The weights are random, so the text is noise; what is tested is the code path
GPT-2 takes: completion style, the 1,024-token window, left truncation,
greedy determinism, stop strings and batched sampling.
"""

from __future__ import annotations

import logging

import pytest

from chatbot.answer.generation.base import GenerationOptions
from chatbot.answer.generation.hf import TransformersGenerator, cut_at_stop

WORDS = ("return refund order shipping delivery parcel warranty invoice customer store product price discount "
         "exchange size colour cotton leather battery charger cable screen phone laptop policy days weeks "
         "receipt label address payment card voucher gift account password help support answer question").split()


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory) -> str:
    """A 2-layer GPT-2 with a ~400-token byte-level BPE, saved like a Hub checkpoint."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    folder = tmp_path_factory.mktemp("tiny-gpt2")
    corpus = [" ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(12)) for i in range(300)]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=400, min_frequency=1, special_tokens=["<|endoftext|>"])
    bpe.save(str(folder / "tokenizer.json"))
    tokenizer = GPT2TokenizerFast(tokenizer_file=str(folder / "tokenizer.json"),
                                  bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    config = GPT2Config(n_layer=2, n_head=2, n_embd=32, n_positions=1024, vocab_size=len(tokenizer),
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def generator(tiny_gpt2) -> TransformersGenerator:
    return TransformersGenerator(tiny_gpt2, context_window=2048)


def test_constructor_is_cheap_and_checks_input(tiny_gpt2):
    from chatbot.common.errors import ConfigError

    gen = TransformersGenerator(tiny_gpt2)
    assert gen._model is None and gen.name == f"transformers:{tiny_gpt2}"
    with pytest.raises(ConfigError, match="CHATBOT_MODEL"):
        TransformersGenerator("  ")


def test_gpt2_is_completion_style_with_its_own_window(generator):
    assert generator.style == "completion"
    assert generator.context_window == 1024  # the model's limit wins over the 2,048 setting
    assert generator.count_tokens("refund policy") > 0


def test_long_prompt_is_cut_from_the_left_and_still_streams(generator, caplog):
    prompt = " ".join(WORDS[i % len(WORDS)] for i in range(3000))
    assert generator.count_tokens(prompt) >= 3000
    options = GenerationOptions(max_new_tokens=8)
    with caplog.at_level(logging.WARNING, logger="chatbot.answer.generation.hf"):
        pieces = list(generator.stream(prompt, options))
    assert "".join(pieces)
    assert any("cut to the last 1016" in r.getMessage() for r in caplog.records)


def test_greedy_is_deterministic(generator):
    options = GenerationOptions(max_new_tokens=12, temperature=0.0)
    first = "".join(generator.stream("Where is my parcel?", options))
    assert first and first == "".join(generator.stream("Where is my parcel?", options))


def test_seeded_sampling_is_reproducible(generator):
    options = GenerationOptions(max_new_tokens=12, temperature=0.9, seed=7)
    assert "".join(generator.stream("refund", options)) == "".join(generator.stream("refund", options))


def test_stop_string_ends_the_stream(generator):
    full = "".join(generator.stream("order", GenerationOptions(max_new_tokens=20)))
    stop = full.strip()[3:6]  # some text the greedy answer is known to contain
    cut = "".join(generator.stream("order", GenerationOptions(max_new_tokens=20, stop=(stop,))))
    assert stop not in cut and full.startswith(cut) and len(cut) < len(full)


def test_generate_many_returns_n_answers(generator):
    answers = generator.generate_many("store policy", GenerationOptions(max_new_tokens=10, seed=1), n=5)
    assert len(answers) == 5 and all(isinstance(a, str) for a in answers)


@pytest.mark.parametrize("pieces, stops, expected", [
    (["Hello", " wor", "ld"], ("wor",), "Hello "),
    (["abc"], ("x",), "abc"),
    (["ab", "c", "d"], ("bc", "d"), "a"),
    (["", "Q:", " next"], ("Q:",), ""),
    (["ok 🙂", " Q", ":"], ("Q:",), "ok 🙂 "),
])
def test_cut_at_stop(pieces, stops, expected):
    assert "".join(cut_at_stop(pieces, stops)) == expected


@pytest.fixture(scope="module")
def smollm2_gguf() -> TransformersGenerator:
    """The bundled SmolLM2 GGUF through transformers (de-quantized on load: about 20-30 s on 2 cores)."""
    pytest.importorskip("gguf", reason="needs `pip install gguf accelerate`")
    from pathlib import Path

    from chatbot.answer.generation.llamacpp import bundled_smollm2_path
    from chatbot.common.errors import ConfigError

    try:
        path = Path(bundled_smollm2_path())
    except ConfigError as exc:
        pytest.skip(str(exc))
    return TransformersGenerator(str(path.parent), gguf_file=path.name, context_window=2048)


def test_bundled_gguf_loads_as_a_chat_model(smollm2_gguf):
    assert smollm2_gguf.style == "chat"  # the chat template is read from the GGUF metadata
    assert smollm2_gguf.context_window == 2048  # the setting is smaller than SmolLM2's 8,192
    messages = [{"role": "user", "content": "Say hello to a customer."}]
    answer = "".join(smollm2_gguf.stream(messages, GenerationOptions(max_new_tokens=8)))
    assert answer.strip() and smollm2_gguf.count_tokens(answer) <= 9


def test_gpt2_end_to_end_through_the_pipeline(tiny_gpt2, demo_index_dir, real_embedder):
    """Settings name the transformers backend and a GPT-2 folder: the prompt is packed into 1,024 tokens,
    the model streams, and its (random) words never reach the shopper unverified."""
    from chatbot.config import Settings
    from chatbot.converse.chatbot import Chatbot

    settings = Settings(index_dir=str(demo_index_dir), generator="transformers", model=tiny_gpt2,
                        max_passages=10, evidence_sentences=10, max_new_tokens=64)
    bot = Chatbot(settings, embedder=real_embedder)
    model = bot.generator
    assert model is not None and model.style == "completion" and model.context_window == 1024
    seen = []
    real_stream = model.stream
    model.stream = lambda prompt, options: (seen.append(prompt), real_stream(prompt, options))[1]
    answer = bot.ask("What is your return window?")
    assert len(seen) == 1 and isinstance(seen[0], str)
    assert seen[0].rstrip().endswith("Answer:") and "Question: What is your return window?" in seen[0]
    assert model.count_tokens(seen[0]) <= 1024 - settings.max_new_tokens  # packed within the window
    assert "[1] " in seen[0] and seen[0].count("\n[") < 10  # passages were cut to fit, most relevant first
    assert not answer.abstained and "30 days" in answer.text  # garbage was dropped; the source was quoted
    assert all(c.doc_id in answer.retrieved for c in answer.citations)
