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
# compiler is at hand; without one the bundle keeps the full data and is larger. The stub
# takes the ICU major version of the Qt that is bundled, read from its libicudata.so.NN:
# another PySide6 may bring another ICU, and a stub of the wrong version would break it.
QT_LIB=$("$VENV_BIN/python" -c 'from PySide6.QtCore import QLibraryInfo as L; print(L.path(L.LibraryPath.LibrariesPath))')
mapfile -t ICU_DATA < <(find "$QT_LIB" -maxdepth 1 -name 'libicudata.so.*' -printf '%f\n')
if [ ${#ICU_DATA[@]} -ne 1 ] || ! [[ ${ICU_DATA[0]} =~ ^libicudata\.so\.([0-9]+)$ ]]; then
  echo "build.sh: expected one libicudata.so.NN in $QT_LIB, found: ${ICU_DATA[*]:-none}" >&2
  exit 1
fi
ICU_MAJOR=${BASH_REMATCH[1]}
ICU_STUB="$ROOT/build/icu-stub/libicudata.so.$ICU_MAJOR"
mkdir -p "$(dirname "$ICU_STUB")"
if command -v cc >/dev/null; then
  cc -shared -fPIC -O2 -DICU_MAJOR="$ICU_MAJOR" -Wl,-soname,"libicudata.so.$ICU_MAJOR" \
    -o "$ICU_STUB" "$ROOT/packaging/icu-stub.c"
  export ESCALATION_ASSISTANT_ICU_STUB="$ICU_STUB"
  echo "build.sh: ICU $ICU_MAJOR of the bundled Qt: its data replaced by the empty stub" >&2
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
