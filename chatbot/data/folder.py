"""Where the app writes: one data folder for the index, the database, converted models and uploads.

``Settings.data_dir`` names it; empty (the default) chooses one at start-up:

1. ``/data`` when it exists and is writable: Hugging Face Spaces' persistent storage, kept across restarts;
2. ``./data`` (and the index in ``./index``) in the working folder when both can be written: a developer's
   checkout or a server, where everything has always lived;
3. otherwise a folder of our own under the system's temporary folder: a Space without persistent storage,
   or a read-only copy of the code. The app works, but what it stores is lost at the next restart.

``index_dir``, ``database_url``, ``model_dir`` and ``uploads_dir`` left at their defaults follow the
chosen folder (``<data>/index``, ``sqlite:///<data>/chatbot.sqlite3``, ``<data>/models``,
``<data>/uploads``); one set explicitly stays where it was set. Case 2 keeps the defaults as they are.
``launch.py`` and the CLI call :func:`prepare_data_folder` before they open anything, so both use the
same database.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path

from chatbot.common.errors import ConfigError
from chatbot.config import Settings

SPACES_STORAGE = Path("/data")  # where Hugging Face Spaces mounts its persistent storage add-on


@dataclass(frozen=True)
class DataFolder:
    path: Path  # the folder everything the app stores goes under (absolute)
    persistent: bool  # whether what is stored there survives a restart
    why: str  # how it was chosen, for the start-up log

    def describe(self) -> str:
        """One line for the start-up log: where, why and whether it survives a restart."""
        keeps = ("kept across restarts" if self.persistent else
                 "LOST at every restart (conversations, tickets, accounts and uploads; the index is rebuilt)")
        return f"data folder {self.path} ({self.why}): {keeps}"

    def as_health(self) -> dict:
        """The ``storage`` part of ``/api/health``."""
        return {"data_dir": str(self.path), "persistent": self.persistent}


def writable(folder: Path) -> bool:
    """Whether files can be created in ``folder`` (made if missing): tried, not guessed from permissions,
    so a read-only mount and a folder the app's user does not own are both caught."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def choose_data_folder(setting: str = "", *, spaces_storage: Path = SPACES_STORAGE, here: Path | None = None,
                       temp_root: Path | None = None) -> DataFolder:
    """The data folder for ``Settings.data_dir = setting`` (see the module docstring for the order).

    ``here`` is the working folder the relative defaults are read against, ``temp_root`` the system's
    temporary folder; both are parameters so tests can stand in for them."""
    here = Path.cwd() if here is None else here
    temp_root = Path(tempfile.gettempdir()) if temp_root is None else temp_root
    if setting:
        path = Path(setting) if Path(setting).is_absolute() else here / setting
        if not writable(path):
            raise ConfigError(f"the data folder {path} (CHATBOT_DATA_DIR) cannot be written: make it writable for "
                              "this user, or leave CHATBOT_DATA_DIR empty to choose one automatically")
        return DataFolder(path.resolve(), not _inside(path, temp_root), "set by CHATBOT_DATA_DIR")
    if spaces_storage.is_dir() and writable(spaces_storage):
        return DataFolder(spaces_storage.resolve(), True, "persistent storage")
    local = here / "data"
    if writable(local) and writable(here / "index"):
        return DataFolder(local.resolve(), True, "beside the code")
    return DataFolder(_own_temp_folder(temp_root), False,
                      f"{here} cannot be written and there is no writable {spaces_storage}")


def apply_data_folder(settings: Settings, folder: DataFolder, here: Path | None = None) -> Settings:
    """``settings`` with ``data_dir`` set to ``folder`` and the storage paths still at their defaults under it.

    When the folder is ``./data`` beside the code, the defaults already point there (and the index stays in
    ``./index``), so only ``data_dir`` changes."""
    here = Path.cwd() if here is None else here
    settings = replace(settings, data_dir=str(folder.path))
    if folder.path == (here / "data").resolve():
        return settings
    defaults = {f.name: f.default for f in fields(Settings)}
    under = {"index_dir": str(folder.path / "index"), "uploads_dir": str(folder.path / "uploads"),
             "model_dir": str(folder.path / "models"),
             "database_url": f"sqlite:///{folder.path / 'chatbot.sqlite3'}"}
    return replace(settings, **{name: value for name, value in under.items()
                                if getattr(settings, name) == defaults[name]})


def prepare_data_folder(settings: Settings) -> tuple[Settings, DataFolder]:
    """Choose the data folder for ``settings`` and point the storage settings at it."""
    folder = choose_data_folder(settings.data_dir)
    return apply_data_folder(settings, folder), folder


def _own_temp_folder(temp_root: Path) -> Path:
    """A folder for this user under ``temp_root``, the same one on every start while the machine lives (a
    restart of the app reuses its index); a fresh one when that name is taken by someone else."""
    path = temp_root / f"store-chatbot-data-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        if path.stat().st_uid == os.getuid() and writable(path):
            return path.resolve()
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix="store-chatbot-data-", dir=temp_root)).resolve()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False
