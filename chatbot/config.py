"""Settings: one typed object, read once from a TOML file and the environment.

Every field can be set as ``CHATBOT_<FIELD>`` in the environment (e.g.
``CHATBOT_INDEX_DIR=/srv/index``) or in a TOML file named by
``CHATBOT_CONFIG``. Environment wins over the file. Unknown keys in the file
are rejected so a typo does not silently do nothing.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from chatbot.common.errors import ConfigError
from chatbot.common.proxies import TrustedProxies


@dataclass(frozen=True)
class Settings:
    # --- where things live
    data_dir: str = ""  # the one folder the app writes to (chatbot/data/folder.py); "" = chosen at start-up:
    #                     /data when writable (Spaces' persistent storage), else ./data beside the code when
    #                     writable, else a temporary folder (lost at restart). The four settings below that are
    #                     left at their defaults follow it
    index_dir: str = "index"  # folder holding the FAISS vectors, SQLite chunk store and manifest
    knowledge_dir: str = "knowledge"  # the store's documents; launch.py indexes it
    uploads_dir: str = "data/uploads"  # documents uploaded in the admin, filed by kind (outside the code);
    #                                   indexed beside knowledge_dir
    # --- embedding
    embedder: str = "all-MiniLM-L6-v2"  # sentence-transformers model name or folder; this name uses the bundled copy
    embed_batch_size: int = 64  # texts per forward pass; larger is faster until memory runs out
    device: str = "cpu"  # torch device for the embedder ("cpu", "cuda", "mps")
    embed_runtime: str = "onnx"  # onnx: run the embedder on ONNX Runtime (exported once into model_dir; about half
    #                              the CPU, same vectors, checked at each load, else PyTorch); torch: always PyTorch
    # --- loading and chunking
    max_file_bytes: int = 50_000_000  # larger knowledge files are refused with a message, not loaded
    chunk_size: int = 900  # characters per chunk for long prose (policies, help pages)
    chunk_overlap: int = 120  # characters shared by neighbouring chunks so a sentence is not lost at a cut
    # --- the store's website (``python -m chatbot index --site URL``)
    site_max_pages: int = 200  # pages requested per run; the rest wait for the next run (their copies stay)
    site_max_page_bytes: int = 2_000_000  # a larger page is skipped with a message, never read whole
    site_max_seconds: float = 120.0  # time for the whole crawl; pages not reached keep their indexed copies
    site_request_timeout_s: float = 15.0  # one request, connecting included
    site_user_agent: str = "StoreChatbot/0.1 (customer-service bot indexing this store's pages)"  # sent with
    #                      every request; robots.txt rules for "StoreChatbot" (else for "*") are obeyed
    # --- retrieval
    top_k: int = 10  # hits returned per question (the eval contract wants at least 10 when the pool has them)
    candidate_k: int = 50  # hits each of dense and lexical search contributes before fusion
    rrf_k: int = 60  # reciprocal-rank-fusion constant; larger flattens the rank curve
    dense_weight: float = 1.0  # weight of the dense (embedding) ranking in fusion
    lexical_weight: float = 0.5  # weight of the BM25 ranking in fusion
    focus_weight: float = 0.5  # weight of "the product page in focus" as a ranking, for product-scoped questions
    min_relevance: float = 0.35  # below this best-hit relevance the bot abstains instead of answering
    # --- store facts used in prompts and messages (the demo store's by default)
    store_name: str = "Harbor & Pine"  # how the bot names the store
    support_contact: str = "support@harborandpine.example or +1 (555) 010-4477 (Mon-Fri 9am-6pm ET)"  # for hand-offs
    answer_languages: str = "en"  # comma-separated languages the bot answers in; a message confidently in another
    #                               gets a short English reply that says so and offers a person
    # --- answering
    generator: str = "llama.cpp"  # answer backend: llama.cpp, transformers, openai or extractive (no model)
    model: str = ""  # model for the generator: GGUF path (llama.cpp), Hub id or folder (transformers),
    #                  served model name (openai); empty = the backend's default (bundled SmolLM2 / gpt2)
    bundled_model_format: str = "Q8_0"  # the bundled SmolLM2 ships as Q4_1; Q8_0 (made from it once, 145 MB in
    #                                     model_dir) reads prompts twice as fast; Q4_1 = the file as shipped
    model_dir: str = "data/models"  # where converted model files are kept
    gguf_file: str = ""  # transformers only: GGUF file inside the `model` folder or repo, loaded via gguf_file=
    context_window: int = 2048  # llama.cpp n_ctx; transformers uses the model's own limit when smaller
    n_threads: int = 0  # CPU threads for llama.cpp in each worker; 0 = the logical CPUs split between the workers
    generator_workers: int = 2  # worker processes running the local model (llama.cpp, transformers), each
    #                             answering one question at a time, with the CPU threads split between them;
    #                             0 = in the app's own process (no isolation)
    generation_deadline_s: float = 20.0  # a generation still running after this is stopped and answered from sources
    model_wait_s: float = 1.5  # how long a shopper's question may wait for a free model worker before its answer
    #                            is quoted from the sources instead, still verified and cited: a busy shop stays
    #                            fast. Agent drafts wait longer
    model_queue_per_worker: int = 1  # questions that may wait per model worker; the others are quoted at once.
    #                                  More: more answers written by the model, longer waits under load
    worker_memory_mb: int = 0  # address-space cap of a worker process; 0 = automatic (3x the GGUF file + 2 GiB)
    worker_nice: int = 10  # CPU priority of the model workers (0-19, higher = lower priority), so the app's quick
    #                        work (retrieval, cached, FAQ and quoted answers) is never starved by generation
    max_new_tokens: int = 160  # answer length cap; short answers drift less
    max_passages: int = 3  # passages in the prompt; small models lose track of more, and reading them is slow
    evidence_sentences: int = 2  # best-matching sentences kept from each passage for quoting and checking
    prompt_sentences: int = 1  # of those, how many the model reads (prompt length drives the time to first token)
    max_answer_sentences: int = 3  # generation stops once this many verified sentences are out
    support_threshold: float = 0.55  # min cosine between an answer sentence and a source sentence to keep it
    min_evidence: float = 0.35  # below this best sentence match (cosine + small bonuses) the sources don't answer
    strong_evidence: float = 0.6  # when the model says it doesn't know, quote the sources only above this match
    offtopic_relevance: float = 0.2  # below this best-hit relevance a question is off-topic: redirect politely
    openai_base_url: str = ""  # OpenAI-compatible server, e.g. http://localhost:8000/v1; empty = $OPENAI_BASE_URL
    openai_api_key_env: str = "OPENAI_API_KEY"  # name of the environment variable holding the API key (the model
    #                                           server started by ``python -m chatbot model-server`` requires it too)
    openai_first_token_s: float = 5.0  # openai generator: the server's first words must come within this after
    #                                   model_wait_s (its queue plus reading the prompt), else the answer is quoted
    #                                   from the sources; the whole answer within generation_deadline_s
    faq_match: float = 0.9  # cosine between a message and an FAQ question at which that FAQ answer is given as is;
    #                         above 1 = never
    faq_within: float = 0.8  # the judge's probability at which an FAQ entry whose question a longer message asks
    #                          within ("... if I just changed my mind?") is answered with that entry as is (only
    #                          while FAQ answers are on: faq_match at most 1); above 1 = never
    judge: str = "bundled"  # the answer judge's folder (``python -m chatbot train`` writes one): it reranks the
    #                         passages, decides answer or abstain and gives the calibrated confidence. "bundled" =
    #                         the one in chatbot/retrieve/judge/bundled (trained on public product-QA data and the
    #                         demo store's own pairs: retrain with ``train --store`` for yours); "off" = the
    #                         heuristic path (retrieval relevance and sentence match)
    judge_margin: float = 0.3  # passages the judge rates within this of its best keep the retrieval's order (the
    #                            judge reorders prose only when clearly surer; chosen on hetPQA's calibration
    #                            part and the demo store's questions)
    judge_strong: float = 0.5  # with a judge, when the model says the sources don't answer, they are quoted
    #                            only if the judge's confidence is at least this (strong_evidence without a judge);
    #                            at 0.8 the small model's "I don't know" declined "Can I pay with Apple Pay?"
    #                            (0.77) and "Is my credit card info safe?" (0.63); the demo set is the same at both
    answer_cache_size: int = 2000  # verified answers kept for repeated questions (0 = no cache)
    shop_skills: bool = True  # catalog questions answered by the skills in chatbot/shop/skills (off = every message
    #                           takes the grounded path, as before the skills existed)
    spelling: bool = True  # misspelled words corrected to the store's own words before routing and retrieval
    #                       ("retrun polcy" → "return policy"; chatbot/retrieve/spelling.py says which words)
    responders_off: str = ""  # comma-separated responders to skip, of handoff, orders, shop, cache, faq and grounded (see
    #                           chatbot/converse/responders); the decline always answers what the others leave
    max_question_chars: int = 2000  # longer messages are cut to this length with a notice
    max_answer_chars: int = 700  # the extractive answer quotes at most this much of its source

    # --- serving (HTTP API, widget, persistence)
    # conversations, feedback, tickets, accounts: SQLite, or postgresql://USER:PASSWORD@HOST:5432/DATABASE, or any
    # SQLAlchemy URL; brought to the newest schema at start-up (chatbot.data.migrations)
    database_url: str = "sqlite:///data/chatbot.sqlite3"
    allowed_origins: str = ""  # comma-separated origins allowed to embed the widget / call the API (CORS)
    max_concurrent: int = 32  # chat requests answered at once; the rest wait in the queue. The model itself is
    #                           bounded by its workers, so cached, FAQ and quoted answers need not wait behind it
    max_queue: int = 64  # waiting chat requests beyond which new ones get "busy, try again"
    session_hours: float = 12.0  # an agent's or admin's sign-in lasts this long
    knowledge_poll_s: float = 2.0  # how often a replica checks the database for knowledge another replica changed
    #                                (an upload, a removal, a re-index, a catalog webhook) and re-indexes; 0 = never
    demo_staff_password: str = field(default="", repr=False)  # set (10+ characters, e.g. as a Space secret):
    #                     start-up creates demo-agent and demo-admin with this password and the shopper page links
    #                     to /signin; "" = no demo accounts. Never printed; there is no default password
    # --- live catalog (platform webhooks, ui/webhooks.py)
    shopify_webhook_secret: str = field(default="", repr=False)  # the Shopify app's client secret (or the store's
    #                     webhook signing secret) that signs products/* and inventory_levels/update; "" = POST
    #                     /api/webhooks/shopify refuses every delivery. Never printed
    woocommerce_webhook_secret: str = field(default="", repr=False)  # the Secret of the store's WooCommerce
    #                     product webhooks; "" = POST /api/webhooks/woocommerce refuses every delivery
    webhook_max_bytes: int = 2_000_000  # a larger webhook body is refused (413); a product with 100 variants is
    #                                     about 100 KB

    # --- the shopper's own orders (chatbot/orders, the order responder; only when the store has orders)
    identity_secret: str = field(default="", repr=False)  # signs signed-in shoppers: the widget or API may send
    #                     customer_email with customer_hash, the hex HMAC-SHA256 of that email made with this secret
    #                     (as Intercom's identity verification does); then their orders need no number. "" = every
    #                     shopper is anonymous and proves each order with its number and email or postcode
    store_timezone: str = "America/New_York"  # the zone of the store's shipping day and dates said to shoppers
    ship_cutoff_hour: int = 14  # orders placed before this hour (store time) on a business day ship that day
    delivery_days: str = ("Standard Shipping=3-5; Free Standard Shipping=3-5; Expedited Shipping=1-2; "
                          "Canada Flat Rate=7-10; *=3-5")  # business days in transit per shipping method as the
    #                     orders name it ("*": any other), counted from the day an order ships
    store_holidays: str = ""  # the store's public holidays, not counted as business days for shipping and delivery:
    #                     its country with an optional subdivision ("US", "US-NY", "CA-ON", "GB-ENG"), from the
    #                     holidays package; "" = none (Monday to Friday are all business days)
    store_closed_days: str = ""  # dates of its own it doesn't ship, comma-separated, optionally named
    #                     ("2026-12-24=Christmas Eve, 2026-12-31"), beside or instead of store_holidays
    return_window_days: int = 30  # days to return an item, counted from delivery (or shipping when not known)
    order_stuck_days: int = 3  # business days past the latest expected delivery, not delivered: a person checks
    order_max_failures: int = 5  # wrong order number / email pairs before the bot stops checking and offers a
    #                             person: per conversation, and per client address within order_lockout_minutes
    order_lockout_minutes: int = 15
    trusted_proxies: str = ""  # the proxies whose X-Forwarded-For is believed (chatbot.common.proxies): addresses and
    #                           networks ("127.0.0.1,10.0.0.0/8"), or "*" where every request comes through one
    #                           (Hugging Face Spaces); then the per-address lock-out counts the shopper's address,
    #                           not the proxy's. "" = the immediate peer's address counts

    def __post_init__(self) -> None:
        positive = ("embed_batch_size", "max_file_bytes", "chunk_size", "top_k", "candidate_k", "rrf_k",
                    "max_question_chars", "max_answer_chars", "context_window", "max_new_tokens",
                    "max_passages", "evidence_sentences", "prompt_sentences", "max_answer_sentences", "max_concurrent",
                    "webhook_max_bytes", "site_max_pages", "site_max_page_bytes", "site_max_seconds",
                    "site_request_timeout_s", "return_window_days", "order_max_failures", "order_lockout_minutes")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"setting {name}={getattr(self, name)!r} must be greater than 0")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ConfigError(
                f"setting chunk_overlap={self.chunk_overlap} must be between 0 and chunk_size={self.chunk_size}"
            )
        if not 0 <= self.ship_cutoff_hour <= 24:
            raise ConfigError(f"setting ship_cutoff_hour={self.ship_cutoff_hour} must be an hour from 0 to 24")
        try:
            from chatbot.orders.closed_days import ClosedDays

            ClosedDays(self.store_holidays, self.store_closed_days)
        except ValueError as exc:
            raise ConfigError(f"setting {exc}") from None
        if not 0 <= self.worker_nice <= 19:
            raise ConfigError(f"setting worker_nice={self.worker_nice} must be between 0 and 19")
        for name in ("generator_workers", "worker_memory_mb", "model_queue_per_worker", "knowledge_poll_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"setting {name}={getattr(self, name)!r} must be 0 or more")
        for name in ("generation_deadline_s", "model_wait_s", "openai_first_token_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"setting {name}={getattr(self, name)!r} must be greater than 0 seconds")
        if not 0.0 <= self.min_relevance <= 1.0:
            raise ConfigError(f"setting min_relevance={self.min_relevance} must be between 0 and 1")
        if not self.site_user_agent.strip():
            raise ConfigError("setting site_user_agent must name the bot (robots.txt rules are matched to it)")
        try:
            TrustedProxies(self.trusted_proxies)
        except ValueError as exc:
            raise ConfigError(f"setting trusted_proxies: {exc}") from None
        if self.dense_weight < 0 or self.lexical_weight < 0 or self.dense_weight + self.lexical_weight == 0:
            raise ConfigError("settings dense_weight and lexical_weight must be >= 0 and not both 0")

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        """Settings from ``CHATBOT_CONFIG`` (TOML), then ``CHATBOT_*`` variables, then ``overrides``."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        config_file = environ.get("CHATBOT_CONFIG")
        if config_file:
            values.update(_read_toml(Path(config_file)))
        for f in fields(cls):
            raw = environ.get(f"CHATBOT_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f.name, raw, type(getattr(cls(), f.name)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} (from CHATBOT_CONFIG) does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"config file {path} has unknown settings {unknown}; known settings: {sorted(known)}")
    return data


def _coerce(name: str, raw: str, kind: type) -> Any:
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise ConfigError(f"environment variable CHATBOT_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
