"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` in a temporary folder, on a free port.

One server is started per test run (``conftest.py``'s ``postgres`` fixture) and shared; each test gets a fresh
database of its own (``new_database``, about 25 ms). The server is configured like a store's might be where it
matters to the app, and for speed where it does not:

- ICU ``en-US`` collation (strings sort as people's, not by code point) and a session time zone far from UTC
  (Asia/Kolkata, +05:30), so code that leans on SQLite's ordering or on the server's clock shows up;
- no fsync, no full-page writes: nothing here has to survive a power cut.

As root (a container), the server runs as the ``postgres`` user through ``runuser``: PostgreSQL refuses to run as
root. The binaries are looked for in ``CHATBOT_TEST_PG_BIN``, then Debian's ``/usr/lib/postgresql/*/bin`` (the
newest), then the ``PATH``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SETTINGS = {"listen_addresses": "127.0.0.1", "fsync": "off", "full_page_writes": "off", "synchronous_commit": "off",
            "max_connections": "300", "timezone": "Asia/Kolkata", "log_min_messages": "warning"}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the server did not start (the message says which, and the fix)."""


def find_binaries() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    candidates = [os.environ.get("CHATBOT_TEST_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    if (on_path := shutil.which("pg_ctl")):
        candidates.append(str(Path(on_path).resolve().parent))
    for folder in filter(None, candidates):
        if all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb, pg_ctl, postgres) were found in "
                              "CHATBOT_TEST_PG_BIN, /usr/lib/postgresql/*/bin or the PATH: install Debian's "
                              "`postgresql` package (scripts/test.sh does), or point CHATBOT_TEST_PG_BIN at them")


def _version(folder: str) -> tuple[int, ...]:
    name = Path(folder).parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PostgresServer:
    def __init__(self, binaries: Path | None = None):
        self.binaries = binaries or find_binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="chatbot-test-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._user = None if os.geteuid() != 0 else "postgres"
        self._created = 0

    # ---- life
    def start(self) -> PostgresServer:
        if self._user:
            try:
                account = pwd.getpwnam(self._user)
            except KeyError:
                raise PostgresUnavailable("running as root, and there is no `postgres` user to run the server "
                                          "as: install Debian's postgresql package, or run the tests as "
                                          "another user") from None
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US", "--no-sync")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = '{value}'\n" for key, value in SETTINGS.items())
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.folder}'\n")
        self.pg_ctl("start")
        return self

    def pg_ctl(self, action: str) -> None:
        """``start``, ``stop`` or ``restart`` the server, waiting until it is done (stop and restart: fast mode,
        which ends every client connection, as a real restart does)."""
        mode = [] if action == "start" else ["-m", "fast"]
        self._run("pg_ctl", action, "-D", str(self.data), "-w", "-t", "60", "-s", "-l", str(self.folder / "log"),
                  *mode)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-w", "-s", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---- databases
    def url(self, database: str = "postgres", password: str | None = None) -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://postgres{secret}@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "test") -> str:
        """A fresh, empty database's SQLAlchemy URL."""
        self._created += 1
        name = f"{prefix}_{os.getpid()}_{self._created}"
        with self.admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def admin(self) -> psycopg.Connection:
        """A new autocommit connection to the ``postgres`` database (each use connects: the server may have
        restarted since the last one)."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                               autocommit=True, connect_timeout=10)

    def log(self) -> str:
        try:
            return (self.folder / "log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binaries / program), *args]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
        if done.returncode != 0:
            raise PostgresUnavailable(f"{program} {' '.join(args[:1])} failed ({done.returncode}): "
                                      f"{(done.stderr or done.stdout).strip()[-2000:]}\n{self.log()}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
