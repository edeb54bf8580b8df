"""``python -m chatbot db upgrade | current`` on SQLite and PostgreSQL (in process: the command's own code)."""

from __future__ import annotations

import pytest
from legacy_schema import legacy_metadata

from chatbot.cli import main
from chatbot.data import migrations
from chatbot.data.database import open_database


@pytest.fixture
def run(database, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHATBOT_DATABASE_URL", database.url)
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path / "data"))

    def run(*args: str) -> tuple[int, str]:
        code = main(["db", *args])
        out = capsys.readouterr()
        return code, out.out + out.err

    return run


def test_upgrade_and_current_on_a_database_made_before_migrations(run, database):
    head = migrations.head()
    engine = open_database(database.url)
    legacy_metadata().create_all(engine)  # a store's database as the app made it before migrations
    engine.dispose()
    shown = database.url  # no password in the tests' URLs: shown as it is
    assert run("current") == (0, f"{shown}: no revision yet (empty, or made before migrations); `python -m chatbot "
                                 f"db upgrade` or the app's start brings it to {head}, keeping its rows\n")
    assert run("upgrade", "--revision", "0002") == (
        0, f"{shown}: upgraded from revision (none: empty, or made before migrations) to 0002\n")
    code, said = run("current")
    assert code == 0 and said.startswith(f"{shown}: at revision 0002; {head} is the newest")
    assert run("upgrade") == (0, f"{shown}: upgraded from revision 0002 to {head}\n")
    assert run("current") == (0, f"{shown}: at revision {head} (the newest)\n")
    assert run("upgrade") == (0, f"{shown}: already at revision {head} (the newest)\n")


def test_current_of_a_sqlite_file_not_made_yet_makes_nothing(tmp_path, monkeypatch, capsys):
    path = tmp_path / "none" / "chat.sqlite3"
    monkeypatch.setenv("CHATBOT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["db", "current"]) == 0
    assert "no database file yet" in capsys.readouterr().out and not path.parent.exists()


def test_an_unreachable_database_is_one_line_and_exit_code_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHATBOT_DATABASE_URL", "postgresql://shop:pw-secret@127.0.0.1:1/shop")
    monkeypatch.setenv("CHATBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the database postgresql+psycopg://shop:***@127.0.0.1:1/shop")
    assert "pw-secret" not in err and "Traceback" not in err
