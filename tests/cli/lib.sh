# shellcheck shell=bash
# What the client walks in tests/cli share: step headings, failing, and Ceph's own view of a volume's image
# (rbd as client.blockstore, named by CEPH_ARGS from the stack's environment). Sourced, not run.

: "${CEPH_ARGS:?CEPH_ARGS is not set: eval \"\$(scripts/stack env)\" first}"

step() { printf '== %s\n' "$*" >&2; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
# The value of one row of a "| Property | Value |" table (cinder's, glance's), read from stdin.
prop() { awk -F'|' -v key="$1" '{ k = $2; v = $3; gsub(/^ +| +$/, "", k); gsub(/^ +| +$/, "", v) } k == key { print v; exit }'; }

# refused <expected text> <command…>: the command fails and says so.
refused() {
  local want=$1 out
  shift
  out=$("$@" 2>&1) && fail "accepted: $*"
  [[ $out == *"$want"* ]] || fail "$*: expected '$want', got: $out"
  printf '  refused: %s\n' "$out" >&2
}

# wait_status <what> <status> <command…>: runs the command, which prints a status, every 0.5 s until it prints the one
# wanted; an error status fails at once, and so does a wait of more than 120 s.
wait_status() {
  local what=$1 want=$2 status i
  shift 2
  for ((i = 0; i < 240; i++)); do
    status=$("$@")
    [[ $status == "$want" ]] && return 0
    [[ $status == error* ]] && fail "$what: status $status, expected $want"
    sleep 0.5
  done
  fail "$what: still $status after 120 s, expected $want"
}

# wait_absent <what> <command…>: runs the command (a show) every 0.5 s until it fails, for up to 120 s.
wait_absent() {
  local what=$1 i
  shift
  for ((i = 0; i < 240; i++)); do
    "$@" >/dev/null 2>&1 || return 0
    sleep 0.5
  done
  fail "$what was not deleted within 120 s"
}

# rbd_check <volume id> <size GiB> [parent image] [parent snapshot]: the image as client.blockstore sees it, in
# pool ${pool:-volumes} (pool=volumes-fast rbd_check … for another one); a parent must be in the same pool.
rbd_check() {
  local id=$1 gib=$2 parent=${3:-} snap=${4:-} in=${pool:-volumes} info
  info=$(rbd info --format json "$in/volume-$id") || fail "rbd info $in/volume-$id failed"
  python3 - "$info" "$gib" "$parent" "$snap" "$in" <<'PY' || fail "rbd info $in/volume-$id does not match"
import json, sys
info, gib, parent, snap, pool = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ok = info["size"] == gib << 30
p = info.get("parent")
ok = ok and (p is None if not parent else (p is not None and p["pool"] == pool and p["image"] == parent and (not snap or p["snapshot"] == snap)))
print(f"  rbd: {pool}/{info['name']} size={info['size']} parent={p and (p['image'] + '@' + p['snapshot'])}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}

# rbd_gone <volume id>: no image of it in pool ${pool:-volumes}.
rbd_gone() {
  local in=${pool:-volumes}
  ! rbd info "$in/volume-$1" >/dev/null 2>&1 || fail "image $in/volume-$1 still exists"
}
