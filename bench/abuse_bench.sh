#!/usr/bin/env bash
# What abuse resistance costs (issue 9): the AS's CPU per query at a fixed 10,000 q/s with RRL and
# DNS cookies on, beside the same run with both off, printed side by side. Three cases, each with
# a fresh AS (--threads 1) and the same dnsperf load (EDNS on, one query name, the hit):
#   off        --rrl-rate 0, queries without a COOKIE option (cookies cost nothing but the scan
#              for the option; they cannot be switched off in the AS).
#   rrl+cc     --rrl-rate RRL_RATE (default 1,000,000: every response goes through the limiter's
#              table, none is limited, so nothing is dropped and the figure is the bookkeeping)
#              and a client cookie in every query (-E 10:...): the AS mints a server cookie
#              (SipHash-2-4) for each reply. A first contact, the expensive case.
#   rrl+sc     the same AS flags, and every query carries the client cookie plus a valid server
#              cookie fetched with dig +cookie from this AS: the AS verifies it and mints a fresh
#              one; a valid cookie exempts the reply from RRL (the resolver's steady state).
# Cases alternate within each pass, REPEATS passes; medians, and each on-case against `off` of
# the same run (goal: within 10%).
#   DUR (seconds per dnsperf run, default 10), REPEATS (3), RATE (10000), RRL_RATE (1000000),
#   PIN (1: the AS on CPU 1, dnsperf on CPU 0; 0: not pinned), INSTALL (1), BUILD_DIR
#   (build-release), PORT (53620), QUIET_WAIT (10). Traffic goes only to 127.0.0.1; the AS runs
#   in a temp folder, as SERVER_USER (nobody) when the script runs as root, and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-10}
repeats=${REPEATS:-3}
rate=${RATE:-10000}
rrl_rate=${RRL_RATE:-1000000}
port=${PORT:-53620}
work=$(mktemp -d /tmp/fibdns-abusebench.XXXXXX)
server_pid=""
cleanup() {
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "${INSTALL:-1}" = 1 ] && bench_install dnsperf bind9-dnsutils procps util-linux netcat-openbsd
bench_build authoritative-server
pin=() dnsperf_pin=()
if [ "${PIN:-1}" = 1 ]; then
  [ "$(nproc)" -ge 2 ] || { echo "PIN=1 needs 2 CPUs (the AS on CPU 1, dnsperf on CPU 0)" >&2; exit 1; }
  pin=(taskset -c 1) dnsperf_pin=(taskset -c 0)
fi
bench_own_work

# CPU time in nanoseconds of $1's process tree, every thread (/proc/PID/task/TID/schedstat, first
# field): the differences between cases are a few percent, finer than utime+stime's clock ticks
# (100 per second, so 3% of a 3-second run at 10% CPU).
tree_cpu_ns() {
  local total=0 p t f
  for p in $(tree_pids "$1"); do
    for t in /proc/"$p"/task/*/schedstat; do
      read -r f _ <"$t" 2>/dev/null || continue
      total=$((total + f))
    done
  done
  echo $total
}

client_cookie=0123456789abcdef  # any 8 bytes (RFC 7873 §4.1)
echo "fibonacci.fib.test A" >"$work/queries"

# Starts a fresh AS for case $1 and sets `edns_option` (dnsperf -E argument, or empty).
start_case() {
  local flags=(--threads 1) cookie
  [ "$1" = off ] || flags+=(--rrl-rate "$rrl_rate")
  rm -f "$work"/as.db*
  start_as "$port" "$work/as.db" "${flags[@]}"
  register_fibonacci "$port"
  wait_answer "$port"
  case $1 in
    off) edns_option="" ;;
    rrl+cc) edns_option="10:$client_cookie" ;;
    rrl+sc)
      # The server cookie depends on this process's secret and on the client address: fetch it
      # from this AS, for 127.0.0.1, with the client cookie dnsperf will send.
      cookie=$(dig +tries=1 +time=2 @127.0.0.1 -p "$port" +cookie="$client_cookie" fibonacci.fib.test A |
        sed -n 's/^; COOKIE: \([0-9a-f]*\) (good)$/\1/p')
      [ ${#cookie} -eq 48 ] || { echo "no server cookie from the AS (got '$cookie')" >&2; exit 1; }
      edns_option="10:$cookie"
      ;;
  esac
}

raw="$work/raw.tsv"
printf 'pass\tcase\tqps\tsent\tlost\tnoerror_pct\tsrv_cpu_pct\tsrv_us_per_q\tbusy_before_pct\n' >"$raw"
echo "dnsperf at $rate q/s for ${dur}s per run, $repeats passes, AS --threads 1$( [ ${#pin[@]} -eq 0 ] || echo ' on CPU 1, dnsperf on CPU 0')"
for pass in $(seq "$repeats"); do
  for case_name in off rrl+cc rrl+sc; do
    start_case "$case_name"
    busy=$(wait_quiet)
    option=(); [ -z "$edns_option" ] || option=(-E "$edns_option")
    c0=$(tree_cpu_ns "$server_pid")
    ${dnsperf_pin[@]+"${dnsperf_pin[@]}"} timeout $((dur + 30)) dnsperf -s 127.0.0.1 -p "$port" \
      -d "$work/queries" -l "$dur" -Q "$rate" -c 10 -T 1 -q 100 -t 2 -e ${option[@]+"${option[@]}"} \
      >"$work/out" 2>&1
    c1=$(tree_cpu_ns "$server_pid")
    kill -0 "$server_pid" 2>/dev/null || { echo "the AS died during the $case_name run" >&2; exit 1; }
    bench_stop_server
    awk -v pass="$pass" -v c="$case_name" -v dc=$((c1 - c0)) -v dur="$dur" -v busy="$busy" '
      /Queries sent:/ { sent = $3 } /Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 }
      /Queries per second:/ { qps = $4 }
      /Response codes:/ { for (i = 1; i < NF; i++) if ($i ~ /^NOERROR,?$/) { ok = $(i + 2); gsub(/[(),%]/, "", ok) } }
      END { cpu = dc / 1e9
        printf "%d\t%s\t%.0f\t%d\t%d\t%s\t%.1f\t%.2f\t%d\n", pass, c, qps, sent, lost, ok == "" ? "0" : ok,
          100 * cpu / dur, done ? 1e6 * cpu / done : 0, busy }' "$work/out" >>"$raw"
    tail -1 "$raw" | awk -F'\t' '{ printf "  pass %s %-7s qps %6s  lost %s  NOERROR %s%%  AS CPU %s%%  %s us/q  (machine busy before: %s%% of a core)\n",
      $1, $2, $3, $5, $6, $7, $8, $9 }'
  done
done

echo
echo "== raw runs =="
column -t -s $'\t' "$raw"
echo
echo "== medians over $repeats passes (dnsperf -Q $rate -l $dur -e; AS µs/q = AS CPU time / answered query) =="
awk -F'\t' "$BENCH_AWK_MEDIAN"'
  NR > 1 { if (!($2 in us)) order[++n] = $2
    us[$2] = us[$2] " " $8; q[$2] = q[$2] " " $3; lost[$2] += $5; sent[$2] += $4
    runs[$2] = runs[$2] (runs[$2] == "" ? "" : " / ") $8 }
  END {
    printf "| case | median QPS | median AS µs/q | µs/q per pass | lost / sent | against off |\n"
    printf "|---|---:|---:|---|---:|---:|\n"
    base = med(us["off"])
    for (i = 1; i <= n; i++) { k = order[i]; m = med(us[k])
      printf "| %s | %.0f | %.2f | %s | %d / %d | %s |\n", k, med(q[k]), m, runs[k], lost[k], sent[k],
        k == "off" ? "-" : sprintf("%+.1f%% -> %s", 100 * (m / base - 1), m <= 1.1 * base ? "within 10%" : "MISSES the 10% goal") }
  }' "$raw"
report_as_stderr
