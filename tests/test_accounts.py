"""Agent and admin accounts on a real SQLite file and a real PostgreSQL database (each test taking ``accounts``
runs on both): hashing, slow-down and lockout, session expiry, the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from cli_runner import run_cli
from conftest import scratch_database_url, timestamp

from chatbot.common.errors import InputError
from chatbot.data.accounts import AccountStore, SignInError, check_password, hash_password

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 29, 9, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def accounts(database):
    clock, slept = Clock(), []
    store = AccountStore(database.url, session_hours=8, clock=clock, sleep=slept.append)
    store.add("Ana", "agent", PASSWORD)
    store.clock, store.slept, store.database = clock, slept, database
    yield store
    store.close()


def test_passwords_are_stored_as_salted_scrypt_hashes(accounts):
    row = tuple(accounts.database.rows("select name, password_hash from users")[0].values())
    assert row[0] == "ana" and PASSWORD not in row[1] and row[1].startswith("scrypt$")
    assert check_password(PASSWORD, row[1]) and not check_password("wrong", row[1])
    assert hash_password(PASSWORD) != hash_password(PASSWORD)  # a fresh salt each time


def test_sign_in_gives_a_session_that_expires_and_signs_out(accounts):
    token, account = accounts.sign_in("ANA ", PASSWORD)
    assert (account.name, account.role) == ("ana", "agent") and accounts.session(token) == account
    stored = accounts.database.rows("select token_hash from sessions")[0]["token_hash"]
    assert token not in stored  # only the token's hash is kept
    accounts.clock.now += timedelta(hours=7, minutes=59)
    assert accounts.session(token) == account
    accounts.clock.now += timedelta(minutes=2)
    assert accounts.session(token) is None  # expired
    token, _ = accounts.sign_in("ana", PASSWORD)
    accounts.sign_out(token)
    assert accounts.session(token) is None and accounts.session("made-up") is None and accounts.session("") is None


def test_wrong_passwords_slow_down_then_lock_the_account(accounts):
    for _ in range(4):
        with pytest.raises(SignInError, match="wrong name or password"):
            accounts.sign_in("ana", "guess")
    assert accounts.slept == [0.25, 0.5, 1.0, 2.0]
    with pytest.raises(SignInError, match="locked for 15 minutes") as locked:
        accounts.sign_in("ana", "guess")
    assert locked.value.retry_after_s == 900
    with pytest.raises(SignInError, match="locked"):  # even the right password waits out the lock
        accounts.sign_in("ana", PASSWORD)
    accounts.clock.now += timedelta(minutes=16)
    assert accounts.sign_in("ana", PASSWORD)[1].name == "ana"


def test_wrong_passwords_spread_over_two_replicas_all_count(accounts, database):
    # two app replicas (two stores on one database) each get wrong passwords at the same moments: every one counts
    import threading

    other = AccountStore(database.url, clock=accounts.clock, sleep=lambda seconds: None)
    outcomes = []

    def guess(store):
        try:
            store.sign_in("ana", "guess")
        except SignInError as exc:
            outcomes.append(str(exc))

    try:
        threads = [threading.Thread(target=guess, args=(store,)) for store in [accounts, other] * 2 + [accounts]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sum("locked" in o for o in outcomes) == 1 and len(outcomes) == 5  # the fifth locked it
        with pytest.raises(SignInError, match="locked"):
            other.sign_in("ana", PASSWORD)
    finally:
        other.close()


def test_replicas_starting_together_make_the_demo_accounts_once(database):
    # every replica's start-up sets the demo staff accounts; started together, none fails and each account is one
    import threading

    from chatbot.data.demo_staff import ensure_demo_staff

    stores = [AccountStore(database.url, sleep=lambda seconds: None) for _ in range(3)]
    made, failures = [], []

    def start(store):
        try:
            made.append(ensure_demo_staff(store, "demo-staff-secret-1"))
        except Exception as exc:  # noqa: BLE001 - what a replica's start-up would die of
            failures.append(exc)

    try:
        threads = [threading.Thread(target=start, args=(store,)) for store in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert failures == [] and all(len(accounts) == 2 for accounts in made) and len(made) == 3
        assert sorted(a.name for a in stores[0].list()) == ["demo-admin", "demo-agent"]
        assert stores[1].sign_in("demo-agent", "demo-staff-secret-1")[1].role == "agent"
    finally:
        for store in stores:
            store.close()


def test_unknown_names_get_the_same_answer_and_delay(accounts):
    with pytest.raises(SignInError, match="wrong name or password"):
        accounts.sign_in("mallory", "guess")
    assert accounts.slept == [0.25]


@pytest.mark.parametrize("name,role,password,needle", [
    ("a", "agent", PASSWORD, "2-64 lowercase"),
    ("bad name", "agent", PASSWORD, "2-64 lowercase"),
    ("bo", "owner", PASSWORD, "one of agent, admin"),
    ("bo", "admin", "short", "at least 10"),
    ("ana", "admin", PASSWORD, "exists"),
])
def test_bad_accounts_are_refused_with_the_fix(accounts, name, role, password, needle):
    with pytest.raises(InputError, match=needle):
        accounts.add(name, role, password)


def test_remove_signs_the_account_out(accounts):
    token, _ = accounts.sign_in("ana", PASSWORD)
    accounts.remove("ana")
    assert accounts.session(token) is None and accounts.list() == [] and not accounts.any()
    with pytest.raises(InputError, match="no account"):
        accounts.remove("ana")


def test_the_cli_adds_lists_and_removes_accounts(tmp_path):
    env = {"CHATBOT_DATABASE_URL": scratch_database_url(tmp_path, "db.sqlite3")}

    def cli(*args, stdin=""):
        return run_cli("users", *args, stdin=stdin, env=env)

    added = cli("add", "lee", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "added lee (admin)" in added.stdout, added.stderr
    refused = cli("add", "kim", "--role", "agent", "--password-stdin", stdin="short\n")
    assert refused.returncode == 2 and "at least 10" in refused.stderr and "Traceback" not in refused.stderr
    assert cli("list").stdout.split() == ["lee", "admin"]
    assert cli("remove", "lee").returncode == 0 and cli("list").stdout == ""


def test_accounts_are_listed_by_code_point_whatever_the_databases_collation(accounts):
    """PostgreSQL sorts by its collation (the test server's is ICU en-US, where "ana_b" comes before "ana-b");
    the list is the same on both databases."""
    for name in ("ana_b", "ana-b", "ana.b", "ana1", "anab"):
        accounts.add(name, "agent", PASSWORD)
    assert [a.name for a in accounts.list()] == ["ana", "ana-b", "ana.b", "ana1", "ana_b", "anab"]


def test_a_name_no_account_can_have_is_refused_like_an_unknown_one(accounts):
    for name in ("ana\x00", "x" * 300):
        with pytest.raises(SignInError, match="wrong name or password"):
            accounts.sign_in(name, PASSWORD)
    assert accounts.slept == [0.25, 0.25]


def test_an_aware_clock_locks_and_expires_at_the_right_moments(database):
    class AwareClock:
        now = datetime(2026, 11, 29, 11, 0, tzinfo=timezone(timedelta(hours=2)))  # 09:00 UTC

        def __call__(self):
            return self.now

    clock = AwareClock()
    store = AccountStore(database.url, session_hours=8, clock=clock, sleep=lambda s: None)
    try:
        store.add("ana", "agent", PASSWORD)
        token, _ = store.sign_in("ana", PASSWORD)
        assert [timestamp(r["expires_at"]) for r in database.rows("SELECT expires_at FROM sessions")] == [
            datetime(2026, 11, 29, 17, 0)]
        clock.now += timedelta(hours=7, minutes=59)
        assert store.session(token) is not None
        clock.now += timedelta(minutes=2)
        assert store.session(token) is None
    finally:
        store.close()
