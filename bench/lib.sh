# shellcheck shell=bash disable=SC2034,SC2154,SC2207
# (SC2034/SC2154: variables set here for, or by, the sourcing script; SC2207: /proc/stat fields.)
# Shell helpers shared by the bench/*.sh scripts (sourced, not run).
# The caller sets `work` (its temp folder) and `server_pid` (""), and calls bench_stop_server from
# its EXIT trap. Every wait here is bounded; every process is stopped by its PID.

source scripts/lib/deps.sh

# ---- install and build ---------------------------------------------------------------------------
# Installs what is missing of the build packages plus "$@". The packages' maintainer scripts would
# start nsd/knotd on port 53 where an init system lets them: a temporary policy-rc.d answering 101
# forbids that during the install (one already present is kept), and any nsd/knotd the install
# started anyway is stopped by its PID.
bench_install() {
  local before own_policy=0 p
  before=$(pgrep -x 'nsd|knotd' || true)
  if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" "$@" ||
    { [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; return 1; }
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  for p in $(pgrep -x 'nsd|knotd' || true); do
    grep -qx "$p" <<<"$before" || { echo "stopping $(ps -o comm= -p "$p") ($p) started by the install"; kill "$p"; }
  done
  return 0
}
# Release build of the given targets in BUILD_DIR (default build-release); sets as_bin, lab_load_bin.
bench_build() {
  build_dir=${BUILD_DIR:-build-release}
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DFIBDNS_BUILD_TESTS=OFF \
    "${launcher[@]}" >/dev/null
  cmake --build "$build_dir" -j"$(nproc)" --target "$@" >/dev/null
  as_bin="$build_dir/bin/authoritative-server"
  lab_load_bin="$build_dir/bin/lab-load"
}
# Release build of the AS as it was at commit $1 (from `git archive`, in BASELINE_DIR, default
# build-engine-baseline); sets baseline_as_bin. Exits 2 when $1 is not a commit here.
bench_build_baseline_as() {
  local ref=$1 commit launcher=()
  git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || {
    echo "BASELINE_REF $ref is not a commit here (a shallow clone?); BASELINE_REF= skips the baseline" >&2
    exit 2
  }
  # A fixed source path, so that ccache and the build folder are reused across runs. The
  # sources are extracted again (and the build folder emptied) only when the commit changed:
  # `git archive` gives every file the commit's time, which make would take as older than the
  # objects built from another commit's files.
  baseline_dir=${BASELINE_DIR:-build-engine-baseline}
  commit=$(git rev-parse "$ref^{commit}")
  if [ "$(cat "$baseline_dir-src/.fibdns-commit" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$baseline_dir-src" "$baseline_dir" && mkdir -p "$baseline_dir-src"
    git archive "$commit" | tar -x -C "$baseline_dir-src"
    echo "$commit" >"$baseline_dir-src/.fibdns-commit"
  fi
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$baseline_dir-src" -B "$baseline_dir" -DCMAKE_BUILD_TYPE=Release \
    -DFIBDNS_BUILD_TESTS=OFF ${launcher[@]+"${launcher[@]}"} >/dev/null
  cmake --build "$baseline_dir" -j"$(nproc)" --target authoritative-server >/dev/null
  baseline_as_bin="$baseline_dir/bin/authoritative-server"
}

# ---- servers never run as root ------------------------------------------------------------------
# Run as root, the scripts start every server (and the sqlite3 CLI on the servers' databases) as
# SERVER_USER (default nobody) through setpriv, which execs, so the PID stays the server's;
# bench_own_work gives that user the temp folder. Run as anyone else, they run as that user.
server_user=()
if [ "$(id -u)" -eq 0 ]; then
  server_user=(setpriv --reuid="${SERVER_USER:-nobody}" --regid="$(id -g "${SERVER_USER:-nobody}")"
    --clear-groups --)
fi
bench_own_work() {  # after the configs are written, before any server starts
  [ ${#server_user[@]} -eq 0 ] || chown -R "${SERVER_USER:-nobody}:$(id -g "${SERVER_USER:-nobody}")" "$work"
}
as_server_user() { ${server_user[@]+"${server_user[@]}"} "$@"; }

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
# "PID:start-time" of a process (start time: field 22 of /proc/PID/stat), empty once it is gone:
# a PID alone may be reused by an unrelated process after this one is reaped.
proc_id() {
  local f
  f=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  f=${f##*) }
  set -- "$1" $f
  echo "$1:${21}"
}
# Stops $server_pid and its descendants: SIGTERM, at most 5 s for a clean exit, then SIGKILL for
# whichever of them (same PID and start time) is still there. Sets server_rc to the exit status
# (143 = killed by SIGTERM, 137 = by SIGKILL: not a clean drain).
bench_stop_server() {
  server_rc=""
  [ -n "$server_pid" ] || return 0
  local pids p ids=() id
  pids=$(tree_pids "$server_pid")
  for p in $pids; do ids+=("$(proc_id "$p")"); done
  kill $pids 2>/dev/null || true
  for _ in $(seq "${stop_wait_tenths:-50}"); do  # then SIGKILL
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  for id in "${ids[@]}"; do
    [ -n "$id" ] && [ "$(proc_id "${id%%:*}")" = "$id" ] && kill -9 "${id%%:*}" 2>/dev/null || true
  done
  server_rc=0
  wait "$server_pid" 2>/dev/null || server_rc=$?
  server_pid=""
}
# Waits (at most QUIET_WAIT s, default 10) until the machine is nearly idle: under 25% of one core
# busy over 1 s (user+nice+system+irq+softirq from /proc/stat; hypervisor steal is not counted, it
# can't be waited out). Prints the last sample, in percent of one core.
wait_quiet() {
  local i a b busy=0
  for i in $(seq "${QUIET_WAIT:-10}"); do
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    busy=$(( ((b[1]+b[2]+b[3]+b[6]+b[7]) - (a[1]+a[2]+a[3]+a[6]+a[7])) * 100 / $(getconf CLK_TCK) ))
    [ "$busy" -lt 25 ] && { echo "$busy"; return; }
  done
  echo "$busy"
}

# ---- the zone and the AS -------------------------------------------------------------------------
# The zone every server serves (../shared/research/dns-anchors-performance.md).
bench_write_zone() {
  cat >"$work/fib.test.zone" <<'EOF'
$ORIGIN fib.test.
$TTL 10
@          3600 IN SOA ns1.example.net. hostmaster.fib.test. 1 3600 600 86400 10
@          3600 IN NS  ns1.example.net.
fibonacci    10 IN A   10.0.0.5
EOF
}
# Writes a Knot configuration serving $work/fib.test.zone (bench_write_zone) on 127.0.0.1:PORT
# with WORKERS UDP workers, state under $work/knot, warnings to stderr.
bench_write_knot_conf() {  # file port workers
  mkdir -p "$work/knot"
  cat >"$1" <<EOF
server:
  rundir: "$work/knot"
  listen: 127.0.0.1@$2
  udp-workers: $3
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
}
# Starts the AS on 127.0.0.1:PORT with database DB serving fib.test, in the background, as the
# server user, prefixed by the array `pin` when set (e.g. pin=(taskset -c 1)); extra flags follow.
# Sets server_pid.
start_as() {  # port db [flags...]
  local port=$1 db=$2
  shift 2
  ${pin[@]+"${pin[@]}"} ${server_user[@]+"${server_user[@]}"} "$as_bin" --bind 127.0.0.1 --port "$port" --db "$db" --zone fib.test \
    --ns-name ns1.example.net --hostmaster hostmaster.fib.test --log-level warn "$@" \
    2>>"$work/as.stderr" &
  server_pid=$!
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
# Prints the AS's warnings and errors collected so far (its stderr), at most 20 lines.
report_as_stderr() {
  [ -s "$work/as.stderr" ] || { echo "  AS stderr (warnings, errors): none"; return 0; }
  echo "  AS stderr (warnings, errors): $(wc -l <"$work/as.stderr") lines; the first 20:"
  head -20 "$work/as.stderr" | sed 's/^/    /'
}

# Commits per second of the disk right now: N (default 2000) single-row INSERTs, one transaction
# each, at WAL + synchronous=FULL through the sqlite3 CLI into a new database DB (PowerDNS
# gsqlite3's write path: about 3,200/s on a quiet disk here).
sqlite_commits_per_s() {  # db [n]
  local n=${2:-2000} t0 t1
  sqlite3 "$1" 'PRAGMA journal_mode=WAL; CREATE TABLE records(name TEXT, value TEXT);' >/dev/null
  t0=$(date +%s.%N)
  { echo 'PRAGMA synchronous=FULL;'
    for i in $(seq "$n"); do echo "INSERT INTO records VALUES('n$i.test','10.0.0.1');"; done
  } | sqlite3 "$1" >/dev/null
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", n / (b - a) }'
}

# ---- figures -------------------------------------------------------------------------------------
# awk: med("3 1 2") is the median of a space-separated list of numbers.
BENCH_AWK_MEDIAN='function med(list,   n, a, i, j, t) { n = split(list, a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }'
