# shellcheck shell=bash
# Keystone for the local stack: Debian's Keystone (python3-keystone) under its own development WSGI server on
# 127.0.0.1:$BLOCKSTORE_KEYSTONE_PORT, with its database in the stack's PostgreSQL (database keystone; SQLite locks
# itself up when Keystone writes from two sessions in one request), fernet keys and configuration under <state>/keystone.
# BlockStore's API uses it only in Auth:Mode keystone (scripts/run --keystone, and the tests of that mode); the users,
# projects and catalog are made by keystone-provision.py. Sourced by scripts/stack.

KEYSTONE_PROVISION=$(dirname "${BASH_SOURCE[0]}")/keystone-provision.py

keystone_paths() {
  KEYSTONE_DIR=$STATE/keystone
  KEYSTONE_CONF=$KEYSTONE_DIR/keystone.conf
  KEYSTONE_PIDFILE=$STATE/run/keystone.pid
  KEYSTONE_URL=http://127.0.0.1:$BLOCKSTORE_KEYSTONE_PORT/v3
}

keystone_pid() { pid_of "$KEYSTONE_PIDFILE" keystone-wsgi; }

keystone_status() { status_line keystone "$(keystone_pid)" "port $BLOCKSTORE_KEYSTONE_PORT"; }

keystone_check_ports() {
  keystone_pid >/dev/null && return 0
  require_free_port "$BLOCKSTORE_KEYSTONE_PORT" BLOCKSTORE_KEYSTONE_PORT "Keystone"
}

# keystone-manage, its output appended to a log (it prints a harmless traceback from eventlet as it exits).
keystone_manage() { keystone-manage --config-file "$KEYSTONE_CONF" "$@" >>"$STATE/log/keystone-manage.log" 2>&1; }

keystone_up() {
  local pid launcher=
  if pid=$(keystone_pid); then
    say "keystone: already running (pid $pid, port $BLOCKSTORE_KEYSTONE_PORT)"
  else
    # PostgreSQL comes up beside Keystone (scripts/stack starts the services in parallel).
    wait_until 90 keystone_db_ready || keystone_fail "its database (keystone in the stack's PostgreSQL) does not answer; is postgres up?"
    [[ -f $KEYSTONE_DIR/bootstrapped ]] || keystone_init
    setsid env OS_KEYSTONE_CONFIG_FILES="$KEYSTONE_CONF" keystone-wsgi-public --host 127.0.0.1 --port "$BLOCKSTORE_KEYSTONE_PORT" \
      >>"$STATE/log/keystone.log" 2>&1 </dev/null &
    launcher=$!
    echo "$launcher" >"$KEYSTONE_PIDFILE"
    say "keystone: starting (port $BLOCKSTORE_KEYSTONE_PORT)"
  fi
  wait_until 60 keystone_ready "$launcher" || keystone_fail "no answer at $KEYSTONE_URL within 60s"
  # Every start, so that the catalog follows BLOCKSTORE_API_PORT; each step is skipped when already done.
  KEYSTONE_PASSWORD=$KEYSTONE_PASSWORD KEYSTONE_SERVICE_PASSWORD=$KEYSTONE_SERVICE_PASSWORD \
    /usr/bin/python3 "$KEYSTONE_PROVISION" "$KEYSTONE_URL" "http://127.0.0.1:$BLOCKSTORE_API_PORT" >>"$STATE/log/keystone-manage.log" 2>&1 ||
    keystone_fail "provisioning users and the catalog failed (see $STATE/log/keystone-manage.log)"
  say "keystone: ready (users demo, reader and blockstore; catalog at http://127.0.0.1:$BLOCKSTORE_API_PORT)"
}

# The database, the keys and the admin (keystone-manage bootstrap), once per state folder.
keystone_init() {
  mkdir -p "$KEYSTONE_DIR"
  cat >"$KEYSTONE_CONF" <<EOF
[DEFAULT]
use_stderr = true
[database]
connection = postgresql+psycopg2://blockstore:$PG_PASSWORD@127.0.0.1:$BLOCKSTORE_PG_PORT/keystone
[token]
provider = fernet
[fernet_tokens]
key_repository = $KEYSTONE_DIR/fernet-keys
[fernet_receipts]
key_repository = $KEYSTONE_DIR/fernet-receipts
[credential]
key_repository = $KEYSTONE_DIR/credential-keys
EOF
  local me group
  me=$(id -un) group=$(id -gn)
  keystone_manage db_sync || keystone_fail "keystone-manage db_sync failed"
  keystone_manage fernet_setup --keystone-user "$me" --keystone-group "$group" || keystone_fail "fernet_setup failed"
  keystone_manage credential_setup --keystone-user "$me" --keystone-group "$group" || keystone_fail "credential_setup failed"
  keystone_manage bootstrap --bootstrap-password "$KEYSTONE_PASSWORD" --bootstrap-region-id RegionOne \
    --bootstrap-public-url "$KEYSTONE_URL" --bootstrap-internal-url "$KEYSTONE_URL" --bootstrap-admin-url "$KEYSTONE_URL" ||
    keystone_fail "keystone-manage bootstrap failed"
  touch "$KEYSTONE_DIR/bootstrapped"
}

keystone_db_ready() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$BLOCKSTORE_PG_PORT" -U blockstore -d keystone -qAtc 'SELECT 1' \
    >/dev/null 2>&1
}

keystone_ready() {
  if [[ -n $1 ]] && ! pid_alive "$1"; then
    keystone_fail "keystone-wsgi-public exited while starting"
  fi
  curl -sf -o /dev/null "$KEYSTONE_URL"
}

keystone_fail() {
  say "keystone: $1"
  log_tail "$STATE/log/keystone.log"
  log_tail "$STATE/log/keystone-manage.log"
  exit 1
}

keystone_down() { stop_pid "$KEYSTONE_PIDFILE" keystone-wsgi keystone; }
