#!/usr/bin/env bash
# packaging/build.sh — build the one-folder bundle into dist/escalation-assistant/ with the
# project's .venv, then smoke-run the frozen binary's --self-test (exit 0 or the build fails).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV_BIN=${VENV_BIN:-$ROOT/.venv/bin}
if [ ! -x "$VENV_BIN/pyinstaller" ]; then
  echo "build.sh: $VENV_BIN/pyinstaller not found; run 'make bundle' (it sets up .venv)" >&2
  exit 1
fi
"$VENV_BIN/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/escalation-assistant.spec"
APP="$ROOT/dist/escalation-assistant/escalation-assistant"
echo "build.sh: bundle $(du -sh "$ROOT/dist/escalation-assistant" | cut -f1) in dist/escalation-assistant/"
# The self-test builds the main window: offscreen, so no display is needed.
QT_QPA_PLATFORM=offscreen "$APP" --self-test
echo "build.sh: frozen self-test passed"
