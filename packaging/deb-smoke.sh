#!/usr/bin/env bash
# packaging/deb-smoke.sh DEB [ARTIFACTS] — as root: install the package the way an admin
# would (apt install ./….deb), run its self-test from the PATH, start it on a private Xvfb
# with a tray host and wait for its window and tray icon (screenshot kept), then remove it
# and check that none of its files are left. Exit 0 only when all of that held.
set -euo pipefail
DEB=$(realpath "$1")
ARTIFACTS=${2:-$PWD/artifacts}
NAME=escalation-assistant
mkdir -p "$ARTIFACTS"
say() { echo "[deb-smoke] $*" >&2; }
WORK=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

say "installing $DEB"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$DEB" >"$WORK/apt.log" 2>&1 \
  || { cat "$WORK/apt.log" >&2; exit 1; }
dpkg -L "$NAME" >"$WORK/files"
test "$(readlink -f /usr/bin/$NAME)" = "/opt/$NAME/$NAME"
test -f /usr/share/applications/$NAME.desktop
test -f /usr/share/icons/hicolor/256x256/apps/$NAME.png
test -f /etc/$NAME/site.example.toml

say "self-test of the installed app"
HOME_DIR="$WORK/home"
mkdir -p "$HOME_DIR"
export ESCALATION_ASSISTANT_HOME="$HOME_DIR" XDG_CONFIG_HOME="$WORK/xdg-config"
QT_QPA_PLATFORM=offscreen "$NAME" --self-test | tee "$ARTIFACTS/deb-self-test.txt"

say "starting it on Xvfb with a tray"
# -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
Xvfb -displayfd 4 -screen 0 1280x800x24 -nolisten tcp 4>"$WORK/display" 2>"$WORK/xvfb.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
number=$(head -1 "$WORK/display")
[ -n "$number" ] || { say "FAIL: Xvfb did not start"; cat "$WORK/xvfb.log" >&2; exit 1; }
export DISPLAY=":$number"
trayer --edge top --align right --widthtype request --height 32 --SetDockType true \
  >"$WORK/trayer.log" 2>&1 &
pids+=($!)
sleep 1
"$NAME" --no-crash-dialog >"$WORK/app.log" 2>&1 &
app=$!
pids+=($app)
shown=""
for _ in $(seq 1 150); do
  tree=$(xwininfo -root -tree 2>/dev/null || true)
  if grep -q '"Escalation Assistant": ("escalation-assistant" "Escalation Assistant")  [0-9][0-9][0-9]*x[0-9][0-9][0-9]' <<<"$tree" \
     && grep -A6 '"panel": ("panel" "trayer")' <<<"$tree" | grep -q '"Escalation Assistant"'; then
    shown=yes
    break
  fi
  sleep 0.2
done
import -window root "$ARTIFACTS/deb-installed-app.png" || true
if [ -z "$shown" ]; then
  say "FAIL: no main window and tray icon from the installed app"
  cat "$WORK/app.log" >&2
  exit 1
fi
# A second launch from the PATH hands over to the running one and exits 0.
"$NAME" --no-crash-dialog
kill "$app"
wait "$app" 2>/dev/null || true

say "removing it"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$NAME" >"$WORK/apt-remove.log" 2>&1 \
  || { cat "$WORK/apt-remove.log" >&2; exit 1; }
left=()
while read -r path; do
  # Shared directories (/usr, /usr/share/icons …) stay; the package's own files must not.
  if [ -e "$path" ] && [ ! -d "$path" ] || [ -L "$path" ]; then left+=("$path"); fi
done <"$WORK/files"
if [ -d "/opt/$NAME" ]; then left+=("/opt/$NAME"); fi
if [ ${#left[@]} -gt 0 ]; then
  say "FAIL: left after purge: ${left[*]}"
  exit 1
fi
say "installed, self-tested, started and removed cleanly"
