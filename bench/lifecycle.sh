#!/usr/bin/env bash
# Volume lifecycle benchmarks (issue 4), on the stack that scripts/stack describes. Never run in CI.
#
#   bench/lifecycle.sh [--posts N] [--e2e N] [--seed N] [--seconds S] [--concurrency C] [--projects P]
#
# Starts its own API (and, for the end-to-end figure, its own single worker) from the Release build on a free
# port, then measures, in this order:
#   1. end to end: N empty 1 GiB volumes POSTed with one worker running; volumes per second from the first
#      created_at to the last status_changed_at (202 -> available), read from the rows; after 256 unmeasured creates;
#   2. GET /volumes/detail?limit=100 in a project seeded with --seed rows (SQL insert), with hey at 16 clients and at 1,
#      each next to the bare SQL of the same page timed with pgbench at the same number of clients (p50/p99 of both),
#      after 10 s of unmeasured warm-up;
#   3. POST /volumes accepted per second (p50/p99), with hey, across P projects at once: the API alone (worker stopped,
#      so each create commits its rows and outbox row and nothing is published) at 8, 16 and C connections in all (one
#      run each, after an unmeasured warm-up run), then at 16 connections while the worker runs (its dispatcher
#      publishing each CreateVolume and its consumers creating the images, as in a deployment; after 1,000 unmeasured
#      creates, and at the CPU priority scripts/run gives it, app_nice);
#   4. the API's peak RSS during 1 to 3 (sampled from /proc every 0.2 s), with the peak so far after each step.
# Stops the API and worker of scripts/run first (scripts/stack down app). Cleans up after itself: volumes that got images
# are deleted through the API (images removed by the worker); the seeded rows, and the API-alone creates with their
# unpublished outbox rows, by SQL (they have no images).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

posts=4000 e2e=1000 seed=100000 seconds=15 concurrency=32 projects=4
while (($#)); do
  case $1 in
    --posts) posts=$2; shift 2 ;;
    --e2e) e2e=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --projects) projects=$2; shift 2 ;;
    *) echo "usage: bench/lifecycle.sh [--posts N] [--e2e N] [--seed N] [--seconds S] [--concurrency C] [--projects P]" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh
# shellcheck source=scripts/lib/app.sh
source scripts/lib/app.sh
command -v hey >/dev/null || die "hey is missing (apt-get install hey; scripts/stack up installs it)"
command -v pgbench >/dev/null || die "pgbench is missing (it comes with postgresql)"
[[ -n ${ConnectionStrings__BlockStore:-} ]] || eval "$(scripts/stack env)"

# psql settings from the connection string the services use.
cs() { tr ';' '\n' <<<"$ConnectionStrings__BlockStore" | sed -n "s/^$1=//p"; }
export PGHOST=$(cs Host) PGPORT=$(cs Port) PGDATABASE=$(cs Database) PGUSER=$(cs Username) PGPASSWORD=$(cs Password)
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Alone on the stack: the API and worker of scripts/run would take messages and CPU.
scripts/stack down app >/dev/null
say "building (Release)"
dotnet build BlockStore.sln -c Release -nologo -v quiet >&2
dotnet run --project migrations/BlockStore.Migrations -c Release --no-build --no-launch-profile >&2
bin() { echo "$REPO/src/$1/bin/Release/net10.0/$1.dll"; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
# Unlimited quotas: the benchmark measures the path, not the refusal. Logs at the shipped levels.
# The same process tuning as scripts/run and the image give it.
(cd "$(dirname "$(bin BlockStore.Api)")" && app_tuning api && ASPNETCORE_URLS=$url Quotas__Volumes=-1 Quotas__Gigabytes=-1 \
  exec dotnet "$(bin BlockStore.Api)") >"$work/api.log" 2>&1 &
api=$!
pids+=("$api")
for ((i = 0; i < 300; i++)); do curl -fs "$url/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$url/readyz" >/dev/null || { tail -20 "$work/api.log" >&2; die "the API did not become ready"; }

worker_nice=$(app_nice worker) || exit 1
start_worker() {
  (cd "$(dirname "$(bin BlockStore.Worker)")" && app_tuning worker && exec nice -n "$worker_nice" dotnet "$(bin BlockStore.Worker)") \
    >>"$work/worker.log" 2>&1 &
  worker=$!
  pids+=("$worker")
  for ((i = 0; i < 300; i++)); do grep -q "Worker ready" "$work/worker.log" 2>/dev/null && return 0; sleep 0.2; done
  die "the worker did not become ready"
}

rss_peak=0
peak_so_far() { echo $(($(sort -n "$work/rss" | tail -1) / 1024)); }
sample_rss() { while kill -0 "$api" 2>/dev/null; do awk '/VmRSS/ { print $2 }' "/proc/$api/status"; sleep 0.2; done >"$work/rss" 2>/dev/null; }
sample_rss &
pids+=($!)

run=$(date +%s)
# hey's "Requests/sec" and its latency percentiles, in ms.
hey_rps() { awk '/Requests\/sec/ { printf "%.0f", $2 }' "$1"; }
hey_pct() { awk -v p="$2%" '$1 == p && $2 == "in" { printf "%.1f", $3 * 1000 }' "$1"; }
hey_codes() { sed -n '/Status code distribution/,/^$/p' "$1" | tr -s ' ' | tr '\n' ' '; }

# delete_through_api PROJECT...: deletes the projects' volumes through the API and waits until the worker has removed
# them (images included).
delete_through_api() {
  local project
  say "   deleting them through the API"
  for project; do
    sql "SELECT id FROM blockstore.volumes WHERE project_id = '$project'" |
      xargs -P 16 -I{} curl -fs -o /dev/null -X DELETE -H "X-Auth-Token: bench:$project" "$url/v3/$project/volumes/{}"
  done
  for ((i = 0; i < 1200; i++)); do
    (($(sql "SELECT count(*) FROM blockstore.volumes WHERE project_id = ANY(string_to_array('$*', ' '))") == 0)) && return
    sleep 0.5
  done
  say "   warning: not all volumes of $* were gone within 10 minutes"
}

# creates_settle PATTERN: waits (up to 10 minutes) until the worker has made every image asked for so far in the
# projects that match the LIKE pattern.
creates_settle() {
  for ((i = 0; i < 1200; i++)); do
    (($(sql "SELECT count(*) FROM blockstore.volumes WHERE project_id LIKE '$1' AND status = 'creating'") == 0)) && return
    sleep 0.5
  done
}

# ---- 1. end to end, one worker ------------------------------------------------------------------------------------
start_worker
project=bench-e2e-$run
say "1. end to end: $e2e volumes with one worker"
# Warm-up, not measured, as before the POST runs below: the API and the worker compile their hot paths on the first
# creates, and a deployed worker is long past them. The volumes are made, then deleted, before the measured run.
hey -n 256 -c 16 -m POST -T application/json -H "X-Auth-Token: bench:$project-warm" \
  -d '{"volume":{"size":1}}' "$url/v3/$project-warm/volumes" >/dev/null
creates_settle "$project-warm"
delete_through_api "$project-warm"
hey -n "$e2e" -c 16 -m POST -T application/json -H "X-Auth-Token: bench:$project" \
  -d '{"volume":{"size":1}}' "$url/v3/$project/volumes" >"$work/e2e.txt"
creates_settle "$project"
read -r made e2e_seconds errors < <(sql "SELECT count(*), extract(epoch FROM max(status_changed_at) - min(created_at)),
  count(*) FILTER (WHERE status <> 'available') FROM blockstore.volumes WHERE project_id = '$project'" | tr '|' ' ')
e2e_rate=$(awk -v n="$made" -v s="$e2e_seconds" 'BEGIN { printf "%.0f", n / s }')
say "   $made volumes, $errors not available, in ${e2e_seconds}s: $e2e_rate/s ($(hey_codes "$work/e2e.txt"))"
delete_through_api "$project"
kill "$worker"; wait "$worker" 2>/dev/null || true

# ---- 2. the detail list over a seeded project -----------------------------------------------------------------------
project=bench-list-$run
list_url="$url/v3/$project/volumes/detail?limit=100"
say "   API peak RSS so far: $(peak_so_far) MiB"
say "2. GET /volumes/detail?limit=100 with $seed volumes seeded in one project"
sql "INSERT INTO blockstore.volumes (id, project_id, user_id, name, size, status, availability_zone, volume_type_id, backend,
       bootable, metadata, created_at, status_changed_at)
     SELECT gen_random_uuid(), '$project', 'bench', 'seed-' || g, 1, 'available', 'nova',
       (SELECT id FROM blockstore.volume_types ORDER BY created_at LIMIT 1), 'bench', false, '{}',
       now() - g * interval '1 second', now()
     FROM generate_series(1, $seed) g"
sql "ANALYZE blockstore.volumes"
# The same page as the API's query: ListQuery's page with VolumeRow.Reader's select list (the type name in a subquery).
cat >"$work/page.sql" <<SQL
SELECT v.id, v.project_id, v.user_id, v.name, v.description, v.size, v.status, v.availability_zone, v.volume_type_id,
  (SELECT t.name FROM blockstore.volume_types t WHERE t.id = v.volume_type_id), v.backend, v.bootable, v.snapshot_id,
  v.source_volume_id, v.migration_status, v.created_at, v.updated_at, v.metadata::text, v.image_metadata::text, v.read_only,
  CASE WHEN v.status <> 'available' THEN (SELECT json_agg(json_build_object('attachment_id', a.id, 'server_id', a.instance_id,
    'host_name', a.attached_host, 'device', a.mountpoint, 'attached_at', a.attached_at) ORDER BY a.created_at)::text
    FROM blockstore.attachments a WHERE a.volume_id = v.id AND a.status = 'attached') END
FROM blockstore.volumes v WHERE v.project_id = '$project' ORDER BY v.created_at DESC, v.id DESC LIMIT 100 OFFSET 0;
SQL
# pgbench with C clients: "q/s p50 p99", the percentiles from its per-transaction log.
page_sql() {
  rm -f "$work"/page.[0-9]*
  (cd "$work" && pgbench -n -M prepared -c "$1" -j "$(($1 < 2 ? 1 : 2))" -T "$seconds" -f page.sql -l --log-prefix=page >"$work/pgbench.txt" 2>&1)
  local tps
  tps=$(awk '/^tps/ { printf "%.0f", $3 }' "$work/pgbench.txt")
  cat "$work"/page.[0-9]* | awk '{ print $3 }' | sort -n |
    awk -v tps="$tps" '{ a[NR] = $1 } END { printf "%s %.2f %.2f\n", tps, a[int(NR * 0.50)] / 1000, a[int(NR * 0.99)] / 1000 }'
}
# Warm-up, not measured: for its first seconds the API runs unoptimised code while tiered compilation catches up.
hey -z 10s -c 16 -H "X-Auth-Token: bench:$project" "$list_url" >/dev/null
list_rows=()
for c in 16 1; do
  hey -z "${seconds}s" -c "$c" -H "X-Auth-Token: bench:$project" "$list_url" >"$work/list-$c.txt"
  read -r sql_tps sql_p50 sql_p99 < <(page_sql "$c")
  api="$(hey_rps "$work/list-$c.txt") req/s, p50 $(hey_pct "$work/list-$c.txt" 50) ms, p99 $(hey_pct "$work/list-$c.txt" 99) ms"
  ratio=$(awk -v a="$(hey_pct "$work/list-$c.txt" 99)" -v b="$sql_p99" 'BEGIN { printf "%.1f", a / b }')
  say "   $c client(s): API $api ($(hey_codes "$work/list-$c.txt"))"
  say "   $c client(s): SQL $sql_tps q/s, p50 $sql_p50 ms, p99 $sql_p99 ms; API p99 / SQL p99 = $ratio"
  target=""
  ((c == 1)) || target=">= 1,000 req/s"
  list_rows+=("| GET /volumes/detail?limit=100, $seed rows, $c client(s) | $api | $target |")
  list_rows+=("| the same page as bare SQL (pgbench -M prepared), $c client(s) | $sql_tps q/s, p50 $sql_p50 ms, p99 $sql_p99 ms | API p99 within 3x: ${ratio}x |")
done
sql "DELETE FROM blockstore.volumes WHERE project_id = '$project'"

# ---- 3. POST /volumes accepted per second -------------------------------------------------------------------------------
# A closed loop: p99 follows the number of requests in flight, so each level of concurrency is its own run.
post_run() { # post_run TAG CONNECTIONS -> "creates/s p50 p99"; the percentiles are the worst of the projects' runs
  local tag=$1 conc=$2 per c p rps p50 p99 heys=()
  per=$((posts / projects)) c=$((conc / projects))
  ((c >= 1)) || c=1
  for ((p = 0; p < projects; p++)); do
    hey -n "$per" -c "$c" -m POST -T application/json -H "X-Auth-Token: bench:bench-post-$run-$tag-$p" \
      -d '{"volume":{"size":1}}' "$url/v3/bench-post-$run-$tag-$p/volumes" >"$work/post-$tag-$p.txt" &
    heys+=($!)
  done
  wait "${heys[@]}"
  rps=$(cat "$work"/post-"$tag"-*.txt | awk '/Requests\/sec/ { s += $2 } END { printf "%.0f", s }')
  p50=$(for f in "$work"/post-"$tag"-*.txt; do hey_pct "$f" 50; echo; done | sort -n | tail -1)
  p99=$(for f in "$work"/post-"$tag"-*.txt; do hey_pct "$f" 99; echo; done | sort -n | tail -1)
  echo "$rps $p50 $p99"
}
say "   API peak RSS so far: $(peak_so_far) MiB"
say "3. POST /volumes: $posts creates over $projects projects at once, with 8, 16 and $concurrency connections in all, the API alone"
post_run warm 16 >/dev/null # warm-up, not measured
post_rows=()
post_row() { # post_row TAG CONNECTIONS LABEL
  local post_rps post_p50 post_p99
  read -r post_rps post_p50 post_p99 < <(post_run "$1" "$2")
  say "   $2 connections$3: $post_rps creates/s accepted, p50 $post_p50 ms, p99 $post_p99 ms ($(hey_codes "$work/post-$1-0.txt"))"
  post_rows+=("| POST /volumes accepted, $2 connections over $projects projects$3 | $post_rps/s, p50 $post_p50 ms, p99 $post_p99 ms | >= 1,000/s, p99 < 50 ms |")
}
for conc in 8 16 "$concurrency"; do post_row "c$conc" "$conc" ""; done
# No worker ran: no images, and nothing published. Drop the rows, their outbox rows and their quota usage.
sql "DELETE FROM blockstore.outbox WHERE message_type = 'BlockStore.Contracts.CreateVolume'
       AND (body->>'volumeId')::uuid IN (SELECT id FROM blockstore.volumes WHERE project_id LIKE 'bench-post-$run-%');
     DELETE FROM blockstore.volumes WHERE project_id LIKE 'bench-post-$run-%';
     DELETE FROM blockstore.quota_usages WHERE project_id LIKE 'bench-%-$run%'"
say "   while the worker runs (it publishes the outbox and creates the images)"
start_worker
# Warm-up, not measured, as for the API: a worker that has just started spends a tenth of its CPU compiling.
hey -n 1000 -c 16 -m POST -T application/json -H "X-Auth-Token: bench:bench-post-$run-worker-warm" \
  -d '{"volume":{"size":1}}' "$url/v3/bench-post-$run-worker-warm/volumes" >/dev/null
creates_settle "bench-post-$run-worker-%"
post_row worker 16 ", worker running"
creates_settle "bench-post-$run-worker-%"
mapfile -t worker_projects < <(sql "SELECT DISTINCT project_id FROM blockstore.volumes WHERE project_id LIKE 'bench-post-$run-worker-%'")
delete_through_api "${worker_projects[@]}"
sql "DELETE FROM blockstore.quota_usages WHERE project_id LIKE 'bench-%-$run%'"
kill "$worker"; wait "$worker" 2>/dev/null || true
rss_peak=$(sort -n "$work/rss" | tail -1)

cat <<EOF

BlockStore lifecycle benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)
| figure | measured | target |
|---|---:|---|
| end to end, 202 -> available, one worker | $e2e_rate volumes/s ($made in ${e2e_seconds}s, $errors not available) | >= 100/s |
$(printf '%s\n' "${list_rows[@]}" "${post_rows[@]}")
| API peak RSS (during 1 to 3) | $((rss_peak / 1024)) MiB | < 200 MiB |
EOF
