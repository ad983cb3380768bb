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
# Qt's ICU data (31 MB) is replaced by an empty one (see packaging/icu-stub.c) when a C
# compiler is at hand; without one the bundle keeps the full data and is larger.
ICU_STUB="$ROOT/build/icu-stub/libicudata.so.73"
mkdir -p "$(dirname "$ICU_STUB")"
if command -v cc >/dev/null; then
  cc -shared -fPIC -O2 -Wl,-soname,libicudata.so.73 -o "$ICU_STUB" "$ROOT/packaging/icu-stub.c"
  export ESCALATION_ASSISTANT_ICU_STUB="$ICU_STUB"
else
  echo "build.sh: no C compiler: keeping Qt's full ICU data (31 MB more)" >&2
fi
"$VENV_BIN/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
  "$ROOT/packaging/escalation-assistant.spec"
APP="$ROOT/dist/escalation-assistant/escalation-assistant"
BYTES=$(du -sb "$ROOT/dist/escalation-assistant" | cut -f1)
echo "build.sh: bundle $((BYTES / 1000000)) MB ($BYTES bytes) in dist/escalation-assistant/"
# The size budget of issue 11: at most 150 MB for the bundle folder.
if [ "${BUNDLE_MAX_BYTES:-150000000}" -lt "$BYTES" ]; then
  echo "build.sh: the bundle is over ${BUNDLE_MAX_BYTES:-150000000} bytes" >&2
  exit 1
fi
# The self-test builds the main window: offscreen, so no display is needed.
QT_QPA_PLATFORM=offscreen "$APP" --self-test
echo "build.sh: frozen self-test passed"
