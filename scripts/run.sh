#!/usr/bin/env bash
# Set up .venv (see scripts/setup.sh), index the demo store in knowledge/ and serve the app on port 7860.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export GRADIO_ANALYTICS_ENABLED=${GRADIO_ANALYTICS_ENABLED:-False}
exec .venv/bin/python launch.py "$@"
