# shellcheck shell=bash
# RabbitMQ for the local stack: one node under <state>/rabbitmq, AMQP on
# 127.0.0.1:$BLOCKSTORE_AMQP_PORT, vhost and user "blockstore". Sourced by scripts/stack.

RABBIT_SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server   # not the /usr/sbin wrapper, which switches user
RABBITMQCTL=/usr/lib/rabbitmq/bin/rabbitmqctl
RABBIT_PROBE=$(dirname "${BASH_SOURCE[0]}")/amqp-probe.py

rabbitmq_paths() {
  RABBIT_DIR=$STATE/rabbitmq
  RABBIT_PIDFILE=$STATE/run/rabbitmq.pid
  EPMD_PIDFILE=$STATE/run/epmd.pid
  # Server and rabbitmqctl must agree on all of this, and nothing may come from
  # /etc/rabbitmq. HOME holds the Erlang cookie.
  RABBIT_ENV=(
    HOME="$RABBIT_DIR"
    ERL_EPMD_PORT="$BLOCKSTORE_EPMD_PORT"
    ERL_EPMD_ADDRESS=127.0.0.1
    RABBITMQ_NODENAME="$BLOCKSTORE_RABBIT_NODE"
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    RABBITMQ_NODE_PORT="$BLOCKSTORE_AMQP_PORT"
    RABBITMQ_DIST_PORT="$BLOCKSTORE_RABBIT_DIST_PORT"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    RABBITMQ_CONF_ENV_FILE="$RABBIT_DIR/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$RABBIT_DIR/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$RABBIT_DIR/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$RABBIT_DIR/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$RABBIT_DIR/mnesia"
    RABBITMQ_LOG_BASE="$STATE/log/rabbitmq"
    RABBITMQ_PID_FILE="$RABBIT_PIDFILE"
  )
}

rabbitmqctl() { env "${RABBIT_ENV[@]}" "$RABBITMQCTL" "$@"; }

rabbit_pid() { pid_of "$RABBIT_PIDFILE" beam.smp; }

rabbitmq_status() {
  status_line rabbitmq "$(rabbit_pid)" "port $BLOCKSTORE_AMQP_PORT, dist $BLOCKSTORE_RABBIT_DIST_PORT"
  status_line epmd "$(pid_of "$EPMD_PIDFILE" epmd)" "port $BLOCKSTORE_EPMD_PORT"
}

rabbitmq_check_ports() {
  rabbit_pid >/dev/null && return 0
  require_free_port "$BLOCKSTORE_AMQP_PORT" BLOCKSTORE_AMQP_PORT "RabbitMQ AMQP"
  require_free_port "$BLOCKSTORE_RABBIT_DIST_PORT" BLOCKSTORE_RABBIT_DIST_PORT "RabbitMQ distribution"
  epmd_answers || require_free_port "$BLOCKSTORE_EPMD_PORT" BLOCKSTORE_EPMD_PORT "Erlang epmd"
}

rabbitmq_up() {
  local pid launcher=
  if pid=$(rabbit_pid); then
    say "rabbitmq: already running (pid $pid, port $BLOCKSTORE_AMQP_PORT)"
  else
    rabbit_write_config
    epmd_up
    mkdir -p "$STATE/log/rabbitmq"
    setsid env "${RABBIT_ENV[@]}" "$RABBIT_SERVER" >>"$STATE/log/rabbitmq/console.log" 2>&1 </dev/null &
    launcher=$!
    say "rabbitmq: starting (port $BLOCKSTORE_AMQP_PORT)"
  fi
  wait_until 90 rabbit_ready "$launcher" ||
    rabbit_fail "no AMQP login as blockstore within 90s: $(amqp_login 2>&1)"
  say "rabbitmq: ready (AMQP login to vhost blockstore works)"
}

# Ready means: a client logs in as blockstore and opens the vhost blockstore.
rabbit_ready() {
  if [[ -n $1 ]] && ! pid_alive "$1"; then
    rabbit_fail "rabbitmq-server exited while booting"
  fi
  amqp_login 2>/dev/null
}

amqp_login() {
  /usr/bin/python3 "$RABBIT_PROBE" 127.0.0.1 "$BLOCKSTORE_AMQP_PORT" blockstore "$RABBIT_PASSWORD" blockstore
}

rabbit_fail() {
  local log
  log=$(ls -t "$STATE"/log/rabbitmq/*.log 2>/dev/null | head -n1)
  [[ -n $log ]] && log_tail "$log"
  die "rabbitmq: $1; see $STATE/log/rabbitmq/"
}

# The vhost, user and permissions are created by the broker itself on its first boot.
rabbit_write_config() {
  mkdir -p "$RABBIT_DIR"
  if [[ ! -f $RABBIT_DIR/.erlang.cookie ]]; then
    (umask 077; random_hex 20 >"$RABBIT_DIR/.erlang.cookie")
    chmod 400 "$RABBIT_DIR/.erlang.cookie"
  fi
  echo "# Empty on purpose: scripts/lib/rabbitmq.sh passes every setting." >"$RABBIT_DIR/rabbitmq-env.conf"
  echo "[]." >"$RABBIT_DIR/enabled_plugins"
  (umask 077; cat >"$RABBIT_DIR/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$BLOCKSTORE_AMQP_PORT
default_vhost = blockstore
default_user = blockstore
default_pass = $RABBIT_PASSWORD
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.file.level = info
EOF
  )
}

# epmd is Erlang's name server. Several nodes may share one; we start it only
# when none listens on the port, and stop it only when no node is left in it.
epmd_answers() { env "${RABBIT_ENV[@]}" epmd -names >/dev/null 2>&1; }

epmd_up() {
  epmd_answers && return 0
  setsid env "${RABBIT_ENV[@]}" epmd -port "$BLOCKSTORE_EPMD_PORT" -address 127.0.0.1 \
    >>"$STATE/log/epmd.log" 2>&1 </dev/null &
  echo $! >"$EPMD_PIDFILE"
  wait_until 10 epmd_answers ||
    die "epmd did not start on port $BLOCKSTORE_EPMD_PORT; see $STATE/log/epmd.log"
}

rabbitmq_down() {
  if ! rabbit_pid >/dev/null; then
    say "rabbitmq: not running"
  elif rabbitmqctl -q stop "$RABBIT_PIDFILE" >/dev/null 2>&1; then   # returns once the node has exited
    rm -f "$RABBIT_PIDFILE"
    say "rabbitmq: stopped"
  else
    stop_pid "$RABBIT_PIDFILE" beam.smp rabbitmq 60
  fi
  if pid_of "$EPMD_PIDFILE" epmd >/dev/null &&
     ! env "${RABBIT_ENV[@]}" epmd -names 2>/dev/null | grep -q '^name '; then
    stop_pid "$EPMD_PIDFILE" epmd epmd 10
  fi
}
