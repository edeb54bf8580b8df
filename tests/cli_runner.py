"""``python -m chatbot ARGS`` run inside the test process: the CLI's own ``main`` with the same argv, its standard
output and error captured, its exit status returned as a subprocess's would be.

A real subprocess imports torch and transformers again on every run (10 s and more on 2 cores); the tests that
check the entry point itself (``python -m chatbot``) still start one, the others run the same code here.
"""

from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from unittest import mock


@dataclass
class CliRun:
    """What a finished run left: like ``subprocess.CompletedProcess`` with ``text=True``."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, stdin: str = "", env: dict[str, str] | None = None) -> CliRun:
    """Run ``chatbot.cli.main(args)`` with ``stdin`` as standard input and ``env`` added to the environment
    (both restored afterwards). argparse's exits count as exit statuses; any other exception is the test's
    failure, with its traceback."""
    from chatbot.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", io.StringIO(stdin)), \
            redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:  # argparse: --help, a usage error
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return CliRun(code or 0, out.getvalue(), err.getvalue())
