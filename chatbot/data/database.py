"""Opening the database: one SQLAlchemy engine for a URL, SQLite by default, PostgreSQL as a first-class choice.

``open_database(url)`` gives the engine every store uses; ``chatbot.data.migrations`` brings its tables up to
date. What each backend gets:

- **SQLite** (``sqlite:///data/chatbot.sqlite3``, the default): its folder is made; WAL and a busy timeout, so
  several stores and processes share one file; foreign keys on; an in-memory database (``sqlite://``) is one
  shared connection, or each thread would see its own empty one.
- **PostgreSQL** (``postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE``; ``postgresql://`` and
  ``postgres://`` mean the same, with the psycopg 3 driver): a connection pool whose connections are tested
  before use (``pool_pre_ping``), so a server restart or a dropped connection costs one reconnect instead of
  an error, and a connect timeout, so an unreachable server is reported in seconds. Nothing is sent at
  connection start-up beyond what libpq sends, so a pooler in front (PgBouncer) needs no settings.

A URL is never shown with its password (``shown``): errors and logs name the rest of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from chatbot.common.errors import ConfigError

EXAMPLES = ("sqlite:///data/chatbot.sqlite3 or postgresql+psycopg://USER:PASSWORD@HOST:5432/DATABASE")
CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL server is reported after this long, not after minutes


def database_url(url: str) -> sa.URL:
    """``url`` parsed, with a PostgreSQL URL that names no driver (``postgresql://``, ``postgres://``, as hosting
    providers write them) given psycopg 3, the driver this project installs."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def shown(url: str | sa.URL) -> str:
    """``url`` as it may be printed: with ``***`` for its password."""
    try:
        return (url if isinstance(url, sa.URL) else sa.engine.make_url(url)).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError, TypeError):  # not a URL at all: still never show what looks like one
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def open_database(url: str) -> sa.Engine:
    """An engine for any SQLAlchemy URL (see the module docstring for what SQLite and PostgreSQL get)."""
    try:
        parsed = database_url(url)
        backend, kwargs = parsed.get_backend_name(), {}
        if backend == "sqlite":
            if parsed.database not in (None, "", ":memory:") and not parsed.database.startswith("file:"):
                _make_folder(Path(parsed.database).parent, url)
            else:  # in-memory: one shared connection, or each thread would see its own empty database
                kwargs = {"poolclass": sa.pool.StaticPool, "connect_args": {"check_same_thread": False}}
        else:  # a server: test each pooled connection before use, so a restarted server costs a reconnect
            kwargs = {"pool_pre_ping": True}
            if backend == "postgresql" and "connect_timeout" not in parsed.query:
                kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = sa.create_engine(parsed, **kwargs)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise ConfigError(f"database_url {shown(url)!r} cannot be used ({scrub(str(exc), url)}); give a SQLAlchemy "
                          f"URL such as {EXAMPLES} (CHATBOT_DATABASE_URL), and install that database's driver"
                          ) from None
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def unreachable(engine: sa.Engine, exc: BaseException) -> ConfigError:
    """The error for a database that cannot be opened: which one (no password), the driver's reason, the fix."""
    reason = scrub(_first_lines(getattr(exc, "orig", None) or exc), engine.url)
    if engine.dialect.name == "sqlite":
        fix = "check that its folder exists and this user may write there, or set CHATBOT_DATABASE_URL"
    else:
        fix = ("check that the server is running and accepts connections from this machine, and that "
               "CHATBOT_DATABASE_URL names the right host, port, database, user and password")
    return ConfigError(f"cannot open the database {shown(engine.url)}: {reason}; {fix}")


def _make_folder(folder: Path, url: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"the folder {folder} for the database {shown(url)} cannot be made ({exc.strerror or exc}): "
                          "choose a folder this user may write in CHATBOT_DATABASE_URL (or CHATBOT_DATA_DIR)") from None


def _first_lines(exc: BaseException, limit: int = 3) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[:limit]) or type(exc).__name__


def scrub(text: str, url: str | sa.URL) -> str:
    """``text`` without the URL's password, wherever a driver's message repeats it."""
    try:
        password = (url if isinstance(url, sa.URL) else sa.engine.make_url(url)).password
    except (sa.exc.ArgumentError, ValueError, TypeError):
        password = None
    text = text.replace(str(url), shown(url))
    return text.replace(str(password), "***") if password else text


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # a second process waits for the writer instead of failing
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block the chat's writes
    # in WAL mode NORMAL syncs at checkpoints, not at every commit: a crashed or killed app loses nothing, only a
    # power cut can drop the last commits; a commit per chat turn then costs no disk flush
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
