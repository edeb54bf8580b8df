"""Read a knowledge file as text, refusing binaries and surviving legacy encodings."""

from __future__ import annotations

from pathlib import Path

from chatbot.common.errors import LoadError


def read_text_file(path: Path) -> str:
    """Return the file's text: UTF-8 (with or without BOM), else Windows-1252 as spreadsheets export it."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise LoadError("looks like a binary file (it contains NUL bytes), not text; "
                        "export it as UTF-8 text, Markdown, CSV or PDF")
    try:
        return _text_not_binary(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # Excel and older editors save CSV/text as Windows-1252; decoding it is kinder than refusing.
        return _text_not_binary(data.decode("cp1252"))
    except UnicodeDecodeError:
        raise LoadError(f"is not UTF-8 text (invalid byte 0x{data[utf8_error.start]:02x} at offset "
                        f"{utf8_error.start}); re-save it with UTF-8 encoding") from None


def _text_not_binary(text: str, most_control: float = 0.05) -> str:
    """``text``, unless it is mostly control characters: binary data that happened to decode (no NUL bytes)."""
    sample = text[:8192]
    control = sum(1 for c in sample if c < " " and c not in "\t\n\r\f")
    if sample and control / len(sample) > most_control:
        raise LoadError(f"looks like binary data, not text ({control} of its first {len(sample)} characters are "
                        "control characters); export it as UTF-8 text, Markdown, CSV or PDF")
    return text
