"""The store's knowledge as every app replica shares it: changed files and one version number, in the database.

Each replica builds its own index from its own folders (the store's ``knowledge/`` and the admin's uploads). What an
admin uploads or removes, or a catalog webhook changes, on any replica is stored here as the file's bytes (None: the
file was removed) under its name ("uploads/uploaded/policies/returns.md"), with the version that changed it. The
version goes up by one with every change, and with every re-index, so a replica that reads a newer version than it
answers from knows it must fetch the files changed since and re-index (``chatbot.ingest.knowledge_sync``).

A change is one transaction: the version row is updated first, which locks it (a row lock on PostgreSQL, the write
lock on SQLite), so writers on different replicas take turns, and a reader that sees version N also sees every file
of versions up to N. It decides nothing about files or indexes itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from chatbot.data.migrations import open_current
from chatbot.data.schema import knowledge_files, knowledge_state, utc_now

_STATE = 1  # the one row of knowledge_state


@dataclass
class Publication:
    """One change being written: ``missed`` holds the files other replicas changed after the writer's own version
    (apply them before changing files, so nothing they wrote is overwritten); ``put`` records a file's new bytes."""

    version: int  # the version this change will be
    missed: dict[str, bytes | None]
    changed: dict[str, bytes | None] = field(default_factory=dict)

    def put(self, name: str, content: bytes | None) -> None:
        self.changed[name] = content


class SharedKnowledge:
    """Thread-safe; opens (and migrates) the database at ``url``."""

    def __init__(self, url: str):
        self._engine, self._lock = open_current(url)
        with self._lock, self._engine.begin() as db:
            if db.execute(sa.select(knowledge_state.c.seq).where(knowledge_state.c.seq == _STATE)).first() is None:
                try:
                    with db.begin_nested():
                        db.execute(knowledge_state.insert().values(seq=_STATE, version=0, created_at=utc_now()))
                except sa.exc.IntegrityError:  # another replica made it at the same moment
                    pass

    def close(self) -> None:
        self._engine.dispose()

    def version(self) -> int:
        """The newest knowledge version (0 before anything was shared)."""
        with self._engine.connect() as db:
            return db.execute(sa.select(knowledge_state.c.version).where(knowledge_state.c.seq == _STATE)).scalar_one()

    def changes_since(self, version: int) -> tuple[int, dict[str, bytes | None]]:
        """``(newest version, {name: bytes or None})``: every file changed after ``version``, as it is now."""
        with self._engine.connect() as db:
            newest = db.execute(sa.select(knowledge_state.c.version)
                                .where(knowledge_state.c.seq == _STATE)).scalar_one()
            return newest, _files_between(db, version, newest)

    def files(self) -> dict[str, bytes | None]:
        """Every shared file (None for one removed), by name."""
        return self.changes_since(0)[1]

    @contextmanager
    def publishing(self, after: int) -> Iterator[Publication]:
        """Change the shared knowledge: yields a ``Publication`` with what changed after version ``after``; the
        files ``put`` on it are stored with the new version when the block ends (nothing, if it raises). A block
        that puts nothing still raises the version: a re-index that every replica should repeat."""
        with self._lock, self._engine.begin() as db:
            db.execute(knowledge_state.update().where(knowledge_state.c.seq == _STATE)
                       .values(version=knowledge_state.c.version + 1))  # locks the row until the commit
            version = db.execute(sa.select(knowledge_state.c.version)
                                 .where(knowledge_state.c.seq == _STATE)).scalar_one()
            publication = Publication(version, _files_between(db, after, version - 1))
            yield publication
            now = utc_now()
            for name, content in publication.changed.items():
                values = dict(content=content, version=version, updated_at=now,
                              sha256=hashlib.sha256(content).hexdigest() if content is not None else None)
                if db.execute(knowledge_files.update().where(knowledge_files.c.name == name)
                              .values(**values)).rowcount == 0:
                    db.execute(knowledge_files.insert().values(name=name, created_at=now, **values))


def _files_between(db: sa.Connection, after: int, upto: int) -> dict[str, bytes | None]:
    rows = db.execute(sa.select(knowledge_files.c.name, knowledge_files.c.content)
                      .where(knowledge_files.c.version > after, knowledge_files.c.version <= upto))
    return {row.name: row.content for row in rows}
