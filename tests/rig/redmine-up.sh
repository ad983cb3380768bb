#!/usr/bin/env bash
# redmine-up.sh DIR PORT
#
# A throw-away Redmine 5 (Debian's packages) for the integration tests, on 127.0.0.1:PORT.
# Database, attachments, logs and tmp all live under DIR; running it again on the same DIR
# restarts the server on the existing data (no re-setup).
#
# What the tests get (stdout and DIR/redmine.env, KEY=VALUE lines):
#   REDMINE_URL REDMINE_API_KEY REDMINE_PROJECT REDMINE_PROJECT_ID
#   REDMINE_PLAIN_PROJECT REDMINE_PLAIN_PROJECT_ID REDMINE_CF_IDEMPOTENCY
#   REDMINE_STRICT_PROJECT REDMINE_STRICT_PROJECT_ID REDMINE_CF_REGION REDMINE_CF_CUSTOMER
#   REDMINE_CF_TIER
# REST API on; admin's API key; project "escalations" with the "Idempotency Key" issue
# custom field enabled; project "plain" WITHOUT it (the field is not for all projects);
# project "strict" with the key field and two REQUIRED issue custom fields enabled for it
# only and for the Bug tracker only: "Affected region" (a list: Europe, United States,
# Asia) and "Customer account" (a string), the tracker's own required fields of issue 14,
# and an OPTIONAL one, "Contract tier" (a string), sent only when the policy maps it.
#
# Exit codes: 0 up; 2 usage; 77 a prerequisite is missing here (not root / no packages):
# the test fixture turns 77 into a skip (a failure in CI); anything else is a real failure.
# Env: REDMINE_WAIT seconds to wait for the first HTTP 200 (default 120).
# Stop with: redmine-down.sh DIR [--purge]
set -euo pipefail

say() { echo "[redmine-up] $*" >&2; }
missing_prereq() { say "$*"; exit 77; }

if [ $# -ne 2 ]; then
  echo "usage: $0 DIR PORT" >&2
  exit 2
fi
DIR=$(realpath -m -- "$1")
PORT=$2
WAIT=${REDMINE_WAIT:-120}
PROJECT=escalations
PLAIN=plain
STRICT=strict
RAILS_ROOT=/usr/share/redmine
start_ns=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - start_ns) / 1000000 ))ms"; }

# --- 1. Packages (installed only when missing, and only as root) -------------------------
need_pkgs=()
for pkg in redmine redmine-sqlite ruby-webrick curl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    missing_prereq "Debian packages missing: ${need_pkgs[*]}." \
      "Install them as root (apt-get install redmine redmine-sqlite ruby-webrick curl)" \
      "or run the tests as root so this script installs them."
  fi
  say "installing ${need_pkgs[*]}"
  # Debian's redmine asks dbconfig-common which database to use; answer sqlite3 upfront.
  debconf-set-selections <<'EOF'
redmine redmine/instances/default/dbconfig-install boolean true
redmine redmine/instances/default/database-type select sqlite3
EOF
  if ! apt-cache policy redmine 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    apt-get update >&2
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${need_pkgs[@]}" >&2
fi
# Debian's multi-tenancy resolves REDMINE_INSTANCE=name to /var/lib/redmine/name; our
# instance is a symlink there, which needs root.
if [ ! -w /var/lib/redmine ]; then
  missing_prereq "/var/lib/redmine is not writable: run as root (the instance symlink lives there)."
fi

# --- 2. The instance: DIR, linked from /var/lib/redmine ----------------------------------
INSTANCE="ea-test-$(printf '%s' "$DIR" | sha1sum | cut -c1-12)"
mkdir -p "$DIR"/config "$DIR"/db "$DIR"/files "$DIR"/log "$DIR"/tmp "$DIR"/public
ln -sfn "$DIR" "/var/lib/redmine/$INSTANCE"
printf '%s\n' "$INSTANCE" > "$DIR/instance"
if [ ! -f "$DIR/config/database.yml" ]; then
  printf 'production:\n  adapter: sqlite3\n  database: %s\n  timeout: 5000\n' \
    "$DIR/db/redmine.sqlite3" > "$DIR/config/database.yml"
fi
if [ ! -s "$DIR/config/secret_key.txt" ]; then
  od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$DIR/config/secret_key.txt"
fi
# The packaged Gemfile has no app server and bundler hides the system webrick gem: wrap it.
printf "eval_gemfile '%s/Gemfile'\ngem 'webrick'\n" "$RAILS_ROOT" > "$DIR/Gemfile"
export REDMINE_INSTANCE="$INSTANCE" RAILS_ENV=production REDMINE_LANG=en
export BUNDLE_GEMFILE="$DIR/Gemfile"
cd "$RAILS_ROOT"

# --- 3. Schema, default data, REST, key, projects, custom field (first run only) ---------
if [ ! -s "$DIR/redmine.env.base" ]; then
  say "migrating a fresh database"
  bin/rake db:migrate > "$DIR/log/migrate.log" 2>&1 \
    || { tail -40 "$DIR/log/migrate.log" >&2; exit 1; }
  # Default data must be loaded by another process than the migration (stale column info).
  cat > "$DIR/tmp/setup.rb" <<'RUBY'
Redmine::DefaultData::Loader.load('en') if Redmine::DefaultData::Loader.no_data?
Setting.rest_api_enabled = '1'
admin = User.find_by_login('admin')
admin.update_columns(must_change_passwd: false)
def project_named(ident, name)
  Project.find_by_identifier(ident) ||
    Project.create!(name: name, identifier: ident, is_public: false,
                    enabled_module_names: %w[issue_tracking], tracker_ids: Tracker.pluck(:id))
end
main = project_named(ENV.fetch('EA_PROJECT'), 'Escalations')
plain = project_named(ENV.fetch('EA_PLAIN'), 'Plain (no custom field)')
strict = project_named(ENV.fetch('EA_STRICT'), 'Strict (required fields)')
# Not for all projects: enabled on the main project only, so "plain" has no such field.
cf = IssueCustomField.find_by_name('Idempotency Key') ||
  IssueCustomField.create!(name: 'Idempotency Key', field_format: 'string',
                           is_for_all: false, project_ids: [main.id, strict.id],
                           is_filter: true, searchable: true, visible: true,
                           tracker_ids: Tracker.pluck(:id))
# Required in "strict" only (other tests submit to the other projects), for Bug (id 1,
# the default policy's tracker) only.
bug = Tracker.find_by_name('Bug')
region = IssueCustomField.find_by_name('Affected region') ||
  IssueCustomField.create!(name: 'Affected region', field_format: 'list',
                           possible_values: ['Europe', 'United States', 'Asia'],
                           is_required: true, is_for_all: false, project_ids: [strict.id],
                           is_filter: true, visible: true, tracker_ids: [bug.id])
account = IssueCustomField.find_by_name('Customer account') ||
  IssueCustomField.create!(name: 'Customer account', field_format: 'string',
                           is_required: true, is_for_all: false, project_ids: [strict.id],
                           is_filter: true, visible: true, tracker_ids: [bug.id])
# Optional, in "strict" only: sent when the policy maps it, never asked.
tier = IssueCustomField.find_by_name('Contract tier') ||
  IssueCustomField.create!(name: 'Contract tier', field_format: 'string',
                           is_required: false, is_for_all: false, project_ids: [strict.id],
                           is_filter: true, visible: true, tracker_ids: [bug.id])
puts "REDMINE_API_KEY=#{admin.api_key}"
puts "REDMINE_PROJECT=#{main.identifier}"
puts "REDMINE_PROJECT_ID=#{main.id}"
puts "REDMINE_PLAIN_PROJECT=#{plain.identifier}"
puts "REDMINE_PLAIN_PROJECT_ID=#{plain.id}"
puts "REDMINE_CF_IDEMPOTENCY=#{cf.id}"
puts "REDMINE_STRICT_PROJECT=#{strict.identifier}"
puts "REDMINE_STRICT_PROJECT_ID=#{strict.id}"
puts "REDMINE_CF_REGION=#{region.id}"
puts "REDMINE_CF_CUSTOMER=#{account.id}"
puts "REDMINE_CF_TIER=#{tier.id}"
RUBY
  EA_PROJECT=$PROJECT EA_PLAIN=$PLAIN EA_STRICT=$STRICT bin/rails runner "$DIR/tmp/setup.rb" \
    > "$DIR/redmine.env.base.tmp" 2> "$DIR/log/setup.log" \
    || { tail -40 "$DIR/log/setup.log" >&2; exit 1; }
  mv "$DIR/redmine.env.base.tmp" "$DIR/redmine.env.base"
  say "database ready after $(elapsed)"
fi
{ cat "$DIR/redmine.env.base"; echo "REDMINE_URL=http://127.0.0.1:$PORT"; } > "$DIR/redmine.env"
API_KEY=$(sed -n 's/^REDMINE_API_KEY=//p' "$DIR/redmine.env")

# --- 4. WEBrick, detached (own session), pid in DIR/tmp/server.pid ------------------------
PIDFILE="$DIR/tmp/server.pid"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  say "already running (pid $(cat "$PIDFILE"))"
else
  rm -f "$PIDFILE"
  setsid bin/rails server -b 127.0.0.1 -p "$PORT" -P "$PIDFILE" \
    >> "$DIR/log/server.log" 2>&1 < /dev/null &
fi
code=000
deadline=$(( $(date +%s) + WAIT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H "X-Redmine-API-Key: $API_KEY" \
    "http://127.0.0.1:$PORT/users/current.json" || true)
  [ "$code" = 200 ] && break
  sleep 0.2
done
if [ "$code" != 200 ]; then
  say "no HTTP 200 from 127.0.0.1:$PORT within ${WAIT}s (last: $code); server log:"
  tail -40 "$DIR/log/server.log" >&2
  exit 1
fi
say "up on 127.0.0.1:$PORT after $(elapsed)"
cat "$DIR/redmine.env"
