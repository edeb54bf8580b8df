"""A real model server for tests: ``python -m chatbot model-server`` (llama.cpp's OpenAI-compatible server on the
bundled model) as a subprocess on a free loopback port, which a test may kill, pause and start again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ModelServer:
    """``start()`` waits until ``/v1/models`` answers; ``kill()`` is ``kill -9``; ``pause()``/``resume()`` stop and
    continue the process (a hung server: the port accepts, nothing answers). Logs go to ``log_path``, a file, not
    a pipe: a full pipe would stall the server."""

    def __init__(self, log_path: Path, threads: int = 1, port: int | None = None, env: dict | None = None):
        # 1 thread: on 2 shared cores, llama.cpp's spinning threads slow down badly when others take a core
        self.log_path, self.threads, self.port = log_path, threads, port or free_port()
        self.env = {**os.environ, **(env or {})}
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> "ModelServer":
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "chatbot", "model-server", "--port", str(self.port), "--threads",
                 str(self.threads)], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the model server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as response:
                    if json.load(response)["data"]:
                        return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the model server did not answer within {timeout:.0f} s:\n{self.log()}")
                time.sleep(0.3)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """``kill -9``: the port is closed at once, as when the server's machine or container dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
