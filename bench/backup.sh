#!/usr/bin/env bash
# Backup benchmarks (docs/benchmarks.md, "Backups"): BlockStore's backups and restores through the real API and worker
# (scripts/run), next to the rbd CLI moving the same data between the same pools, in one run. Not part of CI.
#
#   bench/backup.sh [--size-gib 2] [--sparse-gib 16] [--sparse-data-mib 512]
#
# B1  a fully written volume: backup (volumes -> backups) and restore into a new volume (backups -> volumes), each
#     against `rbd export - | rbd import -` between the same pools.
# B2  a sparse volume (16 GiB holding 512 MiB): backup against the same pipe, which reads every byte.
# Every copy is checked: the restored volume's sha256 equals the source's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
size_gib=2 sparse_gib=16 sparse_data_mib=512
while (($#)); do
  case $1 in
    --size-gib) size_gib=$2; shift 2 ;;
    --sparse-gib) sparse_gib=$2; shift 2 ;;
    --sparse-data-mib) sparse_data_mib=$2; shift 2 ;;
    *) echo "usage: $0 [--size-gib N] [--sparse-gib N] [--sparse-data-mib N]" >&2; exit 2 ;;
  esac
done

scripts/run >/dev/null
eval "$(scripts/stack env)"
api="$BLOCKSTORE_API_URL/v3/bench-backup"
auth=(-H 'X-Auth-Token: admin:bench-backup' -H 'Content-Type: application/json')
work=$(mktemp -d /tmp/blockstore-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/lib/api.sh
. bench/lib/api.sh

# The status of a backup or volume, read with grep: a poll that started Python every 0.1 s would take a good part of
# one of the two cores from the copy it times (the CLI baselines are not polled).
shown() { curl -s "${auth[@]}" "$api/$1/$2" | grep -o '"status": *"[a-z_-]*"' | head -1 | cut -d'"' -f4; }
until_shown() { # until_shown <backups|volumes> <id> <status>
  local s
  while s=$(shown "$1" "$2"); [[ $s != "$3" ]]; do
    [[ $s != error* ]] || { echo "$1/$2 ended $s" >&2; exit 1; }
    sleep 0.1
  done
}
seconds() { python3 -c "print(f'{($2 - $1) / 1000:.2f}')"; }
mibps() { python3 -c "print(f'{$1 / 1048576 / (($3 - $2) / 1000):.0f}')"; }
sha() { rbd export --no-progress "$1" - | sha256sum | cut -d' ' -f1; }
pipe() { rbd export --no-progress "$1" - | rbd import --no-progress - "$2"; }

volume() { # volume <size GiB> -> id, once available
  local id
  id=$(post_id volumes "{\"volume\":{\"size\":$1}}" volume)
  until_shown volumes "$id" available
  echo "$id"
}
backup() { # backup <volume id> -> "backup-id ms"
  local id start
  start=$(now_ms)
  id=$(post_id backups "{\"backup\":{\"volume_id\":\"$1\"}}" backup)
  until_shown backups "$id" available
  echo "$id $(($(now_ms) - start))"
}
restore() { # restore <backup id> -> "volume-id ms"
  local id start
  start=$(now_ms)
  id=$(curl -sf "${auth[@]}" -X POST "$api/backups/$1/restore" -d '{"restore":{}}' | grep -o '"volume_id": *"[0-9a-f-]*"' | cut -d'"' -f4)
  until_shown volumes "$id" available
  echo "$id $(($(now_ms) - start))"
}
timed_pipe() { # timed_pipe <from> <to> -> ms
  local start
  sync; start=$(now_ms)
  pipe "$1" "$2"
  echo $(($(now_ms) - start))
}
row() { printf '%-44s %8s %7s\n' "$@"; }

# fill <image> <pieces> <stride>: random 4 MiB pieces, one every <stride> pieces from the start, written through one
# `rbd import-diff` stream (a write record per piece), as client.blockstore.
fill() {
  python3 - "$@" <<'PY'
import json, os, subprocess, sys
image, pieces, stride = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = json.loads(subprocess.check_output(["rbd", "info", "--format", "json", image]))["size"]
le64 = lambda n: n.to_bytes(8, "little")
with subprocess.Popen(["rbd", "import-diff", "--no-progress", "-", image], stdin=subprocess.PIPE) as p:
    p.stdin.write(b"rbd diff v1\n" + b"s" + le64(size))
    for i in range(pieces):
        p.stdin.write(b"w" + le64(i * stride << 22) + le64(1 << 22) + os.urandom(1 << 22))
    p.stdin.write(b"e")
    p.stdin.close()
PY
}

echo "== B1: a fully written ${size_gib} GiB volume"
bytes=$((size_gib << 30))
src=$(volume "$size_gib")
fill "volumes/volume-$src" $((size_gib * 256)) 1
want=$(sha "volumes/volume-$src")
sync
read -r b1 t_backup < <(backup "$src")
t_pipe_out=$(timed_pipe "volumes/volume-$src" "backups/bench-pipe-$src")
read -r r1 t_restore < <(restore "$b1")
t_pipe_in=$(timed_pipe "backups/bench-pipe-$src" "volumes/bench-pipe-$src")
[[ $(sha "volumes/volume-$r1") == "$want" ]] || { echo "the restored volume differs from its source" >&2; exit 1; }
row "" s MiB/s
row "backup (volumes -> backups)" "$(seconds 0 "$t_backup")" "$(mibps "$bytes" 0 "$t_backup")"
row "  rbd export - | rbd import - (same pools)" "$(seconds 0 "$t_pipe_out")" "$(mibps "$bytes" 0 "$t_pipe_out")"
row "restore into a new volume (backups -> volumes)" "$(seconds 0 "$t_restore")" "$(mibps "$bytes" 0 "$t_restore")"
row "  rbd export - | rbd import - (same pools)" "$(seconds 0 "$t_pipe_in")" "$(mibps "$bytes" 0 "$t_pipe_in")"
echo "sha256 of the restored volume: equal to the source's"
rbd rm --no-progress "backups/bench-pipe-$src"
rbd rm --no-progress "volumes/bench-pipe-$src"
curl -sf "${auth[@]}" -X DELETE "$api/backups/$b1" >/dev/null
curl -sf "${auth[@]}" -X DELETE "$api/volumes/$r1" >/dev/null
curl -sf "${auth[@]}" -X DELETE "$api/volumes/$src" >/dev/null

echo "== B2: ${sparse_gib} GiB holding ${sparse_data_mib} MiB (4 MiB pieces, evenly spread)"
sparse=$(volume "$sparse_gib")
fill "volumes/volume-$sparse" $((sparse_data_mib / 4)) $((sparse_gib * 256 / (sparse_data_mib / 4)))
want=$(sha "volumes/volume-$sparse")
sync
read -r b2 t_sparse < <(backup "$sparse")
t_sparse_pipe=$(timed_pipe "volumes/volume-$sparse" "backups/bench-pipe-$sparse")
used=$(rbd du --format json "backups/backup-$b2" | python3 -c "import json,sys; print(json.load(sys.stdin)['images'][0]['used_size'])")
[[ $(sha "backups/backup-$b2") == "$want" ]] || { echo "the sparse backup differs from its source" >&2; exit 1; }
row "" s "x faster"
row "backup of the sparse volume" "$(seconds 0 "$t_sparse")" ""
row "  rbd export - | rbd import - (same pools)" "$(seconds 0 "$t_sparse_pipe")" "$(python3 -c "print(f'{$t_sparse_pipe / $t_sparse:.1f}')")"
echo "the backup's data in the store: $((used >> 20)) MiB used (rbd du); sha256 equal to the source's"
rbd rm --no-progress "backups/bench-pipe-$sparse"
curl -sf "${auth[@]}" -X DELETE "$api/backups/$b2" >/dev/null
curl -sf "${auth[@]}" -X DELETE "$api/volumes/$sparse" >/dev/null
