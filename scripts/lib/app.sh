# shellcheck shell=bash
# The BlockStore API and worker as started by scripts/run: pid files in
# <state>/run, logs in <state>/log. Sourced by scripts/stack and scripts/run.

APPS=(api worker)

app_paths() { APP_RUN=$STATE/run; }

app_pidfile() { echo "$APP_RUN/$1.pid"; }
app_pid() { pid_of "$(app_pidfile "$1")" dotnet; }

app_status() {
  status_line api "$(app_pid api)" "port $BLOCKSTORE_API_PORT"
  status_line worker "$(app_pid worker)" ""
}

# The Release build of the solution, then the database migrations (the program
# applies them to ConnectionStrings__BlockStore). Run from the repository root.
app_build() {
  dotnet build BlockStore.sln -c Release -nologo -v quiet
  dotnet run --project migrations/BlockStore.Migrations -c Release --no-build --no-launch-profile
}

# Process tuning for RSS, the same as docker/app.Dockerfile's (docs/benchmarks.md); each can be overridden
# from the environment. A fixed gen0 budget (by default it follows the L3 size, which large hosts report in
# hundreds of MiB); no double mapping of JIT'd code (W^X costs about 50 MiB of shared pages); two malloc
# arenas; a fixed mmap threshold, so that large freed blocks go back to the kernel instead of staying in the
# heap: 128 KiB in the worker (librados' multi-MiB buffers), 32 KiB in the API, whose large native blocks are
# the JIT's 64 KiB arena pages (without it, 10 to 30 MiB of them stayed in malloc's arenas after warm-up).
# app_tuning <api|worker>
app_tuning() {
  local mmap_threshold=131072
  [[ ${1:-} == api ]] && mmap_threshold=32768
  export DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x800000}
  export DOTNET_EnableWriteXorExecute=${DOTNET_EnableWriteXorExecute:-0}
  export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
  export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-$mmap_threshold}
}

# The CPU priority a process runs at: the worker's work is background work, so on a host it shares with the API
# it yields the CPU to the API's requests (nice 10; BLOCKSTORE_WORKER_NICE=0 runs both alike). Measured in
# docs/benchmarks.md, lifecycle run 17.
app_nice() {
  [[ $1 == worker ]] || { echo 0; return; }
  local n=${BLOCKSTORE_WORKER_NICE:-10}
  [[ $n =~ ^[0-9]+$ ]] && ((n <= 19)) || die "BLOCKSTORE_WORKER_NICE must be a nice value from 0 to 19, not '$n'"
  echo "$n"
}

# app_start <api|worker> <project dir>: runs the built assembly in the
# background, with the current environment, app_tuning and app_nice.
app_start() {
  local name=$1 project=$2 dll priority
  priority=$(app_nice "$name") || exit 1
  dll=$(dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release)
  [[ -f $dll ]] || die "$dll does not exist: build first (dotnet build -c Release)"
  mkdir -p "$APP_RUN" "$STATE/log"
  # The content root is the output folder, where appsettings*.json are copied.
  (cd "$(dirname "$dll")" && app_tuning "$name" &&
    exec setsid nice -n "$priority" dotnet "$dll") >>"$STATE/log/$name.log" 2>&1 </dev/null &
  echo $! >"$(app_pidfile "$name")"
}

app_down() {
  local name
  for name in "${APPS[@]}"; do
    if app_pid "$name" >/dev/null; then
      stop_pid "$(app_pidfile "$name")" dotnet "$name" 30
    fi
  done
}
