"""Schema migrations: every database the app opens is brought to the tables ``chatbot.data.schema`` describes,
keeping its rows.

The revisions are Alembic scripts in ``versions/`` (inside the package, so an installed app has them), configured
here rather than by an ``alembic.ini``. Stores call ``ensure_current`` when they open a database: one query when
it is up to date, else ``upgrade``. ``python -m chatbot db upgrade | current | revision`` are the same functions.

- ``upgrade`` runs every missing revision in ONE transaction: on PostgreSQL behind an advisory lock, on SQLite
  after ``BEGIN IMMEDIATE`` (foreign keys are switched off meanwhile, as SQLite's table rebuilds need). Two
  processes starting together upgrade once; a revision that fails leaves the database as it was.
- The first revision is the schema as it stood when migrations began, and it accepts a database made before
  them (tables but no ``alembic_version``): it creates only the tables that are missing, and the next revisions
  add only what such a database lacks, so an existing store keeps its conversations, tickets and accounts.
- A database at a revision this code does not know (a newer version of the app upgraded it) is refused with
  that said, never changed.
"""

from __future__ import annotations

import functools
import os
import tempfile
import threading
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from chatbot.common.errors import ConfigError
from chatbot.data.database import open_database, scrub, shown, unreachable
from chatbot.data.schema import UtcDateTime, metadata

HERE = Path(__file__).resolve().parent
VERSIONS = HERE / "versions"
_LOCK_KEY = 0x63686174626F74  # PostgreSQL advisory lock taken while upgrading ("chatbot")


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for these migrations, with no ini file; ``connection`` is the database they run on
    (``env.py`` uses it as it is: in the caller's transaction)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision: what ``upgrade`` brings a database to."""
    heads = _scripts().get_heads()
    if len(heads) != 1:
        raise ConfigError(f"the migrations in {VERSIONS} have {len(heads)} newest revisions ({', '.join(heads)}); "
                          "two branches each added one: make one revise the other (its down_revision)")
    return heads[0]


def current(engine: sa.Engine) -> str | None:
    """The database's revision; None for an empty database or one made before migrations."""
    with _connected(engine) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def ensure_current(engine: sa.Engine) -> None:
    """Bring the database to ``head`` unless it is there already (one query when it is)."""
    if current(engine) != head():
        upgrade(engine)


def upgrade(engine: sa.Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Run the missing revisions up to ``revision`` in one transaction; returns (revision before, after)."""
    with _connected(engine) as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        _known(before, engine)
        connection.rollback()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # off outside the transaction (SQLite ignores it inside): a table rebuild would cascade
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if sqlite:  # the write lock now, so a second process waits here and then finds nothing to do
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                elif connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                command.upgrade(alembic_config(connection), revision)
                after = MigrationContext.configure(connection).get_current_revision()
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.InternalError) as exc:
            reason = getattr(exc, "orig", None) or exc
            raise ConfigError(f"upgrading the database {shown(engine.url)} from revision {before or '(none)'} to "
                              f"{revision} failed, and nothing was changed (one transaction): "
                              f"{scrub(str(reason).strip(), engine.url)}; fix that (the database's user must be "
                              "allowed to create and alter tables) and start again") from exc
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return before, after


def open_current(url: str) -> tuple[sa.Engine, AbstractContextManager]:
    """An engine for ``url`` whose database is at the newest schema (its tables made or migrated, its rows kept),
    and the lock this process's writers share: SQLite takes one writer at a time, so serialising them avoids
    busy-waits between threads; other databases need none. A database that cannot be upgraded is closed again
    and the error raised."""
    engine = open_database(url)
    lock = _sqlite_writers(engine) if engine.dialect.name == "sqlite" else nullcontext()
    try:
        with lock:
            ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine, lock


_WRITERS: dict[str, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()


def _sqlite_writers(engine: sa.Engine) -> threading.RLock:
    """The one lock of this process's writers to a SQLite file, whichever store writes: the conversations, tickets,
    order proofs and accounts each open the same file, and with a lock each their writers met in SQLite's busy
    handler, which sleeps up to tens of milliseconds a try (most of an order answer's time with 8 shoppers)."""
    key = engine.url.database or ":memory:"
    key = key if key == ":memory:" or key.startswith("file:") else os.path.realpath(key)
    if key == ":memory:":
        return threading.RLock()  # each in-memory engine is a database of its own
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.RLock())


def upgrade_url(url: str, revision: str = "head") -> tuple[str | None, str | None]:
    """``upgrade`` for a database URL (the CLI's ``db upgrade``)."""
    engine = open_database(url)
    try:
        return upgrade(engine, revision)
    finally:
        engine.dispose()


def current_url(url: str) -> str | None:
    """``current`` for a database URL (the CLI's ``db current``)."""
    engine = open_database(url)
    try:
        return current(engine)
    finally:
        engine.dispose()


def new_revision(message: str, empty: bool = False) -> Path:
    """Write the next revision into ``versions/``: what ``schema.py`` has that the newest revision lacks, found
    by comparing the tables with a scratch SQLite database upgraded to ``head`` (``empty``: a blank script to
    fill in by hand). Returns the new file, to be read and corrected before it is committed."""
    number = head()
    rev_id = f"{int(number) + 1:04d}" if number.isdigit() else None
    with tempfile.TemporaryDirectory(prefix="chatbot-revision-") as folder:
        engine = open_database(f"sqlite:///{Path(folder) / 'head.sqlite3'}")
        try:
            upgrade(engine)
            with engine.connect() as connection:
                script = command.revision(alembic_config(connection), message=message, autogenerate=not empty,
                                          rev_id=rev_id)
        finally:
            engine.dispose()
    _scripts.cache_clear()
    return Path(script.path)


def run_environment(context) -> None:
    """What ``env.py`` does: run the revisions (or compare for ``revision``) on the connection handed over."""
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or connection is None:
        raise ConfigError("these migrations run on a live database: use `python -m chatbot db upgrade` (or "
                          "chatbot.data.migrations.upgrade), not the alembic command with an ini file")
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True,
                      render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def _render_item(kind: str, item, autogen_context):
    """Revisions name plain SQLAlchemy types: a column of the app's ``UtcDateTime`` is written ``sa.DateTime()``."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime()"
    return False


def _known(revision: str | None, engine: sa.Engine) -> None:
    if revision is None:
        return
    try:
        _scripts().get_revision(revision)
    except CommandError:
        raise ConfigError(f"the database {shown(engine.url)} is at revision {revision!r}, which this version of the "
                          f"app does not know (its newest is {head()!r}): a newer version upgraded it. Run that "
                          "version, or restore a copy of the database taken before it ran") from None


@contextmanager
def _connected(engine: sa.Engine) -> Iterator[sa.Connection]:
    try:
        connection = engine.connect()
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DatabaseError) as exc:
        raise unreachable(engine, exc) from None
    with connection:
        yield connection
