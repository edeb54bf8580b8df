"""Agent and admin accounts: scrypt password hashes, sign-in that slows down and locks, expiring sessions.

Accounts live in the same database as the conversations (any SQLAlchemy
URL; the tables are ``users`` and ``sessions`` in ``chatbot.data.schema``,
migrated with the others). There is no default account and no default
password: the store owner creates them with ``python -m chatbot users add
NAME --role agent|admin``.
A session is a random token; only its SHA-256 is stored, so a copy of the
database cannot be used to sign in. Each wrong password for a known account
adds a growing delay, and ``max_failures`` in a row lock the account for
``lockout_minutes``. Checking who may open which page is done in
``ui.auth``; this module knows nothing of HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import sqlalchemy as sa

from chatbot.common.errors import ChatbotError, InputError
from chatbot.data.database import open_database
from chatbot.data.migrations import ensure_current
from chatbot.data.schema import naive_utc, utc_now
from chatbot.data.schema import sessions as _sessions
from chatbot.data.schema import users as _users

ROLES = ("agent", "admin")  # an admin may do everything an agent may
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms per check on one core: cheap for people, dear for guessers

class SignInError(ChatbotError):
    """Wrong name or password, or a locked account; ``retry_after_s`` is set while it is locked."""

    def __init__(self, message: str, retry_after_s: int | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Account:
    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this account may act as ``role`` (admins may act as agents)."""
        return self.role == role or self.role == "admin"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT, dklen=32)
    return "scrypt${n}${r}${p}$".format(**_SCRYPT) + "$".join(
        base64.b64encode(x).decode() for x in (salt, digest))


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_password_length(password: str) -> None:
    if len(password) < 10:
        raise InputError("the password must be at least 10 characters long")


class AccountStore:
    def __init__(self, url: str, session_hours: float = 12.0, max_failures: int = 5, lockout_minutes: float = 15.0,
                 clock: Callable[[], datetime] | None = None, sleep: Callable[[float], None] = time.sleep):
        self._engine = open_database(url)
        self._lock = threading.Lock()
        try:
            ensure_current(self._engine)  # the tables made or migrated, as ConversationStore does
        except BaseException:
            self._engine.dispose()
            raise
        self.session_hours = session_hours
        self.max_failures = max_failures
        self.lockout_minutes = lockout_minutes
        self._clock = (lambda: naive_utc(clock())) if clock else utc_now
        self._sleep = sleep

    def close(self) -> None:
        self._engine.dispose()

    # ---- accounts (the CLI)
    def add(self, name: str, role: str, password: str) -> Account:
        name = name.strip().lower()
        if not _NAME.match(name):
            raise InputError(f"account name {name!r} must be 2-64 lowercase letters, digits or . _ @ -")
        if role not in ROLES:
            raise InputError(f"role {role!r} must be one of {', '.join(ROLES)}")
        _check_password_length(password)
        with self._lock, self._engine.begin() as db:
            if db.execute(sa.select(_users.c.name).where(_users.c.name == name)).first():
                raise InputError(f"account {name!r} exists; remove it first with `python -m chatbot users remove {name}`")
            db.execute(_users.insert().values(name=name, role=role, password_hash=hash_password(password), failures=0,
                                              created_at=self._clock()))
        return Account(name, role)

    def set_password(self, name: str, role: str, password: str) -> Account:
        """Create ``name`` with ``role`` and ``password``, or give the existing account that role and password
        (its lock and sessions are cleared). For accounts managed by the app itself, such as the demo staff."""
        name = name.strip().lower()
        if role not in ROLES:
            raise InputError(f"role {role!r} must be one of {', '.join(ROLES)}")
        _check_password_length(password)
        for attempt in (1, 2):
            with self._lock, self._engine.begin() as db:
                if db.execute(sa.select(_users.c.name).where(_users.c.name == name)).first() is not None:
                    db.execute(_sessions.delete().where(_sessions.c.user_name == name))
                    db.execute(_users.update().where(_users.c.name == name).values(
                        role=role, password_hash=hash_password(password), failures=0, locked_until=None))
                    return Account(name, role)
            try:
                return self.add(name, role, password)
            except (InputError, sa.exc.IntegrityError):
                if attempt == 2:
                    raise
                # replicas starting together: another one made the account just now; set it as it is

    def remove(self, name: str) -> None:
        with self._lock, self._engine.begin() as db:
            db.execute(_sessions.delete().where(_sessions.c.user_name == name.strip().lower()))
            if db.execute(_users.delete().where(_users.c.name == name.strip().lower())).rowcount == 0:
                raise InputError(f"there is no account {name!r}; `python -m chatbot users list` shows them")

    def list(self) -> list[Account]:
        with self._engine.connect() as db:
            accounts = [Account(r.name, r.role) for r in db.execute(sa.select(_users.c.name, _users.c.role))]
        # sorted here, by code point: a database's ORDER BY follows its collation ("ana_b" before "ana-b" in
        # PostgreSQL's en-US, after it in SQLite)
        return sorted(accounts, key=lambda account: account.name)

    def any(self) -> bool:
        with self._engine.connect() as db:
            return db.execute(sa.select(_users.c.name).limit(1)).first() is not None

    # ---- signing in and out
    def sign_in(self, name: str, password: str) -> tuple[str, Account]:
        """A new session token and its account, or SignInError (after a delay that grows with failures)."""
        name, now = (name or "").strip().lower(), self._clock()
        user = None
        if _NAME.match(name):  # no other name can be an account's (nor reach the database: PostgreSQL refuses NUL)
            with self._engine.connect() as db:
                user = db.execute(sa.select(_users).where(_users.c.name == name)).first()
        if user is not None and user.locked_until is not None and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            raise SignInError(f"too many wrong passwords: this account is locked for {wait // 60 + 1} more "
                              "minute(s)", retry_after_s=wait)
        if user is None or not check_password(password or "", user.password_hash):
            failures = self._failed(user, now)
            self._sleep(min(4.0, 0.25 * 2 ** max(0, failures - 1)))  # 0.25, 0.5, 1, 2, 4 s
            if user is not None and failures >= self.max_failures:
                raise SignInError(f"too many wrong passwords: this account is locked for "
                                  f"{self.lockout_minutes:g} minutes", retry_after_s=int(self.lockout_minutes * 60))
            raise SignInError("wrong name or password")
        token = secrets.token_urlsafe(32)
        with self._lock, self._engine.begin() as db:
            db.execute(_users.update().where(_users.c.name == name).values(failures=0, locked_until=None))
            db.execute(_sessions.insert().values(token_hash=_token_hash(token), user_name=name, created_at=now,
                                                 expires_at=now + timedelta(hours=self.session_hours)))
        return token, Account(user.name, user.role)

    def _failed(self, user, now: datetime) -> int:
        if user is None:
            return 1  # no such account: the same delay, and nothing to lock
        # counted in the database (failures + 1, not a value read before): wrong passwords sent to two replicas at
        # once both count, so the lock-out holds however the requests are spread
        with self._lock, self._engine.begin() as db:
            db.execute(_users.update().where(_users.c.name == user.name)
                       .values(failures=sa.func.coalesce(_users.c.failures, 0) + 1))
            failures = db.execute(sa.select(_users.c.failures).where(_users.c.name == user.name)).scalar_one()
            if failures >= self.max_failures:
                db.execute(_users.update().where(_users.c.name == user.name).values(
                    failures=0, locked_until=now + timedelta(minutes=self.lockout_minutes)))
        return failures

    def session(self, token: str | None) -> Account | None:
        """The account a session token belongs to, while the session has not expired."""
        if not token:
            return None
        with self._engine.connect() as db:
            row = db.execute(sa.select(_sessions.c.expires_at, _users.c.name, _users.c.role)
                             .join(_users, _users.c.name == _sessions.c.user_name)
                             .where(_sessions.c.token_hash == _token_hash(token))).first()
        if row is None or row.expires_at <= self._clock():
            return None
        return Account(row.name, row.role)

    def sign_out(self, token: str | None) -> None:
        if token:
            with self._lock, self._engine.begin() as db:
                db.execute(_sessions.delete().where(_sessions.c.token_hash == _token_hash(token)))
