"""The old import paths outside code may use still work for the 0.1 releases, and warn that they moved."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *flags: str) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter (an import is cached once per process, so each check needs its own)."""
    return subprocess.run([sys.executable, *flags, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("old,new,name", [
    ("chatbot.pipeline", "chatbot.converse.chatbot", "Chatbot"),
    ("chatbot.tools", "chatbot.shop.tools", "recommend"),
])
def test_an_old_path_imports_the_moved_module_itself(old, new, name):
    done = run_python(f"import importlib; from {old} import {name}; new = importlib.import_module({new!r}); "
                      f"import {old} as old; print({name} is getattr(new, {name!r}), old is new)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


@pytest.mark.parametrize("old,new", [("chatbot.pipeline", "chatbot.converse.chatbot"),
                                     ("chatbot.tools", "chatbot.shop.tools")])
def test_an_old_path_warns_where_the_module_went(old, new):
    done = run_python(f"import {old}", "-W", "error::DeprecationWarning")
    assert done.returncode != 0 and "DeprecationWarning" in done.stderr and new in done.stderr


def test_the_new_paths_do_not_warn():
    done = run_python("import chatbot.converse.chatbot, chatbot.shop.tools, chatbot.cli", "-W", "error::DeprecationWarning")
    assert done.returncode == 0, done.stderr
