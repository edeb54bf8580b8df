"""The admin's uploads folder: what the loaders cannot use is refused before it is stored, named, with the
accepted types; what is kept is listed with its size, time and last-index problems, and can be removed."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from chatbot.common.errors import InputError
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from chatbot.ingest.uploads import UploadFolder, safe_name

POLICY = "# Gift wrapping\n\nWe gift wrap any item for $4.99.\n"


@pytest.fixture
def folder(tmp_path):
    return UploadFolder(tmp_path / "uploads")


def stored(folder) -> list[str]:
    """Every file under the folder, hidden ones too: what a refusal must not leave behind."""
    return sorted(p.relative_to(folder.root).as_posix() for p in folder.root.rglob("*") if p.is_file()) \
        if folder.root.exists() else []


def write(tmp_path, name: str, content: bytes | str):
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def test_a_readable_file_is_kept_under_its_kind_and_listed(folder, tmp_path):
    name = folder.add(write(tmp_path, "Gift Wrapping (2024).md", POLICY), "policies")
    assert name == "uploaded/policies/Gift-Wrapping-2024.md" and stored(folder) == [name]
    [upload] = folder.list()
    assert upload.name == name and upload.size == len(POLICY) and upload.problems == []
    assert abs(upload.uploaded_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize("name, content, says", [
    ("returns.docx", b"PK\x03\x04" + os.urandom(200), "it is a Word document, which the knowledge loaders cannot"),
    ("prices.xlsx", b"PK\x03\x04" + os.urandom(200), "it is an Excel workbook"),
    ("notes", "plain words", "it is a file with no type ending"),
    ("returns.md", b"", "the file is empty"),
    ("returns.md", "  \n\n ", "the file contains no text to index"),
    ("returns.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(300), "binary file"),
    ("returns.txt", bytes(range(1, 32)) * 40, "looks like binary data, not text"),
    ("returns.pdf", b"this is not a pdf", "is not a readable PDF"),
    ("faq.jsonl", "{not json\n", "line 1: is not valid JSON"),
])
def test_what_the_loaders_cannot_use_is_refused_by_name_and_nothing_is_stored(folder, tmp_path, name, content, says):
    with pytest.raises(InputError) as refused:
        folder.add(write(tmp_path, name, content), "policies")
    message = str(refused.value)
    assert message.startswith(f"{name} was not added: ") and says in message, message
    if "cannot read" in message:  # a type the loaders cannot read: the accepted ones are named
        assert "Accepted types: .csv, .htm, .html, .jsonl, .markdown, .md, .ndjson, .pdf, .txt" in message
    assert stored(folder) == [] and folder.list() == []


def test_a_bad_file_never_replaces_the_good_copy_already_there(folder, tmp_path):
    name = folder.add(write(tmp_path, "returns.md", POLICY), "policies")
    with pytest.raises(InputError, match="returns.md was not added"):
        folder.add(write(tmp_path, "returns.md", b""), "policies")
    assert (folder.root / name).read_text() == POLICY and stored(folder) == [name]
    folder.add(write(tmp_path, "returns.md", POLICY + "Gift boxes are free.\n"), "policies")  # a good one does
    assert (folder.root / name).read_text().endswith("Gift boxes are free.\n") and stored(folder) == [name]


def test_remove_deletes_one_upload_and_refuses_a_name_it_does_not_hold(folder, tmp_path):
    keep = folder.add(write(tmp_path, "a.md", POLICY), "policies")
    gone = folder.add(write(tmp_path, "b.md", POLICY), "faq")
    folder.remove(gone)
    assert [u.name for u in folder.list()] == [keep]
    for name in (gone, "../../etc/passwd", ""):
        with pytest.raises(InputError, match="there is no upload called .*uploaded/policies/a.md"):
            folder.remove(name)


def test_the_last_index_runs_problems_are_shown_beside_their_file(folder, tmp_path, fake_embedder):
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "faq.md").write_text(POLICY)
    faq = folder.add(write(tmp_path, "faq.jsonl", '{"question": "Gift wrap?", "answer": "Yes, $4.99."}\n'
                                                  '{"question": "Gift cards?"}\n'), "faq")
    (folder.root / "uploaded" / "help").mkdir(parents=True)
    (folder.root / "uploaded" / "help" / "old.docx").write_bytes(b"PK")  # left by an older version
    report = update_index([knowledge, folder.root], tmp_path / "index", fake_embedder, Chunker())
    folder.record_problems(report.problems)
    problems = {u.name: u.problems for u in folder.list()}
    assert problems["uploaded/help/old.docx"] == ["unsupported file type '.docx'; use one of .csv, .htm, .html, "
                                                  ".jsonl, .markdown, .md, .ndjson, .pdf, .txt"]
    [record] = problems[faq]
    assert record.startswith("line 2: ") and "answer" in record, record
    folder.remove("uploaded/help/old.docx")
    folder.record_problems(update_index([knowledge, folder.root], tmp_path / "index", fake_embedder,
                                        Chunker()).problems)
    assert {u.name: u.problems for u in folder.list()} == {faq: [record]}  # the next run replaces the last
    assert json.loads((folder.root / ".last-index-problems.json").read_text()) == {faq: [record]}


def test_a_torn_problems_file_shows_no_problems_rather_than_failing(folder, tmp_path):
    name = folder.add(write(tmp_path, "a.md", POLICY), "policies")
    (folder.root / ".last-index-problems.json").write_text("{")
    assert [(u.name, u.problems) for u in folder.list()] == [(name, [])]


@pytest.mark.parametrize("name, safe", [("../../x.md", "x.md"), ("a b.md", "a-b.md"), ("…", "upload"),
                                        (".hidden.md", "hidden.md"), ("é.md", "upload.md"), ("..", "upload"),
                                        ("Price list (2024).CSV", "Price-list-2024.CSV")])
def test_names_cannot_leave_the_folder(name, safe):
    assert safe_name(name) == safe
