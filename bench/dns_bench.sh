#!/usr/bin/env bash
# DNS benchmark of the AS beside NSD and Knot DNS on loopback, same run, same zone, same number of
# UDP workers. Installs dnsperf, NSD and Knot from Debian if missing; builds the AS (Release);
# then, for each of REPEATS passes and each worker count in WORKERS, starts each server in turn
# (only one runs at a time) and runs dnsperf for a hit-only and a half-NXDOMAIN mix, unlimited and
# (one worker) at a fixed 10,000 q/s. With one worker (AS --threads 1, NSD server-count: 1, Knot
# udp-workers: 1) the server is pinned to CPU 1 and dnsperf to CPU 0; with more, neither is pinned
# (2 cores: the server's workers and dnsperf share them). Prints each run's raw figures, then the
# medians and the AS against NSD and Knot with issue 8's goals. Finally measures the AS's resident
# memory with 100,000 names loaded.
#   DUR (seconds per dnsperf run, default 10), REPEATS (3), WORKERS ("1 2"), INSTALL (1),
#   SERVERS ("nsd knot as"), RATES_1 (rates with 1 worker, "unlimited 10000"), RATES_N (rates with
#   more workers, "unlimited"), MEM (1: run the memory test), BUILD_DIR (build-release),
#   PORT_BASE (53600: NSD +1, Knot +2, AS +3, memory-test AS +4), QUIET_WAIT (10: at most this many
#   seconds waiting for the machine to go quiet before each dnsperf run). Traffic goes only to
#   127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-10}
repeats=${REPEATS:-3}
servers=${SERVERS:-nsd knot as}
workers_list=${WORKERS:-1 2}
port_base=${PORT_BASE:-53600}
nsd_port=$((port_base + 1)) knot_port=$((port_base + 2)) as_port=$((port_base + 3))
mem_port=$((port_base + 4))
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs (server on CPU 1, dnsperf on CPU 0)" >&2; exit 1; }

work=$(mktemp -d /tmp/fibdns-dnsbench.XXXXXX)
server_pid=""
cleanup() {
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- install and build ---------------------------------------------------------------------------
if [ "${INSTALL:-1}" = 1 ]; then
  bench_install dnsperf nsd knot bind9-dnsutils sqlite3 procps util-linux iproute2 netcat-openbsd
fi
if ss -lnu 2>/dev/null | awk '{print $4}' | grep -qE ':53$'; then
  echo "note: something listens on UDP port 53 (not used by this benchmark):"; ss -lunp | grep -E ':53 '
fi
bench_build authoritative-server

# ---- zone, configs, query files ------------------------------------------------------------------
bench_write_zone
mkdir -p "$work/nsd" "$work/knot"
for w in $workers_list; do
  cat >"$work/nsd/nsd-$w.conf" <<EOF
server:
  ip-address: 127.0.0.1
  port: $nsd_port
  server-count: $w
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  zonelistfile: "$work/nsd/zone.list"
  xfrdfile: "$work/nsd/xfrd.state"
  xfrdir: "$work/nsd"
  pidfile: "$work/nsd/nsd.pid"
  logfile: "$work/nsd/nsd.log"
  verbosity: 0
  # Debian builds NSD with --enable-ratelimit: RRL would cap loopback at a few hundred q/s.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: fib.test
  zonefile: "$work/fib.test.zone"
EOF
  bench_write_knot_conf "$work/knot/knot-$w.conf" "$knot_port" "$w"
done
echo "fibonacci.fib.test A" >"$work/q-hit"
# nxmix: 50% the hit, 50% NXDOMAIN over 50,000 distinct names, cycled by dnsperf.
awk -v seed=$RANDOM 'BEGIN { srand(seed); for (i = 1; i <= 50000; i++) {
  print "fibonacci.fib.test A"; printf "nx-%d-%06d.fib.test A\n", i, int(rand() * 1000000) } }' >"$work/q-nxmix"
bench_own_work

start_server() {  # name workers: uses the array `pin` (empty: not pinned)
  case $1 in
    nsd) ${pin[@]+"${pin[@]}"} ${server_user[@]+"${server_user[@]}"} nsd -d -c "$work/nsd/nsd-$2.conf" 2>>"$work/nsd/stderr" &
      server_pid=$! port=$nsd_port ;;
    knot) ${pin[@]+"${pin[@]}"} ${server_user[@]+"${server_user[@]}"} knotd -c "$work/knot/knot-$2.conf" 2>>"$work/knot/stderr" &
      server_pid=$! port=$knot_port ;;
    as)
      rm -f "$work"/as.db*
      start_as "$as_port" "$work/as.db" --threads "$2"
      port=$as_port
      register_fibonacci "$as_port"
      ;;
  esac
  wait_answer "$port"
}
check_answers() {  # name port: the answers the comparison relies on, printed once per server
  local hit nx
  hit=$(dig +tries=1 +time=2 @127.0.0.1 -p "$2" fibonacci.fib.test A +noall +answer +comments)
  nx=$(dig +tries=1 +time=2 @127.0.0.1 -p "$2" nx-does-not-exist.fib.test A +noall +authority +comments)
  grep -q 'flags: qr aa' <<<"$hit" && grep -qE '^fibonacci\.fib\.test\.\s+10\s+IN\s+A\s+10\.0\.0\.5' <<<"$hit" ||
    { echo "$1: unexpected answer for fibonacci.fib.test:"; echo "$hit"; return 1; } >&2
  grep -q 'status: NXDOMAIN' <<<"$nx" && grep -qE 'IN\s+SOA' <<<"$nx" ||
    { echo "$1: expected NXDOMAIN with SOA:"; echo "$nx"; return 1; } >&2
  echo "  $1 on 127.0.0.1:$2: fibonacci.fib.test A 10.0.0.5 TTL 10 aa; nx -> NXDOMAIN + SOA"
}
settings() {  # server workers: how the server was configured, for the tables
  case $1 in
    nsd) echo "server-count: $2" ;; knot) echo "udp-workers: $2" ;; as) echo "--threads $2" ;;
  esac
}

# ---- the matrix ----------------------------------------------------------------------------------
hz=$(getconf CLK_TCK)
raw="$work/raw.tsv"
printf 'pass\tserver\tworkers\tmix\trate\tqps\tavg_ms\tsent\tlost\tsrv_cpu_pct\tsrv_us_per_q\tdnsperf_cpu_pct\tbusy_before_pct\n' >"$raw"
echo "dnsperf runs: ${dur}s each, $repeats passes, servers: $servers, workers: $workers_list"
for w in $workers_list; do
  if [ "$w" = 1 ]; then
    echo "  1 worker: NSD server-count: 1, Knot udp-workers: 1, AS --threads 1; server pinned to CPU 1" \
      "(taskset -c 1), dnsperf to CPU 0; rates: ${RATES_1:-unlimited 10000}"
  else
    echo "  $w workers: NSD server-count: $w, Knot udp-workers: $w, AS --threads $w; NOT pinned (the" \
      "server's workers and dnsperf share all $(nproc) cores); rates: ${RATES_N:-unlimited}"
  fi
done
checked=""
for pass in $(seq "$repeats"); do
  for w in $workers_list; do
    if [ "$w" = 1 ]; then pin=(taskset -c 1) client_pin=(taskset -c 0) rates=${RATES_1:-unlimited 10000}
    else pin=() client_pin=() rates=${RATES_N:-unlimited}; fi
    for s in $servers; do
      start_server "$s" "$w"
      case " $checked " in *" $s/$w "*) ;; *) check_answers "$s ($(settings "$s" "$w"))" "$port"; checked="$checked $s/$w" ;; esac
      for mix in hit nxmix; do
        for rate in $rates; do
          busy=$(wait_quiet)
          qopt=(); [ "$rate" = unlimited ] || qopt=(-Q "$rate")
          c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
          TIMEFORMAT='%U %S'
          { time timeout $((dur + 30)) ${client_pin[@]+"${client_pin[@]}"} dnsperf -s 127.0.0.1 -p "$port" \
              -d "$work/q-$mix" -l "$dur" -c 10 -T 1 -q 100 -t 2 "${qopt[@]}" >"$work/out" 2>&1; } 2>"$work/time"
          t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
          kill -0 "$server_pid" 2>/dev/null || { echo "$s died during the run" >&2; exit 1; }
          awk -v pass="$pass" -v s="$s" -v w="$w" -v mix="$mix" -v rate="$rate" -v hz="$hz" -v dc=$((c1 - c0)) \
              -v t0="$t0" -v t1="$t1" -v busy="$busy" -v tf="$(cat "$work/time")" '
            /Queries sent:/ { sent = $3 } /Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 }
            /Queries per second:/ { qps = $4 } /Average Latency/ { lat = $4 * 1000 }
            END {
              wall = t1 - t0; cpu = dc / hz; split(tf, u, " ")
              printf "%d\t%s\t%d\t%s\t%s\t%.0f\t%.3f\t%d\t%d\t%.0f\t%.1f\t%.0f\t%d\n", pass, s, w, mix, rate, qps, lat,
                sent, lost, 100 * cpu / wall, done ? 1e6 * cpu / done : 0, 100 * (u[1] + u[2]) / wall, busy
            }' "$work/out" >>"$raw"
          tail -1 "$raw" | awk -F'\t' '{ printf "  pass %s %-5s %s worker(s) %-6s %-9s qps %7s  avg %6s ms  lost %s  srv CPU %s%%  %s us/q  dnsperf CPU %s%%\n",
            $1, $2, $3, $4, $5, $6, $7, $9, $10, $11, $12 }'
        done
      done
      bench_stop_server
      [ "$s" != as ] || [ "$server_rc" = 0 ] || echo "  note: the AS exited with status $server_rc on SIGTERM (0 expected)"
    done
  done
done

echo
echo "== raw runs =="
column -t -s $'\t' "$raw"
echo
echo "== medians over $repeats passes (dnsperf -l $dur -c 10 -T 1 -q 100 -t 2; srv µs/q = server CPU / answered query) =="
# Median per (server, workers, mix, rate) of QPS, µs/q, avg latency; lost summed over the passes.
awk -F'\t' -v workers="$workers_list" "$BENCH_AWK_MEDIAN"'
  NR > 1 { k = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5; if (!(k in q)) order[++n] = k
    q[k] = q[k] " " $6; us[k] = us[k] " " $11; lat[k] = lat[k] " " $7; lost[k] += $9; sent[k] += $8
    runs_q[k] = runs_q[k] (runs_q[k] == "" ? "" : " / ") $6; runs_us[k] = runs_us[k] (runs_us[k] == "" ? "" : " / ") $11 }
  END {
    printf "| server | workers | mix | rate | median QPS | QPS per pass | median srv µs/q | µs/q per pass | median avg lat ms | lost / sent |\n"
    printf "|---|---:|---|---|---:|---|---:|---|---:|---:|\n"
    for (i = 1; i <= n; i++) { k = order[i]; split(k, p, SUBSEP)
      printf "| %s | %s | %s | %s | %.0f | %s | %.1f | %s | %.3f | %d / %d |\n", p[1], p[2], p[3], p[4], med(q[k]), runs_q[k],
        med(us[k]), runs_us[k], med(lat[k]), lost[k], sent[k]
      mq[k] = med(q[k]); mus[k] = med(us[k]) }
    print ""; print "== AS beside NSD and Knot, same run (issue 8: CPU/query at 10k q/s <= Knot; unlimited QPS >= NSD at each worker count) =="
    split("hit nxmix", mixes, " ")
    for (m = 1; m <= 2; m++) { x = mixes[m]
      ka = "as" SUBSEP 1 SUBSEP x SUBSEP "10000"; kn = "nsd" SUBSEP 1 SUBSEP x SUBSEP "10000"; kk = "knot" SUBSEP 1 SUBSEP x SUBSEP "10000"
      if ((ka in mus) && (kk in mus))
        printf "  %-5s 1 worker, CPU/query at 10k q/s: AS %.1f µs, NSD %s µs, Knot %.1f µs; AS/Knot = %.2f  -> %s\n", x, mus[ka],
          (kn in mus ? sprintf("%.1f", mus[kn]) : "-"), mus[kk], mus[ka] / mus[kk], (mus[ka] <= mus[kk] ? "meets goal" : "MISSES goal")
      nw = split(workers, ws, " ")
      for (wi = 1; wi <= nw; wi++) { w = ws[wi]
        ka = "as" SUBSEP w SUBSEP x SUBSEP "unlimited"; kn = "nsd" SUBSEP w SUBSEP x SUBSEP "unlimited"; kk = "knot" SUBSEP w SUBSEP x SUBSEP "unlimited"
        if ((ka in mq) && (kn in mq))
          printf "  %-5s %s worker(s), unlimited QPS: AS %.0f, NSD %.0f, Knot %s; AS/NSD = %.2f  -> %s  (CPU/query: AS %.1f µs, NSD %.1f, Knot %s)\n",
            x, w, mq[ka], mq[kn], (kk in mq ? sprintf("%.0f", mq[kk]) : "-"), mq[ka] / mq[kn], (mq[ka] >= mq[kn] ? "meets goal" : "MISSES goal"),
            mus[ka], mus[kn], (kk in mus ? sprintf("%.1f", mus[kk]) : "-") } }
  }' "$raw"
cp "$raw" "${RAW_OUT:-/tmp/fibdns-dns-bench-last.tsv}"
echo "(raw TSV copied to ${RAW_OUT:-/tmp/fibdns-dns-bench-last.tsv})"
report_as_stderr

# ---- memory with 100,000 names -------------------------------------------------------------------
[ "${MEM:-1}" = 1 ] || exit 0
echo
echo "== AS resident memory with 100,000 registered names (goal < 64 MB; AS with its default threads: $(nproc)) =="
pin=()
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# 1. Start once so the AS creates and migrates its database; register one name; note the RSS.
start_as "$mem_port" "$work/mem.db"
register_fibonacci "$mem_port"
wait_answer "$mem_port"
rss_small=$(rss_kb)
bench_stop_server
# 2. Bulk-insert 100,000 names in one transaction with the AS's own schema (and bump the zone
#    serial, as the repository does for each committed change).
t0=$(date +%s.%N)
{ echo 'BEGIN;'
  awk 'BEGIN { for (i = 0; i < 100000; i++)
    printf "INSERT INTO records(name,type,value,ttl) VALUES(\x27host-%06d.fib.test\x27,\x27A\x27,\x2710.%d.%d.%d\x27,300);\n",
      i, int(i / 65536) + 1, int(i / 256) % 256, i % 256 }'
  echo 'UPDATE zone_serial SET serial = serial + 1 WHERE id = 1;'
  echo 'COMMIT;'
} | as_server_user sqlite3 "$work/mem.db"
t1=$(date +%s.%N)
n=$(as_server_user sqlite3 "$work/mem.db" "SELECT count(*) FROM records")
# 3. Restart: the AS loads every record into its in-memory index; check a few answers.
start_as "$mem_port" "$work/mem.db"
wait_answer "$mem_port"
for i in 000000 031415 099999; do
  want=$(as_server_user sqlite3 "$work/mem.db" "SELECT value FROM records WHERE name='host-$i.fib.test'")
  got=$(dig +tries=1 +time=2 @127.0.0.1 -p "$mem_port" "host-$i.fib.test" A +short)
  [ "$got" = "$want" ] || { echo "host-$i.fib.test: got '$got', want '$want'" >&2; exit 1; }
done
rss_loaded=$(rss_kb)
# 4. Serve the whole set once (dnsperf over all 100k names) and read the RSS again.
as_server_user sqlite3 "$work/mem.db" "SELECT name || ' A' FROM records" >"$work/q-mem"
taskset -c 0 dnsperf -s 127.0.0.1 -p "$mem_port" -d "$work/q-mem" -n 1 -c 10 -T 1 -q 100 -t 2 >"$work/out" 2>&1
rss_served=$(rss_kb)
bench_stop_server
awk -v n="$n" -v a="$rss_small" -v b="$rss_loaded" -v c="$rss_served" -v t0="$t0" -v t1="$t1" \
    -v lost="$(awk '/Queries lost:/ {print $3}' "$work/out")" 'BEGIN {
  printf "  records in the database: %d (bulk INSERT in one transaction: %.2f s)\n", n, t1 - t0
  printf "  VmRSS with 1 name:                  %6.1f MB\n", a / 1024
  printf "  VmRSS after restart with %d names: %6.1f MB  (goal < 64 MB: %s)\n", n, b / 1024, (b < 65536 ? "meets goal" : "MISSES goal")
  printf "  VmRSS after querying every name once (lost %s): %6.1f MB  (goal < 64 MB: %s)\n", lost, c / 1024, (c < 65536 ? "meets goal" : "MISSES goal")
  printf "  => about %.0f bytes per name\n", (b - a) * 1024 / n }'
