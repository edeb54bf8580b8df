"""The judge: does this passage answer this question? Trained on product-QA data (``python -m chatbot train``),
used to rerank retrieved passages, to decide answer or abstain, and as the answer's calibrated confidence."""

from chatbot.retrieve.judge.model import Judge, JudgeUnavailable

__all__ = ["Judge", "JudgeUnavailable"]
