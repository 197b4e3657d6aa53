#!/usr/bin/env bash
# Retypes in place that change multiattach (os-retype), on the stack that scripts/stack describes, with the API and
# worker of scripts/run running. Never run in CI.
#
#   bench/retype.sh [--sizes "1 8 64"] [--data-mib N]
#
# For each size (GiB): a volume of the plain ceph type with N MiB written at its start (rbd bench, sequential) and one
# snapshot, then the time from the retype's 202 to `available` to a multiattach type (the worker drops the single-writer
# features), and back (it enables them again and rebuilds the object maps of the image and of its snapshot). Next to
# it, in the same run, the same two changes made by hand with the rbd CLI on an image alike: `rbd feature disable`, and
# `rbd feature enable` followed by `rbd object-map rebuild` of the image and of its snapshot. Rebuilding an object map
# looks at every object the image could have, so its time grows with the size; nothing else does.
# Cleans up: its volumes, snapshots, types and images.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

sizes="1 8 64" data_mib=64
while (($#)); do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --data-mib) data_mib=$2; shift 2 ;;
    *) echo "usage: bench/retype.sh [--sizes \"1 8 64\"] [--data-mib N]" >&2; exit 2 ;;
  esac
done

eval "$(scripts/stack env)"
: "${BLOCKSTORE_API_URL:?run scripts/run first}"
project=bench-retype-$RANDOM
api=$BLOCKSTORE_API_URL/v3/$project
auth=(-H "X-Auth-Token: admin:$project" -H "Content-Type: application/json" -H "OpenStack-API-Version: volume 3.70")
tag=bench-retype-$RANDOM
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/lib/api.sh
. bench/lib/api.sh

type_id() {
  post_id types "{\"volume_type\": {\"name\": \"$1\", \"extra_specs\": $2}}" volume_type
}
plain=$(type_id "$tag-plain" '{"volume_backend_name": "ceph"}')
shared=$(type_id "$tag-shared" '{"volume_backend_name": "ceph", "multiattach": "<is> True"}')

# retype_ms <volume> <type>: from the retype's 202 to available again.
retype_ms() {
  local start
  start=$(now_ms)
  curl -sf "${auth[@]}" -X POST "$api/volumes/$1/action" -d "{\"os-retype\": {\"new_type\": \"$2\"}}" >/dev/null
  wait_status volumes "$1" available
  echo $(($(now_ms) - start))
}

# round <gib>: prints "to-shared back-to-plain cli-disable cli-enable-and-rebuild" in ms.
round() {
  local gib=$1 id snap to back start cli_off cli_on image=$tag-$1
  id=$(post_id volumes "{\"volume\": {\"size\": $gib, \"volume_type\": \"$plain\"}}" volume)
  wait_status volumes "$id" available
  rbd bench --io-type write --io-size 4M --io-total "${data_mib}M" --io-pattern seq "volumes/volume-$id" >/dev/null
  snap=$(post_id snapshots "{\"snapshot\": {\"volume_id\": \"$id\"}}" snapshot)
  wait_status snapshots "$snap" available
  to=$(retype_ms "$id" "$shared")
  back=$(retype_ms "$id" "$plain")
  rbd info "volumes/volume-$id" | grep -q "flags: *$" || { echo "volume-$id: object map left invalid" >&2; exit 1; }

  rbd create --size "${gib}G" "volumes/$image"
  rbd bench --io-type write --io-size 4M --io-total "${data_mib}M" --io-pattern seq "volumes/$image" >/dev/null
  rbd snap create --no-progress "volumes/$image@s"
  start=$(now_ms)
  rbd feature disable "volumes/$image" exclusive-lock object-map fast-diff
  cli_off=$(($(now_ms) - start))
  start=$(now_ms)
  rbd feature enable "volumes/$image" exclusive-lock object-map fast-diff
  rbd object-map rebuild --no-progress "volumes/$image"
  rbd object-map rebuild --no-progress "volumes/$image@s"
  cli_on=$(($(now_ms) - start))
  rbd snap purge --no-progress "volumes/$image" >/dev/null
  rbd rm --no-progress "volumes/$image" >/dev/null

  curl -sf "${auth[@]}" -X DELETE "$api/snapshots/$snap" >/dev/null
  wait_status snapshots "$snap" gone
  curl -sf "${auth[@]}" -X DELETE "$api/volumes/$id" >/dev/null
  wait_status volumes "$id" gone
  echo "$to $back $cli_off $cli_on"
}

round 1 >/dev/null # unmeasured: a worker's first retype also pays for its first use of the code

echo "| size | data | retype to multiattach (202 → available) | retype back | rbd feature disable | rbd feature enable + object-map rebuild (image and snapshot) |"
echo "|---|---|---|---|---|---|"
for gib in $sizes; do
  read -r to back cli_off cli_on < <(round "$gib")
  echo "| $gib GiB | $data_mib MiB | $to ms | $back ms | $cli_off ms | $cli_on ms |"
done
curl -sf "${auth[@]}" -X DELETE "$api/types/$plain" >/dev/null
curl -sf "${auth[@]}" -X DELETE "$api/types/$shared" >/dev/null
