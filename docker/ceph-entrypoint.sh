#!/usr/bin/env bash
# Entrypoint of the ceph service in docker-compose.yml: the same bootstrap as
# scripts/stack (scripts/lib/ceph-bootstrap.sh), with the daemons kept in the
# foreground as children of this script. Client files go to CEPH_CLIENT_DIR,
# a volume that the api and worker mount.
set -euo pipefail
LIB=/opt/blockstore/lib
# shellcheck source=../scripts/lib/common.sh
source "$LIB/common.sh"
# shellcheck source=../scripts/lib/ceph-bootstrap.sh
source "$LIB/ceph-bootstrap.sh"

load_settings "${BLOCKSTORE_STATE:-/var/lib/blockstore}"
save_settings
ceph_paths
ready=$STATE/run/ready
mkdir -p "$STATE/run"
# Pid files of an earlier container mean nothing in this one.
rm -f "$STATE"/run/*.pid "$ready"

# shellcheck disable=SC2034  # read by ceph_daemon_up
CEPH_FOREGROUND=1
CEPH_CHILDREN=()
stop() {
  local i
  for ((i = ${#CEPH_CHILDREN[@]} - 1; i >= 0; i--)); do   # mgr, osd, then mon
    kill -TERM "${CEPH_CHILDREN[i]}" 2>/dev/null || true
    wait "${CEPH_CHILDREN[i]}" 2>/dev/null || true
  done
  exit 0
}
trap stop TERM INT

ceph_up
touch "$ready"   # the compose healthcheck looks for it
# When any daemon exits, so does the container, and compose restarts it.
set +e
wait -n "${CEPH_CHILDREN[@]}"
status=$?
say "a Ceph daemon exited ($status); stopping the others"
stop
