#!/usr/bin/env bash
# Run the whole suite on SQLite, then on a throwaway PostgreSQL cluster this script starts and
# removes itself; fail when either fails. TEST_DATABASES=sqlite|postgres runs only one;
# PYTEST_MARK="not slow" passes a marker expression (-m) to pytest, PYTEST_ARGS any other arguments.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONDONTWRITEBYTECODE=1
PY=.venv/bin/python
WHICH=${TEST_DATABASES:-sqlite postgres}
read -r -a EXTRA <<< "${PYTEST_ARGS:-}"
# A marker expression has spaces ("not slow"), which PYTEST_ARGS would split.
[[ -n "${PYTEST_MARK:-}" ]] && EXTRA=(-m "$PYTEST_MARK" "${EXTRA[@]}")
declare -A RESULT

# The import contracts in pyproject.toml (layers that must not be crossed) come first: cheap, and
# a broken layer is a failure like any test.
echo "=== import contracts ==="
if .venv/bin/lint-imports --no-cache; then RESULT[Contracts]=passed; else RESULT[Contracts]="failed (lint-imports)"; fi

run_pytest() {  # $1 = label; the environment says which database
  echo "=== $1 ==="
  "$PY" -m pytest "${EXTRA[@]}"
  record "$1" $?
}

record() {  # $1 = label, $2 = pytest's exit code
  # Exit 5 means no test ran: that is a failure here, never a pass.
  if [[ $2 -eq 0 ]]; then RESULT[$1]=passed; else RESULT[$1]="failed (pytest exit $2)"; fi
}

SQLITE_BG=
stop_sqlite() { [[ -n "$SQLITE_BG" ]] && kill "$SQLITE_BG" 2>/dev/null; return 0; }
trap stop_sqlite EXIT
trap 'stop_sqlite; exit 130' INT TERM

if [[ " $WHICH " == *" sqlite "* ]]; then
  # An empty DATABASE_URL means the default, SQLite (config/env.py).
  if [[ " $WHICH " == *" postgres "* && -z "${TEST_SERIAL:-}" ]]; then
    # Both databases: SQLite runs in the background while PostgreSQL runs in front. Much of a run
    # waits on other processes (Chromium, gunicorn, PDF renderers, the database server), so the two
    # side by side on two cores take little longer than one. Its output follows when it ends;
    # TEST_SERIAL=1 runs them one after the other.
    SQLITE_LOG=$(mktemp /tmp/yusuan-sqlite.XXXXXX)
    echo "=== SQLite: running in the background, its output follows PostgreSQL's ==="
    DATABASE_URL= "$PY" -m pytest "${EXTRA[@]}" >"$SQLITE_LOG" 2>&1 &
    SQLITE_BG=$!
  else
    DATABASE_URL= run_pytest SQLite
  fi
fi

if [[ " $WHICH " == *" postgres "* ]]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$PGBIN" ]]; then
    RESULT[PostgreSQL]="failed (no PostgreSQL server binaries; run scripts/system_deps.sh)"
  else
    PGROOT=$(mktemp -d /tmp/yusuan-pg.XXXXXX)
    as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    cleanup() {
      stop_sqlite
      as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
      rm -rf "$PGROOT"
    }
    trap cleanup EXIT
    trap 'cleanup; exit 130' INT TERM
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PGROOT"
    PGPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$PGBIN/initdb" -D "$PGROOT/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >"$PGROOT/initdb.log" 2>&1 \
      && as_pg "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/log" -w -o \
        "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >/dev/null
    if [[ $? -ne 0 ]]; then
      cat "$PGROOT/initdb.log" "$PGROOT/log" 2>/dev/null >&2
      RESULT[PostgreSQL]="failed (the cluster did not start)"
    else
      DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/app" run_pytest PostgreSQL
    fi
  fi
fi

if [[ -n "$SQLITE_BG" ]]; then
  wait "$SQLITE_BG"
  code=$?
  SQLITE_BG=
  echo "=== SQLite ==="
  cat "$SQLITE_LOG"
  record SQLite $code
  rm -f "$SQLITE_LOG"
fi

echo
status=0
for label in Contracts SQLite PostgreSQL; do
  [[ -n "${RESULT[$label]:-}" ]] || continue
  echo "$label: ${RESULT[$label]}"
  [[ "${RESULT[$label]}" == passed ]] || status=1
done
exit $status
