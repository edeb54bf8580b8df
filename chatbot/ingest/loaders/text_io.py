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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        # Excel and older editors save CSV/text as Windows-1252; decoding it is kinder than refusing.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise LoadError(f"is not UTF-8 text (invalid byte 0x{data[utf8_error.start]:02x} at offset "
                        f"{utf8_error.start}); re-save it with UTF-8 encoding") from None
