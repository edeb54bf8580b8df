"""Where the app writes (chatbot.data.folder), the demo staff accounts (chatbot.data.demo_staff), and what the
shopper page and /api/health say about them.

The data folder is /data when Spaces' persistent storage is there and writable, ./data beside the code when
that can be written (today's layout: the index stays in ./index), else a folder under the temporary folder,
which does not survive a restart. An explicit CHATBOT_DATA_DIR wins, and storage paths set on their own stay.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from conftest import scratch_database_url, serving

from chatbot.common.errors import ConfigError
from chatbot.config import Settings
from chatbot.data.accounts import AccountStore, SignInError
from chatbot.data.demo_staff import DEMO_ACCOUNTS, ensure_demo_staff
from chatbot.data.folder import DataFolder, apply_data_folder, choose_data_folder, writable
from ui.shopper import STAFF_DEMO_OFF, STAFF_DEMO_READY, staff_demo_note

PASSWORD = "demo-secret-123"


@pytest.fixture
def places(tmp_path):
    """A stand-in /data, a working folder and a temporary folder, none of them real system paths."""
    spaces, here, temp = tmp_path / "spaces-data", tmp_path / "repo", tmp_path / "tmp"
    here.mkdir()
    temp.mkdir()
    return spaces, here, temp


def cannot_write(monkeypatch, *folders: Path) -> None:
    """Make ``folders`` (and anything under them) unwritable for the choice, whoever runs the test (root writes
    into a chmod-ed folder anyway; tests/test_spaces_launch.py uses a real read-only copy)."""
    import chatbot.data.folder as module

    real = module.writable
    blocked = [f.resolve() for f in folders]
    monkeypatch.setattr(module, "writable", lambda path: not any(
        path.resolve() == b or b in path.resolve().parents for b in blocked) and real(path))


def test_spaces_persistent_storage_wins_when_present_and_writable(places):
    spaces, here, temp = places
    spaces.mkdir()
    folder = choose_data_folder("", spaces_storage=spaces, here=here, temp_root=temp)
    assert folder == DataFolder(spaces.resolve(), True, "persistent storage")
    assert not (here / "data").exists()  # the repository is left alone


def test_a_writable_checkout_keeps_data_and_index_beside_the_code(places):
    spaces, here, temp = places  # no /data
    folder = choose_data_folder("", spaces_storage=spaces, here=here, temp_root=temp)
    assert folder.path == (here / "data").resolve() and folder.persistent
    settings = apply_data_folder(Settings(), folder, here=here)
    defaults = Settings()
    assert settings.data_dir == str(folder.path)
    assert (settings.index_dir, settings.database_url, settings.model_dir, settings.uploads_dir) == (
        defaults.index_dir, defaults.database_url, defaults.model_dir, defaults.uploads_dir)


def test_a_read_only_checkout_without_data_storage_falls_back_to_a_temporary_folder(places, monkeypatch):
    spaces, here, temp = places
    cannot_write(monkeypatch, here)
    folder = choose_data_folder("", spaces_storage=spaces, here=here, temp_root=temp)
    assert not folder.persistent and folder.path.parent == temp.resolve() and writable(folder.path)
    assert "LOST at every restart" in folder.describe()
    settings = apply_data_folder(Settings(), folder, here=here)
    assert settings.index_dir == str(folder.path / "index")
    assert settings.database_url == f"sqlite:///{folder.path / 'chatbot.sqlite3'}"
    assert settings.model_dir == str(folder.path / "models") and settings.uploads_dir == str(folder.path / "uploads")
    assert choose_data_folder("", spaces_storage=spaces, here=here, temp_root=temp).path == folder.path  # reused


def test_a_folder_that_cannot_be_written_is_not_writable(tmp_path):
    """Tried, not guessed: places no user can write (root included, as on CI) are refused."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("a file, not a folder")
    assert not writable(a_file / "data")  # a folder cannot be made inside a file
    assert not writable(Path("/proc") / "store-chatbot-data")  # a kernel file system: nothing can be made there
    assert writable(tmp_path / "data")


def test_a_read_only_data_storage_is_passed_over(places, monkeypatch):
    spaces, here, temp = places
    spaces.mkdir()
    cannot_write(monkeypatch, spaces)
    folder = choose_data_folder("", spaces_storage=spaces, here=here, temp_root=temp)
    assert folder.path == (here / "data").resolve()


def test_an_explicit_data_dir_wins_and_explicit_paths_stay(places, tmp_path):
    spaces, here, temp = places
    spaces.mkdir()
    folder = choose_data_folder(str(tmp_path / "mine"), spaces_storage=spaces, here=here, temp_root=temp)
    assert folder.path == (tmp_path / "mine").resolve() and folder.persistent and "CHATBOT_DATA_DIR" in folder.why
    settings = apply_data_folder(Settings(index_dir="/srv/index"), folder, here=here)
    assert settings.index_dir == "/srv/index"  # set on its own: kept
    assert settings.database_url == f"sqlite:///{folder.path / 'chatbot.sqlite3'}"
    in_temp = choose_data_folder(str(temp / "scratch"), spaces_storage=spaces, here=here, temp_root=temp)
    assert not in_temp.persistent  # under the temporary folder: said to be lost at restart


def test_an_explicit_data_dir_that_cannot_be_written_is_an_error_that_says_what_to_do(places, tmp_path):
    spaces, here, temp = places
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot be written.*CHATBOT_DATA_DIR"):
        choose_data_folder(str(blocker / "data"), spaces_storage=spaces, here=here, temp_root=temp)


def test_the_data_dir_and_demo_password_are_settings_and_the_password_is_never_shown():
    settings = Settings.load({"CHATBOT_DATA_DIR": "/srv/shop", "CHATBOT_DEMO_STAFF_PASSWORD": PASSWORD})
    assert settings.data_dir == "/srv/shop" and settings.demo_staff_password == PASSWORD
    assert PASSWORD not in repr(settings)
    assert Settings().demo_staff_password == ""  # no default password ships


def test_demo_staff_are_created_reset_and_removed_with_the_secret(tmp_path, caplog):
    accounts = AccountStore(scratch_database_url(tmp_path, "db.sqlite3"), sleep=lambda seconds: None)
    with caplog.at_level(logging.INFO):
        made = ensure_demo_staff(accounts, PASSWORD)
    assert [(a.name, a.role) for a in made] == list(DEMO_ACCOUNTS)
    assert PASSWORD not in caplog.text
    assert accounts.sign_in("demo-agent", PASSWORD)[1].role == "agent"
    assert accounts.sign_in("demo-admin", PASSWORD)[1].role == "admin"
    ensure_demo_staff(accounts, "another-secret-456")  # a changed secret and a restart: the new password
    with pytest.raises(SignInError):
        accounts.sign_in("demo-agent", PASSWORD)
    assert accounts.sign_in("demo-agent", "another-secret-456")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assert ensure_demo_staff(accounts, "short") == []  # the `users add` rule: 10 characters at least
    assert "10 or more characters" in caplog.text
    assert ensure_demo_staff(accounts, "") == [] and accounts.list() == []  # no secret: no demo accounts
    accounts.close()


def test_the_shopper_page_links_to_the_sign_in_or_says_how_to_enable_the_demo():
    assert "[sign in at /signin](/signin)" in staff_demo_note(STAFF_DEMO_READY)
    assert "CHATBOT_DEMO_STAFF_PASSWORD" in staff_demo_note(STAFF_DEMO_OFF)
    assert staff_demo_note(None) == ""  # a store's own site says nothing about demos


def test_health_reports_the_data_folder_and_whether_it_survives_a_restart(demo_index_dir, real_embedder, tmp_path):
    from chatbot.converse.chatbot import Chatbot
    from chatbot.data.storage import ConversationStore
    from ui.server import create_server

    settings = Settings(index_dir=str(demo_index_dir), generator="extractive")
    bot = Chatbot(settings, embedder=real_embedder)
    store = ConversationStore(scratch_database_url(tmp_path, "chat.sqlite3"))
    folder = DataFolder(tmp_path, False, "test")
    try:
        with serving(create_server(bot, store, settings, storage=folder)) as url:
            health = httpx.get(f"{url}/api/health", timeout=60).json()
    finally:
        store.close()
        bot.close()
    assert health["status"] == "ok" and health["storage"] == {"data_dir": str(tmp_path), "persistent": False}
