"""Exit 0 when the installed llama-cpp-python is the wanted version and has no AMX backend built in.

scripts/setup.sh runs it to decide whether to (re)build llama-cpp-python, and once more after the
build to fail loudly if AMX slipped in. Usage: python scripts/check_llama_build.py [VERSION]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runs before the project is installed


def main(argv: list[str]) -> int:
    try:
        import llama_cpp
    except ImportError as exc:
        print(f"llama-cpp-python is not installed ({exc})", file=sys.stderr)
        return 1
    from chatbot.answer.generation.llama_build import check_build
    from chatbot.common.errors import ConfigError

    wanted = argv[1] if len(argv) > 1 else None
    if wanted and llama_cpp.__version__ != wanted:
        print(f"llama-cpp-python {llama_cpp.__version__} is installed, {wanted} is wanted", file=sys.stderr)
        return 1
    try:
        info = check_build()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"llama-cpp-python {llama_cpp.__version__} without AMX: {info}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
