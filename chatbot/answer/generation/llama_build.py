"""What the installed llama.cpp was built with, and a refusal to run a build that would crash.

llama.cpp built with its default native flags on an Intel CPU with AMX (Sapphire Rapids and newer)
includes the AMX backend, and the first generation segfaults (upstream llama.cpp issue 20824).
``scripts/setup.sh`` builds llama-cpp-python without it; ``check_build`` reads
``llama_print_system_info()`` at start-up, logs it, and refuses a build that has AMX in it, so
the app answers extractively instead of dying. It does not build anything itself.
"""

from __future__ import annotations

import logging
import re

from chatbot.common.errors import ConfigError

log = logging.getLogger(__name__)

_AMX = re.compile(r"\bAMX\w* = 1")
REBUILD = "rebuild llama-cpp-python without AMX: `bash scripts/setup.sh` (it checks and rebuilds)"


def system_info() -> str:
    """llama.cpp's own one-line summary of its backends and CPU features."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()


def amx_features(info: str) -> list[str]:
    """The AMX features a system-info line reports as built in, e.g. ``["AMX_INT8 = 1"]``."""
    return _AMX.findall(info)


def check_build(info: str | None = None) -> str:
    """Log the build's system info; raise ConfigError when it has the AMX backend that crashes."""
    info = system_info() if info is None else info
    log.info("llama.cpp build: %s", info)
    amx = amx_features(info)
    if amx:
        raise ConfigError(f"this llama-cpp-python build includes llama.cpp's AMX backend ({', '.join(amx)}), "
                          f"which crashes at the first answer on Intel AMX CPUs: {REBUILD}")
    return info
