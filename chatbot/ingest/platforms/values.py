"""Cell values as platform exports write them: prices, stock counts, yes/no flags, HTML descriptions.

Each parser returns the value and, when the cell needed a guess or could not be read, a sentence saying what
was found and how to fix it; the platform readers attach the file's line. Nothing here knows a platform.
"""

from __future__ import annotations

import re

# "1299.00", "$1,299.00", "1.299,00", "1 299,00 €", "12,5": a number with optional thousands groups
_MONEY = re.compile(r"^[^\d\-]*(-?[\d.,' \u00a0\u202f]*\d)\s*[^\d]*$")


class BadValue(ValueError):
    """A cell that could not be read; its message says what was there and what to write instead."""


def parse_price(text: str, column: str) -> tuple[float | None, str | None]:
    """``(price, note)``: None for an empty cell; a note when the number had to be read from a spreadsheet's
    formatting ("$1,299.00", "1.299,00"). Raises BadValue when it is not a price at all."""
    raw = (text or "").strip()
    if not raw:
        return None, None
    m = _MONEY.match(raw)
    if not m:
        raise BadValue(f"{column} is {raw!r}, which is not a price; write it as a plain number like 1299.00")
    number = re.sub(r"[' \u00a0\u202f]", "", m.group(1))
    comma, dot = number.rfind(","), number.rfind(".")
    if comma > dot:  # the comma is the decimal mark (1.299,00; 12,5) unless it groups thousands (1,299)
        decimals = len(number) - comma - 1
        if decimals == 3 and dot < 0 and number.count(",") == 1:
            number = number.replace(",", "")
        else:
            number = number.replace(".", "").replace(",", ".")
    else:
        number = number.replace(",", "")
    try:
        value = float(number)
    except ValueError:
        raise BadValue(f"{column} is {raw!r}, which is not a price; write it as a plain number like 1299.00") \
            from None
    if value < 0:
        raise BadValue(f"{column} is {raw}, a negative price; write the price the shopper pays")
    if raw != number and not re.fullmatch(r"\d+(\.\d+)?", raw):
        return value, (f"{column} is written {raw!r} (spreadsheet formatting); read as {value:.2f}, but export "
                       f"plain numbers like {value:.2f} so nothing is misread")
    return value, None


def parse_stock(text: str, column: str) -> tuple[int | None, str | None]:
    """``(count, note)``: None for an empty cell; a negative count (oversold) becomes 0 with a note."""
    raw = (text or "").strip()
    if not raw:
        return None, None
    try:
        count = int(float(raw.replace(",", "")))
    except ValueError:
        raise BadValue(f"{column} is {raw!r}, not a whole number; write the units on hand, like 12") from None
    if count < 0:
        return 0, (f"{column} is {count} (oversold); shown as out of stock — set it to 0 or the real count "
                   "in the store")
    return count, None


def yes(text: str) -> bool:
    """A platform's true: "TRUE", "true", "1", "yes"."""
    return (text or "").strip().lower() in ("true", "1", "yes", "y")


def html_to_text(html: str) -> tuple[str, bool]:
    """``(text, had_script)``: an HTML description as clean text, paragraphs and list items on their own lines.
    ``<script>`` and ``<style>`` are dropped whole: their content is never shown or indexed."""
    if not html or "<" not in html:
        return " ".join((html or "").split()), False
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    dangerous = soup(["script", "style", "noscript", "template", "iframe", "object", "embed"])
    had_script = any(tag.name == "script" for tag in dangerous)
    for tag in dangerous:
        tag.decompose()
    for br in soup("br"):
        br.replace_with("\n")
    for item in soup("li"):
        item.insert_before("\n- ")
    for block in soup(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "tr", "table"]):
        block.insert_before("\n")
        block.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line and line != "-"), had_script


def display_name(full_name: str) -> str | None:
    """A reviewer as review widgets show them: first name and last initial ("Nina Park" -> "Nina P.")."""
    parts = (full_name or "").split()
    if not parts:
        return None
    if "@" in full_name:
        return None  # some exports put the email in the name column; never show it
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0].upper()}."
