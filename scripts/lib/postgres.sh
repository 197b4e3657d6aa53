# shellcheck shell=bash
# PostgreSQL (15 on Debian 12) for the local stack: a private cluster under <state>/postgres,
# listening on 127.0.0.1:$BLOCKSTORE_PG_PORT. Sourced by scripts/stack.

postgres_paths() {
  PG_DIR=$STATE/postgres        # owned by the postgres user; also the socket directory
  PG_DATA=$PG_DIR/data
  PG_LOG=$STATE/log/postgres.log
}

# The server that created the cluster; for a new one, the newest installed
# (Debian 12 has 15). Looked up only once the packages are in.
pg_find_bin() {
  local version
  version=$(cat "$PG_DATA/PG_VERSION" 2>/dev/null ||
    find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
  PG_BIN=/usr/lib/postgresql/$version/bin
  [[ -n $version && -x $PG_BIN/pg_ctl ]] || die "no PostgreSQL server in /usr/lib/postgresql"
}

# Root may not run postgres; the cluster belongs to the OS user "postgres". The caller's libpq settings (PGUSER,
# PGDATABASE, ... of a shell set up to reach the application's database) stay behind: each call names its target.
pg_as() {
  local var unset=()
  for var in $(compgen -e); do [[ $var == PG* ]] && unset+=(-u "$var"); done
  runuser -u postgres -- env "${unset[@]}" "$@"
}

pg_pid() { pid_of "$PG_DATA/postmaster.pid" postgres; }

postgres_status() { status_line postgres "$(pg_pid)" "port $BLOCKSTORE_PG_PORT"; }

postgres_check_ports() {
  pg_pid >/dev/null || require_free_port "$BLOCKSTORE_PG_PORT" BLOCKSTORE_PG_PORT PostgreSQL
}

postgres_up() {
  local pid
  pg_find_bin
  if pid=$(pg_pid); then
    say "postgres: already running (pid $pid, port $BLOCKSTORE_PG_PORT)"
  else
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then pg_init; fi   # not `|| pg_init`: that disables errexit inside
    touch "$PG_LOG" && chown postgres: "$PG_LOG"
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null ||
      { log_tail "$PG_LOG"; die "postgres did not start; see $PG_LOG"; }
    say "postgres: started (port $BLOCKSTORE_PG_PORT)"
  fi
  pg_provision || die "postgres: cannot create the role and database blockstore; see $PG_LOG"
  wait_until 30 pg_probe ||
    { log_tail "$PG_LOG"; die "postgres: 'SELECT 1' as blockstore@127.0.0.1:$BLOCKSTORE_PG_PORT fails; see $PG_LOG"; }
  say "postgres: ready"
}

pg_init() {
  say "postgres: creating the cluster in $PG_DATA"
  mkdir -p "$PG_DIR"
  chown postgres: "$PG_DIR"
  chmod 700 "$PG_DIR"
  pg_reach "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$STATE/log/initdb.log" 2>&1 ||
    { log_tail "$STATE/log/initdb.log"; die "initdb failed"; }
  # A throw-away development/test database: durability is traded for speed.
  cat >>"$PG_DATA/postgresql.conf" <<EOF

# scripts/stack
listen_addresses = '127.0.0.1'
port = $BLOCKSTORE_PG_PORT
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
}

# The postgres user must be able to pass through every folder above its data (a
# repository under /root is not reachable by default). Folders that forbid it get
# o+x, which lets others pass through but not list them; each change is reported.
pg_reach() {
  pg_as test -x "$1" && return 0
  local dir=$1
  while [[ $dir != / ]]; do
    dir=$(dirname "$dir")
    if ! pg_as test -x "$dir"; then
      chmod o+x "$dir"
      say "postgres: allowed others to pass through $dir (chmod o+x), so that the postgres user reaches $1"
    fi
  done
  pg_as test -x "$1" || die "the postgres user cannot reach $1; choose another BLOCKSTORE_STATE"
}

# Superuser work goes through the Unix socket with peer auth, so no superuser
# password exists. Idempotent: runs on every `up`. The database keystone is the stack's Keystone's.
pg_provision() {
  pg_as "$PG_BIN/psql" -h "$PG_DIR" -p "$BLOCKSTORE_PG_PORT" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
    -v pw="$PG_PASSWORD" >/dev/null <<'SQL'
SELECT format('CREATE ROLE blockstore LOGIN CREATEDB PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'blockstore')\gexec
SELECT 'CREATE DATABASE blockstore OWNER blockstore'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'blockstore')\gexec
SELECT 'CREATE DATABASE keystone OWNER blockstore'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'keystone')\gexec
SQL
}

# The same road as the application: TCP, password, the blockstore database.
pg_probe() {
  [[ $(PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -h 127.0.0.1 -p "$BLOCKSTORE_PG_PORT" \
    -U blockstore -d blockstore -qAtc 'SELECT 1' 2>/dev/null) == 1 ]]
}

postgres_down() {
  pg_pid >/dev/null || { say "postgres: not running"; return 0; }
  pg_find_bin
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  say "postgres: stopped"
}
