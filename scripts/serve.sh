#!/usr/bin/env bash
# `make run`: the web server in the foreground and the queue worker (batch exports) beside it;
# Ctrl-C stops both. In production they are separate services (see README, 部署).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${1:-8000}
"$PY" manage.py db_worker --no-reload --interval 1 -v 0 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py runserver "127.0.0.1:$PORT"
