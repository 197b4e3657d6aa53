#!/usr/bin/env bash
# Migration benchmarks (docs/benchmarks.md, "Migration"): BlockStore's migrations through the real API and
# worker (scripts/run), next to the rbd CLI on the same data, in one run. Not part of CI.
#
#   bench/migrate.sh [--size-gib 2] [--sparse-gib 16] [--sparse-data-gib 1] [--skip-p2]
#
# P2  a fully written volume: file -> ceph vs `rbd import`, ceph -> ceph-fast vs `rbd deep cp` and vs
#     `rbd export - | rbd import -`,
#     ceph(-fast) -> file vs `rbd export`, and vs `rbd export` followed by a sync of the file (a migration is durable).
# P3  a sparse volume (16 GiB holding 1 GiB) vs a fully written 1 GiB one, file -> ceph.
# P6  the worker's peak RSS while the sparse volume migrates.
# Each timed move also reports the MiB read from and written to the disks under the OSD and the file volumes.
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
# Every timed move, ours and the CLI's, starts from the same page-cache state: everything written back, and no page
# of the volume data cached (posix_fadvise DONTNEED on the data files, which any user may do). Otherwise whichever ran
# last inherits the other's cached pages or its dirty ones. The programs' own pages stay cached: a service is warm,
# and dropping every cache (as runs 10 and 11 did) made the API and worker page their code back in on each move.
settle() {
  local f
  sync
  for f in "$work"/*.raw "$Backends__local__Path"/volume-*; do
    [[ -f $f ]] && dd if="$f" iflag=nocache count=0 status=none
  done
  return 0
}
# The disks under the OSD's block file and the file backend's volumes: what each timed move read from and wrote to
# them (/proc/diskstats, 512-byte sectors), so that a move bound by the disk shows as such.
disks=$(for d in "$BLOCKSTORE_STATE" "$Backends__local__Path"; do
  dev=$(df --output=source "$d" 2>/dev/null | tail -1); echo "${dev##*/}"; done | sort -u | tr '\n' ' ')
disk_sectors() { awk -v list=" $disks" '{ if (index(list, " " $3 " ")) { r += $6; w += $10; n++ } } END { if (n) printf "%.0f %.0f\n", r, w; else print "" }' /proc/diskstats; }
# CPU time the whole machine spent busy (user, nice, system, irq, softirq, steal), in clock ticks: a move that keeps
# every core busy is bound by the CPU, whatever its disk counts say.
cpu_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
# timed <command...> -> "seconds read-MiB written-MiB cpu-seconds" (n/a for the disk when it is not a block device
# listed there)
timed() {
  local start end r0 w0 r1 w1 c0 c1
  settle
  read -r r0 w0 < <(disk_sectors)
  c0=$(cpu_ticks)
  start=$(now)
  "$@" >/dev/null
  end=$(now)
  c1=$(cpu_ticks)
  read -r r1 w1 < <(disk_sectors)
  local t; t=$(secs "$start" "$end")
  local cpu; cpu=$(python3 -c "print(f'{($c1 - $c0) / $hz:.1f}')")
  if [[ -n $r0 ]]; then echo "$t $(((r1 - r0) / 2048)) $(((w1 - w0) / 2048)) $cpu"; else echo "$t n/a n/a $cpu"; fi
}
# The move's own status, polled without starting a Python per poll: on two cores a poll that costs 25 ms of CPU five
# times a second would take from the move it times, and the CLI baselines are not polled.
migration_status() { call "$api/volumes/$1" | grep -o '"migration_status": *"[a-z]*"' | cut -d'"' -f4; }
migrate_now() { # migrate_now <id> <backend>: until migration_status is success
  local status
  call -X POST "$api/volumes/$1/action" -d "{\"os-migrate_volume\":{\"host\":\"$2\"}}" >/dev/null
  while status=$(migration_status "$1"); [[ $status != success ]]; do
    [[ $status != error ]] || { echo "migration of $1 to $2 failed" >&2; exit 1; }
    sleep 0.2
  done
}
# Seconds (from the request to migration_status success for ours), then disk MiB read and written.
migrate() { timed migrate_now "$@"; }
file_of() { echo "$Backends__local__Path/volume-$1"; }

for b in ceph ceph-fast local; do type_for "$b"; done
bytes=$((size_gib << 30))

worker=$(cat "$BLOCKSTORE_STATE/run/worker.pid")
echo "page cache before each timed move: synced, volume data dropped"
echo "worker RSS before: $(($(awk '/VmRSS/ {print $2}' "/proc/$worker/status") / 1024)) MiB"
if [[ -n $p2 ]]; then
echo "== P2: a fully written ${size_gib} GiB volume"
head -c "$bytes" /dev/urandom >"$work/data.raw"
want=$(sha256sum <"$work/data.raw" | cut -d' ' -f1)
id=$(create local "$size_gib")
dd if="$work/data.raw" of="$(file_of "$id")" bs=4M conv=notrunc,fsync status=none

read -r t_import r_import w_import c_import < <(timed rbd import --no-progress "$work/data.raw" "volumes/bench-import-$id")
rbd rm --no-progress "volumes/bench-import-$id"
read -r t_to_ceph r_to_ceph w_to_ceph c_to_ceph < <(migrate "$id" ceph)

read -r t_export r_export w_export c_export < <(timed rbd export --no-progress "volumes/volume-$id" "$work/export.raw")
rm -f "$work/export.raw"
# `rbd export` never syncs (strace shows no fsync, fdatasync or sync_file_range): its time ends with the data still
# in the page cache. A migration counts only once the file is durable, so the export is also timed with a sync.
export_durable() { rbd export --no-progress "$1" "$2" && sync "$2"; }
read -r t_export_sync r_export_sync w_export_sync c_export_sync < <(timed export_durable "volumes/volume-$id" "$work/export.raw")
rm -f "$work/export.raw"
read -r t_deep r_deep w_deep c_deep < <(timed rbd deep cp --no-progress "volumes/volume-$id" "volumes-fast/bench-deep-$id")
rbd rm --no-progress "volumes-fast/bench-deep-$id"
# The issue's other baseline for this move: the data streamed through one pipe, out of one pool and into the other.
pipe_copy() { rbd export --no-progress "$1" - | rbd import --no-progress - "$2"; }
read -r t_pipe r_pipe w_pipe c_pipe < <(timed pipe_copy "volumes/volume-$id" "volumes-fast/bench-pipe-$id")
rbd rm --no-progress "volumes-fast/bench-pipe-$id"
read -r t_to_fast r_to_fast w_to_fast c_to_fast < <(migrate "$id" ceph-fast)
read -r t_to_file r_to_file w_to_file c_to_file < <(migrate "$id" local)
got=$(sha256sum <"$(file_of "$id")" | cut -d' ' -f1)
[[ $got == "$want" ]] || { echo "sha256 differs after three migrations" >&2; exit 1; }
call -X DELETE "$api/volumes/$id" >/dev/null
rm -f "$work/data.raw"

row() { printf '%-32s %7s %6s %11s %5s   %-20s %7s %6s %11s %5s\n' "$@"; }
io() { echo "$1/$2"; }
row direction s MiB/s "disk r/w" cpu baseline s MiB/s "disk r/w" cpu
row "file -> ceph" "$t_to_ceph" "$(mibps $bytes 0 "$t_to_ceph")" "$(io "$r_to_ceph" "$w_to_ceph")" "$c_to_ceph" \
  "rbd import" "$t_import" "$(mibps $bytes 0 "$t_import")" "$(io "$r_import" "$w_import")" "$c_import"
row "ceph -> ceph-fast (server-side)" "$t_to_fast" "$(mibps $bytes 0 "$t_to_fast")" "$(io "$r_to_fast" "$w_to_fast")" "$c_to_fast" \
  "rbd deep cp" "$t_deep" "$(mibps $bytes 0 "$t_deep")" "$(io "$r_deep" "$w_deep")" "$c_deep"
row "" "" "" "" "" "rbd export - | import -" "$t_pipe" "$(mibps $bytes 0 "$t_pipe")" "$(io "$r_pipe" "$w_pipe")" "$c_pipe"
row "ceph-fast -> file" "$t_to_file" "$(mibps $bytes 0 "$t_to_file")" "$(io "$r_to_file" "$w_to_file")" "$c_to_file" \
  "rbd export (volumes)" "$t_export" "$(mibps $bytes 0 "$t_export")" "$(io "$r_export" "$w_export")" "$c_export"
row "" "" "" "" "" "rbd export; sync" "$t_export_sync" "$(mibps $bytes 0 "$t_export_sync")" "$(io "$r_export_sync" "$w_export_sync")" "$c_export_sync"
echo "disk r/w: MiB read from and written to $disks(the OSD's block file and the file volumes) during the move"
echo "cpu: CPU seconds the whole machine spent busy during the move, out of $(nproc) per second of it"
echo "sha256 after file -> ceph -> ceph-fast -> file: equal"
fi

echo "== P3/P6: ${sparse_gib} GiB holding ${sparse_data_gib} GiB, against ${sparse_data_gib} GiB fully written (file -> ceph)"
full=$(create local "$sparse_data_gib")
head -c $((sparse_data_gib << 30)) /dev/urandom | dd of="$(file_of "$full")" bs=4M conv=notrunc,fsync iflag=fullblock status=none
read -r t_full r_full w_full c_full < <(migrate "$full" ceph)
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
read -r t_sparse r_sparse w_sparse c_sparse < <(migrate "$sparse" ceph)
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss" | tail -1)
used=$(rbd du --format json "volumes/volume-$sparse" | python3 -c "import json,sys; print(json.load(sys.stdin)['images'][0]['used_size'])")
call -X DELETE "$api/volumes/$sparse" >/dev/null

echo "fully written ${sparse_data_gib} GiB: ${t_full} s (disk r/w $r_full/$w_full MiB, cpu $c_full s); ${sparse_gib} GiB holding ${sparse_data_gib} GiB: ${t_sparse} s (disk r/w $r_sparse/$w_sparse MiB, cpu $c_sparse s); ratio $(python3 -c "print(f'{$t_sparse / $t_full:.2f}')")"
echo "rbd du of the migrated sparse volume: $((used >> 20)) MiB used"
echo "worker peak RSS while migrating it: $((peak / 1024)) MiB"
