#!/usr/bin/env bash
# HTTP benchmark of the FS and the US on loopback with wrk (no extra headers: keep-alive must work
# for clients that send no Connection header). Starts the AS, FS and US on 127.0.0.1 at spare
# ports, registers bench.fib -> 127.0.0.1 (TTL 300, so the US serves from its cache), and for 1
# and 2 server threads prints requests/s and p99 latency for
#   FS  GET /fibonacci?number=90     FS  GET /fibonacci?number=10000     US end to end (number=90)
# next to the seed's Flask baselines and the targets. Every run is bounded (DURATION seconds).
#   BUILD_DIR (default build-release)  BUILD_TYPE (Release)  DURATION (5)  WRK_THREADS (1)
#   CONNECTIONS (16)  THREADS ("1 2")
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" wrk curl

build_dir=${BUILD_DIR:-build-release}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" \
  --target authoritative-server fibonacci-server user-server >/dev/null

duration=${DURATION:-5}
wrk_threads=${WRK_THREADS:-1}
connections=${CONNECTIONS:-16}
as_port=53592 fs_port=19090 us_port=18080
work=$(mktemp -d /tmp/fibdns-http-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_healthy() {  # URL: bounded readiness poll (5 s)
  for _ in $(seq 250); do
    curl -fs -m 1 "$1" >/dev/null 2>&1 && return 0
    sleep 0.02
  done
  echo "not ready: $1" >&2
  return 1
}

"$build_dir/bin/authoritative-server" --bind 127.0.0.1 --port $as_port --db "$work/records.db" \
  --log-level warn &
pids+=($!)

# wrk's summary -> "req/s p99"
run_wrk() {
  local out
  out=$(timeout $((duration + 15)) wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" \
    --timeout 2s --latency "$1")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd ';' - || true)
  printf '%s %s %s\n' "${rps:-?}" "${p99:-?}" "${errors:-}"
}

time_wait() { ss -tan state time-wait "( sport = :$1 or dport = :$1 )" 2>/dev/null | tail -n +2 | wc -l; }

printf '\nwrk -t%s -c%s -d%ss (no -H), loopback, %s cores\n' "$wrk_threads" "$connections" \
  "$duration" "$(nproc)"
printf '%-28s %8s %12s %10s %14s  %s\n' "case" "threads" "req/s" "p99" "seed baseline" "target"
for threads in ${THREADS:-1 2}; do
  "$build_dir/bin/fibonacci-server" --bind 127.0.0.1 --port $fs_port --threads "$threads" \
    --log-level warn &
  fs_pid=$!
  pids+=($fs_pid)
  "$build_dir/bin/user-server" --bind 127.0.0.1 --port $us_port --threads "$threads" \
    --log-level warn &
  us_pid=$!
  pids+=($us_pid)
  wait_healthy "http://127.0.0.1:$fs_port/healthz"
  wait_healthy "http://127.0.0.1:$us_port/healthz"
  # The AS may still be opening its database: retry the registration, bounded (10 tries).
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
  us_url="http://127.0.0.1:$us_port/fibonacci?hostname=bench.fib&fs_port=$fs_port&number=90&as_ip=127.0.0.1&as_port=$as_port"
  [ "$(curl -fs -m 3 "$us_url")" = 2880067194370816120 ] || { echo "US end to end broken" >&2; exit 1; }

  read -r rps p99 errs < <(run_wrk "http://127.0.0.1:$fs_port/fibonacci?number=90")
  printf '%-28s %8s %12s %10s %14s  %s %s\n' "FS number=90" "$threads" "$rps" "$p99" "786" ">= 25000" "$errs"
  read -r rps p99 errs < <(run_wrk "http://127.0.0.1:$fs_port/fibonacci?number=10000")
  printf '%-28s %8s %12s %10s %14s  %s %s\n' "FS number=10000" "$threads" "$rps" "$p99" "-" "-" "$errs"
  fs_tw=$(time_wait $fs_port)
  read -r rps p99 errs < <(run_wrk "$us_url")
  printf '%-28s %8s %12s %10s %14s  %s %s\n' "US end to end (number=90)" "$threads" "$rps" "$p99" "133" ">= 8000, p99 < 10ms" "$errs"
  echo "  (TIME_WAIT sockets after the runs: FS port $fs_tw, US port $(time_wait $us_port); thousands would mean no keep-alive)"

  kill "$fs_pid" "$us_pid"
  wait "$fs_pid" "$us_pid" 2>/dev/null || true
done
