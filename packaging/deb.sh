#!/usr/bin/env bash
# packaging/deb.sh — a Debian package from the frozen bundle (dist/escalation-assistant/):
#   /opt/escalation-assistant/            the bundle as built
#   /usr/bin/escalation-assistant         the launcher on the PATH (a symlink into /opt)
#   /usr/share/applications/…desktop      the launcher entry
#   /etc/escalation-assistant/site.example.toml   IT's commented example (site.toml beside it)
#   /usr/share/icons/hicolor/*/apps/…     the icon, PNG 16–256 px and SVG
# Depends: the X libraries Qt's xcb platform plugin loads (not in the bundle's guarantee:
# Qt names libxcb-cursor0 for any of them missing). The desktop's icon and menu caches are
# refreshed by the dpkg triggers of hicolor-icon-theme and desktop-file-utils, so the
# package needs no maintainer scripts. Output: dist/escalation-assistant_VERSION_ARCH.deb
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUNDLE="$ROOT/dist/escalation-assistant"
if [ ! -x "$BUNDLE/escalation-assistant" ]; then
  echo "deb.sh: no bundle in $BUNDLE; run 'make bundle' first ('make deb' does)" >&2
  exit 1
fi
NAME=escalation-assistant
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/assistant/__init__.py")
ARCH=$(dpkg --print-architecture)
STAGE="$ROOT/build/deb/$NAME"
OUT="$ROOT/dist/${NAME}_${VERSION}_${ARCH}.deb"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications"

cp -a "$BUNDLE" "$STAGE/opt/$NAME"
ln -s "/opt/$NAME/$NAME" "$STAGE/usr/bin/$NAME"
install -m 0644 "$ROOT/resources/$NAME.desktop" "$STAGE/usr/share/applications/$NAME.desktop"
# IT's site configuration: an example beside where the real one goes (site.toml is IT's
# own file, never shipped, so an upgrade can never overwrite it).
install -D -m 0644 "$ROOT/resources/site.example.toml" \
  "$STAGE/etc/$NAME/site.example.toml"
for png in "$ROOT"/resources/icons/"$NAME"-*.png; do
  size=${png##*-}
  size=${size%.png}
  install -D -m 0644 "$png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/$NAME.png"
done
install -D -m 0644 "$ROOT/resources/icons/$NAME.svg" \
  "$STAGE/usr/share/icons/hicolor/scalable/apps/$NAME.svg"
install -D -m 0644 /dev/stdin "$STAGE/usr/share/doc/$NAME/copyright" <<'COPYRIGHT'
Escalation Assistant: see the project's repository for its licence and those of the
bundled libraries (Qt/PySide6 under the LGPL v3, Python under the PSF licence).
COPYRIGHT

# Plain permissions whatever the build machine's umask.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE/opt" -type f -exec chmod go-w {} +

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: $NAME
Version: $VERSION
Architecture: $ARCH
Maintainer: Escalation Assistant maintainers <escalation-assistant@localhost>
Section: utils
Priority: optional
Installed-Size: $INSTALLED_KB
Depends: libc6, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-randr0,
 libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1, libxkbcommon-x11-0,
 libx11-xcb1, libegl1, libgl1, libfontconfig1, libdbus-1-3, fonts-dejavu-core
Recommends: gnome-keyring | kwalletmanager
Description: escalate customer problems to Operations, complete and exactly once
 A desktop tool for support agents: a wizard gathers the customer, the impact, the steps
 to reproduce and automated status checks into a complete escalation, which is sent to
 the tracker Ops already uses (Redmine, Jira, GitHub, GitLab or a JSON webhook). A tray
 icon watches services and brings Ops' answers back.
CONTROL

dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$OUT" >/dev/null
echo "deb.sh: $OUT ($(du -h "$OUT" | cut -f1))"
