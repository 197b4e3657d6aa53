#!/usr/bin/env bash
# Migration benchmarks (docs/benchmarks.md, "Migration"): BlockStore's migrations through the real API and
# worker (scripts/run), next to the rbd CLI on the same data, in one run. Not part of CI.
#
#   bench/migrate.sh [--size-gib 2] [--sparse-gib 16] [--sparse-data-gib 1] [--skip-p2]
#
# P2  a fully written volume: file -> ceph vs `rbd import`, ceph -> ceph-fast vs `rbd deep cp`,
#     ceph(-fast) -> file vs `rbd export`, and vs `rbd export` followed by a sync of the file (a migration is durable).
# P3  a sparse volume (16 GiB holding 1 GiB) vs a fully written 1 GiB one, file -> ceph.
# P6  the worker's peak RSS while the sparse volume migrates.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
size_gib=2 sparse_gib=16 sparse_data_gib=1 p2=1
while (($#)); do
  case $1 in
    --size-gib) size_gib=$2; shift 2 ;;
    --sparse-gib) sparse_gib=$2; shift 2 ;;
    --sparse-data-gib) sparse_data_gib=$2; shift 2 ;;
    --skip-p2) p2=; shift ;;
    *) echo "usage: $0 [--size-gib N] [--sparse-gib N] [--sparse-data-gib N]" >&2; exit 2 ;;
  esac
done

"$root/scripts/run" >/dev/null
eval "$("$root/scripts/stack" env)"
api="$BLOCKSTORE_API_URL/v3/bench"
work=$(mktemp -d /tmp/blockstore-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

call() { curl -sf -H 'X-Auth-Token: admin:bench' -H 'Content-Type: application/json' "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['volume']; print(d.get('$1') if '$1' in d else '')"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
mibps() { python3 -c "print(f'{$1 / ($3 - $2) / 1048576:.0f}')"; }

type_for() { call -X POST "$api/types" -d "{\"volume_type\":{\"name\":\"bench-$1\",\"extra_specs\":{\"volume_backend_name\":\"$1\"}}}" >/dev/null || true; }
create() { # create <backend> <size GiB> -> id, once available
  local id
  id=$(call -X POST "$api/volumes" -d "{\"volume\":{\"size\":$2,\"volume_type\":\"bench-$1\"}}" | field id)
  until [[ $(call "$api/volumes/$id" | field status) == available ]]; do sleep 0.2; done
  echo "$id"
}
# Every timed move, ours and the CLI's, starts from the same page-cache state: written back and, where this shell
# may (root), dropped. Otherwise whichever ran last inherits the other's cached pages or its dirty ones.
settle() { sync; [[ -n $drop_caches ]] && echo 3 >/proc/sys/vm/drop_caches || true; }
drop_caches=; [[ -w /proc/sys/vm/drop_caches ]] && drop_caches=1
migrate() { # migrate <id> <backend> -> seconds from the request to migration_status success
  local start status
  settle
  start=$(now)
  call -X POST "$api/volumes/$1/action" -d "{\"os-migrate_volume\":{\"host\":\"$2\"}}" >/dev/null
  while status=$(call "$api/volumes/$1" | field migration_status); [[ $status != success ]]; do
    [[ $status != error ]] || { echo "migration of $1 to $2 failed" >&2; exit 1; }
    sleep 0.2
  done
  secs "$start" "$(now)"
}
timed() { local start; settle; start=$(now); "$@" >/dev/null; secs "$start" "$(now)"; }
file_of() { echo "$Backends__local__Path/volume-$1"; }

for b in ceph ceph-fast local; do type_for "$b"; done
bytes=$((size_gib << 30))

worker=$(cat "$BLOCKSTORE_STATE/run/worker.pid")
echo "page cache before each timed move: $([[ -n $drop_caches ]] && echo "synced and dropped" || echo "synced (not root: not dropped)")"
echo "worker RSS before: $(($(awk '/VmRSS/ {print $2}' "/proc/$worker/status") / 1024)) MiB"
if [[ -n $p2 ]]; then
echo "== P2: a fully written ${size_gib} GiB volume"
head -c "$bytes" /dev/urandom >"$work/data.raw"
want=$(sha256sum <"$work/data.raw" | cut -d' ' -f1)
id=$(create local "$size_gib")
dd if="$work/data.raw" of="$(file_of "$id")" bs=4M conv=notrunc,fsync status=none

t_import=$(timed rbd import --no-progress "$work/data.raw" "volumes/bench-import-$id")
rbd rm --no-progress "volumes/bench-import-$id"
t_to_ceph=$(migrate "$id" ceph)

t_export=$(timed rbd export --no-progress "volumes/volume-$id" "$work/export.raw")
rm -f "$work/export.raw"
# `rbd export` never syncs (strace shows no fsync, fdatasync or sync_file_range): its time ends with the data still
# in the page cache. A migration counts only once the file is durable, so the export is also timed with a sync.
export_durable() { rbd export --no-progress "$1" "$2" && sync "$2"; }
t_export_sync=$(timed export_durable "volumes/volume-$id" "$work/export.raw")
rm -f "$work/export.raw"
t_deep=$(timed rbd deep cp --no-progress "volumes/volume-$id" "volumes-fast/bench-deep-$id")
rbd rm --no-progress "volumes-fast/bench-deep-$id"
t_to_fast=$(migrate "$id" ceph-fast)
t_to_file=$(migrate "$id" local)
got=$(sha256sum <"$(file_of "$id")" | cut -d' ' -f1)
[[ $got == "$want" ]] || { echo "sha256 differs after three migrations" >&2; exit 1; }
call -X DELETE "$api/volumes/$id" >/dev/null
rm -f "$work/data.raw"

printf '%-32s %8s %8s   %-24s %8s %8s\n' direction "s" "MiB/s" baseline "s" "MiB/s"
printf '%-32s %8s %8s   %-24s %8s %8s\n' "file -> ceph" "$t_to_ceph" "$(mibps $bytes 0 "$t_to_ceph")" "rbd import" "$t_import" "$(mibps $bytes 0 "$t_import")"
printf '%-32s %8s %8s   %-24s %8s %8s\n' "ceph -> ceph-fast (server-side)" "$t_to_fast" "$(mibps $bytes 0 "$t_to_fast")" "rbd deep cp" "$t_deep" "$(mibps $bytes 0 "$t_deep")"
printf '%-32s %8s %8s   %-24s %8s %8s\n' "ceph-fast -> file" "$t_to_file" "$(mibps $bytes 0 "$t_to_file")" "rbd export (volumes)" "$t_export" "$(mibps $bytes 0 "$t_export")"
printf '%-32s %8s %8s   %-24s %8s %8s\n' "" "" "" "rbd export; sync" "$t_export_sync" "$(mibps $bytes 0 "$t_export_sync")"
echo "sha256 after file -> ceph -> ceph-fast -> file: equal"
fi

echo "== P3/P6: ${sparse_gib} GiB holding ${sparse_data_gib} GiB, against ${sparse_data_gib} GiB fully written (file -> ceph)"
full=$(create local "$sparse_data_gib")
head -c $((sparse_data_gib << 30)) /dev/urandom | dd of="$(file_of "$full")" bs=4M conv=notrunc,fsync iflag=fullblock status=none
t_full=$(migrate "$full" ceph)
call -X DELETE "$api/volumes/$full" >/dev/null

sparse=$(create local "$sparse_gib")
pieces=$((sparse_data_gib * 256)) stride=$((sparse_gib * 256 / (sparse_data_gib * 256)))
for ((i = 0; i < pieces; i++)); do
  head -c 4M /dev/urandom | dd of="$(file_of "$sparse")" bs=4M seek=$((i * stride)) conv=notrunc iflag=fullblock status=none
done
sync "$(file_of "$sparse")"
( while kill -0 "$worker" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$worker/status"; sleep 0.2
  done ) >"$work/rss" &
sampler=$!
t_sparse=$(migrate "$sparse" ceph)
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -1)
used=$(rbd du --format json "volumes/volume-$sparse" | python3 -c "import json,sys; print(json.load(sys.stdin)['images'][0]['used_size'])")
call -X DELETE "$api/volumes/$sparse" >/dev/null

echo "fully written ${sparse_data_gib} GiB: ${t_full} s; ${sparse_gib} GiB holding ${sparse_data_gib} GiB: ${t_sparse} s; ratio $(python3 -c "print(f'{$t_sparse / $t_full:.2f}')")"
echo "rbd du of the migrated sparse volume: $((used >> 20)) MiB used"
echo "worker peak RSS while migrating it: $((peak / 1024)) MiB"
