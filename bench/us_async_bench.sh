#!/usr/bin/env bash
# The US end to end with wrk, before and after issue 11 in the same run, alone and while 500
# requests wait on a silent AS (bench/silent_load.cc). Builds this tree (Release, build-release)
# and the baseline revision (git archive of BASELINE_REF into build-baseline-src, built in
# build-baseline), then for each build and US thread count:
#   1. wrk -t1 -c16 on GET /fibonacci (bench.fib -> 127.0.0.1, TTL 300: answered from the cache)
#   2. the same while silent-load keeps 500 requests waiting on a UDP socket that never answers
# and prints req/s, p99 and errors. Loopback only; every run is bounded.
#   BASELINE_REF (default: the commit before issue 11, fe72eaa)  DURATION (5)  THREADS ("1 2")
#   IN_FLIGHT (500)  BUILD_DIR (build-release)  BASELINE_DIR (build-baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" wrk curl

duration=${DURATION:-5}
in_flight=${IN_FLIGHT:-500}
baseline_ref=${BASELINE_REF:-fe72eaa}
build_dir=${BUILD_DIR:-build-release}
baseline_dir=${BASELINE_DIR:-build-baseline}
as_port=53594 fs_port=19092 us_port=18082
work=$(mktemp -d /tmp/fibdns-us-async-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j2 --target authoritative-server fibonacci-server user-server \
  silent-load >/dev/null
# A fixed source path, so that the baseline build is reused across runs (tar keeps the commit's
# mtimes, so an unchanged revision rebuilds nothing).
baseline_src="$baseline_dir-src"
rm -rf "$baseline_src" && mkdir -p "$baseline_src"
git archive "$baseline_ref" | tar -x -C "$baseline_src"
cmake -S "$baseline_src" -B "$baseline_dir" -DCMAKE_BUILD_TYPE=Release \
  -DFIBDNS_BUILD_TESTS=OFF >/dev/null
cmake --build "$baseline_dir" -j2 --target fibonacci-server user-server >/dev/null

wait_healthy() {  # URL: bounded readiness poll (5 s)
  for _ in $(seq 250); do
    curl -fs -m 1 "$1" >/dev/null 2>&1 && return 0
    sleep 0.02
  done
  echo "not ready: $1" >&2
  return 1
}

# wrk's summary -> "req/s p99 errors"
run_wrk() {
  local out rps p99 errors
  out=$(timeout $((duration + 15)) wrk -t1 -c16 -d"${duration}s" --timeout 2s --latency "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd ';' - || true)
  printf '%s %s %s\n' "${rps:-?}" "${p99:-?}" "${errors:-none}"
}

"$build_dir/bin/authoritative-server" --bind 127.0.0.1 --port $as_port --db "$work/records.db" \
  --log-level warn &
pids+=($!)

printf '\nUS end to end, wrk -t1 -c16 -d%ss, loopback, %s cores; silent load: %s requests waiting\n' \
  "$duration" "$(nproc)" "$in_flight"
printf '%-10s %8s %-18s %10s %10s  %s\n' "build" "threads" "load" "req/s" "p99" "errors"
for build in baseline current; do
  dir=$build_dir
  [ "$build" = baseline ] && dir=$baseline_dir
  for threads in ${THREADS:-1 2}; do
    "$dir/bin/fibonacci-server" --bind 127.0.0.1 --port $fs_port --threads 2 --log-level warn &
    fs_pid=$!
    pids+=($fs_pid)
    "$dir/bin/user-server" --bind 127.0.0.1 --port $us_port --threads "$threads" \
      --log-level error &
    us_pid=$!
    pids+=($us_pid)
    wait_healthy "http://127.0.0.1:$fs_port/healthz"
    wait_healthy "http://127.0.0.1:$us_port/healthz"
    registered=0
    for _ in $(seq 10); do
      if curl -fs -m 3 -X PUT "http://127.0.0.1:$fs_port/register" \
        -d "{\"hostname\":\"bench.fib\",\"ip\":\"127.0.0.1\",\"as_ip\":\"127.0.0.1\",\"as_port\":$as_port,\"ttl\":300}" \
        >/dev/null; then
        registered=1
        break
      fi
    done
    [ $registered = 1 ] || { echo "registration through the FS failed" >&2; exit 1; }
    url="http://127.0.0.1:$us_port/fibonacci?hostname=bench.fib&fs_port=$fs_port&number=90&as_ip=127.0.0.1&as_port=$as_port"
    [ "$(curl -fs -m 3 "$url")" = 2880067194370816120 ] || { echo "US end to end broken" >&2; exit 1; }

    read -r rps p99 errs < <(run_wrk "$url")
    printf '%-10s %8s %-18s %10s %10s  %s\n' "$build" "$threads" "alone" "$rps" "$p99" "$errs"

    "$build_dir/bin/silent-load" --us "http://127.0.0.1:$us_port" --in-flight "$in_flight" \
      --seconds $((duration + 3)) --bind 127.0.0.9 >"$work/silent.txt" &
    load_pid=$!
    pids+=($load_pid)
    sleep 1.5  # let the silent requests pile up before measuring
    read -r rps p99 errs < <(run_wrk "$url")
    printf '%-10s %8s %-18s %10s %10s  %s\n' "$build" "$threads" "$in_flight silent" "$rps" "$p99" "$errs"
    wait "$load_pid" || true
    echo "           $(cat "$work/silent.txt")"

    kill "$fs_pid" "$us_pid"
    wait "$fs_pid" "$us_pid" 2>/dev/null || true
  done
done
