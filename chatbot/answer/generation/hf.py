"""Generator backend on Hugging Face transformers: GPT-2 family, chat models, GGUF files.

``model`` is a Hub id or a local folder; ``gguf_file`` loads a GGUF file from
that folder (transformers de-quantizes it to float weights, so it is slower
than llama.cpp). Models with a chat template get chat messages; the GPT-2
family has none and gets one completion-style text. Prompts longer than the
window allows are cut from the left so generation never overruns it.
Prompt wording and context packing are done elsewhere.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Iterator

from chatbot.answer.generation.base import GenerationOptions, Prompt
from chatbot.common.errors import ConfigError

log = logging.getLogger(__name__)

_INSTALL = 'pip install "transformers>=4.45" "torch==2.13.0"'
_SAMPLING_TEMPERATURE = 0.7  # generate_many needs sampling; used when options ask for greedy (0)


class TransformersGenerator:
    """transformers backend; loads tokenizer and weights on first use, once."""

    def __init__(self, model: str = "gpt2", gguf_file: str = "", context_window: int = 2048, device: str = "cpu"):
        if not model or not model.strip():
            raise ConfigError("transformers model is empty; set CHATBOT_MODEL to a Hub id or folder (e.g. gpt2)")
        if context_window <= 0:
            raise ConfigError(f"context_window={context_window} must be greater than 0")
        self.name = f"transformers:{model}"
        self.model_id, self.gguf_file, self.device = model, gguf_file, device
        self._window_setting = context_window
        self._tokenizer = self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                try:
                    import torch  # noqa: F401  (transformers needs it to generate)
                    from transformers import AutoModelForCausalLM, AutoTokenizer
                    from transformers.utils import logging as hf_logging
                except ImportError:
                    raise ConfigError(f"the transformers backend needs transformers and torch: "
                                      f"run `{_INSTALL}`") from None
                hf_logging.disable_progress_bar()  # GGUF loading draws two bars: noise in CLI output and logs
                if self.gguf_file and importlib.util.find_spec("gguf") is None:
                    raise ConfigError(f"loading {self.gguf_file} needs the gguf package: "
                                      "run `pip install gguf accelerate`")
                kwargs = {"gguf_file": self.gguf_file or None}
                log.info("loading %s%s", self.model_id, f" ({self.gguf_file})" if self.gguf_file else "")
                try:
                    tokenizer = AutoTokenizer.from_pretrained(self.model_id, **kwargs)
                    model = AutoModelForCausalLM.from_pretrained(self.model_id, **kwargs).to(self.device)
                except OSError as exc:
                    raise ConfigError(f"cannot load transformers model {self.model_id!r}: {exc}; give a local folder "
                                      "in CHATBOT_MODEL when the Hugging Face Hub is unreachable") from None
                self._tokenizer, self._model = tokenizer, model
        return self._tokenizer, self._model

    @property
    def style(self) -> str:
        return "chat" if getattr(self._load()[0], "chat_template", None) else "completion"

    @property
    def context_window(self) -> int:
        config = self._load()[1].config
        limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
        return min(self._window_setting, limit) if limit else self._window_setting

    def count_tokens(self, text: str) -> int:
        return len(self._load()[0].encode(text, add_special_tokens=False))

    def _input_ids(self, prompt: Prompt, max_new_tokens: int):
        """Token ids of the prompt, cut from the left to leave room for ``max_new_tokens``."""
        import torch

        tokenizer, model = self._load()
        if self.style == "chat":
            messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
            text = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        else:
            text = prompt if isinstance(prompt, str) else "\n\n".join(m["content"] for m in prompt)
        # the template already holds any special tokens it wants; adding them again would double BOS
        ids = tokenizer.encode(text, add_special_tokens=self.style != "chat")
        budget = self.context_window - max_new_tokens
        if budget < 1:
            raise ConfigError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in "
                              f"{self.name}'s {self.context_window}-token window; lower CHATBOT_MAX_NEW_TOKENS")
        if len(ids) > budget:
            # the question and the instruction to answer sit at the end, so the start is what we can lose
            log.warning("prompt of %d tokens cut to the last %d to fit %s", len(ids), budget, self.name)
            ids = ids[-budget:]
        return torch.tensor([ids], device=model.device)

    def _generate_kwargs(self, input_ids, options: GenerationOptions, sample: bool) -> dict:
        tokenizer, _ = self._load()
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id  # GPT-2 has none
        kwargs = {"input_ids": input_ids, "attention_mask": input_ids.new_ones(input_ids.shape),
                  "max_new_tokens": options.max_new_tokens, "pad_token_id": pad}
        if sample:
            kwargs.update(do_sample=True, temperature=options.temperature or _SAMPLING_TEMPERATURE, top_p=options.top_p)
            if options.seed is not None:
                from torch import manual_seed

                manual_seed(options.seed)  # global, as transformers offers no per-call generator
        else:
            # None overrides sampling defaults a model's generation_config may carry, which would only warn
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def stream(self, prompt: Prompt, options: GenerationOptions) -> Iterator[str]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        tokenizer, model = self._load()
        input_ids = self._input_ids(prompt, options.max_new_tokens)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)
        halt = threading.Event()  # set when the reader stops early (stop string, or the caller broke off)

        class _Halt(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return halt.is_set()

        kwargs = self._generate_kwargs(input_ids, options, sample=options.temperature > 0)
        kwargs.update(streamer=streamer, stopping_criteria=StoppingCriteriaList([_Halt()]))
        failure: list[BaseException] = []

        def run() -> None:
            try:
                model.generate(**kwargs)
            except BaseException as exc:  # re-raised in the reader; the streamer must still end or it blocks
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, name="transformers-generate", daemon=True)
        worker.start()
        try:
            yield from cut_at_stop(streamer, options.stop)
        finally:
            halt.set()  # the streamer's queue is unbounded, so the worker is never stuck and join returns
            worker.join()
        if failure:
            raise failure[0]

    def generate_many(self, prompt: Prompt, options: GenerationOptions, n: int) -> list[str]:
        """``n`` sampled answers in one batch (sampling is forced: ``num_return_sequences`` needs it)."""
        if n < 1:
            raise ConfigError(f"generate_many needs n >= 1, got {n}")
        tokenizer, model = self._load()
        input_ids = self._input_ids(prompt, options.max_new_tokens)
        out = model.generate(num_return_sequences=n, **self._generate_kwargs(input_ids, options, sample=True))
        texts = tokenizer.batch_decode(out[:, input_ids.shape[1]:], skip_special_tokens=True)
        return ["".join(cut_at_stop([text], options.stop)) for text in texts]


def cut_at_stop(pieces, stops: tuple[str, ...]) -> Iterator[str]:
    """Pass text pieces through, ending before the first stop string, even one split across pieces."""
    if not stops:
        yield from pieces
        return
    hold = max(len(s) for s in stops) - 1  # a stop string may still be completed by the next piece
    buffer = ""
    for piece in pieces:
        buffer += piece
        cuts = [i for i in (buffer.find(s) for s in stops) if i >= 0]
        if cuts:
            if min(cuts):
                yield buffer[:min(cuts)]
            return
        if len(buffer) > hold:
            yield buffer[:len(buffer) - hold]
            buffer = buffer[len(buffer) - hold:]
    if buffer:
        yield buffer
