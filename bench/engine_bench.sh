#!/usr/bin/env bash
# The AS's engine under mixed load (issue 8), on loopback, every figure beside its baseline from
# the same run:
#   1. query latency under writes: dnsperf at a fixed RATE for DUR s alone, then again while
#      lab-load's WRITERS writers commit registrations; average, p50, p99, p99.9 and maximum from
#      dnsperf -v's per-query lines. Goals: p99 under writes <= 2x p99 alone; maximum < 5 ms.
#   2. durable registrations/s with WRITERS writers (each waits for its acknowledgement) without
#      queries, then while dnsperf queries at RATE and unlimited. Goal: not below today's, which
#      the script measures in the same run: the AS as it was before the engine (BASELINE_REF,
#      default fe72eaa, built from `git archive` in BASELINE_DIR, default build-engine-baseline)
#      taking the same writers without queries; the no-query figure of this tree beside it.
# Each phase gets a fresh AS with an empty database (so every phase starts at the same size), and
# the script checks afterwards that every acknowledged name is in the database.
#   DUR (seconds per phase, default 10, at most 55), REPEATS (3), RATE (5000), WRITERS (16),
#   THREADS (the AS's --threads; default: its own default, the CPU count, or 1 with PIN=1),
#   PIN (0: nothing pinned, the AS, dnsperf and lab-load share every core; 1: the AS on CPU 1,
#   the clients on CPU 0), or by process: AS_CPUS, DNSPERF_CPUS, LOAD_CPUS (taskset -c lists,
#   e.g. DNSPERF_CPUS=0 LOAD_CPUS=1: dnsperf's timing not disturbed by lab-load), UNLIMITED (1: also registrations beside unlimited queries),
#   CLIENT_SLICE_US (dnsperf's time slice, e.g. 100; default: the kernel's), CONTROL (1: also
#   dnsperf against Knot serving the same zone, which takes no writes, alone and while lab-load
#   writes to the AS: what the load does to the measurement on these cores, whoever answers),
#   INSTALL (1),
#   BUILD_DIR (build-release), PORT (53610), QUIET_WAIT (10), BASELINE_REF (fe72eaa; empty: no
#   baseline).
# Traffic goes only to 127.0.0.1; the AS runs in a temp folder, as SERVER_USER (nobody) when the
# script runs as root, and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-10}
[ "$dur" -ge 1 ] && [ "$dur" -le 55 ] || { echo "DUR must be 1..55 (lab-load runs DUR+2 s, at most 60)" >&2; exit 2; }
repeats=${REPEATS:-3}
rate=${RATE:-5000}
writers=${WRITERS:-16}
port=${PORT:-53610}
pin_mode=${PIN:-0}
case "${CLIENT_SLICE_US:-}" in
  '') ;;
  *[!0-9]*) echo "CLIENT_SLICE_US must be a number of microseconds, 100..100000" >&2; exit 2 ;;
  *) [ "$CLIENT_SLICE_US" -ge 100 ] && [ "$CLIENT_SLICE_US" -le 100000 ] ||
       { echo "CLIENT_SLICE_US must be 100..100000 (Linux's range for a slice)" >&2; exit 2; } ;;
esac
work=$(mktemp -d /tmp/fibdns-enginebench.XXXXXX)
server_pid=""
load_pid="" dp_pid=""
knot_pid=""
cleanup() {
  [ -z "$knot_pid" ] || kill "$knot_pid" 2>/dev/null || true
  [ -z "$load_pid" ] || kill "$load_pid" 2>/dev/null || true
  [ -z "$dp_pid" ] || kill "$dp_pid" 2>/dev/null || true
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

control=${CONTROL:-0}
[ "$control" = 0 ] || [ "$control" = 1 ] || { echo "CONTROL must be 0 or 1" >&2; exit 2; }
if [ "${INSTALL:-1}" = 1 ]; then
  bench_install dnsperf bind9-dnsutils sqlite3 procps util-linux netcat-openbsd
  [ "$control" = 0 ] || bench_install knot
fi
bench_build authoritative-server lab-load short-slice
current_as_bin=$as_bin
baseline_ref=${BASELINE_REF-fe72eaa}
baseline_as_bin=""
[ -z "$baseline_ref" ] || bench_build_baseline_as "$baseline_ref"

thread_flag=()
[ -z "${THREADS:-}" ] || thread_flag=(--threads "$THREADS")
if [ "$pin_mode" = 1 ]; then
  [ -n "${THREADS:-}" ] || thread_flag=(--threads 1)
  : "${AS_CPUS:=1}" "${DNSPERF_CPUS:=0}" "${LOAD_CPUS:=0}"
fi
pin=() dnsperf_pin=() load_pin=()
[ -z "${AS_CPUS:-}" ] || pin=(taskset -c "$AS_CPUS")
[ -z "${DNSPERF_CPUS:-}" ] || dnsperf_pin=(taskset -c "$DNSPERF_CPUS")
[ -z "${LOAD_CPUS:-}" ] || load_pin=(taskset -c "$LOAD_CPUS")
placement() {  # name cpus
  if [ -n "$2" ]; then echo "$1 on CPU $2"; else echo "$1 not pinned"; fi
}
how="AS ${thread_flag[*]:---threads default ($(nproc) CPUs)}; $(placement AS "${AS_CPUS:-}"), $(placement dnsperf "${DNSPERF_CPUS:-}"), $(placement lab-load "${LOAD_CPUS:-}") ($(nproc) cores)"
dnsperf_base=(dnsperf -s 127.0.0.1 -p "$port" -d "$work/q-hit" -c 10 -T 1 -q 100 -t 2)
# CLIENT_SLICE_US: dnsperf runs with that time slice (bench/short_slice.cc), so that on busy cores
# its own wake-ups are not counted as the AS's latency.
if [ -n "${CLIENT_SLICE_US:-}" ]; then
  dnsperf_base=("$build_dir/bin/short-slice" --us "$CLIENT_SLICE_US" "${dnsperf_base[@]}")
  how="$how; dnsperf with a ${CLIENT_SLICE_US} us time slice"
fi
echo "fibonacci.fib.test A" >"$work/q-hit"
if [ "$control" = 1 ]; then
  knot_port=$((port + 1))
  bench_write_zone
  bench_write_knot_conf "$work/knot/knot.conf" "$knot_port" "$(nproc)"
fi
bench_own_work
if [ "$control" = 1 ]; then
  ${pin[@]+"${pin[@]}"} ${server_user[@]+"${server_user[@]}"} knotd -c "$work/knot/knot.conf" 2>>"$work/knot/stderr" &
  knot_pid=$!
  for _ in $(seq 100); do
    dig +tries=1 +time=1 @127.0.0.1 -p "$knot_port" fibonacci.fib.test A +short 2>/dev/null | grep -qx 10.0.0.5 && break
    kill -0 "$knot_pid" 2>/dev/null || { echo "knotd did not start:" >&2; cat "$work/knot/stderr" >&2; exit 1; }
    sleep 0.1
  done
fi

fresh_as() {
  rm -f "$work"/as.db*
  as_bin=$current_as_bin
  start_as "$port" "$work/as.db" ${thread_flag[@]+"${thread_flag[@]}"}
  register_fibonacci "$port"
  wait_answer "$port"
}
# Stops the AS; prints the status of its drain and whether every acknowledged name is stored.
stop_as_and_check() {  # acknowledged-count
  bench_stop_server
  local stored
  stored=$(as_server_user sqlite3 "$work/as.db" "SELECT count(*) FROM records WHERE name LIKE 'bench-r%'" 2>/dev/null || echo '?')
  [ "$server_rc" = 0 ] || echo "    note: the AS exited with status $server_rc on SIGTERM (0 expected)"
  if [ -n "$1" ] && [ "$stored" != '?' ] && [ "$stored" -lt "$1" ]; then
    echo "    LOST WRITES: $1 registrations acknowledged, $stored in the database"
  fi
  last_stored=$stored
}
# lab-load, writes only, for $1 seconds, in the background (load_pid), output in $work/load.
start_writes() {
  ${load_pin[@]+"${load_pin[@]}"} "$lab_load_bin" --target "127.0.0.1:$port" --only writes \
    --writers "$writers" --seconds "$1" >"$work/load" 2>&1 &
  load_pid=$!
}
wait_writes() {
  wait "$load_pid" || { echo "lab-load failed:" >&2; cat "$work/load" >&2; exit 1; }
  load_pid=""
}
# "regs/s acknowledged refused unanswered slowest_ack_ms" from lab-load's output.
writes_figures() {
  awk '/^durable registrations/ { r = $5 } /^  acknowledged/ { a = $NF } /^  refused/ { f = $NF }
       /^  unanswered/ { u = $NF } /^  slowest/ { m = $NF } END { print r, a, f, u, m }' "$work/load"
}
# "answered lost qps avg_ms p50_ms p99_ms p999_ms max_ms" from a dnsperf -v output (nearest rank).
latency_figures() {
  local lost qps
  lost=$(awk '/Queries lost:/ {print $3}' "$1")
  qps=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$1")
  awk '/^> / && $NF ~ /^[0-9.]+$/ { print $NF * 1000 }' "$1" | sort -g |
    awk -v lost="${lost:-?}" -v qps="${qps:-?}" '{ v[++n] = $1; s += $1 }
      function rank(p,   i) { i = int(p * n); if (i < p * n) i++; if (i < 1) i = 1; return v[i] }
      END { if (!n) { print 0, lost, qps, 0, 0, 0, 0, 0; exit }
            printf "%d %s %s %.3f %.3f %.3f %.3f %.3f\n", n, lost, qps, s / n, rank(0.5), rank(0.99), rank(0.999), v[n] }'
}
# dnsperf's response codes when anything but NOERROR came back (every query asks for a name that
# exists), else nothing.
odd_rcodes() {
  awk '/Response codes:/ { sub(/^ *Response codes: */, ""); if ($0 !~ /^NOERROR [0-9]+ \(100\.00%\)$/) print " RCODES: " $0 }' "$1"
}
cpu_pct() {  # ticks-before ticks-after t0 t1: the AS's CPU in % of one core
  awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", 100 * (b - a) / hz / (t1 - t0) }'
}

lat="$work/latency.tsv" regs="$work/regs.tsv"
printf 'pass\tcase\tanswered\tlost\tqps\tavg_ms\tp50_ms\tp99_ms\tp999_ms\tmax_ms\tas_cpu_pct\tbusy_before_pct\n' >"$lat"
printf 'pass\tqueries\tregs_per_s\tacknowledged\trefused\tunanswered\tslowest_ack_ms\tstored\tdnsperf_qps\tdnsperf_lost\tas_cpu_pct\tbusy_before_pct\n' >"$regs"
echo "engine benchmark: $repeats passes, ${dur}s per phase, dnsperf -Q $rate, lab-load $writers writers"
echo "  $how"
query_cases="$rate"
[ "${UNLIMITED:-1}" = 1 ] && query_cases="$query_cases unlimited"
for pass in $(seq "$repeats"); do
  # The disk's commit rate right now (sqlite3 CLI, 1 txn per insert, WAL + FULL), since fsync
  # speed bounds every registration figure.
  disk=$(sqlite_commits_per_s "$work/disk-$pass.db" 1000)
  echo "$pass $disk" >>"$work/disk"
  # (a0) today's: the AS before the engine (one thread, no --threads), registrations alone
  if [ -n "$baseline_as_bin" ]; then
    rm -f "$work"/as.db*
    as_bin=$baseline_as_bin
    start_as "$port" "$work/as.db"
    register_fibonacci "$port"; wait_answer "$port"; busy=$(wait_quiet)
    c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
    start_writes "$dur"; wait_writes
    t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
    read -r r a f u m <<<"$(writes_figures)"
    stop_as_and_check "$a"
    printf '%d\tbefore-engine\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t%s\t%s\n' "$pass" "$r" "$a" "$f" "$u" "$m" \
      "$last_stored" "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$busy" >>"$regs"
    echo "  pass $pass  registrations, before the engine ($baseline_ref), no queries: $r/s (ack $a, refused $f, unanswered $u)"
  fi
  # (a) registrations without queries
  fresh_as; busy=$(wait_quiet)
  c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
  start_writes "$dur"; wait_writes
  t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
  read -r r a f u m <<<"$(writes_figures)"
  stop_as_and_check "$a"
  printf '%d\tnone\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t%s\t%s\n' "$pass" "$r" "$a" "$f" "$u" "$m" "$last_stored" \
    "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$busy" >>"$regs"
  echo "  pass $pass  registrations, no queries:        $r/s (ack $a, refused $f, unanswered $u, slowest ack $m ms, stored $last_stored); the disk: $disk commits/s (sqlite3 CLI)"

  # (b) queries alone at the fixed rate
  fresh_as; busy=$(wait_quiet)
  c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
  timeout $((dur + 30)) ${dnsperf_pin[@]+"${dnsperf_pin[@]}"} "${dnsperf_base[@]}" -l "$dur" -Q "$rate" -v >"$work/dp" 2>&1
  t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
  stop_as_and_check ""
  read -r n lost qps avg p50 p99 p999 max <<<"$(latency_figures "$work/dp")"
  printf '%d\talone\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$n" "$lost" "$qps" "$avg" "$p50" "$p99" "$p999" "$max" \
    "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$busy" >>"$lat"
  echo "  pass $pass  queries at $rate/s alone:          answered $n lost $lost  avg $avg  p50 $p50  p99 $p99  p99.9 $p999  max $max ms$(odd_rcodes "$work/dp")"

  # (c) the same queries while the writers commit: lab-load starts 1 s before dnsperf and ends
  #     about 1 s after it, so every query of the run meets the writes.
  fresh_as; busy=$(wait_quiet)
  c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
  start_writes $((dur + 2)); sleep 1
  timeout $((dur + 30)) ${dnsperf_pin[@]+"${dnsperf_pin[@]}"} "${dnsperf_base[@]}" -l "$dur" -Q "$rate" -v >"$work/dp" 2>&1
  wait_writes
  t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
  read -r r a f u m <<<"$(writes_figures)"
  stop_as_and_check "$a"
  read -r n lost qps avg p50 p99 p999 max <<<"$(latency_figures "$work/dp")"
  printf '%d\tunder writes\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$n" "$lost" "$qps" "$avg" "$p50" "$p99" "$p999" "$max" \
    "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$busy" >>"$lat"
  echo "  pass $pass  queries at $rate/s under writes:   answered $n lost $lost  avg $avg  p50 $p50  p99 $p99  p99.9 $p999  max $max ms$(odd_rcodes "$work/dp")" \
    "(writers meanwhile: $r/s, refused $f, unanswered $u, slowest ack $m ms)"

  # (c') the control: the same dnsperf against Knot, which takes no writes, alone and while the
  #      same writers load the AS.
  if [ "$control" = 1 ]; then
    for phase in alone writes; do
      fresh_as; busy=$(wait_quiet)
      if [ "$phase" = writes ]; then start_writes $((dur + 2)); sleep 1; fi
      timeout $((dur + 30)) ${dnsperf_pin[@]+"${dnsperf_pin[@]}"} "${dnsperf_base[@]}" -p "$knot_port" -l "$dur" -Q "$rate" -v >"$work/dp" 2>&1
      a=""
      if [ "$phase" = writes ]; then
        wait_writes
        read -r _ a _ _ _ <<<"$(writes_figures)"
      fi
      stop_as_and_check "$a"  # the writers' acknowledged names are checked here too
      read -r n lost qps avg p50 p99 p999 max <<<"$(latency_figures "$work/dp")"
      label="Knot, alone"; [ "$phase" = writes ] && label="Knot, AS under writes"
      printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t%s\n' "$pass" "$label" "$n" "$lost" "$qps" "$avg" "$p50" "$p99" "$p999" "$max" "$busy" >>"$lat"
      echo "  pass $pass  control: $label at $rate/s: answered $n lost $lost  avg $avg  p50 $p50  p99 $p99  p99.9 $p999  max $max ms$(odd_rcodes "$work/dp")"
    done
  fi

  # (d) registrations while queries run: dnsperf starts 1 s before lab-load and ends about 1 s
  #     after it, so every registration of the run meets the queries.
  for q in $query_cases; do
    fresh_as; busy=$(wait_quiet)
    qopt=(); [ "$q" = unlimited ] || qopt=(-Q "$q")
    c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
    timeout $((dur + 30)) ${dnsperf_pin[@]+"${dnsperf_pin[@]}"} "${dnsperf_base[@]}" -l $((dur + 2)) "${qopt[@]}" >"$work/dp" 2>&1 &
    dp_pid=$!
    sleep 1; start_writes "$dur"; wait_writes
    wait "$dp_pid" || true
    dp_pid=""
    t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
    read -r r a f u m <<<"$(writes_figures)"
    stop_as_and_check "$a"
    dq=$(awk '/Queries per second:/ {printf "%.0f", $4}' "$work/dp")
    dl=$(awk '/Queries lost:/ {print $3}' "$work/dp")
    printf '%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$pass" "$q" "$r" "$a" "$f" "$u" "$m" "$last_stored" "$dq" "$dl" \
      "$(cpu_pct "$c0" "$c1" "$t0" "$t1")" "$busy" >>"$regs"
    echo "  pass $pass  registrations beside $q q/s: $r/s (ack $a, refused $f, unanswered $u, slowest ack $m ms, stored $last_stored); dnsperf $dq q/s, lost $dl$(odd_rcodes "$work/dp")"
  done
done

echo
echo "== query latency (ms), dnsperf -c 10 -q 100 -t 2 -Q $rate -l $dur, per-query lines of -v =="
column -t -s $'\t' "$lat"
echo
echo "== durable registrations/s, lab-load --writers $writers (each waits for its acknowledgement) =="
column -t -s $'\t' "$regs"
echo
echo "== medians over $repeats passes, beside the baselines ($how) =="
awk -F'\t' -v rate="$rate" -v disk="$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$work/disk")" "$BENCH_AWK_MEDIAN"'
  FNR == 1 { file++; next }
  file == 1 { c = $2; if (!(c in p99)) lorder[++nl] = c
    avg[c] = avg[c] " " $6; p99[c] = p99[c] " " $8; mx[c] = mx[c] " " $10; lost[c] += $4; ans[c] += $3 }
  file == 2 { c = $2; if (!(c in rr)) rorder[++nr] = c
    rr[c] = rr[c] " " $3; ref[c] += $5; un[c] += $6; slow[c] = slow[c] " " $7; dq[c] = dq[c] " " $9 }
  END {
    printf "  %-28s %10s %10s %10s %16s\n", "queries at " rate "/s", "avg ms", "p99 ms", "max ms", "lost/answered"
    for (i = 1; i <= nl; i++) { c = lorder[i]
      printf "  %-28s %10.3f %10.3f %10.3f %9d/%-6d\n", c, med(avg[c]), med(p99[c]), med(mx[c]), lost[c], ans[c] }
    a = med(p99["alone"]); b = med(p99["under writes"]); m = med(mx["under writes"])
    if (a > 0) printf "  p99 under writes / p99 alone = %.2f (goal <= 2)  -> %s\n", b / a, (b <= 2 * a ? "meets goal" : "MISSES goal")
    printf "  maximum under writes %.3f ms (goal < 5 ms)  -> %s\n", m, (m < 5 ? "meets goal" : "MISSES goal")
    ka = med(p99["Knot, alone"]); kb = med(p99["Knot, AS under writes"])
    if (ka > 0) printf "  control: Knot (takes no writes) p99 while lab-load writes to the AS / p99 alone = %.2f: the load alone does that to the measurement on these cores\n", kb / ka
    printf "  before the engine (issue 8, quiet machine, 5,000 q/s): avg 0.027 ms alone, 0.697 ms under writes, max 38 ms\n\n"
    printf "  %-28s %10s %10s %13s %18s %18s\n", "registrations beside", "median /s", "x no-query", "refused/unans", "median slowest ms", "median dnsperf q/s"
    base = med(rr["none"]); today = ("before-engine" in rr) ? med(rr["before-engine"]) : 0
    for (i = 1; i <= nr; i++) { c = rorder[i]; r = med(rr[c])
      printf "  %-28s %10.0f %10.2f %6d/%-6d %18.1f %18s\n", (c == "none" ? "no queries" : c == "before-engine" ? "before the engine, none" : c " q/s"), r, (base > 0 ? r / base : 0),
        ref[c], un[c], med(slow[c]), (c == "none" || c == "before-engine" ? "-" : sprintf("%.0f", med(dq[c]))) }
    printf "  the disk meanwhile: %.0f commits/s (median; per pass: %s), sqlite3 CLI, 1 txn per insert, WAL + FULL (PowerDNS gsqlite3 path; about 3,200/s on a quiet disk here)\n", med(disk), disk
    for (i = 1; i <= nr; i++) { c = rorder[i]; if (c == "none" || c == "before-engine") continue; r = med(rr[c])
      if (today > 0)
        printf "  beside %s q/s: %.0f/s against today'"'"'s %.0f/s (the AS before the engine, no queries, same run; this tree without queries %.0f/s)  -> %s\n",
          c, r, today, base, (r >= today ? "meets goal" : "MISSES goal")
      else
        printf "  beside %s q/s: %.0f/s against %.0f/s without queries (same run; no baseline build)  -> %s\n", c, r, base,
          (r >= base ? "meets goal" : "MISSES goal") }
  }' "$lat" "$regs"
report_as_stderr
