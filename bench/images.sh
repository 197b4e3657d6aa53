#!/usr/bin/env bash
# Image benchmarks (issue 5), each next to its baseline in the same run. Not part of CI: it writes
# several GiB. It starts the stack and the app (scripts/run) and talks to the API like a client.
#
#   bench/images.sh                    sizes: SMALL_GIB=1 LARGE_GIB=8 QCOW2_GIB=4 RUNS=9
#
# 1. P1: from the 202 to `available` for a volume from a fully written SMALL_GIB and LARGE_GIB raw
#    image (RUNS each, median), against a flat copy of the LARGE_GIB image (clone + `rbd flatten`).
# 2. Raw upload through the API (PUT /v2/images/{id}/file) against `rbd import` of the same file.
# 3. qcow2: our upload (spool + one conversion into RBD) against `qemu-img convert -O raw` + `rbd import`,
#    on a QCOW2_GIB disk with a quarter of it written in scattered 64 MiB runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
small=${SMALL_GIB:-1} large=${LARGE_GIB:-8} qcow2_gib=${QCOW2_GIB:-4} runs=${RUNS:-9}

"$root/scripts/run" --restart >/dev/null   # rebuilds, so the code measured is the checkout
eval "$("$root/scripts/stack" env)"
api=$BLOCKSTORE_API_URL
project="bench$(date +%s)"
work=$(mktemp -d "${TMPDIR:-/tmp}/blockstore-bench-images.XXXXXX")
made_rbd=()
cleanup() {
  for spec in "${made_rbd[@]}"; do rbd rm --no-progress "$spec" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc -l; }
fmt() { printf '%.3f' "$1"; }
mibps() { echo "$1 / 1048576 / $2" | bc -l | xargs printf '%.0f'; }
call() { curl -sS -H "X-Auth-Token: bench:$project" "$@"; }

create_image() { # disk_format -> id
  call -H 'Content-Type: application/json' -d "{\"name\":\"bench\",\"disk_format\":\"$1\",\"container_format\":\"bare\"}" \
    "$api/v2/images" | jq -er .id
}
upload() { # id file -> seconds
  local code
  code=$(call -o /dev/null -w '%{http_code} %{time_total}' -X PUT -H 'Content-Type: application/octet-stream' \
    -T "$2" "$api/v2/images/$1/file")
  [[ ${code%% *} == 204 ]] || { echo "upload of $2 answered $code" >&2; exit 1; }
  echo "${code#* }"
}
# From the 202 to available, by the volume's own clock: created_at is written just before the 202, and
# updated_at when it becomes available. Polling from here would add curl's latency (tens of ms under load).
volume_seconds() { # image size_gib -> seconds
  local id v
  id=$(call -H 'Content-Type: application/json' -d "{\"volume\":{\"size\":$2,\"imageRef\":\"$1\"}}" \
    "$api/v3/$project/volumes" | jq -er .volume.id)
  while v=$(call "$api/v3/$project/volumes/$id"); [[ $(jq -r .volume.status <<<"$v") == creating ]]; do sleep 0.05; done
  [[ $(jq -r .volume.status <<<"$v") == available ]] || { echo "volume $id: $v" >&2; exit 1; }
  jq -r '.volume | "\(.updated_at) \(.created_at)"' <<<"$v" |
    { read -r finished started; echo "$(date -d "${finished}Z" +%s.%N) - $(date -d "${started}Z" +%s.%N)" | bc -l; }
  call -X DELETE "$api/v3/$project/volumes/$id" >/dev/null
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== raw images: ${small} GiB and ${large} GiB of random data (work dir $work)"
declare -A image p1
for gib in "$small" "$large"; do
  head -c "${gib}G" /dev/urandom > "$work/raw-$gib"
  bytes=$((gib << 30))
  image[$gib]=$(create_image raw)
  up=$(upload "${image[$gib]}" "$work/raw-$gib")
  t0=$(now); rbd import --no-progress "$work/raw-$gib" "images/bench-import-$project-$gib"; imp=$(since "$t0")
  t0=$(now); md5sum "$work/raw-$gib" >/dev/null & sha512sum "$work/raw-$gib" >/dev/null; wait; hashes=$(since "$t0")
  rbd rm --no-progress "images/bench-import-$project-$gib" >/dev/null   # the OSD is small
  rm "$work/raw-$gib"
  echo "upload ${gib} GiB: API $(fmt "$up") s ($(mibps $bytes "$up") MiB/s); rbd import $(fmt "$imp") s ($(mibps $bytes "$imp") MiB/s); API/import $(echo "$imp / $up" | bc -l | xargs printf '%.2f')x; md5sum + sha512sum alone (in parallel, file cached) $(fmt "$hashes") s"
done

echo "== P1: 202 -> available, volume from image, $runs runs each (median)"
# Interleaved, so that both sizes meet the same load on a shared machine.
for _ in $(seq "$runs"); do
  for gib in "$small" "$large"; do volume_seconds "${image[$gib]}" "$gib" >> "$work/p1-$gib"; done
done
for gib in "$small" "$large"; do
  p1[$gib]=$(median < "$work/p1-$gib")
  echo "volume from ${gib} GiB image: $(fmt "${p1[$gib]}") s (runs: $(sort -n "$work/p1-$gib" | xargs printf '%.3f '))"
done
echo "ratio ${large} GiB / ${small} GiB: $(echo "${p1[$large]} / ${p1[$small]}" | bc -l | xargs printf '%.2f') (goal <= 1.2)"
flat="volumes/bench-flat-$project"
t0=$(now)
rbd clone "images/${image[$large]}@snap" "$flat"
rbd flatten --no-progress "$flat"
flat_s=$(since "$t0")
rbd rm --no-progress "$flat" >/dev/null
echo "flat copy of the ${large} GiB image (rbd clone + rbd flatten): $(fmt "$flat_s") s; clone is $(echo "$flat_s / ${p1[$large]}" | bc -l | xargs printf '%.0f')x faster (goal >= 50x)"

echo "== qcow2: ${qcow2_gib} GiB disk, a quarter written"
truncate -s "${qcow2_gib}G" "$work/disk.raw"
runs64=$((qcow2_gib * 16 / 4))
for i in $(seq 0 $((runs64 - 1))); do
  dd if=/dev/urandom of="$work/disk.raw" bs=64M count=1 seek=$((i * 4)) conv=notrunc status=none
done
qemu-img convert -O qcow2 "$work/disk.raw" "$work/disk.qcow2"
rm "$work/disk.raw"
qsize=$(stat -c %s "$work/disk.qcow2")
q=$(create_image qcow2)
ours=$(upload "$q" "$work/disk.qcow2")
conversion=$(grep -h "$q: qcow2 converted" "$BLOCKSTORE_STATE/log/api.log" | grep -o 'in [0-9.]* s' | tail -1 | awk '{print $2}')
t0=$(now)
qemu-img convert -O raw "$work/disk.qcow2" "$work/converted.raw"
rbd import --no-progress "$work/converted.raw" "images/bench-qcow2-$project"
base=$(since "$t0")
made_rbd+=("images/bench-qcow2-$project")
[[ $(rbd export --no-progress "images/$q" - | sha256sum) == $(sha256sum < "$work/converted.raw") ]] || { echo "conversion differs from qemu-img" >&2; exit 1; }
t0=$(now); md5sum "$work/disk.qcow2" >/dev/null & sha512sum "$work/disk.qcow2" >/dev/null; wait; hashes=$(since "$t0")
echo "qcow2 file $((qsize >> 20)) MiB: qemu-img convert + rbd import $(fmt "$base") s"
echo "  our conversion alone (reader -> RBD, verified): $(fmt "$conversion") s; speed vs baseline $(echo "$base / $conversion" | bc -l | xargs printf '%.2f')x (goal >= 1.0)"
echo "  our whole upload (HTTP + MD5/SHA-512 + spool + conversion): $(fmt "$ours") s; speed vs baseline $(echo "$base / $ours" | bc -l | xargs printf '%.2f')x; md5sum + sha512sum of the file alone $(fmt "$hashes") s"

for id in "${image[@]}" "$q"; do
  until call -X DELETE -o /dev/null -w '%{http_code}' "$api/v2/images/$id" | grep -q 204; do sleep 1; done
done
