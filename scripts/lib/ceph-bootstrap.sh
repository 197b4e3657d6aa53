# shellcheck shell=bash
# Single-node Ceph (Pacific): one mon, one bluestore OSD on a sparse file, one mgr,
# cephx on; pools for BlockStore and the restricted user client.blockstore.
#
# The one source of truth for the Ceph set-up. Two callers:
#   scripts/stack               daemons daemonize and write pid files under <state>/run
#   docker/ceph-entrypoint.sh   CEPH_FOREGROUND=1: daemons stay children of the entrypoint
# Needs common.sh, load_settings (STATE, BLOCKSTORE_*) and then ceph_paths.
# CEPH_CLIENT_DIR (default <state>/ceph) is where client.conf and the client
# keyring are written; CEPH_CLIENT_UID, if set, owns them (a container user).

CEPH_POOLS=(images volumes volumes-fast backups)
# Daemons (type.id) in start order.
CEPH_DAEMONS=(mon.a osd.0 mgr.x)

ceph_paths() {
  # After `eval "$(scripts/stack env)"`, CEPH_ARGS names client.blockstore, and
  # every Ceph tool and daemon would take it (an OSD then fails cephx).
  unset CEPH_ARGS
  CEPH_DIR=$STATE/ceph
  CEPH_CONF=$CEPH_DIR/ceph.conf
  CEPH_ADMIN_KEYRING=$CEPH_DIR/admin.keyring
  CEPH_CLIENT_DIR=${CEPH_CLIENT_DIR:-$CEPH_DIR}
  CEPH_CLIENT_CONF=$CEPH_CLIENT_DIR/client.conf
  CEPH_CLIENT_KEYRING=$CEPH_CLIENT_DIR/client.blockstore.keyring
  # One mon, two addresses: the brackets make it one entry, not two mons.
  CEPH_MON_HOST="[v2:$BLOCKSTORE_CEPH_ADDR:$BLOCKSTORE_MON_PORT,v1:$BLOCKSTORE_CEPH_ADDR:$BLOCKSTORE_MON_V1_PORT]"
  local caps='' pool
  for pool in "${CEPH_POOLS[@]}"; do caps+="${caps:+, }profile rbd pool=$pool"; done
  CEPH_CLIENT_CAPS=(mon 'profile rbd' osd "$caps" mgr "$caps")
}

# ceph_cli <conf> <name> <keyring> <ceph|rbd|rados> ARGS...: a Ceph CLI as that
# user. A call waits forever for an absent mon, hence the timeout (CEPH_CLI_TIMEOUT).
ceph_cli() {
  local conf=$1 name=$2 keyring=$3
  shift 3
  timeout "${CEPH_CLI_TIMEOUT:-120}" "$1" --conf "$conf" --name "$name" --keyring "$keyring" "${@:2}"
}
ceph_admin() { ceph_cli "$CEPH_CONF" client.admin "$CEPH_ADMIN_KEYRING" "$@"; }
# As client.blockstore, exactly as the service connects.
ceph_client() { ceph_cli "$CEPH_CLIENT_CONF" client.blockstore "$CEPH_CLIENT_KEYRING" "$@"; }

ceph_pidfile() { echo "$STATE/run/ceph-$1.pid"; }
ceph_pid() { pid_of "$(ceph_pidfile "$1")" "ceph-${1%%.*}"; }
ceph_log() { echo "$STATE/log/ceph-$1.log"; }

# Written on every start, so that speed settings follow the code.
ceph_write_conf() {
  mkdir -p "$CEPH_DIR" "$STATE/run" "$STATE/log"
  [[ -f $CEPH_DIR/fsid ]] || cat /proc/sys/kernel/random/uuid >"$CEPH_DIR/fsid"
  local osd_bytes
  osd_bytes=$(numfmt --from=iec "$BLOCKSTORE_OSD_SIZE") || die "bad BLOCKSTORE_OSD_SIZE: $BLOCKSTORE_OSD_SIZE"
  [[ $BLOCKSTORE_OSD_OP_SHARDS =~ ^[0-9]+$ ]] || die "bad BLOCKSTORE_OSD_OP_SHARDS: $BLOCKSTORE_OSD_OP_SHARDS (a count; 0 for Ceph's own)"
  cat >"$CEPH_CONF" <<EOF
# Written by scripts/lib/ceph-bootstrap.sh on every start; edits are lost.
[global]
fsid = $(cat "$CEPH_DIR/fsid")
mon host = $CEPH_MON_HOST
public addr = $BLOCKSTORE_CEPH_ADDR
ms bind ipv6 = false
ms bind port min = $BLOCKSTORE_CEPH_PORT_MIN
ms bind port max = $BLOCKSTORE_CEPH_PORT_MAX
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
# one OSD: every pool has one replica and no failure domain
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool delete = true
mon allow pool size one = true
mon warn on pool no redundancy = false
# without these there is no cls_rbd, and rbd fails
osd class load list = *
osd class default list = *
run dir = $STATE/run
pid file = $STATE/run/\$cluster-\$name.pid
log file = $STATE/log/\$cluster-\$name.log
mon data = $CEPH_DIR/mon/\$cluster-\$id
osd data = $CEPH_DIR/osd/\$cluster-\$id
mgr data = $CEPH_DIR/mgr/\$cluster-\$id

[mon]
admin socket = $STATE/run/\$cluster-\$name.asok
keyring = \$mon_data/keyring
# The mon refuses to start below 5% free on the filesystem under its store. Its store is small, but
# the state folder shares a disk with everything else, so a busy disk would stop the stack.
mon data avail crit = 1
mon data avail warn = 2
# otherwise every pool create/init waits seconds for paxos
paxos propose interval = 0.1
paxos min wait = 0.01

[osd]
admin socket = $STATE/run/\$cluster-\$name.asok
keyring = \$osd_data/keyring
osd objectstore = bluestore
# bluestore creates a sparse file "block" in osd data; never set "bluestore block path" (ELOOP)
bluestore block create = true
bluestore block size = $osd_bytes
osd memory target = 939524096
osd op num shards = $BLOCKSTORE_OSD_OP_SHARDS

[mgr]
admin socket = $STATE/run/\$cluster-\$name.asok
keyring = \$mgr_data/keyring

[client]
log file =

[client.admin]
keyring = $CEPH_ADMIN_KEYRING
EOF
}

ceph_mkfs_mon() {
  local dir=$CEPH_DIR/mon/ceph-a tmp=$CEPH_DIR/tmp
  say "ceph: creating mon.a"
  rm -rf "$dir" "$tmp"
  mkdir -p "$dir" "$tmp"
  (umask 077
   ceph-authtool --create-keyring "$tmp/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
   ceph-authtool --create-keyring "$CEPH_ADMIN_KEYRING" --gen-key -n client.admin \
     --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
   ceph-authtool "$tmp/mon.keyring" --import-keyring "$CEPH_ADMIN_KEYRING" >/dev/null)
  monmaptool --create --fsid "$(cat "$CEPH_DIR/fsid")" --addv a "$CEPH_MON_HOST" "$tmp/monmap" >/dev/null
  ceph-mon --conf "$CEPH_CONF" --mkfs -i a --monmap "$tmp/monmap" --keyring "$tmp/mon.keyring" ||
    { log_tail "$(ceph_log mon.a)"; die "ceph-mon --mkfs failed"; }
  rm -rf "$tmp"
}

ceph_mkfs_osd() {
  local dir=$CEPH_DIR/osd/ceph-0 uuid
  say "ceph: creating osd.0 (bluestore, sparse $BLOCKSTORE_OSD_SIZE)"
  rm -rf "$dir"
  mkdir -p "$dir"
  uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph_admin ceph auth get-or-create osd.0 mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' \
    -o "$dir/keyring" >/dev/null
  ceph_admin ceph osd new "$uuid" 0 >/dev/null
  ceph-osd --conf "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>&1 ||
    { log_tail "$(ceph_log osd.0)"; die "ceph-osd --mkfs failed"; }
}

ceph_mkfs_mgr() {
  local dir=$CEPH_DIR/mgr/ceph-x
  mkdir -p "$dir"
  ceph_admin ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
    -o "$dir/keyring" >/dev/null
}

# Starts one daemon unless it runs. In CEPH_FOREGROUND mode it stays a child of
# this shell (its pid goes to CEPH_CHILDREN); otherwise it daemonizes, and its
# parent exits only once init is done, with init's status.
ceph_daemon_up() {
  local daemon=$1 type=${1%%.*} id=${1#*.} pid
  if pid=$(ceph_pid "$daemon"); then
    say "ceph: $daemon already running (pid $pid)"
    return 0
  fi
  if [[ -n ${CEPH_FOREGROUND:-} ]]; then
    "ceph-$type" --conf "$CEPH_CONF" -i "$id" -d &
    CEPH_CHILDREN+=("$!")
  else
    "ceph-$type" --conf "$CEPH_CONF" -i "$id" >/dev/null 2>&1 ||
      { log_tail "$(ceph_log "$daemon")"; die "ceph-$type -i $id failed to start; see $(ceph_log "$daemon")"; }
  fi
  say "ceph: $daemon started"
}

# Ports are checked only for daemons that are about to start.
ceph_check_ports() {
  if ! ceph_pid mon.a >/dev/null; then
    require_free_port "$BLOCKSTORE_MON_PORT" BLOCKSTORE_MON_PORT "Ceph mon (msgr v2)"
    require_free_port "$BLOCKSTORE_MON_V1_PORT" BLOCKSTORE_MON_V1_PORT "Ceph mon (msgr v1)"
  fi
  if ! ceph_pid osd.0 >/dev/null || ! ceph_pid mgr.x >/dev/null; then
    # The OSD binds about 8 ports and the mgr 2, anywhere in the range.
    local taken
    taken=$(ss -Hltn 2>/dev/null | awk -v lo="$BLOCKSTORE_CEPH_PORT_MIN" -v hi="$BLOCKSTORE_CEPH_PORT_MAX" \
      '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) c++ } END { print c + 0 }')
    ((BLOCKSTORE_CEPH_PORT_MAX - BLOCKSTORE_CEPH_PORT_MIN + 1 - taken >= 16)) ||
      die "fewer than 16 free ports in $BLOCKSTORE_CEPH_PORT_MIN-$BLOCKSTORE_CEPH_PORT_MAX (for Ceph osd/mgr). Create the stack with another range: BLOCKSTORE_CEPH_PORT_MIN / BLOCKSTORE_CEPH_PORT_MAX."
  fi
}

# Pools, the restricted user and the client files. Idempotent; runs on every start
# so that a pool added to CEPH_POOLS reaches existing stacks.
ceph_provision() {
  local existing pool
  existing=$(ceph_admin ceph osd pool ls) || ceph_fail "'ceph osd pool ls' as client.admin failed"
  for pool in "${CEPH_POOLS[@]}"; do
    grep -qx -- "$pool" <<<"$existing" && continue
    ceph_admin ceph osd pool create "$pool" 8 8 >/dev/null 2>&1 || ceph_fail "cannot create pool $pool"
    ceph_admin rbd pool init "$pool" || ceph_fail "cannot initialize pool $pool for RBD"
    say "ceph: pool $pool created"
  done
  if ! ceph_admin ceph auth get-or-create client.blockstore "${CEPH_CLIENT_CAPS[@]}" >/dev/null 2>&1; then
    # The user exists with other caps (an older pool list): bring them up to date.
    ceph_admin ceph auth caps client.blockstore "${CEPH_CLIENT_CAPS[@]}" >/dev/null ||
      ceph_fail "cannot create client.blockstore"
  fi
  mkdir -p "$CEPH_CLIENT_DIR"
  (umask 077; ceph_admin ceph auth get client.blockstore -o "$CEPH_CLIENT_KEYRING" 2>/dev/null) ||
    ceph_fail "cannot export the client.blockstore keyring"
  cat >"$CEPH_CLIENT_CONF" <<EOF
# Client-only Ceph configuration for BlockStore (client.blockstore). No admin key here.
[global]
mon host = $CEPH_MON_HOST

[client]
log file =

[client.blockstore]
keyring = $CEPH_CLIENT_KEYRING
EOF
  if [[ -n ${CEPH_CLIENT_UID:-} ]]; then
    chown "$CEPH_CLIENT_UID" "$CEPH_CLIENT_CONF" "$CEPH_CLIENT_KEYRING"
  fi
}

ceph_client_key() { sed -n 's/^[[:space:]]*key = //p' "$CEPH_CLIENT_KEYRING"; }

# Ready means: client.blockstore can create an image, write to it and remove it.
# (HEALTH_OK can show while PGs are still unknown.)
ceph_probe() {
  local image rc=0 CEPH_CLI_TIMEOUT=20
  image="volumes/.probe-$(random_hex 4)"
  ceph_client rbd create "$image" --size 4M >/dev/null 2>&1 &&
    ceph_client rbd bench --io-type write --io-size 4K --io-total 64K "$image" >/dev/null 2>&1 ||
    rc=1
  ceph_client rbd rm --no-progress "$image" >/dev/null 2>&1 || true
  return $rc
}

# Names the daemon that is down, else points at every log.
ceph_fail() {
  local daemon
  for daemon in "${CEPH_DAEMONS[@]}"; do
    if ! ceph_pid "$daemon" >/dev/null && [[ -z ${CEPH_FOREGROUND:-} ]]; then
      log_tail "$(ceph_log "$daemon")"
      die "ceph: $1: ceph-$daemon is not running; see $(ceph_log "$daemon")"
    fi
  done
  die "ceph: $1, though mon, osd and mgr run; see $STATE/log/ceph-{mon.a,osd.0,mgr.x}.log"
}

# (The first-boot steps run under `if`, not after `||`, which would switch off
# errexit inside them.)
ceph_up() {
  ceph_write_conf
  if [[ ! -f $CEPH_DIR/mon/ceph-a/keyring || ! -f $CEPH_ADMIN_KEYRING ]]; then ceph_mkfs_mon; fi
  ceph_daemon_up mon.a
  if [[ ! -f $CEPH_DIR/osd/ceph-0/mkfs_done ]]; then ceph_mkfs_osd; fi
  ceph_daemon_up osd.0
  if [[ ! -f $CEPH_DIR/mgr/ceph-x/keyring ]]; then ceph_mkfs_mgr; fi
  ceph_daemon_up mgr.x
  ceph_provision
  wait_until 90 ceph_probe || ceph_fail "no RBD write as client.blockstore within 90s"
  say "ceph: ready (RBD write as client.blockstore works)"
}

# mgr, then osd, then mon.
ceph_down() {
  local i daemon
  for ((i = ${#CEPH_DAEMONS[@]} - 1; i >= 0; i--)); do
    daemon=${CEPH_DAEMONS[i]}
    if ceph_pid "$daemon" >/dev/null; then
      stop_pid "$(ceph_pidfile "$daemon")" "ceph-${daemon%%.*}" "ceph: $daemon" 60
    fi
  done
}

ceph_status() {
  local daemon ports
  for daemon in "${CEPH_DAEMONS[@]}"; do
    case $daemon in
      mon.*) ports="port $BLOCKSTORE_MON_PORT,$BLOCKSTORE_MON_V1_PORT" ;;
      *) ports="ports $BLOCKSTORE_CEPH_PORT_MIN-$BLOCKSTORE_CEPH_PORT_MAX" ;;
    esac
    status_line "ceph-$daemon" "$(ceph_pid "$daemon")" "$ports"
  done
}
