#!/usr/bin/env bash
# Managing existing RBD images (os-volume-manage, os-unmanage), on the stack that scripts/stack describes, with the
# API and worker of scripts/run running. Never run in CI.
#
#   bench/manage.sh [--sizes "1 8 64"] [--data-mib N] [--foreign N]
#
# 1. For each size (GiB): an image of that size with N MiB written at its start (rbd bench, sequential) and an RBD
#    snapshot of it, then the time from the manage's 202 to `available`, from the snapshot-manage's 202 (of that RBD
#    snapshot) to `available`, from the snapshot's unmanage 202 to the snapshot gone, and from the volume's unmanage
#    202 to the volume gone (polled every 50 ms), next to `rbd export | rbd import` of the same image in the same run,
#    the copy a manage does not make. Managing is renaming: its time should not grow with the size or the data.
# 2. The manageable scan: --foreign images made with rbd create, then the scan time the worker logs at Debug (the
#    worker is restarted for it with Logging__LogLevel__BlockStore.Worker.Volumes.ManageableScanner=Debug and
#    Manage__ScanInterval=00:00:05), with and without them.
# Cleans up: the images it made, and its volumes (unmanaged, then their images removed with rbd). Leaves scripts/run's
# API and worker running as before.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

sizes="1 8 64" data_mib=64 foreign=200
while (($#)); do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --data-mib) data_mib=$2; shift 2 ;;
    --foreign) foreign=$2; shift 2 ;;
    *) echo "usage: bench/manage.sh [--sizes \"1 8 64\"] [--data-mib N] [--foreign N]" >&2; exit 2 ;;
  esac
done

eval "$(scripts/stack env)"
: "${BLOCKSTORE_API_URL:?run scripts/run first}"
project=bench-manage-$RANDOM
api=$BLOCKSTORE_API_URL/v3/$project
auth=(-H "X-Auth-Token: admin:$project" -H "Content-Type: application/json" -H "OpenStack-API-Version: volume 3.8")
tag=bench-manage-$RANDOM
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT # holds the last volume shown

# shellcheck source=bench/lib/api.sh
. bench/lib/api.sh
ceph_host=$(curl -sf "${auth[@]}" "$api/os-services?binary=cinder-volume" |
  python3 -c 'import json,sys; print(next(s["host"] for s in json.load(sys.stdin)["services"] if s["host"].endswith("@ceph")))')

# manage_unmanage <image>: manages it, then its RBD snapshot "bench-before"; lets the snapshot go, then the volume.
# Prints the milliseconds of each, and leaves the image as volume-<id>.unmanaged, removed.
manage_unmanage() {
  local start id managed snap snap_managed snap_unmanaged
  start=$(now_ms)
  id=$(post_id os-volume-manage "{\"volume\": {\"host\": \"$ceph_host\", \"ref\": {\"source-name\": \"$1\"}}}" volume)
  wait_status volumes "$id" available
  managed=$(($(now_ms) - start))
  start=$(now_ms)
  snap=$(post_id os-snapshot-manage "{\"snapshot\": {\"volume_id\": \"$id\", \"ref\": {\"source-name\": \"bench-before\"}}}" snapshot)
  wait_status snapshots "$snap" available
  snap_managed=$(($(now_ms) - start))
  start=$(now_ms)
  curl -sf "${auth[@]}" -X POST "$api/snapshots/$snap/action" -d '{"os-unmanage": null}' >/dev/null
  wait_status snapshots "$snap" gone
  snap_unmanaged=$(($(now_ms) - start))
  start=$(now_ms)
  curl -sf "${auth[@]}" -X POST "$api/volumes/$id/action" -d '{"os-unmanage": null}' >/dev/null
  wait_status volumes "$id" gone
  echo "$managed $snap_managed $snap_unmanaged $(($(now_ms) - start))"
  rbd snap purge --no-progress "volumes/volume-$id.unmanaged" >/dev/null
  rbd rm --no-progress "volumes/volume-$id.unmanaged" >/dev/null
}

# One unmeasured round first: a worker's first manage also pays for its first use of the code and the connection.
rbd create --size 1G "volumes/$tag-warmup"
rbd snap create --no-progress "volumes/$tag-warmup@bench-before"
manage_unmanage "$tag-warmup" >/dev/null

echo "| size | data | manage (202 → available) | snapshot-manage | snapshot unmanage | unmanage (202 → gone) | rbd export \| rbd import |"
echo "|---|---|---|---|---|---|---|"
for gib in $sizes; do
  image=$tag-$gib
  rbd create --size "${gib}G" "volumes/$image"
  rbd bench --io-type write --io-size 4M --io-total "${data_mib}M" --io-pattern seq "volumes/$image" >/dev/null
  rbd snap create --no-progress "volumes/$image@bench-before"

  start=$(now_ms)
  rbd export --no-progress "volumes/$image" - | rbd import --no-progress - "volumes/$image-copy"
  copy=$(($(now_ms) - start))
  rbd rm --no-progress "volumes/$image-copy" >/dev/null

  read -r managed snap_managed snap_unmanaged unmanaged < <(manage_unmanage "$image")
  echo "| $gib GiB | $data_mib MiB | $managed ms | $snap_managed ms | $snap_unmanaged ms | $unmanaged ms | $copy ms |"
done

# scan_ms: the worker's next logged scan of backend ceph, in ms.
scan_ms() {
  local from
  from=$(($(wc -l < "$BLOCKSTORE_STATE/log/worker.log") + 1))
  for _ in $(seq 100); do
    sleep 0.5
    tail -n +"$from" "$BLOCKSTORE_STATE/log/worker.log" | grep -o 'Backend ceph: manageable scan recorded [0-9]* images in [0-9]* ms' | tail -1 | grep . && return
  done
  echo "no scan logged"
}
# A category with dots is no shell identifier: env passes it to scripts/run, whose worker inherits it.
env Logging__LogLevel__BlockStore.Worker.Volumes.ManageableScanner=Debug Manage__ScanInterval=00:00:05 scripts/run --restart >/dev/null
echo
echo "manageable scan, no other images:      $(scan_ms)"
for i in $(seq "$foreign"); do rbd create --size 1G "volumes/$tag-foreign-$i"; done
scan_ms >/dev/null # the first scan after the creates may have started before the last of them
echo "manageable scan, $foreign other images: $(scan_ms)"
for i in $(seq "$foreign"); do rbd rm --no-progress "volumes/$tag-foreign-$i" >/dev/null; done
scripts/run --restart >/dev/null
