#!/usr/bin/env bash
# Set up .venv (see scripts/setup.sh) and run the whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the browser tests drive Debian's chromium (Playwright's own browser download does not work offline)
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# the database tests run on SQLite and on a throwaway PostgreSQL server (tests/pg_server.py) started from
# Debian's binaries (/usr/lib/postgresql/*/bin); here they must run, not be skipped
if ! compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && [ -z "${CHATBOT_TEST_PG_BIN:-}" ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
export CHATBOT_TEST_POSTGRES=required
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python -m pytest "$@"
