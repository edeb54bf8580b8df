"""Read a spreadsheet export (CSV) into a header and rows, however the spreadsheet saved it.

Store owners open exports in Excel before sending them on, so a file may be UTF-8 with a byte-order mark,
Windows-1252, or semicolon- or tab-delimited. This module settles all of that once and hands the platform
readers rows keyed by a normalised column name, each with the line it starts on (a quoted description may
span several lines), so every problem can name its line. It knows nothing about any platform's columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from chatbot.common.errors import LoadError


@dataclass
class Row:
    line: int  # the line of the file the row starts on (the header is line 1)
    values: dict[str, str]  # normalised column name -> the cell, stripped

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    path: Path
    columns: list[str]  # the header as written
    rows: list[Row]
    delimiter: str
    problems: list[tuple[int, str]]  # (line, what is wrong and the fix) for rows that could not be split

    @property
    def keys(self) -> set[str]:
        return {column_key(c) for c in self.columns}


def column_key(name: str) -> str:
    """How columns are compared: case and runs of spaces do not matter ("Variant  price" is "variant price")."""
    return " ".join((name or "").replace("\ufeff", "").split()).lower()


def read_header(path: Path) -> list[str]:
    """Only the header row: enough to recognise the format without parsing the whole file."""
    with path.open("rb") as f:
        first = decode(f.read(65536), partial=True)
    return next(csv.reader(io.StringIO(first), delimiter=_delimiter(first)), [])


def read_table(path: Path) -> Table:
    text = decode(path.read_bytes())
    delimiter = _delimiter(text[:65536])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = next(reader)
    except StopIteration:
        raise LoadError("is empty; export the file again") from None
    keys = [column_key(c) for c in columns]
    rows: list[Row] = []
    problems: list[tuple[int, str]] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(cells) > len(keys):
                    problems.append((start, f"has {len(cells)} values but the header has {len(keys)} columns; a "
                                            f"value with a {_NAMES.get(delimiter, delimiter)} in it must be in "
                                            "double quotes"))
                else:
                    rows.append(Row(start, {k: c.strip() for k, c in zip(keys, cells) if k}))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append((start, f"is not valid CSV ({exc}); the rest of the file was skipped, export it again"))
    return Table(path, columns, rows, delimiter, problems)


_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def decode(data: bytes, partial: bool = False) -> str:
    """UTF-8 (with or without Excel's byte-order mark), else Windows-1252 as Excel saves "CSV" on Windows."""
    if b"\x00" in data[:8192]:
        raise LoadError("is a binary file (it contains NUL bytes), not a CSV; save it as CSV (UTF-8)")
    try:
        return data.decode("utf-8-sig", errors="strict" if not partial else "ignore")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(sample: str) -> str:
    """The delimiter of the header row: a comma, or the semicolon or tab a European Excel writes instead."""
    header = sample.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
