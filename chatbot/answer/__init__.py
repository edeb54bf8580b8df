"""Answer: a question and its judged passages in, a verified, cited answer text out.

``extractive`` picks the evidence sentences, ``prompting`` packs them into a prompt (templates in
``prompts/``), ``generation`` runs the language model (llama.cpp, transformers, an OpenAI-compatible
server), ``grounding`` checks every sentence against the passage it cites, ``framing`` says quotes as an
answer (policies stated, reviews attributed), and ``drafting`` streams the result into a ``Draft``. It does
not decide which path answers a message: that is ``chatbot.converse``.
"""
