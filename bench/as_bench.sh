#!/usr/bin/env bash
# Lab-protocol benchmark of the AS on loopback: builds (Release), starts the AS on 127.0.0.1 with
# a fresh database in a temp dir, runs bench/lab_load.cc against it (bounded: SECONDS per phase),
# and prints the figures next to the seed's and PowerDNS's. Also shows the AS's resident memory.
#   SECONDS_PER_PHASE (default 5), WINDOW (16), WRITERS (1,16), PORT (53590)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" sqlite3
bench_build authoritative-server lab-load

port=${PORT:-53590}
work=$(mktemp -d /tmp/fibdns-bench.XXXXXX)
bench_own_work
${server_user[@]+"${server_user[@]}"} "$as_bin" --bind 127.0.0.1 --port "$port" --db "$work/records.db" \
  --log-level warn &
as_pid=$!
trap 'kill $as_pid 2>/dev/null; wait $as_pid 2>/dev/null; rm -rf "$work"' EXIT
sleep 0.3
"$lab_load_bin" --target "127.0.0.1:$port" --seconds "${SECONDS_PER_PHASE:-5}" \
  --window "${WINDOW:-16}" --writers "${WRITERS:-1,16}"
# The disk's own figure in the same run: one autocommit INSERT per transaction at WAL +
# synchronous=FULL through the sqlite3 CLI, the method behind PowerDNS's 3,200/s.
printf '%-52s %12s %12s\n' "same disk, same run: sqlite3 CLI 1 txn per insert" "" \
  "$(sqlite_commits_per_s "$work/baseline.db")"
echo "AS resident memory after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/$as_pid/status)"
echo "records stored: $(as_server_user sqlite3 "$work/records.db" 'SELECT count(*) FROM records' 2>/dev/null || echo '?')"
