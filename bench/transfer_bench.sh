#!/usr/bin/env bash
# Zone-transfer benchmark of the AS as a primary (issue 10), beside Knot as the primary, with real
# Debian Knot and NSD secondaries on loopback (127.0.0.69), through the integration harness:
#   - propagation: a lab registration acknowledged by the AS -> the name answered by both
#     secondaries (each polled every 10 ms), median and max over 20; beside a Knot primary taking
#     the same changes as TSIG-signed nsupdates, with the same two secondaries;
#   - AXFR of 100,000 names (TSIG-signed) to a fresh Knot secondary: from its start to it answering
#     the last name, from the AS and from a Knot primary.
# The measurements are the DISABLED_Measure* tests of tests/integration/as_secondaries_test.cc.
#   BUILD_DIR (build), REPEATS (1), NSD_RELOAD ("0": NSD's xfrd-reload-timeout for the
#   propagation run; "default" keeps Debian's 1 s), INSTALL (1: apt-get knot, nsd, dig if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

build_dir=${BUILD_DIR:-build}
repeats=${REPEATS:-1}
if [ "${INSTALL:-1}" = 1 ]; then
  for cmd in knotd nsd dig nsupdate tsig-keygen sqlite3; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || {
      fibdns_install_packages knot nsd bind9-dnsutils bind9 sqlite3
      break
    }
  done
fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIBDNS_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target as_secondaries_test authoritative-server >/dev/null

echo "transfer_bench: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for pass in $(seq "$repeats"); do
  echo "pass $pass"
  FIBDNS_BENCH_NSD_RELOAD_TIMEOUT=${NSD_RELOAD:-0} timeout 600 \
    "$build_dir/tests/integration/as_secondaries_test" --gtest_also_run_disabled_tests \
    --gtest_filter='AsSecondariesTest.DISABLED_Measure*' 2>&1 |
    grep -E '^figure|FAILED|Failure' | sed 's/^figure /  /'
done
