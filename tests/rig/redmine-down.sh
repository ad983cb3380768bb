#!/usr/bin/env bash
# redmine-down.sh DIR [--purge]
# Stop the Redmine that redmine-up.sh started on DIR (only the pid it recorded, and its
# process group), unlink its /var/lib/redmine instance; --purge also deletes DIR.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [--purge]" >&2
  exit 2
fi
DIR=$(realpath -m -- "$1")
PIDFILE="$DIR/tmp/server.pid"

if [ -f "$PIDFILE" ]; then
  pid=$(cat "$PIDFILE")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "[redmine-down] stopped pid $pid" >&2
  fi
  rm -f "$PIDFILE"
fi
if [ -f "$DIR/instance" ]; then
  link="/var/lib/redmine/$(cat "$DIR/instance")"
  if [ -L "$link" ]; then
    rm -f "$link"
  fi
fi
if [ "${2:-}" = "--purge" ]; then
  rm -rf -- "$DIR"
fi
exit 0
