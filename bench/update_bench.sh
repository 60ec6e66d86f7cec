#!/usr/bin/env bash
# Signed dynamic updates per second (issue 9): the AS beside a Knot primary, same run, same
# client. `update-load` (bench/update_load.cc) runs W concurrent writers (WRITERS, default 1,16),
# each sending one TSIG-signed (hmac-sha256) RFC 2136 UPDATE at a time over UDP that adds one A
# record for a name never used before, and waiting for its reply (NOERROR with a valid TSIG;
# other RCODEs, timeouts after 2 s, bad replies and bad TSIGs are counted apart) before the next,
# for DUR seconds per writer count. Both servers answer only once the change is committed (the AS:
# SQLite with synchronous=FULL, several updates arriving together share one commit; Knot: its
# journal in LMDB, `journal-db-mode: robust` by default).
#   - the AS: --zone fib.test --tsig-keyfile (a tsig-keygen key) --allow-update KEYNAME,
#     default --threads; a fresh database each pass;
#   - Knot: the primary of ../shared/notes/secondaries.md (zone file with SOA+NS, the key, an acl
#     for transfer and update; its database: storage: folder created first), without secondaries
#     to notify; Knot's defaults otherwise (KNOT_ZONEFILE_SYNC sets `zonefile-sync`, default:
#     Knot's, 0 = the zone file is rewritten after every change); fresh storage each pass.
# After each server's runs, every acknowledged name must be in the server's zone with its address
# (a TSIG-signed dig AXFR, bounded by 120 s), and again after the server was killed with SIGKILL
# and started on what it left. Prints per-pass figures, then the medians side by
# side with AS/Knot and the goal (AS >= Knot at each writer count).
#   DUR (seconds per writer count, default 10, at most 60), REPEATS (1: passes, AS then Knot in
#   each), WRITERS (1,16), INSTALL (1), BUILD_DIR (build-release), BUILD_TYPE (Release), AS_PORT
#   (53650), KNOT_PORT (53651), QUIET_WAIT (10), KNOT_ZONEFILE_SYNC (unset). Traffic goes only to
#   127.0.0.1; the servers run in a temp folder, as SERVER_USER (nobody) when the script runs as
#   root, and are stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

dur=${DUR:-10}
if [ "$dur" -lt 1 ] || [ "$dur" -gt 60 ]; then echo "DUR must be 1..60 seconds" >&2; exit 2; fi
repeats=${REPEATS:-1}
if [ "$repeats" -lt 1 ] || [ "$repeats" -gt 10 ]; then echo "REPEATS must be 1..10" >&2; exit 2; fi
writers=${WRITERS:-1,16}
as_port=${AS_PORT:-53650}
knot_port=${KNOT_PORT:-53651}
work=$(mktemp -d /tmp/fibdns-updatebench.XXXXXX)
server_pid=""
cleanup() {
  bench_stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "${INSTALL:-1}" = 1 ] && bench_install knot bind9-dnsutils bind9 sqlite3 procps iproute2 netcat-openbsd
export PATH="$PATH:/usr/sbin"  # knotd, tsig-keygen
for port in "$as_port" "$knot_port"; do
  if ss -Hlun "sport = :$port" | grep -q . || ss -Hltn "sport = :$port" | grep -q .; then
    echo "port $port is taken on this machine: set AS_PORT / KNOT_PORT" >&2
    exit 1
  fi
done
bench_build authoritative-server update-load
update_load_bin="$build_dir/bin/update-load"

# ---- keys, zone, Knot's config -------------------------------------------------------------------
tsig-keygen -a hmac-sha256 as-update >"$work/as.key"
tsig-keygen -a hmac-sha256 knot-update >"$work/knot.key"
knot_secret=$(sed -n 's/^[[:space:]]*secret "\(.*\)";$/\1/p' "$work/knot.key")
[ -n "$knot_secret" ] || { echo "no secret in tsig-keygen's output" >&2; exit 1; }
bench_write_zone
mkdir -p "$work/knot"
cat >"$work/knot/knot.conf" <<EOF
server:
  rundir: "$work/knot"
  listen: 127.0.0.1@$knot_port
log:
  - target: stderr
    any: warning
key:
  - id: knot-update
    algorithm: hmac-sha256
    secret: $knot_secret
acl:
  - id: update
    address: 127.0.0.0/8
    key: knot-update
    action: [transfer, update]
database:
  storage: "$work/knot/db"
template:
  - id: default
    storage: "$work/knot"
$( [ -z "${KNOT_ZONEFILE_SYNC:-}" ] || echo "    zonefile-sync: $KNOT_ZONEFILE_SYNC")
zone:
  - domain: fib.test
    file: "$work/knot/fib.test.zone"
    acl: update
EOF
bench_own_work

start_server() {  # as|knot [keep]: a fresh server (empty database / storage), answering; with
  # "keep", the same server again on what the previous one left (after kill -9)
  case $1 in
    as)
      [ "${2:-}" = keep ] || rm -f "$work"/as.db*
      start_as "$as_port" "$work/as.db" --tsig-keyfile "$work/as.key" --allow-update as-update
      register_fibonacci "$as_port"
      wait_answer "$as_port"
      ;;
    knot)
      if [ "${2:-}" != keep ]; then
        rm -rf "$work/knot/db" "$work/knot/fib.test.zone"
        as_server_user mkdir "$work/knot/db"  # Knot's DDNS fails ("not exists") without it
        as_server_user cp "$work/fib.test.zone" "$work/knot/fib.test.zone"
      fi
      ${server_user[@]+"${server_user[@]}"} knotd -c "$work/knot/knot.conf" 2>>"$work/knot/stderr" &
      server_pid=$!
      wait_answer "$knot_port"
      ;;
  esac
}

soa_serial() {  # port: the zone's SOA serial as dig reads it ("?" when there is no answer)
  dig +tries=1 +time=2 @127.0.0.1 -p "$1" fib.test SOA +short 2>/dev/null | awk '{ print $3; exit }' | grep . || echo '?'
}
# Every acknowledged "name address" in $2 must be in the zone of the server on port $1, with that
# address (an AXFR signed with key file $3). Prints the verdict; returns 1 when a name is missing.
check_names() {  # port names keyfile
  local acked
  acked=$(wc -l <"$2")
  timeout 120 dig -k "$3" +tries=1 +time=30 @127.0.0.1 -p "$1" fib.test AXFR >"$work/axfr" 2>&1 || true
  if [ "$(grep -cE '^fib\.test\.\s+[0-9]+\s+IN\s+SOA' "$work/axfr")" -lt 2 ]; then
    echo "    check: AXFR failed: $(grep -m1 -E 'failed|error|REFUSED|NOTAUTH|timed out' "$work/axfr" || tail -1 "$work/axfr")"
    return 1
  fi
  awk -v acked="$acked" '
    NR == FNR { want[$1 "."] = $2; next }
    $3 == "IN" && $4 == "A" && ($1 in want) && want[$1] == $5 { found[$1] = 1 }
    END { n = 0; for (k in want) if (!(k in found)) { if (n < 5) first = first " " k; n++ }
      if (n) { printf "    check: %d of %d acknowledged names MISSING from the AXFR (e.g.%s)\n", n, acked, first; exit 1 }
      printf "    check: all %d acknowledged names in the AXFR with their addresses\n", acked }' "$2" "$work/axfr"
}

raw="$work/raw.tsv"
printf 'pass\tserver\twriters\tper_s\tacked\trcode_err\tunanswered\tbad_reply\tbad_tsig\tp50_ms\tp99_ms\tmax_ms\tcheck\tbusy_before_pct\tsrv_us_per_update\n' >"$raw"
echo "update_bench: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); ${dur}s per writer count, writers $writers, $repeats pass(es)"
echo "disk: $(sqlite_commits_per_s "$work/disk.db" 1000) single-row commits/s (sqlite3 CLI, WAL + FULL), just now"
failed=0
for pass in $(seq "$repeats"); do
  for server in as knot; do
    start_server "$server"
    port=$as_port keyfile="$work/as.key"
    [ "$server" = knot ] && port=$knot_port keyfile="$work/knot.key"
    serial0=$(soa_serial "$port")
    : >"$work/$server.names" && : >"$work/out"
    for w in ${writers//,/ }; do
      busy=$(wait_quiet)
      c0=$(tree_cpu_ticks "$server_pid")
      timeout $((dur + 60)) "$update_load_bin" --target "127.0.0.1:$port" --zone fib.test \
        --keyfile "$keyfile" --seconds "$dur" --writers "$w" --label "p$pass" \
        --names-out "$work/$server.names" >"$work/out1"
      c1=$(tree_cpu_ticks "$server_pid")
      # the server's CPU (all threads, clock ticks) per acknowledged update, in microseconds
      awk -v dc=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v busy="$busy" '{
        for (i = 1; i <= NF; i++) if ($i ~ /^acknowledged=/) { split($i, kv, "="); n = kv[2] }
        printf "%s server_us_per_update=%.0f busy_before_pct=%s\n", $0, n ? 1e6 * dc / hz / n : 0, busy }' \
        "$work/out1" >>"$work/out"
    done
    kill -0 "$server_pid" 2>/dev/null || { echo "$server died during the run" >&2; exit 1; }
    verdict=ok
    echo "    SOA serial: $serial0 -> $(soa_serial "$port") for $(wc -l <"$work/$server.names") acknowledged updates" >"$work/check"
    check_names "$port" "$work/$server.names" "$keyfile" >>"$work/check" || { verdict=MISSING; failed=1; }
    # Durable: the server killed with SIGKILL (no chance to flush anything), started again on
    # what it left, and the same check.
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    start_server "$server" keep
    { check_names "$port" "$work/$server.names" "$keyfile" | sed 's/check:/after kill -9 and a restart:/'; } >>"$work/check" ||
      { verdict=MISSING; failed=1; }
    bench_stop_server
    [ "$server" = as ] && [ "$server_rc" != 0 ] && echo "  the AS exited with $server_rc on SIGTERM (not a clean drain)"
    sed 's/ busy_before_pct=.*//; s/^/  '"pass $pass $server"': /' "$work/out"
    cat "$work/check"
    awk -v pass="$pass" -v s="$server" -v check="$verdict" '
      { for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", pass, s, f["writers"],
          f["per_second"], f["acknowledged"], f["rcode_errors"], f["unanswered"], f["bad_reply"],
          f["bad_tsig"], f["p50_ms"], f["p99_ms"], f["max_ms"], check, f["busy_before_pct"],
          f["server_us_per_update"] }' "$work/out" >>"$raw"
  done
done

echo
echo "== raw runs =="
column -t -s $'\t' "$raw"
echo
echo "== signed updates/s, one A record each, acknowledged (medians over $repeats pass(es), ${dur}s each) =="
awk -F'\t' "$BENCH_AWK_MEDIAN"'
  NR > 1 { k = $2 SUBSEP $3; if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 }
    rate[k] = rate[k] " " $4; p99[k] = p99[k] " " $11; cpu[k] = cpu[k] " " $15; fail[k] += $6 + $7 + $8 + $9
    runs[k] = runs[k] (runs[k] == "" ? "" : " / ") $4 }
  END {
    printf "| writers | AS updates/s | Knot updates/s | AS/Knot | p99 ms AS / Knot | server CPU µs/update AS / Knot | failures AS / Knot | goal: AS >= Knot |\n"
    printf "|---:|---:|---:|---:|---:|---:|---:|---|\n"
    for (i = 1; i <= n; i++) { w = order[i]; a = med(rate["as" SUBSEP w]); b = med(rate["knot" SUBSEP w])
      printf "| %s | %.0f (%s) | %.0f (%s) | %s | %.2f / %.2f | %.0f / %.0f | %d / %d | %s |\n", w, a,
        runs["as" SUBSEP w], b, runs["knot" SUBSEP w], (b > 0 ? sprintf("%.2f", a / b) : "-"),
        med(p99["as" SUBSEP w]), med(p99["knot" SUBSEP w]), med(cpu["as" SUBSEP w]),
        med(cpu["knot" SUBSEP w]), fail["as" SUBSEP w], fail["knot" SUBSEP w],
        ((b > 0 && a >= b) ? "met" : "MISSED") }
  }' "$raw"
[ -s "$work/knot/stderr" ] && { echo "  Knot stderr (warnings, errors): $(wc -l <"$work/knot/stderr") lines; the first 10:"; head -10 "$work/knot/stderr" | sed 's/^/    /'; }
report_as_stderr
[ $failed = 0 ] || { echo "LOST UPDATES: an acknowledged name is missing (see the checks above)" >&2; exit 1; }
