# shellcheck shell=bash
# shellcheck disable=SC2034  # settings and secrets are read by the scripts that source this
# Shared helpers for scripts/stack, scripts/run, scripts/test and the ceph container.
# Sourced, never run. Sets no shell options: the caller owns `set -euo pipefail`.

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Settings. Each has a default and may be set in the environment, but only when
# a state folder is created: `up` records them in <state>/stack.env, and every
# later command reads them from there. So `BLOCKSTORE_STATE=dir scripts/stack env`
# prints the right ports whatever they were, and a stack cannot drift from its
# monmap (the mon address is baked into the Ceph state).
# ---------------------------------------------------------------------------
# The ports lie below Linux's ephemeral range (32768-60999 by default): a port in it can be held for a moment by
# any outgoing connection, and a daemon binding it then fails (RabbitMQ did so once, at start, with eaddrinuse).
STACK_SETTINGS=(
  BLOCKSTORE_PG_PORT=25432
  BLOCKSTORE_AMQP_PORT=25682
  BLOCKSTORE_RABBIT_DIST_PORT=25683
  BLOCKSTORE_EPMD_PORT=4369
  BLOCKSTORE_MON_PORT=23300
  BLOCKSTORE_MON_V1_PORT=26789
  BLOCKSTORE_CEPH_PORT_MIN=26800
  BLOCKSTORE_CEPH_PORT_MAX=26900
  BLOCKSTORE_API_PORT=8776
  BLOCKSTORE_KEYSTONE_PORT=25000
  BLOCKSTORE_OSD_SIZE=40G
  # The OSD's op queue shards; 0 leaves Ceph's own count (5 on a rotational disk, 8 otherwise).
  BLOCKSTORE_OSD_OP_SHARDS=1
  BLOCKSTORE_CEPH_ADDR=127.0.0.1
  # Distinct per state folder, so that several stacks can share one epmd.
  BLOCKSTORE_RABBIT_NODE=
)

# load_settings <state-dir> [strict]: sets STATE and exports every setting. When
# the environment disagrees with the record, strict (for `up`) fails; otherwise
# the record wins, with a note.
load_settings() {
  STATE=$(realpath -m -- "$1")
  export BLOCKSTORE_STATE=$STATE
  local record="$STATE/stack.env" kv name default recorded
  for kv in "${STACK_SETTINGS[@]}"; do
    name=${kv%%=*} default=${kv#*=}
    recorded=
    [[ -f $record ]] && recorded=$(sed -n "s/^$name=//p" "$record")
    if [[ -n $recorded ]]; then
      if [[ -n ${!name:-} && ${!name} != "$recorded" ]]; then
        local msg="$STATE was created with $name=$recorded; the environment's ${!name} does not apply."
        [[ ${2:-} == strict ]] &&
          die "$msg Unset $name, or reset the stack: scripts/stack down && rm -rf $STATE"
        say "note: $msg"
      fi
      printf -v "$name" '%s' "$recorded"
    elif [[ -z ${!name:-} ]]; then
      printf -v "$name" '%s' "$default"
    fi
    export "${name?}"
  done
  if [[ -z $BLOCKSTORE_RABBIT_NODE ]]; then
    BLOCKSTORE_RABBIT_NODE="blockstore-$(printf '%s' "$STATE" | md5sum | cut -c1-8)@localhost"
  fi
}

# Writes <state>/stack.env once, when the state folder is created.
save_settings() {
  local record="$STATE/stack.env" kv name
  [[ -f $record ]] && return 0
  mkdir -p "$STATE"
  {
    echo "# Settings this stack was created with (scripts/stack reads them; do not edit)."
    for kv in "${STACK_SETTINGS[@]}"; do
      name=${kv%%=*}
      printf '%s=%s\n' "$name" "${!name}"
    done
  } >"$record"
}

# Generated passwords live in <state>/secrets.env (mode 600), made on first use.
load_secrets() {
  local file="$STATE/secrets.env"
  if [[ ! -f $file ]]; then
    [[ ${1:-} == create ]] || die "no stack in $STATE yet: run scripts/stack up"
    mkdir -p "$STATE"
    (umask 077; printf 'PG_PASSWORD=%s\nRABBIT_PASSWORD=%s\n' "$(random_hex 16)" "$(random_hex 16)" >"$file")
  fi
  # Passwords added since a stack was made join its file on the next `up`.
  local name
  for name in KEYSTONE_PASSWORD KEYSTONE_SERVICE_PASSWORD; do
    grep -q "^$name=" "$file" || [[ ${1:-} != create ]] || printf '%s=%s\n' "$name" "$(random_hex 16)" >>"$file"
  done
  PG_PASSWORD=$(sed -n 's/^PG_PASSWORD=//p' "$file")
  RABBIT_PASSWORD=$(sed -n 's/^RABBIT_PASSWORD=//p' "$file")
  KEYSTONE_PASSWORD=$(sed -n 's/^KEYSTONE_PASSWORD=//p' "$file")
  KEYSTONE_SERVICE_PASSWORD=$(sed -n 's/^KEYSTONE_SERVICE_PASSWORD=//p' "$file")
}

# Hex only: safe inside URIs, connection strings and config files unquoted.
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# Single-quotes a value for the shell.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ---------------------------------------------------------------------------
# Processes and ports
# ---------------------------------------------------------------------------

# pid_of <pidfile> <command-name>: prints the pid if that process is alive and is
# what we expect (pid files outlive crashes, and pids get reused).
pid_of() {
  local pid
  pid=$(head -n1 "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && pid_alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]] || return 1
  echo "$pid"
}

# A zombie is not alive, though kill -0 says it is (nothing may reap it soon).
pid_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# status_line <name> <pid or ""> <ports>
status_line() {
  if [[ -n $2 ]]; then
    printf '%-12s running  pid %-8s %s\n' "$1" "$2" "$3"
  else
    printf '%-12s stopped  %-12s %s\n' "$1" "" "$3"
  fi
}

# stop_pid <pidfile> <command-name> <label> [seconds]: SIGTERM, wait, SIGKILL as a last resort.
stop_pid() {
  local pidfile=$1 comm=$2 label=$3 timeout=${4:-30} pid i
  pid=$(pid_of "$pidfile" "$comm") || { rm -f "$pidfile"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || { rm -f "$pidfile"; say "$label: stopped"; return 0; }
    sleep 0.1
  done
  say "$label: did not stop within ${timeout}s after SIGTERM; sending SIGKILL to $pid"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# Describes who listens on a TCP port ("" when free).
port_holder() {
  local port=$1 line
  if command -v ss >/dev/null; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n1)
    [[ -n $line ]] || return 0
    if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
      echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]})"
    else
      echo "an unknown process"
    fi
  elif (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "an unknown process"
  fi
}

# require_free_port <port> <env-var> <what>
require_free_port() {
  local holder
  holder=$(port_holder "$1")
  [[ -z $holder ]] && return 0
  die "port $1 (for $3) is already taken by $holder. Stop it, or create the stack with another port: $2=<port> (see docs/running.md)."
}

# wait_until <seconds> <command...>: polls until the command succeeds.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.25
  done
}

log_tail() { [[ -f $1 ]] && { say "--- last lines of $1:"; tail -n "${2:-20}" "$1" >&2; } || true; }

# ---------------------------------------------------------------------------
# OS packages
# ---------------------------------------------------------------------------

# Everything the stack and the tests need from the OS. Daemons are started by
# these scripts, never by the packages.
STACK_PACKAGES=(
  postgresql rabbitmq-server
  ceph-mon ceph-osd ceph-mgr ceph-common librbd1 librados2
  python3-cinderclient python3-openstackclient python3-glanceclient python3-keystone qemu-utils
  hey
  iproute2 curl
)

ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | grep -q '^ii' || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null ||
    die "missing packages (${missing[*]}) and no apt-get here. On other systems use docker-compose.yml at the repo root."
  ((EUID == 0)) || die "missing packages (${missing[*]}); run as root to install them"
  say "installing: ${missing[*]}"
  # Package scripts must not start system-wide daemons (they would take ports
  # and memory): policy-rc.d answers "no" to every service start.
  local policy=/usr/sbin/policy-rc.d added=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && added=1
  fi
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
  [[ -n $added ]] && rm -f "$policy"
  ((rc == 0)) || die "apt-get install failed (exit $rc)"
}
