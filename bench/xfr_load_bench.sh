#!/usr/bin/env bash
# Queries while secondaries transfer (issue 10): the AS's CPU per query at a fixed 10,000 q/s
# with a 100,000-name zone, alone and while 10 transfer loops (dig AXFR over TCP, standing in for
# 10 secondaries re-transferring) run against it, side by side in one run. Query CPU is the CPU
# time of the AS's UDP serving threads (named fibdns-udp) over the answered queries: transfers
# run on the TCP thread and must not make queries dearer (goal: within 20%). The whole process's
# CPU is printed too.
#   DUR (seconds per dnsperf run, 10), REPEATS (3), RATE (10000), NAMES (100000), LOOPS (10),
#   INSTALL (1), BUILD_DIR (build-release), PORT (53630), QUIET_WAIT (10). Traffic goes only to
#   127.0.0.1; every loop is bounded by DUR; the AS runs in a temp folder and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-10}
repeats=${REPEATS:-3}
rate=${RATE:-10000}
names=${NAMES:-100000}
loops=${LOOPS:-10}
port=${PORT:-53630}
work=$(mktemp -d /tmp/fibdns-xfrbench.XXXXXX)
server_pid=""
loop_pids=()
cleanup() {
  for p in ${loop_pids[@]+"${loop_pids[@]}"}; do kill "$p" 2>/dev/null || true; done
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "${INSTALL:-1}" = 1 ] && bench_install dnsperf bind9-dnsutils procps sqlite3 netcat-openbsd
bench_build authoritative-server
bench_own_work

# CPU nanoseconds of the AS's threads whose name matches $1 (schedstat's first field).
threads_cpu_ns() {
  local total=0 t f comm
  for t in /proc/"$server_pid"/task/*; do
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    [[ $comm =~ $1 ]] || continue
    read -r f _ <"$t/schedstat" 2>/dev/null || continue
    total=$((total + f))
  done
  echo $total
}

# The zone: NAMES names written straight into the store (one transaction), then served.
db="$work/as.db"
start_as "$port" "$db"
register_fibonacci "$port"
bench_stop_server
as_server_user sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $names)
  INSERT INTO records (name, type, value, ttl)
  SELECT 'name-' || i || '.fib.test', 'A', '10.' || (i / 65536 % 256) || '.' || (i / 256 % 256) || '.' || (i % 256), 60 FROM n"
start_as "$port" "$db" --allow-transfer 127.0.0.0/8
wait_answer "$port"
axfr_records=$(dig +tcp +tries=1 +time=30 @127.0.0.1 -p "$port" fib.test AXFR | grep -c '	IN	A	' || true)
echo "zone fib.test: $axfr_records A records in one AXFR"
echo "fibonacci.fib.test A" >"$work/queries"

raw="$work/raw.tsv"
printf 'pass\tcase\tqps\tlost\tudp_us_per_q\tas_cpu_pct\ttransfers\n' >"$raw"
for pass in $(seq "$repeats"); do
  for case_name in alone transfers; do
    busy=$(wait_quiet)
    loop_pids=()
    : >"$work/transfers"
    if [ "$case_name" = transfers ]; then
      end=$(( $(date +%s) + dur + 1 ))
      for _ in $(seq "$loops"); do
        ( while [ "$(date +%s)" -lt "$end" ]; do
            dig +tcp +tries=1 +time=30 @127.0.0.1 -p "$port" fib.test AXFR >/dev/null 2>&1 && echo x >>"$work/transfers"
          done ) &
        loop_pids+=($!)
      done
      sleep 1  # the transfers are under way before the queries start
    fi
    u0=$(threads_cpu_ns '^fibdns-udp') a0=$(threads_cpu_ns '.')
    timeout $((dur + 30)) dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -l "$dur" -Q "$rate" \
      -c 10 -T 1 -q 100 -t 2 >"$work/out" 2>&1
    u1=$(threads_cpu_ns '^fibdns-udp') a1=$(threads_cpu_ns '.')
    for p in ${loop_pids[@]+"${loop_pids[@]}"}; do wait "$p" 2>/dev/null || true; done
    loop_pids=()
    kill -0 "$server_pid" 2>/dev/null || { echo "the AS died during the $case_name run" >&2; exit 1; }
    transfers=$(wc -l <"$work/transfers")
    awk -v pass="$pass" -v c="$case_name" -v du=$((u1 - u0)) -v da=$((a1 - a0)) -v dur="$dur" -v t="$transfers" '
      /Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 } /Queries per second:/ { qps = $4 }
      END { printf "%d\t%s\t%.0f\t%d\t%.2f\t%.1f\t%d\n", pass, c, qps, lost, done ? du / 1e3 / done : 0,
        100 * da / 1e9 / dur, t }' "$work/out" >>"$raw"
    tail -1 "$raw" | awk -F'\t' -v busy="$busy" '{ printf "  pass %s %-9s qps %6s lost %s  UDP threads %s us/q  AS CPU %s%%  AXFRs done %s  (machine busy before: %s%%)\n", $1, $2, $3, $4, $5, $6, $7, busy }'
  done
done
echo
echo "== medians over $repeats passes (dnsperf -Q $rate -l $dur; $loops AXFR loops of $axfr_records names) =="
awk -F'\t' "$BENCH_AWK_MEDIAN"'
  NR > 1 { us[$2] = us[$2] " " $5; cpu[$2] = cpu[$2] " " $6; t[$2] = t[$2] " " $7; q[$2] = q[$2] " " $3 }
  END { a = med(us["alone"]); b = med(us["transfers"])
    printf "| case | median QPS | UDP threads µs/query | AS CPU %% | AXFRs per run |\n|---|---:|---:|---:|---:|\n"
    printf "| alone | %.0f | %.2f | %.1f | 0 |\n", med(q["alone"]), a, med(cpu["alone"])
    printf "| 10 transfer loops | %.0f | %.2f | %.1f | %.0f |\n", med(q["transfers"]), b, med(cpu["transfers"]), med(t["transfers"])
    printf "query CPU with transfers / alone = %.2f (goal <= 1.20) -> %s\n", b / a, b <= 1.2 * a ? "meets goal" : "MISSES goal" }' "$raw"
report_as_stderr
