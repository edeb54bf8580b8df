"""This replica's knowledge folders kept in step with the knowledge every replica shares (in the database).

The index is built from files: the store's ``knowledge/`` and the admin's uploads. ``KnowledgeSync`` maps those
folders to the shared store (``chatbot.data.knowledge_share``): a file is shared under its folder's label and its
path inside it ("uploads/uploaded/policies/returns.md", "knowledge/catalog/shopify-live.jsonl"). ``pull`` writes
the files other replicas changed since this one's version into its folders (each file replaced atomically, a removed
one deleted); ``changing`` is how this replica changes files: other replicas' changes are pulled first, under the
shared lock, so a read-modify-write (a catalog webhook) starts from the newest copy, and the files it touches are
shared when the block ends. It does not index: ``chatbot.converse.knowledge_watch`` re-indexes after a change.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chatbot.common.errors import InputError
from chatbot.data.knowledge_share import SharedKnowledge


class Change:
    """The files one ``changing`` block wrote or removed: ``touch`` each, after writing it (or removing it)."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def touch(self, path: str | Path) -> None:
        self.paths.append(Path(path))


class KnowledgeSync:
    """``roots``: label → this replica's folder, e.g. ``{"knowledge": settings.knowledge_dir, "uploads":
    settings.uploads_dir}``. ``version`` is the shared version this replica's folders are at. Thread-safe."""

    def __init__(self, shared: SharedKnowledge, roots: dict[str, str | Path]):
        self.shared = shared
        self.roots = {label: Path(folder).resolve() for label, folder in roots.items()}
        self.version = 0
        self._lock = threading.RLock()

    def name_of(self, path: str | Path) -> str:
        """A file's shared name: its folder's label and its path inside that folder."""
        resolved = Path(path).resolve()
        for label, root in self.roots.items():
            if resolved == root or root in resolved.parents:
                return f"{label}/{resolved.relative_to(root).as_posix()}"
        folders = ", ".join(map(str, self.roots.values()))
        raise InputError(f"{path} is in none of the shared knowledge folders ({folders}); put it in the knowledge "
                         "folder or upload it on the admin page")

    def path_of(self, name: str) -> Path | None:
        """Where a shared file goes in this replica's folders; None for a label or path it does not have."""
        label, _, rest = name.partition("/")
        root = self.roots.get(label)
        if root is None or not rest:
            return None
        path = (root / rest).resolve()
        return path if root in path.parents else None  # never outside the folder, whatever the name says

    def pull(self) -> list[Path]:
        """Bring this replica's folders to the newest shared version; returns the files written or removed."""
        with self._lock:
            newest, files = self.shared.changes_since(self.version)
            changed = self._apply(files)
            self.version = newest
            return changed

    @contextmanager
    def changing(self) -> Iterator[Change]:
        """Change files as every replica will see them: yields a ``Change`` to ``touch`` each file written or
        removed; they are shared, with a new version, when the block ends (nothing is shared if it raises). A block
        that touches nothing still raises the version: a re-index that every replica repeats."""
        with self._lock:
            with self.shared.publishing(self.version) as publication:
                self._apply(publication.missed)
                change = Change()
                yield change
                for path in change.paths:
                    publication.put(self.name_of(path), path.read_bytes() if path.is_file() else None)
            self.version = publication.version

    def _apply(self, files: dict[str, bytes | None]) -> list[Path]:
        changed = []
        for name, content in sorted(files.items()):
            path = self.path_of(name)
            if path is None:
                continue
            if content is None:
                if path.exists():
                    path.unlink()
                    changed.append(path)
            elif not path.is_file() or path.read_bytes() != content:
                path.parent.mkdir(parents=True, exist_ok=True)
                partial = path.with_name(f".{path.name}.shared-partial")  # a dot-file: the loaders skip it
                partial.write_bytes(content)
                os.replace(partial, path)
                changed.append(path)
        return changed


def share_paths(sync: KnowledgeSync, paths: list[str | Path]) -> list[str]:
    """Share the files under ``paths`` as they are here (``python -m chatbot index --share``): those whose bytes
    differ from the shared copy, and the removal of shared files under them that are gone here. Returns the names
    shared; the version goes up even when nothing differs, so every replica re-indexes."""
    here: dict[str, Path] = {}
    for path in map(Path, paths):
        files = [path] if path.is_file() else [f for f in sorted(path.rglob("*")) if f.is_file() and not any(
            part.startswith((".", "_")) for part in f.relative_to(path).parts)]
        for file in files:
            here[sync.name_of(file)] = file
    prefixes = [sync.name_of(p).removesuffix("/.") + "/" for p in map(Path, paths) if p.is_dir()]
    shared = sync.shared.files()
    contents = {name: file.read_bytes() for name, file in here.items()}
    changed = [name for name, content in contents.items() if shared.get(name) != content]
    gone = [name for name, content in shared.items() if content is not None and name not in here
            and any(name.startswith(prefix) for prefix in prefixes)]
    with sync.changing() as change:  # the other replicas' changes come in first; this machine's files win
        for name in changed:
            here[name].write_bytes(contents[name])
            change.touch(here[name])
        for name in gone:
            path = sync.path_of(name)
            if path is not None:
                path.unlink(missing_ok=True)
                change.touch(path)
    return sorted(changed + gone)
