# shellcheck shell=bash
# Helpers for the bench scripts that drive the API with curl. The caller sets api (…/v3/<project>), auth (curl's
# headers, an array) and work (a scratch directory).

now_ms() { date +%s%3N; }

# status <volumes|snapshots> <id>: its status, or "gone".
status() {
  curl -s -o "$work/show" -w '%{http_code}' "${auth[@]}" "$api/$1/$2" | grep -q 200 || { echo gone; return; }
  python3 -c 'import json,sys; print(next(iter(json.load(open(sys.argv[1])).values()))["status"])' "$work/show"
}

# wait_status <volumes|snapshots> <id> <status>: polls every 50 ms until it shows that status.
wait_status() { until [[ $(status "$1" "$2") == "$3" ]]; do sleep 0.05; done; }

# post_id <path> <body> <resource>: POSTs, and prints the id of the resource answered.
post_id() {
  curl -sf "${auth[@]}" -X POST "$api/$1" -d "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]]["id"])' "$3"
}
