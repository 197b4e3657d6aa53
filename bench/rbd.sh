#!/usr/bin/env bash
# Throughput of the BlockStore.Rbd bindings next to `rbd bench`, in one run, on the cluster that
# scripts/stack describes. Extra arguments go to the benchmark (--pool, --total-mib, --small-ops).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${Ceph__ConfFile:-}" ]]; then
  eval "$("$root/scripts/stack" env)"
fi
exec dotnet run -c Release --project "$root/bench/BlockStore.Rbd.Benchmarks" -- "$@"
