"""The admin's uploads folder: files checked before they are kept, listed, and removed.

An upload is read with the same loaders the index uses before anything is written, so a type they
cannot read (a Word ``.docx``), an empty file or binary data under a text name is refused with a message
that names the file, says what is wrong and which types are accepted, and is never stored or re-reported
at every re-index. A file that passes is written beside its final name and then renamed over it, so a
refused or half-copied upload never replaces the copy already there. Files are kept as
``<uploads>/uploaded/<kind folder>/<name>``, so their document ids never clash with the store's own
``knowledge/`` files. The problems of the last index run are kept beside them (a dot-file the loaders
skip), so the list can show each file's problems.

It does not index: the caller re-indexes after adding or removing files.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from chatbot.common.errors import InputError
from chatbot.ingest.loaders import READERS, FileProblem, load_file

log = logging.getLogger(__name__)

UPLOADED = "uploaded"  # the folder under the uploads root that the admin's files go in
_PROBLEMS_FILE = ".last-index-problems.json"  # a dot-file: the loaders never index it

# what people call the types the loaders cannot read, for a message they recognise
_KNOWN_TYPES = {".docx": "a Word document", ".doc": "a Word document", ".odt": "an OpenDocument text",
                ".rtf": "a rich-text document", ".pages": "a Pages document", ".xlsx": "an Excel workbook",
                ".xls": "an Excel workbook", ".ods": "an OpenDocument spreadsheet", ".numbers": "a Numbers spreadsheet",
                ".pptx": "a PowerPoint deck", ".ppt": "a PowerPoint deck", ".zip": "a zip archive",
                ".png": "an image", ".jpg": "an image", ".jpeg": "an image", ".gif": "an image", ".webp": "an image"}


def knowledge_paths(settings) -> list[str]:
    """The folders the index is built from: the store's knowledge and the admin's uploads (when any)."""
    uploads = Path(settings.uploads_dir)
    return [settings.knowledge_dir] + ([str(uploads)] if uploads.is_dir() else [])


def accepted_types() -> str:
    """The file types the loaders read, as the admin is told them: ".csv, .htm, ..."."""
    return ", ".join(sorted(READERS))


@dataclass
class Upload:
    """One uploaded file as the admin's list shows it."""

    name: str  # its path under the uploads folder, which is also its document id: "uploaded/policies/x.md"
    size: int  # bytes
    uploaded_at: datetime  # when it was stored (UTC), from the file's modification time
    problems: list[str] = field(default_factory=list)  # what the last index run said about it


class UploadFolder:
    """``root`` is ``settings.uploads_dir``; ``max_file_bytes`` the same limit the index applies."""

    def __init__(self, root: str | Path, max_file_bytes: int = 50_000_000):
        self.root = Path(root)
        self.max_file_bytes = max_file_bytes

    def add(self, source: str | Path, folder: str, name: str | None = None) -> str:
        """Check ``source`` with the loaders and keep it as ``uploaded/<folder>/<name>``; returns that name.

        ``name`` is the file's name as the admin chose it (a browser upload sits under a temporary one).
        Raises ``InputError`` saying what is wrong, and stores nothing, when the loaders cannot use it."""
        source = Path(source)
        shown = name or source.name
        safe = safe_name(shown)
        suffix = Path(safe).suffix.lower()
        if suffix not in READERS:
            what = _KNOWN_TYPES.get(suffix, f"a '{suffix}' file" if suffix else "a file with no type ending")
            raise InputError(f"{shown} was not added: it is {what}, which the knowledge loaders cannot read. "
                             f"Accepted types: {accepted_types()}. Save it as one of those (a Word document as "
                             "PDF or Markdown, a spreadsheet as CSV) and upload that.")
        relative = f"{UPLOADED}/{folder}/{safe}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # copied beside the target (a dot-file the index skips), checked there, then renamed over the target:
        # a refused or half-copied upload never replaces the file already there
        handle, staging = tempfile.mkstemp(dir=target.parent, prefix=".incoming-", suffix=suffix)
        os.close(handle)
        try:
            shutil.copyfile(source, staging)
            checked = load_file(staging, relative, self.max_file_bytes)
            if not checked.documents:
                reasons = "; ".join(_reason(p, staging) for p in checked.problems)
                raise InputError(f"{shown} was not added: {reasons or 'the file holds no text to index'}. "
                                 "Nothing was stored; fix the file and upload it again.")
            os.replace(staging, target)
        finally:
            Path(staging).unlink(missing_ok=True)
        return relative

    def list(self) -> list[Upload]:
        """Every uploaded file, newest first, with what the last index run said about it."""
        problems = self._problems()
        uploads = []
        for name, file in self._files():
            info = file.stat()
            uploads.append(Upload(name, info.st_size, datetime.fromtimestamp(info.st_mtime, timezone.utc),
                                  problems.get(name, [])))
        return sorted(uploads, key=lambda u: (-u.uploaded_at.timestamp(), u.name))

    def remove(self, name: str) -> None:
        """Delete the upload called ``name`` (as ``list`` names it)."""
        known = dict(self._files())
        if name not in known:
            listed = ", ".join(sorted(known)) or "none yet"
            raise InputError(f"there is no upload called {name!r}; pick one of the uploads listed ({listed})")
        known[name].unlink()

    def record_problems(self, problems: list[FileProblem]) -> None:
        """Keep the uploads' share of an index run's problems for the list (replacing the previous run's)."""
        if not self.root.is_dir():  # no uploads yet: nothing to show, and no folder made just for this
            return
        files = dict(self._files())
        found: dict[str, list[str]] = {}
        for problem in problems:
            for name, file in files.items():
                path = str(file)
                if problem.path == path or problem.path.startswith(path + ":"):
                    where = problem.path[len(path) + 1:]
                    found.setdefault(name, []).append(f"{where}: {problem.reason}" if where else problem.reason)
        try:
            (self.root / _PROBLEMS_FILE).write_text(json.dumps(found, indent=2), encoding="utf-8")
        except OSError as exc:  # a read-only folder: the list shows no problems; indexing and answers go on
            log.warning("could not keep the index problems for the uploads list in %s: %s", self.root, exc)

    def _problems(self) -> dict[str, list[str]]:
        try:
            return json.loads((self.root / _PROBLEMS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none recorded yet, or a torn write: show no problems, not an error
            return {}

    def _files(self) -> list[tuple[str, Path]]:
        """(name, path) of the files the index reads from this folder: hidden and ``_`` files are skipped."""
        if not self.root.is_dir():
            return []
        found = []
        for file in sorted(self.root.rglob("*")):
            parts = file.relative_to(self.root).parts
            if file.is_file() and not any(p.startswith((".", "_")) for p in parts):
                found.append(("/".join(parts), file))
        return found


def _reason(problem: FileProblem, path: str) -> str:
    """A loader's problem as part of a sentence about the upload: "the file is empty", "line 2: ..."."""
    where = problem.path[len(path) + 1:]
    return f"{where}: {problem.reason}" if where else "the file " + problem.reason.removeprefix("file ")


def safe_name(name: str) -> str:
    """A file name with no path parts or odd characters, so an upload cannot land outside its folder;
    its type ending is kept, so "é.md" is still read as Markdown."""
    path = Path(Path(name).name)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem).strip(".-") or "upload"
    return stem + re.sub(r"[^A-Za-z0-9.]+", "", path.suffix)
