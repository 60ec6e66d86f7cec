#!/usr/bin/env bash
# DNS benchmark of the AS beside NSD and Knot DNS on loopback, same run, same zone, one worker each.
# Installs dnsperf, NSD and Knot from Debian if missing; builds the AS (Release); then, for each of
# REPEATS passes, starts each server in turn (only one runs at a time, pinned to CPU 1; dnsperf on
# CPU 0) and runs dnsperf for a hit-only and a half-NXDOMAIN mix, unlimited and at a fixed
# 10,000 q/s. Prints each run's raw figures, then the medians and the AS/NSD ratios against the
# goals (issue 5). Finally measures the AS's resident memory with 100,000 names loaded.
#   DUR (seconds per dnsperf run, default 10), REPEATS (3), INSTALL (1), SERVERS ("nsd knot as"),
#   MEM (1: run the memory test), BUILD_DIR (build-release), PORT_BASE (53600: NSD +1, Knot +2,
#   AS +3, memory-test AS +4), QUIET_WAIT (10: at most this many seconds waiting for the machine to
#   go quiet before each dnsperf run). Traffic goes only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

dur=${DUR:-10}
repeats=${REPEATS:-3}
servers=${SERVERS:-nsd knot as}
port_base=${PORT_BASE:-53600}
nsd_port=$((port_base + 1)) knot_port=$((port_base + 2)) as_port=$((port_base + 3))
mem_port=$((port_base + 4))
build_dir=${BUILD_DIR:-build-release}
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs (server on CPU 1, dnsperf on CPU 0)" >&2; exit 1; }

work=$(mktemp -d /tmp/fibdns-dnsbench.XXXXXX)
server_pid=""
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- processes -----------------------------------------------------------------------------------
# PIDs of $1 and all its descendants (NSD forks xfrd and its server child).
tree_pids() {
  local pids=("$1") i=0 p
  while [ $i -lt ${#pids[@]} ]; do
    for p in $(ps -o pid= --ppid "${pids[$i]}" 2>/dev/null); do pids+=("$p"); done
    i=$((i + 1))
  done
  echo "${pids[@]}"
}
# utime+stime in clock ticks, summed over the tree (per-process figures include all threads).
tree_cpu_ticks() {
  local total=0 p f
  for p in $(tree_pids "$1"); do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    f=${f##*) }  # fields after "(comm) "; utime and stime are fields 14 and 15, here 12 and 13
    set -- $f
    total=$((total + ${12} + ${13}))
  done
  echo $total
}
stop_server() {
  [ -n "$server_pid" ] || return 0
  local pids p
  pids=$(tree_pids "$server_pid")
  kill $pids 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
# Waits (at most QUIET_WAIT s, default 10) until the machine is nearly idle: under 25% of one core busy over 1 s
# (user+nice+system+irq+softirq from /proc/stat; hypervisor steal is not counted, it can't be
# waited out). Prints the last sample, in percent of one core.
wait_quiet() {
  local i a b busy
  for i in $(seq "${QUIET_WAIT:-10}"); do
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    busy=$(( ((b[1]+b[2]+b[3]+b[6]+b[7]) - (a[1]+a[2]+a[3]+a[6]+a[7])) * 100 / $(getconf CLK_TCK) ))
    [ "$busy" -lt 25 ] && { echo "$busy"; return; }
  done
  echo "$busy"
}
wait_answer() {  # port: until fibonacci.fib.test answers (10 s at most)
  for _ in $(seq 100); do
    dig +tries=1 +time=1 @127.0.0.1 -p "$1" fibonacci.fib.test A +short 2>/dev/null | grep -qx 10.0.0.5 \
      && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "server on port $1 did not answer fibonacci.fib.test" >&2
  return 1
}

# ---- install and build ---------------------------------------------------------------------------
if [ "${INSTALL:-1}" = 1 ]; then
  before=$(pgrep -x 'nsd|knotd' || true)
  # The packages' maintainer scripts would start nsd/knotd on port 53 where an init system lets
  # them; policy-rc.d 101 forbids that for the duration of the install (kept if already present).
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" dnsperf nsd knot bind9-dnsutils sqlite3 procps \
    util-linux iproute2 || { [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  # Anything nsd/knotd the install started anyway is stopped by its PID.
  for p in $(pgrep -x 'nsd|knotd' || true); do
    grep -qx "$p" <<<"$before" || { echo "stopping $(ps -o comm= -p "$p") ($p) started by the install"; kill "$p"; }
  done
fi
if ss -lnu 2>/dev/null | awk '{print $4}' | grep -qE ':53$'; then
  echo "note: something listens on UDP port 53 (not used by this benchmark):"; ss -lunp | grep -E ':53 '
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DFIBDNS_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target authoritative-server >/dev/null
as_bin="$build_dir/bin/authoritative-server"

# ---- zone, configs, query files ------------------------------------------------------------------
cat >"$work/fib.test.zone" <<'EOF'
$ORIGIN fib.test.
$TTL 10
@          3600 IN SOA ns1.example.net. hostmaster.fib.test. 1 3600 600 86400 10
@          3600 IN NS  ns1.example.net.
fibonacci    10 IN A   10.0.0.5
EOF
mkdir -p "$work/nsd" "$work/knot"
cat >"$work/nsd/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1
  port: $nsd_port
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  zonelistfile: "$work/nsd/zone.list"
  xfrdfile: "$work/nsd/xfrd.state"
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
cat >"$work/knot/knot.conf" <<EOF
server:
  rundir: "$work/knot"
  listen: 127.0.0.1@$knot_port
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
log:
  - target: stderr
    any: warning
database:
  storage: "$work/knot/db"
template:
  - id: default
    storage: "$work/knot"
    semantic-checks: on
zone:
  - domain: fib.test
    file: "$work/fib.test.zone"
EOF
echo "fibonacci.fib.test A" >"$work/q-hit"
# nxmix: 50% the hit, 50% NXDOMAIN over 50,000 distinct names, cycled by dnsperf.
awk -v seed=$RANDOM 'BEGIN { srand(seed); for (i = 1; i <= 50000; i++) {
  print "fibonacci.fib.test A"; printf "nx-%d-%06d.fib.test A\n", i, int(rand() * 1000000) } }' >"$work/q-nxmix"

start_server() {  # name
  case $1 in
    nsd) taskset -c 1 nsd -d -c "$work/nsd/nsd.conf" 2>>"$work/nsd/stderr" & server_pid=$! port=$nsd_port ;;
    knot) taskset -c 1 knotd -c "$work/knot/knot.conf" 2>>"$work/knot/stderr" & server_pid=$! port=$knot_port ;;
    as)
      rm -f "$work"/as.db*
      taskset -c 1 "$as_bin" --bind 127.0.0.1 --port "$as_port" --db "$work/as.db" --zone fib.test \
        --ns-name ns1.example.net --hostmaster hostmaster.fib.test --log-level warn \
        2>>"$work/as.stderr" &
      server_pid=$! port=$as_port
      register_fibonacci "$as_port"
      ;;
  esac
  wait_answer "$port"
}
register_fibonacci() {  # port: the lab protocol, retried until the AS is up (10 s at most)
  local reply
  for _ in $(seq 20); do
    reply=$(printf 'TYPE=A\nNAME=fibonacci.fib.test\nVALUE=10.0.0.5\nTTL=10\n' |
      timeout 2 nc -u -w 1 127.0.0.1 "$1" 2>/dev/null || true)
    grep -q 'Registration Succeeded' <<<"$reply" && return 0
    sleep 0.5
  done
  echo "AS registration failed: '$reply'" >&2
  return 1
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

# ---- the matrix ----------------------------------------------------------------------------------
hz=$(getconf CLK_TCK)
raw="$work/raw.tsv"
printf 'pass\tserver\tmix\trate\tqps\tavg_ms\tsent\tlost\tsrv_cpu_pct\tsrv_us_per_q\tdnsperf_cpu_pct\tbusy_before_pct\n' >"$raw"
echo "dnsperf runs: ${dur}s each, $repeats passes, servers: $servers (server on CPU 1, dnsperf on CPU 0)"
checked=""
for pass in $(seq "$repeats"); do
  for s in $servers; do
    start_server "$s"
    case " $checked " in *" $s "*) ;; *) check_answers "$s" "$port"; checked="$checked $s" ;; esac
    for mix in hit nxmix; do
      for rate in unlimited 10000; do
        busy=$(wait_quiet)
        qopt=(); [ "$rate" = unlimited ] || qopt=(-Q "$rate")
        c0=$(tree_cpu_ticks "$server_pid"); t0=$(date +%s.%N)
        TIMEFORMAT='%U %S'
        { time timeout $((dur + 30)) taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$work/q-$mix" \
            -l "$dur" -c 10 -T 1 -q 100 -t 2 "${qopt[@]}" >"$work/out" 2>&1; } 2>"$work/time"
        t1=$(date +%s.%N); c1=$(tree_cpu_ticks "$server_pid")
        kill -0 "$server_pid" 2>/dev/null || { echo "$s died during the run" >&2; exit 1; }
        awk -v pass="$pass" -v s="$s" -v mix="$mix" -v rate="$rate" -v hz="$hz" -v dc=$((c1 - c0)) \
            -v t0="$t0" -v t1="$t1" -v busy="$busy" -v tf="$(cat "$work/time")" '
          /Queries sent:/ { sent = $3 } /Queries completed:/ { done = $3 } /Queries lost:/ { lost = $3 }
          /Queries per second:/ { qps = $4 } /Average Latency/ { lat = $4 * 1000 }
          END {
            wall = t1 - t0; cpu = dc / hz; split(tf, u, " ")
            printf "%d\t%s\t%s\t%s\t%.0f\t%.3f\t%d\t%d\t%.0f\t%.1f\t%.0f\t%d\n", pass, s, mix, rate, qps, lat,
              sent, lost, 100 * cpu / wall, done ? 1e6 * cpu / done : 0, 100 * (u[1] + u[2]) / wall, busy
          }' "$work/out" >>"$raw"
        tail -1 "$raw" | awk -F'\t' '{ printf "  pass %s %-5s %-6s %-9s qps %7s  avg %6s ms  lost %s  srv CPU %s%%  %s us/q  dnsperf CPU %s%%\n",
          $1, $2, $3, $4, $5, $6, $8, $9, $10, $11 }'
      done
    done
    stop_server
  done
done

echo
echo "== raw runs =="
column -t -s $'\t' "$raw"
echo
echo "== medians over $repeats passes (dnsperf -l $dur -c 10 -T 1 -q 100 -t 2; srv µs/q = server CPU / answered query) =="
# Median per (server, mix, rate) of QPS, µs/q, avg latency; lost summed over the passes.
awk -F'\t' '
  function med(list,   n, a, i, j, t) { n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  NR > 1 { k = $2 SUBSEP $3 SUBSEP $4; if (!(k in q)) order[++n] = k
    q[k] = q[k] " " $5; us[k] = us[k] " " $10; lat[k] = lat[k] " " $6; lost[k] += $8; sent[k] += $7
    runs_q[k] = runs_q[k] (runs_q[k] == "" ? "" : " / ") $5; runs_us[k] = runs_us[k] (runs_us[k] == "" ? "" : " / ") $10 }
  END {
    printf "| server | mix | rate | median QPS | QPS per pass | median srv µs/q | µs/q per pass | median avg lat ms | lost / sent |\n"
    printf "|---|---|---|---:|---|---:|---|---:|---:|\n"
    for (i = 1; i <= n; i++) { k = order[i]; split(k, p, SUBSEP)
      printf "| %s | %s | %s | %.0f | %s | %.1f | %s | %.3f | %d / %d |\n", p[1], p[2], p[3], med(q[k]), runs_q[k],
        med(us[k]), runs_us[k], med(lat[k]), lost[k], sent[k]
      mq[k] = med(q[k]); mus[k] = med(us[k]) }
    kn = "nsd" SUBSEP "hit" SUBSEP "10000"; ka = "as" SUBSEP "hit" SUBSEP "10000"
    if ((kn in mus) && (ka in mus)) {
      print ""; print "== AS against NSD, same run (goals: CPU/query <= NSD, unlimited QPS >= 0.9x NSD) =="
      split("hit nxmix", mixes, " ")
      for (m = 1; m <= 2; m++) { x = mixes[m]
        a = mus["as" SUBSEP x SUBSEP "10000"]; b = mus["nsd" SUBSEP x SUBSEP "10000"]
        printf "  %-5s CPU/query at 10k q/s: AS %.1f µs, NSD %.1f µs, AS/NSD = %.2f  -> %s\n", x, a, b, a / b, (a <= b ? "meets goal" : "MISSES goal")
        a = mus["as" SUBSEP x SUBSEP "unlimited"]; b = mus["nsd" SUBSEP x SUBSEP "unlimited"]
        printf "  %-5s CPU/query unlimited:  AS %.1f µs, NSD %.1f µs, AS/NSD = %.2f\n", x, a, b, a / b
        a = mq["as" SUBSEP x SUBSEP "unlimited"]; b = mq["nsd" SUBSEP x SUBSEP "unlimited"]
        printf "  %-5s unlimited QPS:        AS %.0f, NSD %.0f, AS/NSD = %.2f  -> %s\n", x, a, b, a / b, (a >= 0.9 * b ? "meets goal" : "MISSES goal") } }
  }' "$raw"
cp "$raw" "${RAW_OUT:-/tmp/fibdns-dns-bench-last.tsv}"
echo "(raw TSV copied to ${RAW_OUT:-/tmp/fibdns-dns-bench-last.tsv})"

# ---- memory with 100,000 names -------------------------------------------------------------------
[ "${MEM:-1}" = 1 ] || exit 0
echo
echo "== AS resident memory with 100,000 registered names (goal < 64 MB) =="
start_mem_as() {
  "$as_bin" --bind 127.0.0.1 --port "$mem_port" --db "$work/mem.db" --zone fib.test \
    --ns-name ns1.example.net --hostmaster hostmaster.fib.test --log-level warn 2>>"$work/mem.stderr" &
  server_pid=$!
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# 1. Start once so the AS creates and migrates its database; register one name; note the RSS.
start_mem_as
register_fibonacci "$mem_port"
wait_answer "$mem_port"
rss_small=$(rss_kb)
stop_server
# 2. Bulk-insert 100,000 names in one transaction with the AS's own schema (and bump the zone
#    serial, as the repository does for each committed change).
t0=$(date +%s.%N)
{ echo 'BEGIN;'
  awk 'BEGIN { for (i = 0; i < 100000; i++)
    printf "INSERT INTO records(name,type,value,ttl) VALUES(\x27host-%06d.fib.test\x27,\x27A\x27,\x2710.%d.%d.%d\x27,300);\n",
      i, int(i / 65536) + 1, int(i / 256) % 256, i % 256 }'
  echo 'UPDATE zone_serial SET serial = serial + 1 WHERE id = 1;'
  echo 'COMMIT;'
} | sqlite3 "$work/mem.db"
t1=$(date +%s.%N)
n=$(sqlite3 "$work/mem.db" "SELECT count(*) FROM records")
# 3. Restart: the AS loads every record into its in-memory index; check a few answers.
start_mem_as
wait_answer "$mem_port"
for i in 000000 031415 099999; do
  want=$(sqlite3 "$work/mem.db" "SELECT value FROM records WHERE name='host-$i.fib.test'")
  got=$(dig +tries=1 +time=2 @127.0.0.1 -p "$mem_port" "host-$i.fib.test" A +short)
  [ "$got" = "$want" ] || { echo "host-$i.fib.test: got '$got', want '$want'" >&2; exit 1; }
done
rss_loaded=$(rss_kb)
# 4. Serve the whole set once (dnsperf over all 100k names) and read the RSS again.
sqlite3 "$work/mem.db" "SELECT name || ' A' FROM records" >"$work/q-mem"
taskset -c 0 dnsperf -s 127.0.0.1 -p "$mem_port" -d "$work/q-mem" -n 1 -c 10 -T 1 -q 100 -t 2 >"$work/out" 2>&1
rss_served=$(rss_kb)
stop_server
awk -v n="$n" -v a="$rss_small" -v b="$rss_loaded" -v c="$rss_served" -v t0="$t0" -v t1="$t1" \
    -v lost="$(awk '/Queries lost:/ {print $3}' "$work/out")" 'BEGIN {
  printf "  records in the database: %d (bulk INSERT in one transaction: %.2f s)\n", n, t1 - t0
  printf "  VmRSS with 1 name:                  %6.1f MB\n", a / 1024
  printf "  VmRSS after restart with %d names: %6.1f MB  (goal < 64 MB: %s)\n", n, b / 1024, (b < 65536 ? "meets goal" : "MISSES goal")
  printf "  VmRSS after querying every name once (lost %s): %6.1f MB  (goal < 64 MB: %s)\n", lost, c / 1024, (c < 65536 ? "meets goal" : "MISSES goal")
  printf "  => about %.0f bytes per name\n", (b - a) * 1024 / n }'
