#!/usr/bin/env bash
# Installs whatever is missing, builds, and runs every test (ctest labels unit, integration, fuzz,
# and the container test unless FIBDNS_SKIP_CONTAINERS=1). Exits non-zero on any failure.
#   BUILD_DIR   build directory (default: build)
#   FIBDNS_SKIP_CONTAINERS=1   skip the Docker stage (CI's build-and-test job)
#   FIBDNS_SANITIZE=1          build with AddressSanitizer + UBSan (use its own BUILD_DIR)
#   FIBDNS_SANITIZE=thread     build with ThreadSanitizer (use its own BUILD_DIR)
#   FIBDNS_SKIP_TSAN=1         skip the ThreadSanitizer stage (the AS's threaded engine: its unit
#                              tests and the AS integration tests, rebuilt with -fsanitize=thread)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh

fibdns_install_packages "${FIBDNS_BUILD_PACKAGES[@]}" "${FIBDNS_TEST_PACKAGES[@]}"

build_dir=${BUILD_DIR:-build}
sanitize=OFF tsan=OFF
case "${FIBDNS_SANITIZE:-0}" in
  1 | address) sanitize=ON ;;
  thread) tsan=ON ;;
esac
launcher=()
if command -v ccache >/dev/null; then
  # Paths relative to the checkout, so that another clone of the project reuses the cache.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIBDNS_BUILD_TESTS=ON \
  -DFIBDNS_SANITIZE="$sanitize" -DFIBDNS_TSAN="$tsan" "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

start=$(date +%s)
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 300
echo "ctest: $(( $(date +%s) - start )) s"

# The AS's engine shares data between threads: its tests run again under ThreadSanitizer (the
# unit tests of the writer, the snapshot publication and TCP, and the real binary end to end).
if [ "${FIBDNS_SKIP_TSAN:-0}" != 1 ] && [ "$tsan" = OFF ] && [ "$sanitize" = OFF ]; then
  start=$(date +%s)
  tsan_dir=${build_dir}-tsan
  cmake -S . -B "$tsan_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIBDNS_BUILD_TESTS=ON \
    -DFIBDNS_TSAN=ON "${launcher[@]}" >/dev/null
  cmake --build "$tsan_dir" -j"$(nproc)" --target authoritative-server writer_test \
    snapshot_publisher_test tcp_server_test authoritative_server_test dns_dig_test \
    authoritative_engine_test authoritative_engine_stress_test update_security_test \
    ${FIBDNS_TSAN_EXTRA_TARGETS:-}
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --test-dir "$tsan_dir" --output-on-failure -j"$(nproc)" --timeout 300 \
    -R "${FIBDNS_TSAN_TESTS:-^(WriterTest|SnapshotPublisher|TcpServerTest|AuthoritativeServer|AuthoritativeEngine|DnsDigTest|UpdateSecurity)}"
  echo "ThreadSanitizer stage: $(( $(date +%s) - start )) s"
fi

if [ "${FIBDNS_SKIP_CONTAINERS:-0}" != 1 ] && [ -x tests/integration/containers_test.sh ]; then
  tests/integration/containers_test.sh
fi
